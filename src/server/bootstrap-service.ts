/**
 * The server's bootstrap role: bootstrap profiles and enrollment secrets
 * (kept as settings, cached in memory), issuing a device its DM account with
 * fresh per-device credentials (registered in the store with how it was
 * bootstrapped), building the bootstrap document (DM or CP profile, with
 * SEC/MAC), and pushing it to a device (server-initiated).
 *
 * Registry rules: issuing for a DevId that is already registered is refused
 * (409) unless `replace` is asked — and never for a device an operator
 * registered by hand (no bootstrap method), whose credentials a bootstrap
 * must not take over.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import type { Store, DeviceRecord, BootstrapMethod } from '../store/index.js';
import { DeviceExistsError } from '../store/index.js';
import { DmvisorError } from '../errors.js';
import type { DmAccount } from '../mo/dmacc.js';
import { buildDmBootstrapMessage, DM_BOOTSTRAP_TYPE } from '../bootstrap/dm-profile.js';
import { buildCpDocument } from '../bootstrap/cp-profile.js';
import { CP_WBXML_TYPE, encodeProvisioningWbxml } from '../bootstrap/cp-document.js';
import { computeBootstrapMac, parseSecMethod, secNumber, type BootstrapSecrets, type SecMethod, type UserNetwPinKey } from '../bootstrap/security.js';
import { encodeWapPush, PushApplicationId } from '../notification/wap-push.js';
import { TransportError } from '../transport/transport-error.js';
import { WAP_PUSH_PORT } from '../transport/notification-sender.js';

/** A bootstrap profile: what account a bootstrapped device gets, and how the document is made. */
export interface BootstrapProfile {
  name: string;
  /** `dm` (SyncML DM message) or `cp` (WAP provisioning document). Default dm. */
  profile: 'dm' | 'cp';
  /** DM profile form: `direct` Adds or a TNDS object via ./Inbox. Default tnds. */
  form: 'direct' | 'tnds';
  /** DM server URL the device is given; default the server's public DM URL. */
  serverUri?: string;
  /** Auth the device uses with us: md5 (default), basic or hmac. */
  clientAuth: 'md5' | 'basic' | 'hmac';
  /** Whether we authenticate to the device (md5, default) or not (none). */
  serverAuth: 'md5' | 'none';
}

/** A pre-shared enrollment secret for client-initiated bootstrap. */
export interface EnrollmentSecret {
  /** The name the device presents (AAuthName of its bootstrap-server account). */
  name: string;
  secret: string;
  /** Profile of the account issued. */
  profile: string;
  /** Only this DevId may enroll with it (a per-device credential); absent: any device. */
  devId?: string;
  createdAt: string;
}

/** SEC/MAC settings of one document. */
export interface DocumentSecurity {
  sec?: SecMethod;
  secrets?: BootstrapSecrets;
}

/** A built bootstrap document. */
export interface IssuedBootstrap {
  devId: string;
  account: DmAccount;
  bytes: Uint8Array;
  contentType: string;
  sec?: SecMethod;
  mac?: string;
}

/** A bootstrap request was refused (unknown profile, device exists, …). */
export class BootstrapServiceError extends DmvisorError {
  constructor(message: string, statusHint: number, code = 'DMV_ERR_BOOTSTRAP') {
    super(message, code, statusHint);
  }
}

const PROFILES_KEY = 'bootstrap:profiles';
const ENROLLMENTS_KEY = 'bootstrap:enrollments';
/** How long profiles and enrollment secrets are used from memory before they are read again (other nodes may change them). */
const SETTINGS_CACHE_MS = 2000;
const NAME_RE = /^[A-Za-z0-9._~-]{1,64}$/;
/** The profile used when none is named. */
export const DEFAULT_PROFILE: BootstrapProfile = { name: 'default', profile: 'dm', form: 'tnds', clientAuth: 'md5', serverAuth: 'md5' };

/** See the module comment. */
export class BootstrapService {
  private profiles: Map<string, BootstrapProfile> | undefined;
  private enrollments: Map<string, EnrollmentSecret> | undefined;
  private profilesAt = 0;
  private enrollmentsAt = 0;

