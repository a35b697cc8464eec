/**
 * `dmvisor server` — run the DM server.
 *
 *   --port N          listen port (default 8080; env DMVISOR_PORT)
 *   --host ADDR       listen address (default 127.0.0.1; env DMVISOR_HOST)
 *   --db URL          SQLite file or postgres://… (default ./data/dmvisor.db; env DMVISOR_DB)
 *   --server-id ID    ServerID presented to devices (default dmvisor; env DMVISOR_SERVER_ID)
 *   --public-url URL  public URL of the DM endpoint, for RespURI (env DMVISOR_PUBLIC_URL)
 *   --api-token T     admin API token (env DMVISOR_API_TOKEN; otherwise generated once and stored)
 *   --tls-cert F --tls-key F   serve HTTPS
 *   --trace all|errors|none     keep message bodies in session traces (env DMVISOR_TRACE; default all)
 *   --config FILE     JSON file with any of these settings and more (env DMVISOR_CONFIG; server-config.ts)
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pino } from 'pino';
import { parseArgs } from 'node:util';
import { DmServer } from '../server/dm-server.js';
import type { CliIo } from './codec-command.js';
import { UsageError } from './usage-error.js';
import { ConfigError } from '../client/config-error.js';
import { parseServerConfig, type ServerConfigFile } from '../server/server-config.js';

export const SERVER_USAGE = `usage: dmvisor server [--config FILE] [--port N] [--host ADDR] [--db URL] [--server-id ID] [--public-url URL]
                      [--api-token TOKEN] [--tls-cert FILE --tls-key FILE] [--trace all|errors|none] [--cluster]

Runs the DM server: the DM endpoint (POST /dm), the admin API (/api, OpenAPI at /api/openapi.json)
and the web console (/) on one port, with SQLite under ./data by default. Settings come from the command line, else the
environment (DMVISOR_PORT, DMVISOR_HOST, DMVISOR_DB, DMVISOR_SERVER_ID, DMVISOR_PUBLIC_URL,
DMVISOR_API_TOKEN, DMVISOR_TRACE, DMVISOR_CONFIG), else the --config JSON file (docs/server.md lists
its fields: also overload limits, session idle time, operation expiry sweep, log level), else defaults.
--cluster (DMVISOR_CLUSTER=1): one of several nodes on one PostgreSQL database behind a load balancer.
`;

/** Run `dmvisor server …` until SIGINT/SIGTERM. */
export async function runServer(args: string[], io: CliIo, signals: { onStop(fn: () => void): void } = { onStop: (fn) => { process.once('SIGINT', fn); process.once('SIGTERM', fn); } }): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      port: { type: 'string' }, host: { type: 'string' }, db: { type: 'string' }, 'server-id': { type: 'string' },
      'public-url': { type: 'string' }, 'api-token': { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' },
      trace: { type: 'string' }, cluster: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { io.stdout(SERVER_USAGE); return 0; }
  // An empty variable counts as unset (`DMVISOR_API_TOKEN= dmvisor server` must not mean an empty token).
  const env = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== '')) as NodeJS.ProcessEnv;
  const configPath = values.config ?? env.DMVISOR_CONFIG;
  const file = configPath ? await readServerConfig(configPath) : {};
  const portText = values.port ?? env.DMVISOR_PORT ?? String(file.port ?? 8080);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${portText}: not a port number`);
  const db = values.db ?? env.DMVISOR_DB ?? file.db ?? './data/dmvisor.db';
  if (!/^postgres(ql)?:\/\//i.test(db) && db !== ':memory:') await mkdir(dirname(resolve(db.replace(/^sqlite:/, ''))), { recursive: true });
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const certFile = values['tls-cert'] ?? file.tls?.certFile;
  const keyFile = values['tls-key'] ?? file.tls?.keyFile;
  const tls = certFile && keyFile ? { cert: await readFile(certFile), key: await readFile(keyFile) } : undefined;
  const apiToken = values['api-token'] ?? env.DMVISOR_API_TOKEN ?? file.apiToken;
  const trace = values.trace ?? env.DMVISOR_TRACE ?? file.trace ?? 'all';
  if (trace !== 'all' && trace !== 'errors' && trace !== 'none') throw new UsageError('--trace must be all, errors or none');
  const publicUrl = values['public-url'] ?? env.DMVISOR_PUBLIC_URL ?? file.publicUrl;
  const cluster = values.cluster ?? (env.DMVISOR_CLUSTER !== undefined ? env.DMVISOR_CLUSTER === '1' || env.DMVISOR_CLUSTER === 'true' : file.cluster ?? false);
  if (cluster && !/^postgres(ql)?:\/\//i.test(db)) throw new UsageError('--cluster needs a shared PostgreSQL database (--db postgres://…)');
  const server = await DmServer.start({
    db, port, host: values.host ?? env.DMVISOR_HOST ?? file.host ?? '127.0.0.1', serverId: values['server-id'] ?? env.DMVISOR_SERVER_ID ?? file.serverId ?? 'dmvisor',
    ...(apiToken ? { apiToken } : {}), ...(publicUrl ? { publicUrl } : {}), ...(tls ? { tls } : {}), trace,
    ...(file.tracedSessionsPerDevice !== undefined ? { tracedSessionsPerDevice: file.tracedSessionsPerDevice } : {}),
    ...(file.sessionIdleSeconds !== undefined ? { sessionIdleMs: file.sessionIdleSeconds * 1000 } : {}),
    ...(file.maxMessageBytes !== undefined ? { maxMessageBytes: file.maxMessageBytes } : {}),
    ...(file.maxConcurrentMessages !== undefined ? { maxConcurrentMessages: file.maxConcurrentMessages } : {}),
    ...(file.maxOpenSessions !== undefined ? { maxOpenSessions: file.maxOpenSessions } : {}),
    ...(file.operationSweepSeconds !== undefined ? { operationSweepMs: file.operationSweepSeconds * 1000 } : {}),
    ...(file.logLevel !== undefined ? { logger: pino({ base: { service: 'dmvisor' }, level: file.logLevel }) } : {}),
    cluster,
    ...(file.authLimits ? { authLimits: file.authLimits } : {}),
  });
  io.stdout(`dmvisor server listening on ${server.url}\n  DM endpoint  ${server.url}/dm\n  admin API    ${server.url}/api  (OpenAPI: ${server.url}/api/openapi.json)\n  web console  ${server.url}/\n  store        ${db.replace(/:\/\/[^@/]*@/, '://***@')}\n`);
  if (server.generatedToken) io.stdout(`  API token    ${server.generatedToken}   (generated now and shown once; store it — set DMVISOR_API_TOKEN to choose your own)\n`);
  await new Promise<void>((r) => signals.onStop(r));
  io.stdout('shutting down: open sessions end, their operations return to pending\n');
  await server.stop();
  return 0;
}

/** Read and validate the config file; relative paths in it are relative to the file. */
async function readServerConfig(path: string): Promise<ServerConfigFile> {
  const text = await readFile(path, 'utf8');
  if (text.length > 1024 * 1024) throw new ConfigError(path, '', 'larger than 1 MiB');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, '', `not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const c = parseServerConfig(raw, path);
  const base = dirname(resolve(path));
  const rel = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  if (c.db !== undefined && !/^postgres(ql)?:\/\//i.test(c.db) && c.db !== ':memory:') c.db = c.db.startsWith('sqlite:') ? `sqlite:${rel(c.db.slice(7))}` : rel(c.db);
  if (c.tls) c.tls = { certFile: rel(c.tls.certFile), keyFile: rel(c.tls.keyFile) };
  return c;
}
