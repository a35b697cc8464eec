/**
 * The server side of the server benchmark (bench/server-bench.ts), run as a
 * child process so that the load generator's CPU and heap are not the
 * server's. Two modes, chosen by the first argument:
 *
 * - `dm`: a real `DmServer` on a fresh SQLite file in a temp dir, with N
 *   registered devices (md5 client authentication), a silent logger, on
 *   127.0.0.1 and an ephemeral port. The parent queues one operation (a Get
 *   of ./DevDetail/FwV and a Replace of ./Vendor/Setting) per planned session
 *   with `queue` before each phase, outside the timed part.
 * - `bare`: a bare `node:http` server answering every POST with a fixed body,
 *   the same size as the DM server's answer to the same message (first
 *   message of a session: no `?s=` in the URL; later ones: with it).
 *
 * Talks to the parent over IPC only (see {@link Request} / {@link Reply});
 * exits when the parent goes away, and removes its temp dir on the way out.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DmServer } from '../src/server/dm-server.js';
import { BENCH_COMMANDS, deviceIdentity } from './server-bench.js';

/** Parent → child. */
export type Request =
  | { cmd: 'setup'; devices: number; responseSizes?: [number, number]; store?: { db: string; cluster: boolean; publicUrl?: string; register: boolean } }
  | { cmd: 'queue'; devices: number[] }
  | { cmd: 'stats' }
  | { cmd: 'stop' };

/** Server-side counters (from the server's own Prometheus metrics). */
export interface ServerCounters {
  sessions: Record<string, number>;
  operations: Record<string, number>;
  messages: Record<string, number>;
  authFailures: number;
}

/** Child → parent. */
export type Reply =
  | { type: 'ready'; url: string; registerMs: number; devices: number; rssAfterSetup: number }
  | { type: 'queued'; count: number; ms: number }
  | { type: 'stats'; rss: number; heapUsed: number; cpuUserUs: number; cpuSystemUs: number; counters?: ServerCounters }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

const mode = process.argv[2];
if (mode !== 'dm' && mode !== 'bare') {
  console.error('usage: server-bench-child.js dm|bare (forked by bench/server-bench.js)');
  process.exit(2);
}

const send = (r: Reply): void => { process.send?.(r); };
// The parent is gone (finished, crashed, killed): never outlive it.
process.on('disconnect', () => process.exit(0));

let dir: string | undefined;
let server: DmServer | undefined;
let bare: http.Server | undefined;

function cleanup(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}
process.on('exit', cleanup);
// Killed (SIGTERM, Ctrl-C): still remove the temp dir (the 'exit' handler does).
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(1));

async function setupDm(devices: number, on?: { db: string; cluster: boolean; publicUrl?: string; register: boolean }): Promise<Reply> {
  dir = mkdtempSync(join(os.tmpdir(), 'dmvisor-server-bench-'));
  server = await DmServer.start({
    db: on?.db ?? join(dir, 'dm.db'), host: '127.0.0.1', port: 0, apiToken: 'bench-token', logger: pino({ level: 'silent' }),
    trace: (process.env.DMVISOR_BENCH_TRACE ?? 'all') as 'all' | 'errors' | 'none', cluster: on?.cluster ?? false,
    ...(on?.publicUrl ? { publicUrl: on.publicUrl } : {}),
  });
  const store = server.store;
  const t0 = performance.now();
  if (on && !on.register) return { type: 'ready', url: server.url, registerMs: 0, devices, rssAfterSetup: process.memoryUsage().rss };
  // Registered as an operator's bulk import would: registerDevices, 10,000 per transaction.
  for (let i = 0; i < devices; i += 10_000) {
    const batch = [];
    for (let j = i; j < Math.min(devices, i + 10_000); j++) {
      const d = deviceIdentity(j);
      batch.push({ devId: d.devId, clientAuth: { type: 'md5' as const, name: d.name, secret: d.secret } });
    }
    await store.registerDevices(batch);
  }
  const registerMs = performance.now() - t0;
  return { type: 'ready', url: server.url, registerMs, devices, rssAfterSetup: process.memoryUsage().rss };
}