  constructor(private readonly store: Store, private readonly server: { serverId: string; dmUrl: string; userNetwPinKey?: UserNetwPinKey }) {}

  /** The ServerID devices are given. */
  get serverId(): string {
    return this.server.serverId;
  }

  // ── profiles and enrollment secrets ──────────────────────────────────────

  async listProfiles(): Promise<BootstrapProfile[]> {
    return [...(await this.loadProfiles()).values()];
  }

  async getProfile(name: string): Promise<BootstrapProfile> {
    const p = (await this.loadProfiles()).get(name);
    if (!p) throw new BootstrapServiceError(`no bootstrap profile ${JSON.stringify(name)}`, 404, 'DMV_ERR_NOT_FOUND');
    return p;
  }

  /** Create or replace a profile (validated). */
  async putProfile(raw: Record<string, unknown>): Promise<BootstrapProfile> {
    const p = validateProfile(raw);
    const all = await this.loadProfiles();
    all.set(p.name, p);
    await this.store.setSetting(PROFILES_KEY, JSON.stringify([...all.values()]));
    return p;
  }

  async deleteProfile(name: string): Promise<boolean> {
    const all = await this.loadProfiles();
    if (name === 'default' || !all.delete(name)) return false;
    await this.store.setSetting(PROFILES_KEY, JSON.stringify([...all.values()]));
    return true;
  }

  /** Enrollment secrets without their secret values. */
  async listEnrollments(): Promise<Omit<EnrollmentSecret, 'secret'>[]> {
    return [...(await this.loadEnrollments()).values()].map(({ secret: _s, ...rest }) => rest);
  }

  /** Create an enrollment secret (generated when not given); returns it with its secret, once. */
  async createEnrollment(input: { name?: string; secret?: string; profile?: string; devId?: string }): Promise<EnrollmentSecret> {
    const name = input.name ?? `enroll-${randomBytes(6).toString('hex')}`;
    if (!NAME_RE.test(name)) throw new BootstrapServiceError('name: use 1–64 letters, digits and . _ ~ -', 400, 'DMV_ERR_INPUT');
    const secret = input.secret ?? randomBytes(18).toString('base64url');
    if (secret.length < 8 || secret.length > 256) throw new BootstrapServiceError('secret: 8 to 256 characters', 400, 'DMV_ERR_INPUT');
    const profile = input.profile ?? 'default';
    await this.getProfile(profile);
    if (input.devId !== undefined && (input.devId.length === 0 || input.devId.length > 512)) throw new BootstrapServiceError('devId: 1 to 512 characters', 400, 'DMV_ERR_INPUT');
    const all = await this.loadEnrollments();
    if (all.has(name)) throw new BootstrapServiceError(`enrollment ${JSON.stringify(name)} exists`, 409, 'DMV_ERR_EXISTS');
    const e: EnrollmentSecret = { name, secret, profile, ...(input.devId !== undefined ? { devId: input.devId } : {}), createdAt: new Date().toISOString() };
    all.set(name, e);
    await this.store.setSetting(ENROLLMENTS_KEY, JSON.stringify([...all.values()]));
    return e;
  }

  async deleteEnrollment(name: string): Promise<boolean> {
    const all = await this.loadEnrollments();
    if (!all.delete(name)) return false;
    await this.store.setSetting(ENROLLMENTS_KEY, JSON.stringify([...all.values()]));
    return true;
  }

  /** The enrollment secret a device presents by name (undefined when unknown). */
  async enrollment(name: string): Promise<EnrollmentSecret | undefined> {
    return (await this.loadEnrollments()).get(name);
  }

