/**
 * The `dmvisor client` configuration file: the device's identity, its DM
 * server accounts, where it listens for notifications. Validated field by
 * field; every error names the field's path.
 *
 * ```json
 * {
 *   "stateDir": "./device-state",
 *   "device": { "devId": "IMEI:493005100592800", "man": "Acme", "mod": "Phone X", "lang": "en-US",
 *               "devTyp": "phone", "oem": "Acme", "fwV": "1.0", "swV": "1.0", "hwV": "A" },
 *   "accounts": [{ "serverId": "dmsrv", "serverUri": "http://127.0.0.1:8080/dm", "encoding": "wbxml",
 *                  "clientAuth": { "type": "DIGEST", "name": "dev", "secret": "s3cret" },
 *                  "serverAuth": { "type": "DIGEST", "name": "dmsrv", "secret": "srv-secret" } }],
 *   "notifications": { "udpPort": 2948, "httpPort": 8081, "host": "0.0.0.0" }
 * }
 * ```
 */
import { ConfigError } from './config-error.js';
import { parseSecMethod, type SecMethod, type UserNetwPinKey } from '../bootstrap/security.js';

/** AAuthType names accepted for application-level auth. */
export const CONFIG_AUTH_TYPES = ['NONE', 'BASIC', 'DIGEST', 'HMAC'] as const;
export type ConfigAuthType = (typeof CONFIG_AUTH_TYPES)[number];

/** One credential set in the config. */
export interface ConfigAuth {
  type: ConfigAuthType;
  name: string;
  secret: string;
  /** Initial nonce, Base64. */
  nonce?: string;
}

/** One server account in the config. */
export interface ConfigAccount {
  /** DMAcc `<x>` node name; default derived from serverId. */
  node?: string;
  serverId: string;
  name?: string;
  serverUri: string;
  encoding: 'xml' | 'wbxml';
  clientAuth: ConfigAuth;
  serverAuth: ConfigAuth;
}

/** One bootstrap document of the image (customized bootstrap). */
export interface ConfigBootstrapDocument {
  /** The document (relative paths: against the config file). */
  file: string;
  /** Security method; absent: the document is trusted as part of the image. */
  sec?: SecMethod;
  /** MAC, hex (HMAC-SHA1 over the file's bytes). */
  mac?: string;
  /** PIN for USERPIN / USERNETWPIN / USERPINMAC (for USERPINMAC it may be PIN followed by its MAC digits). */
  pin?: string;
  /** IMSI for NETWPIN / USERNETWPIN (default: the section's). */
  imsi?: string;
  /** Media type; default guessed from the bytes (DM WBXML/XML or CP WBXML/XML). */
  contentType?: string;
}

/** The `bootstrap` section (docs/client.md, docs/bootstrap.md). */
export interface ConfigBootstrap {
  documents: ConfigBootstrapDocument[];
  /** A smartcard to read bootstrap data from at start (and watch for changes). */
  smartcard?: { virtual: string } | { pcsc: { reader?: string } };
  /** PIN for pushed (server-initiated) and card bootstraps. */
  pin?: string;
  /** IMSI (NETWPIN key) for pushed bootstraps; a card carries its own. */
  imsi?: string;
  /** USERNETWPIN key construction (the sources disagree): `pin-colon-netw` (default) or `netw-then-pin`. */
  userNetwPinKey?: UserNetwPinKey;
  /** Let a bootstrap replace an existing account. Default false. */
  allowOverwrite: boolean;
  /** ServerID of the account that is a bootstrap server (client-initiated bootstrap): it may Add accounts under ./DMAcc. */
  server?: string;
}

