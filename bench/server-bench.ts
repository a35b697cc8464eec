/**
 * Server figures (issue: sessions per second of complete client-initiated
 * sessions against the DM server, with a bare `node:http` baseline).
 *
 * Method:
 * - The server runs in a child process (bench/server-bench-child.ts): a real
 *   `DmServer` (defaults: trace bodies kept, last-known tree kept) on a fresh
 *   SQLite file, N registered devices with md5 client authentication (full
 *   run 100,000, quick 2,000), a silent logger, 127.0.0.1.
 * - This process is the load generator: simulated devices, each session a
 *   `ClientSession` (XML, md5 Cred in package 1, the standard DevInfo leaves)
 *   over one shared standard tree that has `./Vendor/Setting` with ACL
 *   `Get=dmvisor&Replace=dmvisor`, posted with `DmHttpClient` (HTTP
 *   keep-alive, no retries: a network error is a failure, not hidden) over a
 *   pool of connections opened before each phase (see {@link Transport}).
 *   md5 is the device authenticating to the server (Cred in package 1, 212 +
 *   Chal with the next nonce); the devices do not authenticate the server.
 *   Each device keeps the nonce the server issued in its last session and
 *   uses it next time.
 * - Before each phase one operation per planned session (Get ./DevDetail/FwV
 *   + Replace ./Vendor/Setting) is queued for distinct devices, outside the
 *   timed part; a device is used at most once per phase.
 * - Phases: warm-up (JIT on both sides); max throughput (closed loop,
 *   `concurrency` sessions in flight, fixed duration, or until the queued
 *   sessions run out); latency at a fixed offered rate (open loop: session k
 *   starts at t0 + k/rate whatever happened before, latency counted from
 *   that scheduled start, so a server falling behind shows in the figure);
 *   for reading that figure, the same at half the measured max rate.
 *   Every session must end `completed`; anything else is counted and shown.
 * - Baseline, same run: a bare `node:http` server in a child process that
 *   answers every POST with a body the size of the DM server's answer to the
 *   same message; the same generator (same `DmHttpClient`, concurrency,
 *   durations, rate) posts the bytes a real session sent, as many exchanges
 *   per session as a real one took (measured on a probe session first).
 * - RSS of the server child with all devices registered, after the runs;
 *   CPU time of both processes per session (this is a 2-core machine: the
 *   generator and the server share it).
 *
 * Standalone: `node dist/bench/server-bench.js [--quick] [--json FILE] [--cpu-prof DIR]`
 * (`--cpu-prof` profiles the server child: a .cpuprofile per child in DIR).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createStandardTree } from '../src/mo/index.js';
import { ClientSession, type OutboundMessage } from '../src/session/client-session.js';
import { DmHttpClient } from '../src/transport/http-client.js';
import type { DmTree } from '../src/tree/index.js';
import type { Reply, Request, ServerCounters } from './server-bench-child.js';

/** DevId, md5 name and secret of simulated device `i` (the server child registers the same). */
export function deviceIdentity(i: number): { devId: string; name: string; secret: string } {
  return { devId: `IMEI:35${String(i).padStart(13, '0')}`, name: `dev${i}`, secret: `secret-${i}` };
}

/** The commands of the operation queued per session. */
export const BENCH_COMMANDS = [
  { verb: 'Get' as const, target: './DevDetail/FwV' },
  { verb: 'Replace' as const, target: './Vendor/Setting', data: 'on', format: 'chr' },
];

/** ServerID of the DM server (its default) — the principal in the client tree's ACLs. */
const SERVER_ID = 'dmvisor';

export interface Settings {
  devices: number;
  concurrency: number;
  warmupMs: number;
  warmupSessions: number;
  throughputMs: number;
  /** Offered rate of the latency phase, sessions/s. */
  rate: number;
  latencyMs: number;
  /**
   * Open loop: connections in the pool, so sessions in flight at most; more wait in the
   * generator (the wait counts in their latency). Kept below the server's listen backlog (511).
   */
  maxInFlight: number;
}