  private async loadProfiles(): Promise<Map<string, BootstrapProfile>> {
    // Re-read now and then: in a cluster another node may have changed them.
    if (!this.profiles || Date.now() - this.profilesAt > SETTINGS_CACHE_MS) {
      this.profilesAt = Date.now();
      const stored = await this.store.getSetting(PROFILES_KEY);
      const list = stored ? (JSON.parse(stored) as BootstrapProfile[]) : [];
      this.profiles = new Map([[DEFAULT_PROFILE.name, DEFAULT_PROFILE], ...list.map((p) => [p.name, p] as const)]);
    }
    return this.profiles;
  }

  private async loadEnrollments(): Promise<Map<string, EnrollmentSecret>> {
    if (!this.enrollments || Date.now() - this.enrollmentsAt > SETTINGS_CACHE_MS) {
      this.enrollmentsAt = Date.now();
      const stored = await this.store.getSetting(ENROLLMENTS_KEY);
      this.enrollments = new Map((stored ? (JSON.parse(stored) as EnrollmentSecret[]) : []).map((e) => [e.name, e]));
    }
    return this.enrollments;
  }

  /** A registered device's notification address (where a re-bootstrap is pushed). */
  async deviceAddress(devId: string): Promise<string | undefined> {
    return (await this.store.getDevice(devId))?.notifyAddress;
  }

  // ── issuing ──────────────────────────────────────────────────────────────

  /**
   * Give `devId` a DM account: fresh credentials, registered with `method`.
   * Refused (409) when the device exists, unless `replace` and it was itself
   * bootstrapped.
   */
  async issueAccount(devId: string, method: BootstrapMethod, profileName = 'default', opts: { replace?: boolean; notifyAddress?: string } = {}): Promise<{ account: DmAccount; profile: BootstrapProfile; device: DeviceRecord }> {
    if (typeof devId !== 'string' || devId.length === 0 || devId.length > 512) throw new BootstrapServiceError('devId: 1 to 512 characters', 400, 'DMV_ERR_INPUT');
    const profile = await this.getProfile(profileName);
    const clientSecret = randomBytes(18).toString('base64url');
    const serverSecret = randomBytes(18).toString('base64url');
    const clientAuth = { type: profile.clientAuth, name: devId, secret: clientSecret };
    const serverAuth = profile.serverAuth === 'none' ? undefined : { type: 'md5' as const, name: this.server.serverId, secret: serverSecret };
    let device: DeviceRecord;
    try {
      device = await this.store.registerDevice({
        devId, clientAuth, ...(serverAuth ? { serverAuth } : {}), bootstrapMethod: method, ...(opts.notifyAddress ? { notifyAddress: opts.notifyAddress } : {}),
      });
    } catch (e) {
      if (!(e instanceof DeviceExistsError)) throw e;
      const existing = await this.store.getDevice(devId);
      if (!opts.replace || !existing?.bootstrapMethod) {
        throw new BootstrapServiceError(existing?.bootstrapMethod
          ? `device ${devId} is already bootstrapped (${existing.bootstrapMethod}); ask for replace to issue new credentials`
          : `device ${devId} is registered by an operator; a bootstrap may not take it over`, 409, 'DMV_ERR_EXISTS');
      }
      device = await this.store.updateDevice(devId, { clientAuth, serverAuth: serverAuth ?? null, bootstrapMethod: method, ...(opts.notifyAddress ? { notifyAddress: opts.notifyAddress } : {}) });
    }
    const type = { md5: 'DIGEST', basic: 'BASIC', hmac: 'HMAC' }[profile.clientAuth];
    const account: DmAccount = {
      serverId: this.server.serverId, name: 'dmvisor', addresses: [{ addr: profile.serverUri ?? this.server.dmUrl, addrType: 'URI' }], authPref: type,
      auth: [
        { level: 'CLCRED', type, name: devId, secret: clientSecret },
        ...(serverAuth ? [{ level: 'SRVCRED' as const, type: 'DIGEST', name: this.server.serverId, secret: serverSecret }] : []),
      ],
    };
    return { account, profile, device };
  }

