/**
 * Client-initiated bootstraps per second (issue #5: target ≥ 1,000/s, a
 * storm of 100,000 new devices absorbed in under two minutes by one node).
 *
 * Method:
 * - The server is a real `DmServer` in a child process
 *   (bench/bootstrap-bench-child.ts): fresh SQLite file, traces off, one
 *   enrollment secret, the default bootstrap profile (md5 both ways).
 * - This process is the load generator: N never-seen devices (full 20,000,
 *   quick 2,000), each a `ClientSession` (XML, basic Cred with the enrollment
 *   secret) on its own fresh tree holding just DMAcc (what a bootstrap
 *   touches), whose ./DMAcc lets the bootstrap server Add, posted with `DmHttpClient` (keep-alive, no retries) to
 *   `/bootstrap`, `concurrency` sessions in flight (closed loop) after a
 *   warm-up of 200 devices.
 * - A bootstrap counts when its session ends `completed` and the device's
 *   tree holds the new DM account (the Add applied); anything else is a
 *   failure and is shown. Afterwards the registry must hold exactly one
 *   record per device, every one `client-initiated`.
 * - The figure is devices bootstrapped per second (wall time of the timed
 *   phase) and the latency distribution of one bootstrap session. The
 *   follow-up first session with the DM server is not included (the
 *   server bench measures those).
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DMACC_MO, instantiateMo, listDmAccounts, moResolver } from '../src/mo/index.js';
import { DmTree } from '../src/tree/index.js';
import { ClientSession, type OutboundMessage } from '../src/session/client-session.js';
import { DmHttpClient } from '../src/transport/http-client.js';
import { BENCH_ENROLLMENT } from './bootstrap-bench-child.js';

/** What the bench measured. */
export interface BootstrapBenchResult {
  devices: number;
  concurrency: number;
  seconds: number;
  perSecond: number;
  failures: number;
  firstFailure?: string;
  latencyMs: { p50: number; p95: number; p99: number };
  registry: { devices: number; methods: Record<string, number> };
  serverRssMiB: number;
  /** Server process CPU time per bootstrap (user + system) during the timed phase. */
  serverCpuMsPerBootstrap: number;
  generatorCpuMsPerBootstrap: number;
  /** 1-minute load average at the end (this machine's 2 cores are shared). */
  loadAverage: number;
}


/** Run the benchmark. */
export async function runBootstrapBench(quick: boolean): Promise<BootstrapBenchResult> {
  const devices = quick ? 2000 : 20000;
  const concurrency = 32;
  const prof = process.env.DMVISOR_BENCH_CPU_PROF; // a folder: profile the server child there
  const child = fork(join(dirname(fileURLToPath(import.meta.url)), 'bootstrap-bench-child.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [] });
  const next = () => new Promise<Record<string, unknown>>((resolve) => child.once('message', (m) => resolve(m as Record<string, unknown>)));
  const { url } = (await next()) as { url: string };
  const http = new DmHttpClient({ retries: 0, timeoutMs: 30_000 });
  let sessionCounter = 0;
  const bootstrap = async (devId: string): Promise<string | undefined> => {
    // Only what a bootstrap touches (DMAcc): the generator's CPU is the server's competitor on this machine.
    const tree = new DmTree({ resolveMo: moResolver() });
    instantiateMo(tree, DMACC_MO);
    tree.setAcl('./DMAcc', 'Get=*&Add=dmvisor-bootstrap');
    const cs = new ClientSession({
      tree,
      account: {
        serverId: 'dmvisor-bootstrap', serverUri: `${url}/bootstrap`, encoding: 'xml',
        client: { scheme: 'basic', name: BENCH_ENROLLMENT.name, secret: BENCH_ENROLLMENT.secret, nonce: new Uint8Array(0) },
        server: { scheme: 'none', name: '', secret: '', nonce: new Uint8Array(0) },
      },
      deviceId: devId,
      devInfo: [{ uri: './DevInfo/DevId', value: devId }, { uri: './DevInfo/Man', value: 'Acme' }, { uri: './DevInfo/Mod', value: 'VM' }, { uri: './DevInfo/DmV', value: '1.2' }, { uri: './DevInfo/Lang', value: 'en-US' }],
      sessionId: ((++sessionCounter % 0xffff) + 1).toString(16).toUpperCase(), initiator: 'client',
    });
    let out: OutboundMessage | null = cs.start();
    for (let n = 0; out; n++) {
      if (n >= 10) return 'more than 10 exchanges';
      const answer = await http.exchange({ url: out.url, body: out.bytes, contentType: out.contentType });
      out = cs.receive(answer.body, { encoding: answer.encoding });
    }
    if (cs.result?.state !== 'completed') return `session ${cs.result?.state}: ${cs.result?.reason}`;
    if (!listDmAccounts(tree).some((a) => a.serverId === 'dmvisor')) return 'no DM account after the bootstrap';
    return undefined;
  };
  const run = async (ids: string[], latencies?: number[]): Promise<{ failures: number; first?: string }> => {
    let at = 0;
    let failures = 0;
    let first: string | undefined;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (at < ids.length) {
        const id = ids[at++];
        const t0 = performance.now();
        const why = await bootstrap(id).catch((e: unknown) => (e as Error).message);
        latencies?.push(performance.now() - t0);
        if (why) { failures++; first ??= `${id}: ${why}`; }
      }
    }));
    return { failures, ...(first ? { first } : {}) };
  };
  try {
    await run(Array.from({ length: 200 }, (_, i) => `VM:warm-${i}`));
    const ids = Array.from({ length: devices }, (_, i) => `VM:bench-${String(i).padStart(6, '0')}`);
    const latencies: number[] = [];
    child.send({ cmd: 'mark' });
    await next();
    const genCpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await run(ids, latencies);
    const seconds = (performance.now() - t0) / 1000;
    const genCpu = process.cpuUsage(genCpu0);
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
    child.send({ cmd: 'stats' });
    const stats = (await next()) as { devices: number; methods: Record<string, number>; rss: number; cpuMs: number };
    return {
      devices, concurrency, seconds, perSecond: devices / seconds, failures: r.failures, ...(r.first ? { firstFailure: r.first } : {}),
      latencyMs: { p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) },
      registry: { devices: stats.devices, methods: stats.methods }, serverRssMiB: stats.rss / 2 ** 20,
      serverCpuMsPerBootstrap: stats.cpuMs / devices, generatorCpuMsPerBootstrap: (genCpu.user + genCpu.system) / 1000 / devices,
      loadAverage: os.loadavg()[0],
    };
  } finally {
    http.close();
    child.send({ cmd: 'stop' });
  }
}