export const FULL: Settings = { devices: 100_000, concurrency: 32, warmupMs: 2000, warmupSessions: 4000, throughputMs: 10_000, rate: 1000, latencyMs: 5000, maxInFlight: 256 };
export const QUICK: Settings = { devices: 2_000, concurrency: 32, warmupMs: 500, warmupSessions: 400, throughputMs: 2000, rate: 1000, latencyMs: 1000, maxInFlight: 256 };

export const SERVER_TARGETS = { sessionsPerSec: 2000, p99Ms: 50, rssBytes: 250e6 } as const;

/** Figures of one phase. */
export interface PhaseResult {
  /** Sessions started (= ended: every one is awaited). */
  sessions: number;
  completed: number;
  failed: number;
  /** Up to 5 distinct failure reasons with counts. */
  failures: { reason: string; count: number }[];
  elapsedMs: number;
  sessionsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Why a closed-loop phase stopped: its duration ran out, or the queued sessions did. */
  stoppedBy?: 'time' | 'sessions';
  /** CPU time per session of the generator and (when known) of the server process, ms. */
  generatorCpuMsPerSession: number;
  serverCpuMsPerSession?: number;
}

export interface ServerBenchResult {
  mode: 'quick' | 'full';
  settings: Settings;
  machine: { cpu: string; cores: number };
  devices: number;
  registerMs: number;
  /** Time the server child took to queue the operations (all phases), and how many. */
  queuedOperations: number;
  queueMs: number;
  /** One probe session: HTTP exchanges, bytes of each request and answer. */
  probe: { exchanges: number; requestBytes: number[]; responseBytes: number[] };
  dm: { warmup: PhaseResult; throughput: PhaseResult; latency: PhaseResult; halfMax: PhaseResult & { rate: number } };
  bare: { warmup: PhaseResult; throughput: PhaseResult; latency: PhaseResult };
  ratio: number;
  rssAfterSetup: number;
  rssAfterRuns: number;
  heapUsedAfterRuns: number;
  counters: ServerCounters | undefined;
  /** Sessions run against the DM server in total (probe, warm-up, throughput, latency). */
  dmSessionsTotal: number;
  pass: { throughput: boolean; p99: boolean; rss: boolean };
  /** True when every session of every phase completed. */
  clean: boolean;
}

// ───────────────────────────── child processes ─────────────────────────────

const live = new Set<ChildProcess>();
process.on('exit', () => { for (const c of live) c.kill('SIGKILL'); });

/** A forked server child spoken to over IPC, one request at a time. */
export class Child {
  private readonly proc: ChildProcess;
  private waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  private exited = false;
  private readonly exitPromise: Promise<void>;

