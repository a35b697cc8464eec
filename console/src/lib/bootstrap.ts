/** Bootstrap profiles and enrollment secrets in words, for operators who do not know the acronyms. Pure. */
import type { BootstrapProfile, Enrollment } from '../types.ts';

const AUTH: Record<BootstrapProfile['clientAuth'], string> = {
  md5: 'MD5 digest',
  basic: 'Basic (name and password)',
  hmac: 'HMAC of each message',
};

/** What a device bootstrapped with this profile gets, as one sentence. */
export function describeProfile(p: BootstrapProfile): string {
  const doc = p.profile === 'cp'
    ? 'a WAP provisioning (CP) document'
    : `a SyncML DM message that ${p.form === 'tnds' ? 'adds the account as one TNDS object through ./Inbox' : 'adds each ./DMAcc node directly'}`;
  const server = p.serverUri ? `the DM server at ${p.serverUri}` : "this server's public DM address";
  const srv = p.serverAuth === 'md5' ? 'the server proves itself with MD5 digest' : 'the server does not authenticate to the device';
  return `Issues ${doc}; the device is given ${server}, fresh per-device credentials it uses with ${AUTH[p.clientAuth]}, and ${srv}.`;
}

/** Who may enroll with an enrollment secret, in words. */
export function describeEnrollment(e: Pick<Enrollment, 'profile' | 'devId'>): string {
  const who = e.devId ? `only the device ${e.devId}` : 'any device that presents it';
  return `Lets ${who} ask the bootstrap server (/bootstrap) for a DM account, issued with profile ${e.profile}.`;
}

/** How a device got its account (`bootstrapMethod`), in words. */
export function describeBootstrapMethod(m: string | undefined): string | undefined {
  switch (m) {
    case undefined: case '': return undefined;
    case 'customized': return 'customized (document in the image or factory state)';
    case 'server-initiated': return 'server-initiated (pushed by this server)';
    case 'smartcard': return 'smartcard (read from a card)';
    case 'client-initiated': return 'client-initiated (enrolled with the bootstrap server)';
    default: return m;
  }
}

/** The client config snippet a device needs to enroll with this secret (shown once, with the secret). */
export function enrollmentConfig(e: { name: string; secret: string }, bootstrapUrl: string): string {
  return JSON.stringify({
    accounts: [{ serverId: 'dmvisor-bootstrap', serverUri: bootstrapUrl, clientAuth: { type: 'BASIC', name: e.name, secret: e.secret } }],
    bootstrap: { server: 'dmvisor-bootstrap' },
  }, null, 2);
}