/** The whole validated config. */
export interface DeviceConfig {
  stateDir: string;
  device: {
    devId: string; man: string; mod: string; dmV: string; lang: string;
    devTyp: string; oem: string; fwV: string; swV: string; hwV: string; lrgObj: boolean;
  };
  accounts: ConfigAccount[];
  /** Bootstrap sources; when present, `accounts` may be empty. */
  bootstrap?: ConfigBootstrap;
  notifications?: { udpPort?: number; httpPort?: number; host: string; allowNonceResync: boolean; resetNonce: 'zero-bytes' | 'ascii-hex' };
  session: { maxMsgSize: number; maxObjSize: number; timeoutMs: number; retries: number; pollSeconds: number; sessionTimeoutMs: number };
  /** HTTPS: extra trusted CA and a client certificate (PEM files, relative to the config file). */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

/** Validate a parsed JSON config. `file` names it in errors. */
export function parseDeviceConfig(raw: unknown, file: string): DeviceConfig {
  const v = new ConfigValidator(file);
  const root = v.object(raw, '');
  v.only(root, '', ['stateDir', 'device', 'accounts', 'bootstrap', 'notifications', 'session', 'tls', '$schema', 'comment']);
  const dev = v.object(root.device, 'device');
  v.only(dev, 'device', ['devId', 'man', 'mod', 'dmV', 'lang', 'devTyp', 'oem', 'fwV', 'swV', 'hwV', 'lrgObj']);
  const accountsRaw = root.accounts === undefined && root.bootstrap !== undefined ? [] : v.array(root.accounts, 'accounts');
  if (accountsRaw.length === 0 && root.bootstrap === undefined) v.fail('accounts', 'at least one account is required (or a bootstrap section)');
  const accounts = accountsRaw.map((a, i) => account(v, a, `accounts[${i}]`));
  const ids = new Set<string>();
  accounts.forEach((a, i) => {
    if (ids.has(a.serverId)) v.fail(`accounts[${i}].serverId`, `duplicate server id ${JSON.stringify(a.serverId)}`);
    ids.add(a.serverId);
  });
  const config: DeviceConfig = {
    stateDir: v.string(root.stateDir ?? './dmvisor-client-state', 'stateDir'),
    device: {
      devId: v.string(dev.devId, 'device.devId'),
      man: v.string(dev.man ?? 'dmvisor', 'device.man'),
      mod: v.string(dev.mod ?? 'dmvisor-client', 'device.mod'),
      dmV: v.string(dev.dmV ?? '1.2', 'device.dmV'),
      lang: v.string(dev.lang ?? 'en-US', 'device.lang'),
      devTyp: v.string(dev.devTyp ?? 'vm', 'device.devTyp'),
      oem: v.string(dev.oem ?? '', 'device.oem', true),
      fwV: v.string(dev.fwV ?? '', 'device.fwV', true),
      swV: v.string(dev.swV ?? '', 'device.swV', true),
      hwV: v.string(dev.hwV ?? '', 'device.hwV', true),
      lrgObj: v.boolean(dev.lrgObj ?? true, 'device.lrgObj'),
    },
    accounts,
    session: { maxMsgSize: 65536, maxObjSize: 1048576, timeoutMs: 30000, retries: 3, pollSeconds: 0, sessionTimeoutMs: 600000 },
  };
  if (root.bootstrap !== undefined) config.bootstrap = bootstrap(v, root.bootstrap, accounts);
  if (root.tls !== undefined) {
    const t = v.object(root.tls, 'tls');
    v.only(t, 'tls', ['caFile', 'certFile', 'keyFile']);
    const tls: NonNullable<DeviceConfig['tls']> = {};
    if (t.caFile !== undefined) tls.caFile = v.string(t.caFile, 'tls.caFile');
    if (t.certFile !== undefined) tls.certFile = v.string(t.certFile, 'tls.certFile');
    if (t.keyFile !== undefined) tls.keyFile = v.string(t.keyFile, 'tls.keyFile');
    if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) v.fail('tls', 'certFile and keyFile go together');
    config.tls = tls;
  }
  if (root.session !== undefined) {
    const s = v.object(root.session, 'session');
    v.only(s, 'session', ['maxMsgSize', 'maxObjSize', 'timeoutMs', 'retries', 'pollSeconds', 'sessionTimeoutMs']);
    if (s.sessionTimeoutMs !== undefined) config.session.sessionTimeoutMs = v.integer(s.sessionTimeoutMs, 'session.sessionTimeoutMs', 1000, 86400000);
    if (s.maxMsgSize !== undefined) config.session.maxMsgSize = v.integer(s.maxMsgSize, 'session.maxMsgSize', 512, 2 ** 31);
    if (s.maxObjSize !== undefined) config.session.maxObjSize = v.integer(s.maxObjSize, 'session.maxObjSize', 512, 2 ** 31);
    if (s.timeoutMs !== undefined) config.session.timeoutMs = v.integer(s.timeoutMs, 'session.timeoutMs', 1, 600000);
    if (s.retries !== undefined) config.session.retries = v.integer(s.retries, 'session.retries', 0, 20);
    if (s.pollSeconds !== undefined) config.session.pollSeconds = v.integer(s.pollSeconds, 'session.pollSeconds', 0, 86400 * 30);
  }
  if (root.notifications !== undefined) {
    const n = v.object(root.notifications, 'notifications');
    v.only(n, 'notifications', ['udpPort', 'httpPort', 'host', 'allowNonceResync', 'resetNonce']);
    const notifications: NonNullable<DeviceConfig['notifications']> = {
      host: v.string(n.host ?? '127.0.0.1', 'notifications.host'),
      allowNonceResync: v.boolean(n.allowNonceResync ?? false, 'notifications.allowNonceResync'),
      resetNonce: v.oneOf(n.resetNonce ?? 'zero-bytes', 'notifications.resetNonce', ['zero-bytes', 'ascii-hex'] as const),
    };
    if (n.udpPort !== undefined) notifications.udpPort = v.integer(n.udpPort, 'notifications.udpPort', 0, 65535);
    if (n.httpPort !== undefined) notifications.httpPort = v.integer(n.httpPort, 'notifications.httpPort', 0, 65535);
    if (notifications.udpPort === undefined && notifications.httpPort === undefined) v.fail('notifications', 'give udpPort and/or httpPort');
    config.notifications = notifications;
  }
  return config;
}