  /** The bootstrap document of an account, with SEC/MAC when asked. */
  buildDocument(devId: string, account: DmAccount, profile: BootstrapProfile, security: DocumentSecurity = {}): IssuedBootstrap {
    const bytes = profile.profile === 'cp'
      ? encodeProvisioningWbxml(buildCpDocument([account]))
      : buildDmBootstrapMessage([{ node: safeNode(account.serverId), account }], { form: profile.form, target: devId, source: this.server.serverId });
    const out: IssuedBootstrap = { devId, account, bytes, contentType: profile.profile === 'cp' ? CP_WBXML_TYPE : DM_BOOTSTRAP_TYPE };
    if (security.sec) {
      const secrets = { ...(this.server.userNetwPinKey ? { userNetwPinKey: this.server.userNetwPinKey } : {}), ...security.secrets };
      out.sec = security.sec;
      out.mac = computeBootstrapMac(security.sec, secrets, bytes);
    }
    return out;
  }

  /** Issue and build in one step. */
  async issue(devId: string, method: BootstrapMethod, profileName: string | undefined, security: DocumentSecurity, opts: { replace?: boolean; notifyAddress?: string } = {}): Promise<IssuedBootstrap> {
    const { account, profile } = await this.issueAccount(devId, method, profileName, opts);
    return this.buildDocument(devId, account, profile, security);
  }

  /**
   * Server-initiated bootstrap: issue the account, push the document to
   * `address` (`udp://host:port` → WSP push with SEC/MAC; `http(s)://…` →
   * POST with `Content-Type: type; SEC=…; MAC=…`). The device is
   * registered with that address for later notifications.
   */
  async push(devId: string, address: string, profileName: string | undefined, security: DocumentSecurity, opts: { replace?: boolean } = {}): Promise<IssuedBootstrap> {
    if (!security.sec) throw new BootstrapServiceError('a pushed bootstrap needs SEC (and its PIN/IMSI)', 400, 'DMV_ERR_INPUT');
    let url: URL;
    try { url = new URL(address); } catch { throw new BootstrapServiceError(`address ${JSON.stringify(address)} is not a URL (udp://host:port or http://…)`, 400, 'DMV_ERR_INPUT'); }
    if (!['udp:', 'http:', 'https:'].includes(url.protocol)) throw new BootstrapServiceError(`unsupported address scheme ${url.protocol}`, 400, 'DMV_ERR_INPUT');
    // For HTTP the notification address is the device's /notify next to its /bootstrap path.
    const notifyAddress = url.protocol === 'udp:' ? address : new URL('/notify', url).href;
    const issued = await this.issue(devId, 'server-initiated', profileName, security, { ...opts, notifyAddress });
    await sendBootstrap(url, issued);
    return issued;
  }
}