  constructor(mode: 'dm' | 'bare', profileDir: string | undefined) {
    const file = join(dirname(fileURLToPath(import.meta.url)), 'server-bench-child.js');
    const execArgv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=server-${mode}-${process.pid}-${Date.now()}.cpuprofile`] : [];
    this.proc = fork(file, [mode], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    live.add(this.proc);
    this.exitPromise = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.exited = true;
        live.delete(this.proc);
        this.waiting?.reject(new Error(`server child (${mode}) exited (${signal ?? code}) while a request was pending`));
        this.waiting = undefined;
        resolve();
      });
    });
    this.proc.on('message', (r: Reply) => {
      const w = this.waiting;
      if (!w) return;
      this.waiting = undefined;
      clearTimeout(w.timer);
      if (r.type === 'error') w.reject(new Error(`server child: ${r.message}`));
      else w.resolve(r);
    });
    this.proc.on('error', (e) => { this.waiting?.reject(e); this.waiting = undefined; });
  }

  request<T extends Reply['type']>(req: Request, expect: T, timeoutMs: number): Promise<Extract<Reply, { type: T }>> {
    if (this.exited) return Promise.reject(new Error('server child is gone'));
    if (this.waiting) return Promise.reject(new Error('one request at a time'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiting = undefined; reject(new Error(`server child: no answer to ${req.cmd} within ${timeoutMs} ms`)); }, timeoutMs);
      this.waiting = {
        resolve: (r) => (r.type === expect ? resolve(r as Extract<Reply, { type: T }>) : reject(new Error(`server child answered ${r.type} to ${req.cmd}`))),
        reject, timer,
      };
      this.proc.send(req);
    });
  }

  /** Stop the server gracefully (so a CPU profile gets written), kill it if it does not go. */
  async close(): Promise<void> {
    if (this.exited) return;
    try {
      await this.request({ cmd: 'stop' }, 'stopped', 15_000);
    } catch {
      // killed below
    }
    const gone = await Promise.race([this.exitPromise.then(() => true), sleep(10_000).then(() => false)]);
    if (!gone) {
      this.proc.kill('SIGKILL');
      await this.exitPromise;
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

// ───────────────────────────── load generation ─────────────────────────────

interface Outcome {
  ok: boolean;
  reason?: string;
}

type SessionRunner = (device: number) => Promise<Outcome>;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

class PhaseRecorder {
  readonly latencies: number[] = [];
  completed = 0;
  failed = 0;
  readonly reasons = new Map<string, number>();
  private readonly cpu0 = process.cpuUsage();

  record(o: Outcome, ms: number): void {
    this.latencies.push(ms);
    if (o.ok) this.completed++;
    else {
      this.failed++;
      const r = (o.reason ?? 'unknown').slice(0, 160);
      this.reasons.set(r, (this.reasons.get(r) ?? 0) + 1);
    }
  }

  finish(elapsedMs: number, serverCpuUs: number | undefined, stoppedBy?: 'time' | 'sessions'): PhaseResult {
    const cpu = process.cpuUsage(this.cpu0);
    const n = this.latencies.length;
    const sorted = Float64Array.from(this.latencies).sort();
    const arr = Array.from(sorted);
    const r: PhaseResult = {
      sessions: n, completed: this.completed, failed: this.failed,
      failures: [...this.reasons].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([reason, count]) => ({ reason, count })),
      elapsedMs, sessionsPerSec: this.completed / (elapsedMs / 1000),
      latencyMs: { p50: percentile(arr, 50), p90: percentile(arr, 90), p99: percentile(arr, 99), max: arr[n - 1] ?? NaN },
      generatorCpuMsPerSession: n ? (cpu.user + cpu.system) / 1000 / n : NaN,
    };
    if (stoppedBy) r.stoppedBy = stoppedBy;
    if (serverCpuUs !== undefined && n) r.serverCpuMsPerSession = serverCpuUs / 1000 / n;
    return r;
  }
}

/** Closed loop: `concurrency` workers, each starting a session when its last one ends, until time or sessions run out. */
export async function closedLoop(run: SessionRunner, devices: number[], durationMs: number, concurrency: number, serverCpu: () => Promise<number | undefined>, renew: (connections: number) => Promise<void>): Promise<PhaseResult> {
  await renew(concurrency);
  const rec = new PhaseRecorder();
  const cpu0 = await serverCpu();
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  let next = 0;
  let stoppedBy: 'time' | 'sessions' = 'sessions';
  const worker = async (): Promise<void> => {
    while (next < devices.length) {
      if (performance.now() >= deadline) { stoppedBy = 'time'; return; }
      const d = devices[next++];
      const s = performance.now();
      const o = await run(d);
      rec.record(o, performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - t0;
  const cpu1 = await serverCpu();
  return rec.finish(elapsed, cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined, stoppedBy);
}

/** Open loop: session k starts at t0 + k/rate (or as soon as a slot is free); latency from its scheduled start. */
async function openLoop(run: SessionRunner, devices: number[], rate: number, maxInFlight: number, serverCpu: () => Promise<number | undefined>, renew: (connections: number) => Promise<void>): Promise<PhaseResult> {
  await renew(maxInFlight);
  const rec = new PhaseRecorder();
  const cpu0 = await serverCpu();
  const interval = 1000 / rate;
  const t0 = performance.now() + 2;
  let inFlight = 0;
  let lastEnd = t0;
  const running = new Set<Promise<void>>();
  for (let k = 0; k < devices.length; k++) {
    const due = t0 + k * interval;
    let now = performance.now();
    if (now < due) { await sleep(Math.max(0, due - now - 0.3)); now = performance.now(); }
    while (inFlight >= maxInFlight) await Promise.race(running);
    inFlight++;
    const p: Promise<void> = run(devices[k]).then((o) => {
      const end = performance.now();
      lastEnd = Math.max(lastEnd, end);
      rec.record(o, end - due);
      inFlight--;
      running.delete(p);
    });
    running.add(p);
  }
  await Promise.all(running);
  const cpu1 = await serverCpu();
  return rec.finish(lastEnd - t0, cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined);
}

/**
 * The generator's HTTP client: a pool of keep-alive connections, renewed and
 * pre-opened before each phase (as many as the phase may have in flight).
 * - Renewed: connections left idle while operations are queued between phases
 *   outlive the server's keep-alive timeout (5 s); reusing one just as the
 *   server closes it would fail a session for a reason unrelated to the phase.
 * - Pre-opened: a busy Node server accepts about one new connection per
 *   event-loop turn; connections opened mid-phase against an overloaded server
 *   wait in the kernel's accept queue, which overflows (SYN-ACK retransmits,
 *   ~30 s stalls). Measured that way, the figure would be about TCP accept,
 *   not about sessions; the generator is a fixed pool of connections instead.
 */
export class Transport {
  client = Transport.make();
  private static make(): DmHttpClient {
    return new DmHttpClient({ retries: 0, timeoutMs: 30_000 });
  }
  /** New client, then `connections` simultaneous throwaway POSTs to `url` so that many sockets are open and idle. */
  async renew(url: string, connections: number): Promise<void> {
    this.client.close();
    this.client = Transport.make();
    const body = new TextEncoder().encode('warm');
    await Promise.all(Array.from({ length: connections }, () =>
      this.client.exchange({ url, body, contentType: 'application/vnd.syncml.dm+xml' }).catch(() => undefined)));
  }
  close(): void {
    this.client.close();
  }
}

/** Hands out device indexes round-robin; a batch never holds a device twice. */
class DeviceCursor {
  private at = 0;
  constructor(private readonly n: number) {}
  take(count: number): number[] {
    const c = Math.min(count, this.n);
    const out = new Array<number>(c);
    for (let i = 0; i < c; i++) { out[i] = this.at; this.at = (this.at + 1) % this.n; }
    return out;
  }
}

export function benchTree(): DmTree {
  const tree = createStandardTree({
    devInfo: { devId: deviceIdentity(0).devId, man: 'Acme', mod: 'Enterprise VM', dmV: '1.2', lang: 'en-US' },
    devDetail: { devTyp: 'vm', oem: 'Acme', fwV: '2.1', swV: '2.1', hwV: 'A', lrgObj: true },
  });
  tree.ensureInterior('./Vendor');
  tree.createNode('./Vendor/Setting', { value: 'off', acl: `Get=${SERVER_ID}&Replace=${SERVER_ID}` });
  return tree;
}

interface Recording {
  requests: { path: 'first' | 'later'; bytes: Uint8Array; contentType: string }[];
  responseBytes: number[];
}

/** Runs real DM sessions of the simulated devices against `dmUrl`. */
export function dmRunner(dmUrl: string, http: { client: Pick<DmHttpClient, 'exchange'> }, tree: DmTree, nonces: (Uint8Array | undefined)[]): { run: SessionRunner; probe: (device: number) => Promise<Outcome & { recording: Recording }> } {
  const empty = new Uint8Array(0);
  let sessionCounter = 0;
  const session = async (device: number, recording?: Recording): Promise<Outcome> => {
    const id = deviceIdentity(device);
    const cs = new ClientSession({
      tree,
      account: {
        serverId: SERVER_ID, serverUri: dmUrl, encoding: 'xml',
        client: { scheme: 'md5', name: id.name, secret: id.secret, nonce: nonces[device] ?? empty },
        server: { scheme: 'none', name: '', secret: '', nonce: empty },
      },
      deviceId: id.devId,
      devInfo: [
        { uri: './DevInfo/DevId', value: id.devId }, { uri: './DevInfo/Man', value: 'Acme' }, { uri: './DevInfo/Mod', value: 'Enterprise VM' },
        { uri: './DevInfo/DmV', value: '1.2' }, { uri: './DevInfo/Lang', value: 'en-US' },
      ],
      sessionId: ((++sessionCounter % 0xffff) + 1).toString(16).toUpperCase(), initiator: 'client',
    });
    let n = 0;
    try {
      let out: OutboundMessage | null = cs.start();
      for (; out; n++) {
        if (n >= 20) return { ok: false, reason: 'more than 20 exchanges' };
        const answer = await http.client.exchange({ url: out.url, body: out.bytes, contentType: out.contentType });
        if (recording) {
          recording.requests.push({ path: n === 0 ? 'first' : 'later', bytes: out.bytes, contentType: out.contentType });
          recording.responseBytes.push(answer.body.length);
        }
        out = cs.receive(answer.body, { encoding: answer.encoding });
      }
    } catch (e) {
      return { ok: false, reason: `${e instanceof Error ? e.message : String(e)} (exchange ${n + 1})` };
    } finally {
      for (let e = cs.pollEvent(); e; e = cs.pollEvent()) if (e.type === 'client-nonce') nonces[device] = e.nonce;
    }
    const r = cs.result;
    return r?.state === 'completed' ? { ok: true } : { ok: false, reason: `${r?.state ?? 'unfinished'}: ${r?.reason ?? ''}` };
  };
  return {
    run: (d) => session(d),
    probe: async (d) => {
      const recording: Recording = { requests: [], responseBytes: [] };
      const o = await session(d, recording);
      return { ...o, recording };
    },
  };
}

/** Replays a recorded session's requests against the bare server. */
function bareRunner(baseUrl: string, http: Transport, rec: Recording): SessionRunner {
  const first = `${baseUrl}/dm`;
  const later = `${baseUrl}/dm?s=bench`;
  return async () => {
    let n = 0;
    try {
      for (const r of rec.requests) { await http.client.exchange({ url: r.path === 'first' ? first : later, body: r.bytes, contentType: r.contentType }); n++; }
      return { ok: true };
    } catch (e) {
      return { ok: false, reason: `${e instanceof Error ? e.message : String(e)} (exchange ${n + 1})` };
    }
  };
}

// ───────────────────────────── the run ─────────────────────────────

/** Run the server figures. `quick`: 2,000 devices and short phases (CI). */
export async function runServerBench(quick: boolean, options: { profileDir?: string; devices?: number; log?: (line: string) => void } = {}): Promise<ServerBenchResult> {
  const s = { ...(quick ? QUICK : FULL), ...(options.devices ? { devices: options.devices } : {}) };
  const log = options.log ?? (() => undefined);
  const cpus = os.cpus();
  const http = new Transport();
  // Throwaway POSTs: the DM server answers /healthz whatever the method; the bare one answers anything.
  let warmUrl = '';
  const renew = (connections: number): Promise<void> => http.renew(warmUrl, connections);
  const dmChild = new Child('dm', options.profileDir);
  let bareChild: Child | undefined;
  try {
    // ── DM server ──
    const ready = await dmChild.request({ cmd: 'setup', devices: s.devices }, 'ready', 600_000);
    log(`server: ${s.devices.toLocaleString('en-US')} devices registered in ${(ready.registerMs / 1000).toFixed(1)} s`);
    const serverCpu = async (): Promise<number | undefined> => {
      const st = await dmChild.request({ cmd: 'stats' }, 'stats', 60_000);
      return st.cpuUserUs + st.cpuSystemUs;
    };
    const cursor = new DeviceCursor(s.devices);
    let queuedOperations = 0;
    let queueMs = 0;
    // Devices holding exactly one pending operation that no session has claimed yet (a closed-loop
    // phase that ends on time leaves some): they serve the next phase first, so that no session
    // ever claims two operations. Never more than N devices armed at once.
    let armed: number[] = [];
    const queue = async (count: number): Promise<number[]> => {
      const want = Math.min(count, s.devices);
      const reuse = armed.slice(0, want);
      const fresh = cursor.take(want - reuse.length);
      if (fresh.length) {
        const q = await dmChild.request({ cmd: 'queue', devices: fresh }, 'queued', 600_000);
        queuedOperations += q.count;
        queueMs += q.ms;
      }
      armed = armed.slice(reuse.length);
      return [...reuse, ...fresh];
    };
    /** Devices a phase did not use go back to the armed pool. */
    const unused = (devices: number[], used: number): void => { armed = [...devices.slice(used), ...armed]; };
    const tree = benchTree();
    const nonces = new Array<Uint8Array | undefined>(s.devices);
    const dm = dmRunner(`${ready.url}/dm`, http, tree, nonces);
    warmUrl = `${ready.url}/healthz`;

    const probeDevices = await queue(1);
    const probe = await dm.probe(probeDevices[0]);
    if (!probe.ok) throw new Error(`probe session failed: ${probe.reason}`);
    const exchanges = probe.recording.requests.length;
    log(`probe session: ${exchanges} HTTP exchanges`);

    const warmupDevices = await queue(s.warmupSessions);
    const dmWarmup = await closedLoop(dm.run, warmupDevices, s.warmupMs, s.concurrency, serverCpu, renew);
    unused(warmupDevices, dmWarmup.sessions);
    log(`warm-up: ${dmWarmup.sessionsPerSec.toFixed(0)} sessions/s`);
    // Enough queued sessions for the duration at 1.5× the warm-up rate (at least the target rate); the phase stops early if they run out.
    const planned = Math.ceil((Math.max(dmWarmup.sessionsPerSec * 1.5, SERVER_TARGETS.sessionsPerSec) * s.throughputMs) / 1000);
    const throughputDevices = await queue(planned);
    const dmThroughput = await closedLoop(dm.run, throughputDevices, s.throughputMs, s.concurrency, serverCpu, renew);
    unused(throughputDevices, dmThroughput.sessions);
    log(`throughput: ${dmThroughput.sessionsPerSec.toFixed(0)} sessions/s`);
    const dmLatency = await openLoop(dm.run, await queue(Math.round((s.rate * s.latencyMs) / 1000)), s.rate, s.maxInFlight, serverCpu, renew);
    log(`latency at ${s.rate}/s: p99 ${dmLatency.latencyMs.p99.toFixed(1)} ms`);
    // For reading the figure above: latency when the server is not overloaded (half its measured max).
    const halfRate = Math.max(1, Math.round(dmThroughput.sessionsPerSec / 2));
    const dmHalf = await openLoop(dm.run, await queue(Math.max(20, Math.round((halfRate * s.latencyMs) / 1000))), halfRate, s.maxInFlight, serverCpu, renew);
    const after = await dmChild.request({ cmd: 'stats' }, 'stats', 60_000);
    await dmChild.close();

    // ── bare node:http baseline ──
    bareChild = new Child('bare', options.profileDir);
    const bareReady = await bareChild.request({ cmd: 'setup', devices: 0, responseSizes: [probe.recording.responseBytes[0], probe.recording.responseBytes[exchanges - 1]] }, 'ready', 60_000);
    const bc = bareChild;
    const bareCpu = async (): Promise<number | undefined> => {
      const st = await bc.request({ cmd: 'stats' }, 'stats', 60_000);
      return st.cpuUserUs + st.cpuSystemUs;
    };
    const bare = bareRunner(bareReady.url, http, probe.recording);
    warmUrl = `${bareReady.url}/healthz`;
    const many = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
    const bareWarmup = await closedLoop(bare, many(s.warmupSessions), s.warmupMs, s.concurrency, bareCpu, renew);
    const bareThroughput = await closedLoop(bare, many(Math.max(planned, 40 * s.throughputMs)), s.throughputMs, s.concurrency, bareCpu, renew);
    const bareLatency = await openLoop(bare, many(Math.round((s.rate * s.latencyMs) / 1000)), s.rate, s.maxInFlight, bareCpu, renew);
    log(`bare: ${bareThroughput.sessionsPerSec.toFixed(0)} sessions/s`);
    await bareChild.close();

    const phases = [dmWarmup, dmThroughput, dmLatency, dmHalf, bareWarmup, bareThroughput, bareLatency];
    return {
      mode: quick ? 'quick' : 'full',
      settings: s,
      machine: { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length },
      devices: s.devices,
      registerMs: ready.registerMs,
      queuedOperations, queueMs,
      probe: { exchanges, requestBytes: probe.recording.requests.map((r) => r.bytes.length), responseBytes: probe.recording.responseBytes },
      dm: { warmup: dmWarmup, throughput: dmThroughput, latency: dmLatency, halfMax: { ...dmHalf, rate: halfRate } },
      bare: { warmup: bareWarmup, throughput: bareThroughput, latency: bareLatency },
      ratio: dmThroughput.sessionsPerSec / bareThroughput.sessionsPerSec,
      rssAfterSetup: ready.rssAfterSetup,
      rssAfterRuns: after.rss,
      heapUsedAfterRuns: after.heapUsed,
      counters: after.counters,
      dmSessionsTotal: 1 + dmWarmup.sessions + dmThroughput.sessions + dmLatency.sessions + dmHalf.sessions,
      pass: {
        throughput: dmThroughput.sessionsPerSec >= SERVER_TARGETS.sessionsPerSec,
        p99: dmLatency.latencyMs.p99 <= SERVER_TARGETS.p99Ms,
        rss: after.rss <= SERVER_TARGETS.rssBytes,
      },
      clean: phases.every((p) => p.failed === 0),
    };
  } finally {
    http.close();
    await dmChild.close();
    await bareChild?.close();
  }
}

// ───────────────────────────── reporting ─────────────────────────────

function int(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

function f1(n: number | undefined, digits = 1): string {
  return n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '–';
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

/** Same layout as bench/run.ts's tables: first column left-aligned, the rest right-aligned. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('   '), ...rows.map(line)].join('\n');
}

/** The printed report: a few lines of method, the table, failures if any. */
export function formatServerBench(r: ServerBenchResult): string {
  const s = r.settings;
  const d = r.dm;
  const b = r.bare;
  const mark = (ok: boolean): string => (ok ? '✓' : '✗');
  const lat = (p: PhaseResult): string => `${f1(p.latencyMs.p50)} / ${f1(p.latencyMs.p90)} / ${f1(p.latencyMs.p99)} / ${f1(p.latencyMs.max)} ms`;
  const stop = (p: PhaseResult): string => (p.stoppedBy === 'sessions' ? ' (queued sessions ran out)' : '');
  const lines: string[] = [];
  lines.push(`DM server: complete client-initiated sessions over HTTP keep-alive (md5 client auth, XML, package 1 with DevInfo; the server sends one Get + one Replace), ` +
    `SQLite file store with server defaults (traces kept), server and load generator in separate processes on 127.0.0.1`);
  lines.push(`  machine: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${process.version} — both processes share the cores`);
  lines.push(`  ${int(r.devices)} devices registered in ${f1(r.registerMs / 1000)} s (${int((r.registerMs * 1000) / r.devices)} µs each, bulk registerDevices, 10,000 per transaction); ` +
    `${int(r.queuedOperations)} operations queued between phases in ${f1(r.queueMs / 1000)} s`);
  lines.push(`  a session = ${r.probe.exchanges} HTTP exchanges (requests ${r.probe.requestBytes.join(' + ')} B, answers ${r.probe.responseBytes.join(' + ')} B); ` +
    `baseline: bare node:http child answering the same requests with bodies of the same sizes, same generator`);
  lines.push(`  max throughput: closed loop, ${s.concurrency} sessions in flight, ${s.throughputMs / 1000} s after a ${s.warmupMs / 1000} s warm-up; ` +
    `latency: open loop at ${int(s.rate)} sessions/s offered for ${s.latencyMs / 1000} s, from each session's scheduled start (p50 / p90 / p99 / max)`);
  lines.push('');
  lines.push(table(
    ['figure', 'dmvisor', 'bare node:http', 'ratio', 'target', ''],
    [
      [`sessions/s, max${stop(d.throughput)}`, int(d.throughput.sessionsPerSec), int(b.throughput.sessionsPerSec), `${f1(r.ratio, 3)}×`,
        `≥ ${int(SERVER_TARGETS.sessionsPerSec)}`, mark(r.pass.throughput)],
      [`  latency at max (p50 / p90 / p99 / max)`, lat(d.throughput), lat(b.throughput), '', '', ''],
      [`latency at ${int(s.rate)}/s offered (p50 / p90 / p99 / max)`, lat(d.latency), lat(b.latency), '', `p99 ≤ ${SERVER_TARGETS.p99Ms} ms`, mark(r.pass.p99)],
      [`  achieved rate`, `${int(d.latency.sessionsPerSec)}/s`, `${int(b.latency.sessionsPerSec)}/s`, '', '', ''],
      [`latency at ${int(d.halfMax.rate)}/s offered (half of dmvisor's max)`, lat(d.halfMax), '', '', '', ''],
      [`server RSS after the runs, ${int(r.devices)} devices`, mb(r.rssAfterRuns), '', '', `≤ ${mb(SERVER_TARGETS.rssBytes)}`, mark(r.pass.rss)],
      [`  RSS after registration / heap used after runs`, `${mb(r.rssAfterSetup)} / ${mb(r.heapUsedAfterRuns)}`, '', '', '', ''],
      [`server CPU per session (at max)`, `${f1(d.throughput.serverCpuMsPerSession, 3)} ms`, `${f1(b.throughput.serverCpuMsPerSession, 3)} ms`, '', '', ''],
      [`generator CPU per session (at max)`, `${f1(d.throughput.generatorCpuMsPerSession, 3)} ms`, `${f1(b.throughput.generatorCpuMsPerSession, 3)} ms`, '', '', ''],
      [`sessions not completed (all phases)`, int(d.warmup.failed + d.throughput.failed + d.latency.failed + d.halfMax.failed), int(b.warmup.failed + b.throughput.failed + b.latency.failed), '', '0', mark(r.clean)],
    ],
  ));
  if (r.counters) {
    const c = r.counters;
    const kv = (o: Record<string, number>): string => Object.entries(o).map(([k, v]) => `${k} ${int(v)}`).join(', ') || 'none';
    lines.push(`  server's own counters: sessions ${kv(c.sessions)}; operations ${kv(c.operations)}; HTTP answers ${kv(c.messages)}; auth failures ${int(c.authFailures)} ` +
      `(generator ran ${int(r.dmSessionsTotal)} DM sessions)`);
  }
  for (const [name, p] of [['dmvisor warm-up', d.warmup], ['dmvisor max', d.throughput], ['dmvisor latency', d.latency], ['dmvisor half-max latency', d.halfMax], ['bare warm-up', b.warmup], ['bare max', b.throughput], ['bare latency', b.latency]] as const) {
    for (const f of p.failures) lines.push(`  ✗ ${name}: ${int(f.count)} × ${f.reason}`);
  }
  return lines.join('\n');
}

// ───────────────────────────── standalone ─────────────────────────────

async function main(argv: string[]): Promise<void> {
  let quick = false;
  let json: string | undefined;
  let profileDir: string | undefined;
  let devices: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--json' && argv[i + 1]) json = argv[++i];
    else if (a === '--cpu-prof' && argv[i + 1]) profileDir = resolve(argv[++i]);
    else if (a === '--devices' && argv[i + 1]) devices = Number(argv[++i]);
    else {
      console.error('usage: node dist/bench/server-bench.js [--quick] [--json FILE] [--cpu-prof DIR] [--devices N]');
      process.exit(2);
    }
  }
  const t0 = performance.now();
  const r = await runServerBench(quick, { ...(profileDir ? { profileDir } : {}), ...(devices ? { devices } : {}), log: (l) => console.error(`[server-bench] ${l}`) });
  console.log(formatServerBench(r));
  console.log(`(server bench took ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  if (json) writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  if (!r.clean) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