function account(v: ConfigValidator, raw: unknown, path: string): ConfigAccount {
  const a = v.object(raw, path);
  v.only(a, path, ['node', 'serverId', 'name', 'serverUri', 'encoding', 'clientAuth', 'serverAuth']);
  const serverUri = v.string(a.serverUri, `${path}.serverUri`);
  let url: URL;
  try { url = new URL(serverUri); } catch { return v.fail(`${path}.serverUri`, `${JSON.stringify(serverUri)} is not a URL`); }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') v.fail(`${path}.serverUri`, 'must be an http: or https: URL');
  const serverId = v.string(a.serverId, `${path}.serverId`);
  if (!/^[^\s=&*+]+$/.test(serverId)) v.fail(`${path}.serverId`, 'must not contain whitespace or any of = & * + (it is used in ACLs)');
  const out: ConfigAccount = {
    serverId,
    serverUri,
    encoding: v.oneOf(a.encoding ?? 'xml', `${path}.encoding`, ['xml', 'wbxml'] as const),
    clientAuth: auth(v, a.clientAuth, `${path}.clientAuth`),
    serverAuth: a.serverAuth === undefined ? { type: 'NONE', name: '', secret: '' } : auth(v, a.serverAuth, `${path}.serverAuth`),
  };
  if (a.node !== undefined) {
    out.node = v.string(a.node, `${path}.node`);
    if (!/^[A-Za-z0-9._~-]+$/.test(out.node)) v.fail(`${path}.node`, 'use letters, digits and . _ ~ - only');
  }
  if (a.name !== undefined) out.name = v.string(a.name, `${path}.name`);
  return out;
}

function bootstrap(v: ConfigValidator, raw: unknown, accounts: readonly ConfigAccount[]): ConfigBootstrap {
  const b = v.object(raw, 'bootstrap');
  v.only(b, 'bootstrap', ['documents', 'smartcard', 'pin', 'imsi', 'userNetwPinKey', 'allowOverwrite', 'server']);
  const sec = (x: unknown, path: string): SecMethod => {
    try { return parseSecMethod(v.string(x, path)); } catch (e) { return v.fail(path, (e as Error).message); }
  };
  const out: ConfigBootstrap = {
    documents: v.array(b.documents ?? [], 'bootstrap.documents').map((d, i) => {
      const path = `bootstrap.documents[${i}]`;
      const o = v.object(d, path);
      v.only(o, path, ['file', 'sec', 'mac', 'pin', 'imsi', 'contentType']);
      const doc: ConfigBootstrapDocument = { file: v.string(o.file, `${path}.file`) };
      if (o.sec !== undefined) doc.sec = sec(o.sec, `${path}.sec`);
      if (o.mac !== undefined) {
        doc.mac = v.string(o.mac, `${path}.mac`);
        if (!/^[0-9A-Fa-f]{40}$/.test(doc.mac)) v.fail(`${path}.mac`, 'must be 40 hex digits (HMAC-SHA1)');
      }
      if (o.pin !== undefined) doc.pin = v.string(o.pin, `${path}.pin`);
      if (o.imsi !== undefined) doc.imsi = imsi(v, o.imsi, `${path}.imsi`);
      if (o.contentType !== undefined) doc.contentType = v.string(o.contentType, `${path}.contentType`);
      if (doc.sec !== undefined && doc.mac === undefined && doc.sec !== 'USERPINMAC') v.fail(`${path}.mac`, `is required with sec ${doc.sec}`);
      return doc;
    }),
    allowOverwrite: v.boolean(b.allowOverwrite ?? false, 'bootstrap.allowOverwrite'),
  };
  if (b.smartcard !== undefined) {
    const s = v.object(b.smartcard, 'bootstrap.smartcard');
    v.only(s, 'bootstrap.smartcard', ['virtual', 'pcsc']);
    if ((s.virtual === undefined) === (s.pcsc === undefined)) v.fail('bootstrap.smartcard', 'give exactly one of virtual and pcsc');
    if (s.virtual !== undefined) out.smartcard = { virtual: v.string(s.virtual, 'bootstrap.smartcard.virtual') };
    else {
      const p = v.object(s.pcsc, 'bootstrap.smartcard.pcsc');
      v.only(p, 'bootstrap.smartcard.pcsc', ['reader']);
      out.smartcard = { pcsc: p.reader === undefined ? {} : { reader: v.string(p.reader, 'bootstrap.smartcard.pcsc.reader') } };
    }
  }
  if (b.pin !== undefined) out.pin = v.string(b.pin, 'bootstrap.pin');
  if (b.imsi !== undefined) out.imsi = imsi(v, b.imsi, 'bootstrap.imsi');
  if (b.userNetwPinKey !== undefined) out.userNetwPinKey = v.oneOf(b.userNetwPinKey, 'bootstrap.userNetwPinKey', ['pin-colon-netw', 'netw-then-pin'] as const);
  if (b.server !== undefined) {
    out.server = v.string(b.server, 'bootstrap.server');
    if (!accounts.some((a) => a.serverId === out.server)) v.fail('bootstrap.server', `no account has serverId ${JSON.stringify(out.server)}`);
  }
  return out;
}