function setupBare(sizes: [number, number]): Promise<Reply> {
  // A DM-looking body of exactly `n` bytes (content is irrelevant to the generator in baseline mode).
  const body = (n: number): Buffer => {
    const head = '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD></SyncHdr><SyncBody>';
    const tail = '<Final/></SyncBody></SyncML>';
    return Buffer.from(head + ' '.repeat(Math.max(0, n - head.length - tail.length)) + tail);
  };
  const first = body(sizes[0]);
  const later = body(sizes[1]);
  bare = http.createServer((req, res) => {
    if (req.method !== 'POST') { res.writeHead(405).end(); return; }
    const answer = req.url?.includes('?s=') ? later : first;
    req.on('data', () => undefined);
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/vnd.syncml.dm+xml', 'content-length': answer.length }).end(answer);
    });
  });
  return new Promise((resolve, reject) => {
    bare!.once('error', reject);
    bare!.listen(0, '127.0.0.1', () => {
      const port = (bare!.address() as AddressInfo).port;
      resolve({ type: 'ready', url: `http://127.0.0.1:${port}`, registerMs: 0, devices: 0, rssAfterSetup: process.memoryUsage().rss });
    });
  });
}

async function queue(devices: number[]): Promise<Reply> {
  if (!server) throw new Error('queue before setup');
  const store = server.store;
  const t0 = performance.now();
  for (let i = 0; i < devices.length; i += 64) {
    await Promise.all(devices.slice(i, i + 64).map((j) => store.createOperation(deviceIdentity(j).devId, { commands: BENCH_COMMANDS })));
  }
  return { type: 'queued', count: devices.length, ms: performance.now() - t0 };
}

async function counters(s: DmServer): Promise<ServerCounters> {
  const byLabel = async (m: { get(): Promise<{ values: { value: number; labels: Record<string, string | number> }[] }> }, label: string) => {
    const out: Record<string, number> = {};
    for (const v of (await m.get()).values) out[String(v.labels[label])] = v.value;
    return out;
  };
  const auth = (await s.metrics.authFailures.get()).values[0]?.value ?? 0;
  return {
    sessions: await byLabel(s.metrics.sessions, 'state'),
    operations: await byLabel(s.metrics.operations, 'state'),
    messages: await byLabel(s.metrics.messages, 'status'),
    authFailures: auth,
  };
}

async function stats(): Promise<Reply> {
  const m = process.memoryUsage();
  const cpu = process.cpuUsage();
  const r: Reply = { type: 'stats', rss: m.rss, heapUsed: m.heapUsed, cpuUserUs: cpu.user, cpuSystemUs: cpu.system };
  if (server) r.counters = await counters(server);
  return r;
}

async function stop(): Promise<Reply> {
  if (server) await server.stop();
  if (bare) {
    await new Promise<void>((resolve) => { bare!.close(() => resolve()); bare!.closeAllConnections(); });
  }
  server = undefined;
  bare = undefined;
  cleanup();
  return { type: 'stopped' };
}

async function handle(req: Request): Promise<Reply> {
  switch (req.cmd) {
    case 'setup': return mode === 'dm' ? setupDm(req.devices, req.store) : setupBare(req.responseSizes ?? [600, 600]);
    case 'queue': return queue(req.devices);
    case 'stats': return stats();
    case 'stop': return stop();
    default: return { type: 'error', message: `unknown request ${JSON.stringify(req)}` };
  }
}

// One request at a time, answered in order.
let chain: Promise<void> = Promise.resolve();
process.on('message', (req: Request) => {
  chain = chain.then(async () => {
    let reply: Reply;
    try {
      reply = await handle(req);
    } catch (e) {
      reply = { type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    send(reply);
    if (req.cmd === 'stop') process.disconnect?.();
  });
});