/** The result as the table `npm run bench` prints. */
export function formatBootstrapBench(r: BootstrapBenchResult): string {
  const expected = r.devices + 200;
  const registryOk = r.registry.devices === expected && r.registry.methods['client-initiated'] === expected;
  const rows: [string, string, string, string][] = [
    ['client-initiated bootstraps/s', r.perSecond.toFixed(0), '≥ 1000', r.perSecond >= 1000 ? '✓' : '✗'],
    ['devices bootstrapped (timed)', `${r.devices} in ${r.seconds.toFixed(1)} s`, '', ''],
    ['failures', String(r.failures) + (r.firstFailure ? ` (first: ${r.firstFailure})` : ''), '0', r.failures === 0 ? '✓' : '✗'],
    ['latency p50 / p95 / p99', `${r.latencyMs.p50.toFixed(1)} / ${r.latencyMs.p95.toFixed(1)} / ${r.latencyMs.p99.toFixed(1)} ms`, '', ''],
    ['registry: one record per device, all client-initiated', `${r.registry.devices} (${JSON.stringify(r.registry.methods)})`, String(expected), registryOk ? '✓' : '✗'],
    ['server CPU per bootstrap', `${r.serverCpuMsPerBootstrap.toFixed(2)} ms (≈ ${(1000 / r.serverCpuMsPerBootstrap).toFixed(0)}/s per core)`, '', ''],
    ['generator CPU per bootstrap', `${r.generatorCpuMsPerBootstrap.toFixed(2)} ms`, '', ''],
    ['server RSS after the storm', `${r.serverRssMiB.toFixed(0)} MiB`, '', ''],
    ['machine: cores, load average (1 min)', `${os.cpus().length}, ${r.loadAverage.toFixed(1)}`, '', ''],
  ];
  const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((x) => x[i].length), ['figure', 'value', 'target', ''][i].length));
  const line = (x: string[]) => x.map((c, i) => c.padEnd(w[i])).join('  ');
  return [`Client-initiated bootstrap (bench/bootstrap-bench.ts; ${r.concurrency} sessions in flight, SQLite, basic enrollment secret, md5 account issued)`,
    line(['figure', 'value', 'target', '']), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runBootstrapBench(process.argv.includes('--quick')).then((r) => console.log(formatBootstrapBench(r)), (e: unknown) => { console.error(e); process.exitCode = 1; });
}