/** Deliver a bootstrap document to a device. */
export async function sendBootstrap(url: URL, doc: IssuedBootstrap, timeoutMs = 10_000): Promise<void> {
  if (url.protocol === 'udp:') {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const pdu = encodeWapPush({
      tid: randomBytes(1)[0], pduType: 0x06, contentType: doc.contentType,
      ...(doc.sec ? { sec: secNumber(doc.sec) } : {}), ...(doc.mac ? { mac: doc.mac } : {}),
      applicationId: doc.contentType === CP_WBXML_TYPE ? PushApplicationId.WML_UA : PushApplicationId.SYNCML_DM, body: doc.bytes,
    });
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    try {
      await new Promise<void>((resolve, reject) => sock.send(pdu, url.port ? Number(url.port) : WAP_PUSH_PORT, host, (err) => (err ? reject(new TransportError('network', err.message)) : resolve())));
    } finally {
      sock.close();
    }
    return;
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const type = `${doc.contentType}${doc.sec ? `; SEC=${doc.sec}` : ''}${doc.mac ? `; MAC=${doc.mac}` : ''}`;
    const target = url.pathname === '/' ? new URL('/bootstrap', url) : url;
    const res = await fetch(target, { method: 'POST', headers: { 'content-type': type }, body: doc.bytes, signal: controller.signal });
    if (res.status < 200 || res.status >= 300) throw new TransportError('http-status', `bootstrap push refused with HTTP ${res.status}`, res.status);
  } catch (e) {
    if (e instanceof TransportError) throw e;
    throw new TransportError(controller.signal.aborted ? 'timeout' : 'network', `bootstrap push to ${url.host} failed: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

function safeNode(serverId: string): string {
  return serverId.replace(/[^A-Za-z0-9._~-]/g, '_').slice(0, 64) || 'dmvisor';
}

/** Validate a profile body. */
export function validateProfile(raw: Record<string, unknown>): BootstrapProfile {
  const fail = (field: string, reason: string): never => { throw new BootstrapServiceError(`${field}: ${reason}`, 400, 'DMV_ERR_INPUT'); };
  for (const k of Object.keys(raw)) if (!['name', 'profile', 'form', 'serverUri', 'clientAuth', 'serverAuth'].includes(k)) fail(k, 'unknown field');
  if (typeof raw.name !== 'string' || !NAME_RE.test(raw.name)) fail('name', 'use 1–64 letters, digits and . _ ~ -');
  const pick = <T extends string>(k: string, allowed: readonly T[], dflt: T): T => {
    const v = raw[k] ?? dflt;
    if (typeof v !== 'string' || !allowed.includes(v as T)) fail(k, `must be one of ${allowed.join(', ')}`);
    return v as T;
  };
  const p: BootstrapProfile = {
    name: raw.name as string,
    profile: pick('profile', ['dm', 'cp'] as const, 'dm'),
    form: pick('form', ['direct', 'tnds'] as const, 'tnds'),
    clientAuth: pick('clientAuth', ['md5', 'basic', 'hmac'] as const, 'md5'),
    serverAuth: pick('serverAuth', ['md5', 'none'] as const, 'md5'),
  };
  if (raw.serverUri !== undefined) {
    if (typeof raw.serverUri !== 'string') fail('serverUri', 'must be a URL');
    let u: URL | undefined;
    try {
      u = new URL(raw.serverUri as string);
    } catch { fail('serverUri', 'must be a URL'); }
    if (u!.protocol !== 'http:' && u!.protocol !== 'https:') fail('serverUri', 'must be http: or https:');
    p.serverUri = raw.serverUri as string;
  }
  return p;
}

/** Parse SEC and its secrets from an API/CLI body (`sec`, `pin`, `imsi`). */
export function securityOf(body: Record<string, unknown>): DocumentSecurity {
  if (body.sec === undefined) return {};
  let sec: SecMethod;
  try { sec = parseSecMethod(body.sec as string); } catch (e) { throw new BootstrapServiceError(`sec: ${(e as Error).message}`, 400, 'DMV_ERR_INPUT'); }
  const secrets: BootstrapSecrets = {};
  if (body.pin !== undefined) { if (typeof body.pin !== 'string' || body.pin === '' || body.pin.length > 64) throw new BootstrapServiceError('pin: 1 to 64 characters', 400, 'DMV_ERR_INPUT'); secrets.pin = body.pin; }
  if (body.imsi !== undefined) { if (typeof body.imsi !== 'string' || !/^\d{5,15}$/.test(body.imsi)) throw new BootstrapServiceError('imsi: 5 to 15 digits', 400, 'DMV_ERR_INPUT'); secrets.imsi = body.imsi; }
  if (body.userNetwPinKey !== undefined) {
    if (body.userNetwPinKey !== 'pin-colon-netw' && body.userNetwPinKey !== 'netw-then-pin') throw new BootstrapServiceError('userNetwPinKey: pin-colon-netw or netw-then-pin', 400, 'DMV_ERR_INPUT');
    secrets.userNetwPinKey = body.userNetwPinKey;
  }
  if ((sec === 'NETWPIN' || sec === 'USERNETWPIN') && !secrets.imsi) throw new BootstrapServiceError(`imsi: required with sec ${sec}`, 400, 'DMV_ERR_INPUT');
  if (sec !== 'NETWPIN' && !secrets.pin) throw new BootstrapServiceError(`pin: required with sec ${sec}`, 400, 'DMV_ERR_INPUT');
  return { sec, secrets };
}
