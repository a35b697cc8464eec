/**
 * The `dmvisor server --config FILE` file: every server setting in one JSON
 * document, validated field by field (errors name the field's path). The
 * command line and the environment override what the file says.
 *
 * ```json
 * {
 *   "port": 8080, "host": "0.0.0.0", "db": "./data/dmvisor.db", "serverId": "dmvisor",
 *   "publicUrl": "https://dm.example.com/dm",
 *   "tls": { "certFile": "cert.pem", "keyFile": "key.pem" },
 *   "trace": "errors", "tracedSessionsPerDevice": 20,
 *   "sessionIdleSeconds": 300, "maxMessageBytes": 4194304,
 *   "maxConcurrentMessages": 256, "maxOpenSessions": 50000, "operationSweepSeconds": 30,
 *   "logLevel": "info"
 * }
 * ```
 */
import { ConfigValidator } from '../client/device-config.js';
import type { AuthFailureLimits } from './auth-failure-limiter.js';

/** The validated server config file (every field optional; paths already resolved by the caller). */
export interface ServerConfigFile {
  port?: number;
  host?: string;
  db?: string;
  serverId?: string;
  publicUrl?: string;
  apiToken?: string;
  tls?: { certFile: string; keyFile: string };
  trace?: 'all' | 'errors' | 'none';
  tracedSessionsPerDevice?: number;
  sessionIdleSeconds?: number;
  maxMessageBytes?: number;
  maxConcurrentMessages?: number;
  maxOpenSessions?: number;
  operationSweepSeconds?: number;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Cluster mode (several nodes on one PostgreSQL): see DmServerOptions.cluster. */
  cluster?: boolean;
  /** Rate limits on failed authentication (any subset). */
  authLimits?: Partial<AuthFailureLimits>;
}

const FIELDS = ['port', 'host', 'db', 'serverId', 'publicUrl', 'apiToken', 'tls', 'trace', 'tracedSessionsPerDevice', 'sessionIdleSeconds',
  'maxMessageBytes', 'maxConcurrentMessages', 'maxOpenSessions', 'operationSweepSeconds', 'logLevel', 'cluster', 'authLimits', '$schema', 'comment'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Validate a parsed JSON server config; `file` names it in errors. */
export function parseServerConfig(raw: unknown, file: string): ServerConfigFile {
  const v = new ConfigValidator(file);
  const root = v.object(raw, '');
  v.only(root, '', FIELDS);
  const out: ServerConfigFile = {};
  if (root.port !== undefined) out.port = v.integer(root.port, 'port', 0, 65535);
  if (root.host !== undefined) out.host = v.string(root.host, 'host');
  if (root.db !== undefined) out.db = v.string(root.db, 'db');
  if (root.serverId !== undefined) out.serverId = v.string(root.serverId, 'serverId');
  if (root.publicUrl !== undefined) {
    out.publicUrl = v.string(root.publicUrl, 'publicUrl');
    if (!/^https?:\/\/[^/]/i.test(out.publicUrl)) v.fail('publicUrl', 'must be an http:// or https:// URL');
  }
  if (root.apiToken !== undefined) {
    out.apiToken = v.string(root.apiToken, 'apiToken');
    if (out.apiToken.length < 16) v.fail('apiToken', 'must be at least 16 characters');
  }
  if (root.tls !== undefined) {
    const t = v.object(root.tls, 'tls');
    v.only(t, 'tls', ['certFile', 'keyFile']);
    out.tls = { certFile: v.string(t.certFile, 'tls.certFile'), keyFile: v.string(t.keyFile, 'tls.keyFile') };
  }
  if (root.trace !== undefined) out.trace = v.oneOf(root.trace, 'trace', ['all', 'errors', 'none'] as const);
  if (root.tracedSessionsPerDevice !== undefined) out.tracedSessionsPerDevice = v.integer(root.tracedSessionsPerDevice, 'tracedSessionsPerDevice', 0, 10_000);
  if (root.sessionIdleSeconds !== undefined) out.sessionIdleSeconds = v.integer(root.sessionIdleSeconds, 'sessionIdleSeconds', 1, 86_400);
  if (root.maxMessageBytes !== undefined) out.maxMessageBytes = v.integer(root.maxMessageBytes, 'maxMessageBytes', 1024, 1 << 30);
  if (root.maxConcurrentMessages !== undefined) out.maxConcurrentMessages = v.integer(root.maxConcurrentMessages, 'maxConcurrentMessages', 1, 1_000_000);
  if (root.maxOpenSessions !== undefined) out.maxOpenSessions = v.integer(root.maxOpenSessions, 'maxOpenSessions', 1, 10_000_000);
  if (root.operationSweepSeconds !== undefined) out.operationSweepSeconds = v.integer(root.operationSweepSeconds, 'operationSweepSeconds', 0, 86_400);
  if (root.logLevel !== undefined) out.logLevel = v.oneOf(root.logLevel, 'logLevel', LOG_LEVELS);
  if (root.cluster !== undefined) out.cluster = v.boolean(root.cluster, 'cluster');
  if (root.authLimits !== undefined) {
    const a = v.object(root.authLimits, 'authLimits');
    const keys = ['perSourceBurst', 'perSourceRefillPerSecond', 'perDeviceBurst', 'perDeviceRefillPerSecond', 'maxEntries'] as const;
    v.only(a, 'authLimits', [...keys]);
    const limits: Partial<AuthFailureLimits> = {};
    for (const k of keys) {
      if (a[k] === undefined) continue;
      const n: unknown = a[k];
      if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0 || n > 10_000_000) v.fail(`authLimits.${k}`, 'must be a positive number');
      limits[k] = n as number;
    }
    out.authLimits = limits;
  }
  return out;
}