function imsi(v: ConfigValidator, x: unknown, path: string): string {
  const s = v.string(x, path);
  if (!/^\d{5,15}$/.test(s)) v.fail(path, 'must be 5 to 15 digits');
  return s;
}

function auth(v: ConfigValidator, raw: unknown, path: string): ConfigAuth {
  const a = v.object(raw, path);
  v.only(a, path, ['type', 'name', 'secret', 'nonce']);
  const type = v.oneOf(a.type, `${path}.type`, CONFIG_AUTH_TYPES);
  const out: ConfigAuth = {
    type,
    name: type === 'NONE' ? v.string(a.name ?? '', `${path}.name`, true) : v.string(a.name, `${path}.name`),
    secret: type === 'NONE' ? v.string(a.secret ?? '', `${path}.secret`, true) : v.string(a.secret, `${path}.secret`),
  };
  if (a.nonce !== undefined) {
    out.nonce = v.string(a.nonce, `${path}.nonce`);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(out.nonce) || out.nonce.length % 4 !== 0) v.fail(`${path}.nonce`, 'must be Base64');
  }
  return out;
}

/** Field-by-field checks of a parsed JSON config; each failure is a {@link ConfigError} naming the field. */
export class ConfigValidator {
  constructor(private readonly file: string) {}

  fail(path: string, reason: string): never {
    throw new ConfigError(this.file, path, reason);
  }

  object(x: unknown, path: string): Record<string, unknown> {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) this.fail(path, 'must be an object');
    return x as Record<string, unknown>;
  }

  only(o: Record<string, unknown>, path: string, keys: string[]): void {
    for (const k of Object.keys(o)) if (!keys.includes(k)) this.fail(path ? `${path}.${k}` : k, `unknown field (expected one of ${keys.filter((x) => !x.startsWith('$') && x !== 'comment').join(', ')})`);
  }

  array(x: unknown, path: string): unknown[] {
    if (!Array.isArray(x)) this.fail(path, 'must be an array');
    if (x.length > 64) this.fail(path, 'at most 64 entries');
    return x;
  }

  string(x: unknown, path: string, allowEmpty = false): string {
    if (typeof x !== 'string') this.fail(path, x === undefined ? 'is required' : 'must be a string');
    if (!allowEmpty && x.length === 0) this.fail(path, 'must not be empty');
    if (x.length > 4096) this.fail(path, 'longer than 4096 characters');
    return x;
  }

  boolean(x: unknown, path: string): boolean {
    if (typeof x !== 'boolean') this.fail(path, 'must be true or false');
    return x;
  }

  integer(x: unknown, path: string, min: number, max: number): number {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) this.fail(path, `must be an integer from ${min} to ${max}`);
    return x;
  }

  oneOf<T extends string>(x: unknown, path: string, allowed: readonly T[]): T {
    if (typeof x !== 'string' || !allowed.includes(x as T)) this.fail(path, `must be one of ${allowed.join(', ')}`);
    return x as T;
  }
}
