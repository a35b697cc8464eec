/**
 * Cluster figures (scale-out issue): complete DM sessions per second on
 * PostgreSQL with one node, one node in cluster mode (session state in the
 * database after every message), and two cluster nodes sharing the load —
 * the same sessions and generator as bench/server-bench.ts (md5, XML, one Get
 * + one Replace per session), SQLite's figure being that bench's.
 *
 * The two nodes are two child processes on one PostgreSQL schema; the
 * generator sends each HTTP request to the next node in turn (a balancer
 * inside the generator: no extra proxy hop to measure), so consecutive
 * messages of one session land on different nodes.
 *
 * Skipped, visibly, when PostgreSQL is not reachable at DMVISOR_BENCH_PG
 * (default postgres://postgres@127.0.0.1:5432/test). On this 2-core machine
 * the generator and every node share the cores: read the figures as the cost
 * of the cluster mode, not as how it scales on more machines.
 */
import os from 'node:os';
import pg from 'pg';
import { DmHttpClient } from '../src/transport/http-client.js';
import { Child, FULL, QUICK, benchTree, closedLoop, dmRunner, type PhaseResult } from './server-bench.js';

const PG_URL = process.env.DMVISOR_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface ClusterRow {
  name: string;
  nodes: number;
  cluster: boolean;
  throughput: PhaseResult;
}

export type ClusterBenchResult =
  | { skipped: true; reason: string }
  | { skipped?: false; machine: { cpu: string; cores: number }; devices: number; rows: ClusterRow[] };

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** HTTP client that sends each request to the next node (rewriting the URL's origin), with pre-opened connections to each. */
class RoundRobinTransport {
  private http = new DmHttpClient({ retries: 0, timeoutMs: 30_000 });
  private next = 0;
  constructor(readonly nodes: string[]) {}
  readonly client = {
    exchange: (req: Parameters<DmHttpClient['exchange']>[0]) => {
      const u = new URL(req.url);
      const target = new URL(this.nodes[this.next++ % this.nodes.length]!);
      u.protocol = target.protocol;
      u.host = target.host;
      return this.http.exchange({ ...req, url: u.toString() });
    },
  };

  async renew(connections: number): Promise<void> {
    this.http.close();
    this.http = new DmHttpClient({ retries: 0, timeoutMs: 30_000 });
    const body = new TextEncoder().encode('warm');
    await Promise.all(this.nodes.flatMap((n) => Array.from({ length: Math.ceil(connections / this.nodes.length) + 1 }, () =>
      this.http.exchange({ url: `${n}/healthz`, body, contentType: 'application/vnd.syncml.dm+xml' }).catch(() => undefined))));
  }

  close(): void {
    this.http.close();
  }
}

export async function runClusterBench(quick: boolean, log: (line: string) => void = () => undefined): Promise<ClusterBenchResult> {
  try {
    await admin((c) => c.query('select 1'));
  } catch (e) {
    return { skipped: true, reason: `PostgreSQL not reachable at ${PG_URL.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@')} (${(e as Error).message})` };
  }
  const s = quick ? QUICK : FULL;
  const devices = quick ? 2_000 : 20_000;
  const configs = [
    { name: 'PostgreSQL, 1 node', nodes: 1, cluster: false },
    { name: 'PostgreSQL, 1 node, cluster mode', nodes: 1, cluster: true },
    { name: 'PostgreSQL, 2 nodes, cluster mode', nodes: 2, cluster: true },
  ];
  const rows: ClusterRow[] = [];
  for (const cfg of configs) {
    const schema = `dmv_bench_${process.pid}_${rows.length}`;
    const db = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
    const children = Array.from({ length: cfg.nodes }, () => new Child('dm', undefined));
    const transport = new RoundRobinTransport([]);
    try {
      // Node 1 registers the devices; the others join the same schema.
      const first = await children[0]!.request({ cmd: 'setup', devices, store: { db, cluster: cfg.cluster, register: true } }, 'ready', 600_000);
      const urls = [first.url];
      for (const c of children.slice(1)) urls.push((await c.request({ cmd: 'setup', devices, store: { db, cluster: cfg.cluster, register: false } }, 'ready', 600_000)).url);
      transport.nodes.push(...urls);
      const serverCpu = async (): Promise<number> => {
        let total = 0;
        for (const c of children) { const st = await c.request({ cmd: 'stats' }, 'stats', 60_000); total += st.cpuUserUs + st.cpuSystemUs; }
        return total;
      };
      let at = 0;
      const queue = async (n: number): Promise<number[]> => {
        const list = Array.from({ length: Math.min(n, devices) }, () => (at++ % devices));
        await children[0]!.request({ cmd: 'queue', devices: list }, 'queued', 600_000);
        return list;
      };
      const tree = benchTree();
      const nonces = new Array<Uint8Array | undefined>(devices);
      const dm = dmRunner(`${first.url}/dm`, transport, tree, nonces);
      const renew = (n: number) => transport.renew(n);
      await closedLoop(dm.run, await queue(s.warmupSessions), s.warmupMs, s.concurrency, serverCpu, renew);
      const throughput = await closedLoop(dm.run, await queue(Math.ceil((600 * s.throughputMs) / 1000)), s.throughputMs, s.concurrency, serverCpu, renew);
      log(`${cfg.name}: ${throughput.sessionsPerSec.toFixed(0)} sessions/s`);
      rows.push({ ...cfg, throughput });
    } finally {
      transport.close();
      for (const c of children) await c.close();
      await admin((c) => c.query(`drop schema if exists "${schema}" cascade`)).catch(() => undefined);
    }
  }
  const cpus = os.cpus();
  return { machine: { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length }, devices, rows };
}

export function formatClusterBench(r: ClusterBenchResult): string {
  if (r.skipped) return `DM server on PostgreSQL / cluster mode: SKIPPED — ${r.reason}`;
  const head = ['configuration', 'sessions/s', 'latency p50 / p99 (ms)', 'server CPU per session (all nodes)', 'not completed'];
  const body = r.rows.map((x) => [
    x.name, Math.round(x.throughput.sessionsPerSec).toLocaleString('en-US'),
    `${x.throughput.latencyMs.p50.toFixed(1)} / ${x.throughput.latencyMs.p99.toFixed(1)}`,
    x.throughput.serverCpuMsPerSession === undefined ? '–' : `${x.throughput.serverCpuMsPerSession.toFixed(3)} ms`,
    String(x.throughput.failed),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
  return [
    'DM server on PostgreSQL and in cluster mode: complete client-initiated sessions (as the SQLite server bench), closed loop, 32 in flight;',
    `  ${r.devices.toLocaleString('en-US')} devices; two nodes = two processes on one schema, requests alternating between them (each session's messages on both).`,
    `  machine: ${r.machine.cpu}, ${r.machine.cores} cores — the generator, every node and PostgreSQL share them.`,
    '',
    line(head), widths.map((w) => '-'.repeat(w)).join('   '), ...body.map(line),
  ].join('\n');
}
