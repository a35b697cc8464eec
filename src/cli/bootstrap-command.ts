/**
 * `dmvisor bootstrap …` — make and deliver bootstrap data (docs/bootstrap.md).
 *
 *   build  --dev-id ID [--profile-name P] [--sec M --pin PIN --imsi IMSI] --out FILE
 *          issue the device's account on the server (registered as customized) and write the document
 *   build  --offline --profile dm|cp [--form direct|tnds] --server-uri URL --server-id ID
 *          --client-name N --client-secret S [--server-secret S] [--auth DIGEST|BASIC|HMAC] [--dev-id ID] … --out FILE
 *          build a document from explicit values, without a server
 *   card   --dev-id ID [--card-id C] [--sec …] --out card.img      issue (registered as smartcard) and write a virtual card image
 *   push   <devId> [--address udp://host:port | http://host:port/bootstrap] --sec M --pin PIN | --imsi IMSI [--replace]
 *   enroll [--name N] [--secret S] [--profile-name P] [--for-dev-id ID]   create an enrollment secret (client-initiated)
 *   profile <name> [--profile dm|cp] [--form direct|tnds] [--server-uri URL] [--auth md5|basic|hmac] [--server-auth md5|none]
 *
 * Server commands use --url (env DMVISOR_URL) and --token (env DMVISOR_API_TOKEN). `build` and
 * `card` print the SEC and MAC to put in the client config (or on the card).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CliIo } from './codec-command.js';
import { UsageError } from './usage-error.js';
import { DmvisorError } from '../errors.js';
import { buildDmBootstrapMessage, DM_BOOTSTRAP_TYPE } from '../bootstrap/dm-profile.js';
import { buildCpDocument } from '../bootstrap/cp-profile.js';
import { CP_WBXML_TYPE, encodeProvisioningWbxml } from '../bootstrap/cp-document.js';
import { computeBootstrapMac, parseSecMethod, type BootstrapSecrets, type UserNetwPinKey } from '../bootstrap/security.js';
import { encodeCardImage, OID_CP_BOOTSTRAP, OID_DM_BOOTSTRAP } from '../bootstrap/virtual-card.js';
import type { DmAccount } from '../mo/dmacc.js';

export const BOOTSTRAP_USAGE = `usage: dmvisor bootstrap build|card|push|enroll|profile …

  build --dev-id ID --out FILE [--profile-name P] [--sec M --pin PIN --imsi IMSI] [--replace]
        the server issues the device's account (registry: customized) and the document is written
  build --offline --profile dm|cp --server-uri URL --server-id ID --client-name N --client-secret S
        [--server-secret S] [--auth DIGEST|BASIC|HMAC] [--form direct|tnds] [--dev-id ID] [--sec …] --out FILE
  card  --dev-id ID --out card.img [--card-id C] [--sec M --pin PIN --imsi IMSI]   (registry: smartcard)
  push  <devId> [--address udp://host:port | http://host:port/bootstrap] --sec M (--pin PIN | --imsi IMSI) [--replace]
  enroll [--name N] [--secret S] [--profile-name P] [--for-dev-id ID]     enrollment secret for client-initiated bootstrap
  profile <name> [--profile dm|cp] [--form direct|tnds] [--server-uri URL] [--auth md5|basic|hmac] [--server-auth md5|none]

  --sec NETWPIN|USERPIN|USERNETWPIN|USERPINMAC   security method (MAC = HMAC-SHA1 over the document)
  --user-netw-pin-key pin-colon-netw|netw-then-pin   USERNETWPIN key (sources disagree; default pin-colon-netw)
  --url URL / --token TOKEN   server and admin API token (env DMVISOR_URL, DMVISOR_API_TOKEN)
`;

/** Run `dmvisor bootstrap <sub> …`. */
export async function runBootstrap(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest, allowPositionals: true,
    options: {
      url: { type: 'string' }, token: { type: 'string' }, out: { type: 'string', short: 'o' }, offline: { type: 'boolean' },
      profile: { type: 'string' }, 'profile-name': { type: 'string' }, form: { type: 'string' },
      'server-uri': { type: 'string' }, 'server-id': { type: 'string' }, 'client-name': { type: 'string' }, 'client-secret': { type: 'string' },
      'server-secret': { type: 'string' }, auth: { type: 'string' }, 'server-auth': { type: 'string' }, 'dev-id': { type: 'string' }, 'for-dev-id': { type: 'string' },
      sec: { type: 'string' }, pin: { type: 'string' }, imsi: { type: 'string' }, 'user-netw-pin-key': { type: 'string' },
      address: { type: 'string' }, replace: { type: 'boolean' }, 'card-id': { type: 'string' }, name: { type: 'string' }, secret: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || sub === undefined || sub === 'help') { io.stdout(BOOTSTRAP_USAGE); return sub === undefined ? 2 : 0; }
  const security = (): Record<string, string> => {
    if (values.sec === undefined) {
      if (values.pin !== undefined || values.imsi !== undefined) throw new UsageError('--pin/--imsi need --sec');
      return {};
    }
    const out: Record<string, string> = { sec: parseSecMethod(values.sec) };
    if (values.pin !== undefined) out.pin = values.pin;
    if (values.imsi !== undefined) out.imsi = values.imsi;
    if (values['user-netw-pin-key'] !== undefined) out.userNetwPinKey = values['user-netw-pin-key'];
    return out;
  };
  const api = serverApi(values.url, values.token);
  switch (sub) {
    case 'build': {
      if (!values.out) throw new UsageError(`--out is required\n\n${BOOTSTRAP_USAGE}`);
      if (values.offline) return buildOffline(values, io);
      if (!values['dev-id']) throw new UsageError('--dev-id is required (or --offline)');
      const r = await api('POST', '/api/bootstrap/documents', {
        devId: values['dev-id'], method: 'customized', ...(values['profile-name'] ? { profile: values['profile-name'] } : {}), ...security(), ...(values.replace ? { replace: true } : {}),
      });
      await writeFile(values.out, Buffer.from(r.document as string, 'base64'));
      report(io, values.out, r.contentType as string, r.sec as string | undefined, r.mac as string | undefined);
      return 0;
    }
    case 'card': {
      if (!values.out || !values['dev-id']) throw new UsageError(`card needs --dev-id and --out\n\n${BOOTSTRAP_USAGE}`);
      const r = await api('POST', '/api/bootstrap/documents', {
        devId: values['dev-id'], method: 'smartcard', ...(values['card-id'] ? { cardId: values['card-id'] } : {}),
        ...(values['profile-name'] ? { profile: values['profile-name'] } : {}), ...security(), ...(values.replace ? { replace: true } : {}),
      });
      await writeFile(values.out, Buffer.from(r.card as string, 'base64'));
      io.stdout(`wrote virtual card ${values.out} for ${values['dev-id']}\n`);
      return 0;
    }
    case 'push': {
      const devId = positionals[0];
      if (!devId || positionals.length > 1) throw new UsageError(`push takes one devId\n\n${BOOTSTRAP_USAGE}`);
      const sec = security();
      if (!sec.sec) throw new UsageError('push needs --sec (and --pin or --imsi)');
      const r = await api('POST', '/api/bootstrap/push', {
        devId, ...(values.address ? { address: values.address } : {}), ...(values['profile-name'] ? { profile: values['profile-name'] } : {}), ...sec,
        ...(values.replace ? { replace: true } : {}),
      });
      io.stdout(`bootstrap pushed to ${devId} at ${String(r.address)} (SEC=${String(r.sec)}, MAC=${String(r.mac)})\n`);
      return 0;
    }
    case 'enroll': {
      const r = await api('POST', '/api/bootstrap/enrollments', {
        ...(values.name ? { name: values.name } : {}), ...(values.secret ? { secret: values.secret } : {}),
        ...(values['profile-name'] ? { profile: values['profile-name'] } : {}), ...(values['for-dev-id'] ? { devId: values['for-dev-id'] } : {}),
      });
      io.stdout(`enrollment ${String(r.name)} secret ${String(r.secret)} (profile ${String(r.profile)}${r.devId ? `, only for ${String(r.devId)}` : ''})\n`);
      return 0;
    }
    case 'profile': {
      const name = positionals[0];
      if (!name) throw new UsageError(`profile takes a name\n\n${BOOTSTRAP_USAGE}`);
      const body: Record<string, string> = {};
      if (values.profile) body.profile = values.profile;
      if (values.form) body.form = values.form;
      if (values['server-uri']) body.serverUri = values['server-uri'];
      if (values.auth) body.clientAuth = values.auth;
      if (values['server-auth']) body.serverAuth = values['server-auth'];
      const r = await api('PUT', `/api/bootstrap/profiles/${encodeURIComponent(name)}`, body);
      io.stdout(`${JSON.stringify(r)}\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown bootstrap command ${JSON.stringify(sub)}\n\n${BOOTSTRAP_USAGE}`);
  }
}

function report(io: CliIo, file: string, contentType: string, sec: string | undefined, mac: string | undefined): void {
  io.stdout(`wrote ${file} (${contentType})${sec ? `\nSEC=${sec}\nMAC=${mac}` : ''}\n`);
}

type Values = Record<string, string | boolean | undefined>;

async function buildOffline(values: Values, io: CliIo): Promise<number> {
  const need = (k: string): string => {
    const v = values[k];
    if (typeof v !== 'string' || v === '') throw new UsageError(`--${k} is required with --offline`);
    return v;
  };
  const profile = (values.profile ?? 'dm') as string;
  if (profile !== 'dm' && profile !== 'cp') throw new UsageError('--profile is dm or cp');
  const form = (values.form ?? 'tnds') as string;
  if (form !== 'direct' && form !== 'tnds') throw new UsageError('--form is direct or tnds');
  const auth = ((values.auth as string | undefined) ?? 'DIGEST').toUpperCase();
  if (!['DIGEST', 'BASIC', 'HMAC'].includes(auth)) throw new UsageError('--auth is DIGEST, BASIC or HMAC');
  const serverUri = need('server-uri');
  try { new URL(serverUri); } catch { throw new UsageError('--server-uri must be a URL'); }
  const serverId = need('server-id');
  const account: DmAccount = {
    serverId, addresses: [{ addr: serverUri, addrType: 'URI' }], authPref: auth,
    auth: [
      { level: 'CLCRED', type: auth, name: need('client-name'), secret: need('client-secret') },
      ...(typeof values['server-secret'] === 'string' ? [{ level: 'SRVCRED' as const, type: 'DIGEST', name: serverId, secret: values['server-secret'] }] : []),
    ],
  };
  const bytes = profile === 'cp'
    ? encodeProvisioningWbxml(buildCpDocument([account]))
    : buildDmBootstrapMessage([{ node: serverId.replace(/[^A-Za-z0-9._~-]/g, '_'), account }], { form, target: (values['dev-id'] as string | undefined) ?? '*', source: serverId });
  let sec: string | undefined;
  let mac: string | undefined;
  if (typeof values.sec === 'string') {
    const m = parseSecMethod(values.sec);
    const secrets: BootstrapSecrets = {};
    if (typeof values.pin === 'string') secrets.pin = values.pin;
    if (typeof values.imsi === 'string') secrets.imsi = values.imsi;
    if (typeof values['user-netw-pin-key'] === 'string') secrets.userNetwPinKey = values['user-netw-pin-key'] as UserNetwPinKey;
    sec = m;
    mac = computeBootstrapMac(m, secrets, bytes);
  }
  const out = values.out as string;
  if (out.endsWith('.img')) {
    await writeFile(out, encodeCardImage({ cardId: `card-${Date.now().toString(36)}`, ...(typeof values.imsi === 'string' ? { imsi: values.imsi } : {}), files: [{ oid: profile === 'cp' ? OID_CP_BOOTSTRAP : OID_DM_BOOTSTRAP, contentType: profile === 'cp' ? CP_WBXML_TYPE : DM_BOOTSTRAP_TYPE, ...(sec ? { sec: parseSecMethod(sec), mac: mac! } : {}), data: bytes }] }));
  } else {
    await writeFile(out, bytes);
  }
  report(io, out, profile === 'cp' ? CP_WBXML_TYPE : DM_BOOTSTRAP_TYPE, sec, mac);
  return 0;
}

function serverApi(url: string | undefined, tokenOpt: string | undefined) {
  return async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const base = (url ?? process.env.DMVISOR_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
    const token = tokenOpt ?? process.env.DMVISOR_API_TOKEN;
    if (!token) throw new UsageError('an API token is required: --token or DMVISOR_API_TOKEN');
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      throw new DmvisorError(`cannot reach ${base}: ${(e as Error).message}`, 'DMV_ERR_UNREACHABLE', 502);
    }
    const json = (await res.json().catch(() => ({}))) as { error?: { message?: string } } & Record<string, unknown>;
    if (!res.ok) throw new DmvisorError(`${method} ${path}: HTTP ${res.status}: ${json.error?.message ?? ''}`, 'DMV_ERR_API', res.status);
    return json;
  };
}
