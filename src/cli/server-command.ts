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
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DmServer } from '../server/dm-server.js';
import type { CliIo } from './codec-command.js';
import { UsageError } from './usage-error.js';

export const SERVER_USAGE = `usage: dmvisor server [--port N] [--host ADDR] [--db URL] [--server-id ID] [--public-url URL]
                      [--api-token TOKEN] [--tls-cert FILE --tls-key FILE] [--trace all|errors|none]

Runs the DM server: the DM endpoint (POST /dm), the admin API (/api, OpenAPI at /api/openapi.json)
and the web console (/) on one port, with SQLite under ./data by default. Environment: DMVISOR_PORT, DMVISOR_HOST, DMVISOR_DB,
DMVISOR_SERVER_ID, DMVISOR_PUBLIC_URL, DMVISOR_API_TOKEN, DMVISOR_TRACE.
`;

/** Run `dmvisor server …` until SIGINT/SIGTERM. */
export async function runServer(args: string[], io: CliIo, signals: { onStop(fn: () => void): void } = { onStop: (fn) => { process.once('SIGINT', fn); process.once('SIGTERM', fn); } }): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' }, host: { type: 'string' }, db: { type: 'string' }, 'server-id': { type: 'string' },
      'public-url': { type: 'string' }, 'api-token': { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' },
      trace: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { io.stdout(SERVER_USAGE); return 0; }
  const env = process.env;
  const portText = values.port ?? env.DMVISOR_PORT ?? '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${portText}: not a port number`);
  const db = values.db ?? env.DMVISOR_DB ?? './data/dmvisor.db';
  if (!/^postgres(ql)?:\/\//i.test(db) && db !== ':memory:') await mkdir(dirname(resolve(db.replace(/^sqlite:/, ''))), { recursive: true });
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const tls = values['tls-cert'] ? { cert: await readFile(values['tls-cert']), key: await readFile(values['tls-key']!) } : undefined;
  const apiToken = values['api-token'] ?? env.DMVISOR_API_TOKEN;
  const trace = values.trace ?? env.DMVISOR_TRACE ?? 'all';
  if (trace !== 'all' && trace !== 'errors' && trace !== 'none') throw new UsageError('--trace must be all, errors or none');
  const publicUrl = values['public-url'] ?? env.DMVISOR_PUBLIC_URL;
  const server = await DmServer.start({
    db, port, host: values.host ?? env.DMVISOR_HOST ?? '127.0.0.1', serverId: values['server-id'] ?? env.DMVISOR_SERVER_ID ?? 'dmvisor',
    ...(apiToken ? { apiToken } : {}), ...(publicUrl ? { publicUrl } : {}), ...(tls ? { tls } : {}), trace,
  });
  io.stdout(`dmvisor server listening on ${server.url}\n  DM endpoint  ${server.url}/dm\n  admin API    ${server.url}/api  (OpenAPI: ${server.url}/api/openapi.json)\n  web console  ${server.url}/\n  store        ${db.replace(/:\/\/[^@/]*@/, '://***@')}\n`);
  if (server.generatedToken) io.stdout(`  API token    ${server.generatedToken}   (generated now and shown once; store it — set DMVISOR_API_TOKEN to choose your own)\n`);
  await new Promise<void>((r) => signals.onStop(r));
  io.stdout('shutting down: open sessions end, their operations return to pending\n');
  await server.stop();
  return 0;
}
