/**
 * Fleet simulator: many simulated hosts and VMs, in one process, talking to a
 * real DM server with the real client engine (`ClientSession` over
 * `DmHttpClient`) — the protocol is the real one, only the devices are light.
 *
 * Memory-light by design (the model of bench/server-bench.ts's generator):
 * - a simulated device is an index; its state is a few typed-array slots
 *   (next due time, running flag) and the md5 nonce the server gave it last;
 * - all hosts share one management tree, and all VMs another (a Replace the
 *   server sends lands in the shared tree: the simulator measures the
 *   protocol and the server, not per-device tree contents);
 * - one keep-alive HTTP client for every device; at most `concurrency`
 *   sessions in flight, the rest wait for their turn (most overdue first).
 *
 * Each device polls: a client-initiated session every `pollSeconds` (±20 %
 * jitter, first polls spread over one interval). Notifications (optional) come
 * over HTTP to one shared listener that demultiplexes by path
 * (`/n/<device index>`): the package #0 is decoded (its digest is not checked:
 * the simulator keeps no per-device server nonce) and the device runs the
 * server-initiated session it asks for, with its SessionID.
 *
 * Modes: `direct` only — every host and VM is its own DM device. The gateway
 * modes (transparent, proxy) are not simulated yet.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStandardTree } from '../mo/index.js';
import { decodePackage0 } from '../notification/package0.js';
import { sessionIdToHeader } from '../notification/session-id.js';
import { ClientSession, type OutboundMessage } from '../session/client-session.js';
import { DmHttpClient } from '../transport/http-client.js';
import type { DmTree } from '../tree/index.js';
import { DmvisorError } from '../errors.js';

/** Modes the simulator can run (gateway modes are not implemented yet). */
export const SIM_MODES = ['direct'] as const;
export type SimMode = (typeof SIM_MODES)[number];

/** Options of a simulated fleet. */
export interface FleetOptions {
  /** The server's base URL (`http://host:port`); DM at `/dm`, admin API at `/api`. */
  server: string;
  /** Admin API bearer token (needed for `register`). */
  token?: string;
  hosts: number;
  vmsPerHost: number;
  mode?: SimMode;
  /** Seconds between a device's polls (±20 % jitter). Default 60. */
  pollSeconds?: number;
  /** Register every simulated device through `POST /api/device-batches` first. */
  register?: boolean;
  /** DevId prefix: devices are `<prefix>:h<i>` and `<prefix>:h<i>:vm<j>`. Default `SIM`. */
  prefix?: string;
  /** md5 secrets are `<secret>-<device index>`. Default `sim`. */
  secret?: string;
  /** Sessions in flight at most. Default 64. */
  concurrency?: number;
  /** Listen for HTTP notifications on this host (port chosen by the system); registered as each device's notifyAddress. */
  notifyHost?: string;
  /** ServerID the devices trust (the server's default `dmvisor`). */
  serverId?: string;
  /** Per-exchange HTTP timeout, ms. Default 30,000. */
  timeoutMs?: number;
}

/** A snapshot of the simulator's counters. */
export interface FleetStats {
  devices: number;
  elapsedMs: number;
  sessions: number;
  completed: number;
  failed: number;
  inFlight: number;
  /** Sessions waiting for a slot (due, not started). */
  overdue: number;
  serverInitiated: number;
  notifications: number;
  /** Failure reasons with counts, most frequent first. */
  errors: { reason: string; count: number }[];
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  sessionsPerSec: number;
  /** Heap and RSS growth since before the devices were created, per device (bytes). */
  heapPerDevice: number;
  rssPerDevice: number;
}

/** Identity of simulated device `k` of a fleet. */
export interface SimDevice {
  index: number;
  devId: string;
  name: string;
  secret: string;
  kind: 'host' | 'vm';
  parentDevId?: string;
}

const JITTER = 0.2;
const REGISTER_BATCH = 10_000;

/** Keeps `(due, device)` pairs ordered by due time (binary heap on typed arrays). */
class DueHeap {
  private readonly idx: Int32Array;
  private size = 0;
  constructor(capacity: number, private readonly due: Float64Array) {
    this.idx = new Int32Array(capacity);
  }
  get length(): number { return this.size; }
  peek(): number { return this.idx[0]!; }
  push(d: number): void {
    let i = this.size++;
    this.idx[i] = d;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.due[this.idx[p]!]! <= this.due[d]!) break;
      this.idx[i] = this.idx[p]!;
      i = p;
    }
    this.idx[i] = d;
  }
  pop(): number {
    const top = this.idx[0]!;
    const last = this.idx[--this.size]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && this.due[this.idx[r]!]! < this.due[this.idx[l]!]! ? r : l;
      if (this.due[this.idx[c]!]! >= this.due[last]!) break;
      this.idx[i] = this.idx[c]!;
      i = c;
    }
    if (this.size > 0) this.idx[i] = last;
    return top;
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Why the simulator cannot start (bad option, registration refused). */
export class SimulatorError extends DmvisorError {
  constructor(message: string) {
    super(message, 'DMV_ERR_SIMULATOR', 400);
  }
}

/** A running simulated fleet; {@link FleetSimulator.start}, then {@link stop}. */
export class FleetSimulator {
  readonly devices: number;
  readonly dmUrl: string;
  private readonly apiUrl: string;
  private readonly prefix: string;
  private readonly secret: string;
  private readonly hostsN: number;
  private readonly perHost: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly serverId: string;
  private readonly http: DmHttpClient;
  private readonly hostTree: DmTree;
  private readonly vmTree: DmTree;
  private readonly due: Float64Array;
  /** 1 while a session runs, 2 when a notification arrived during it (run again after). */
  private readonly running: Uint8Array;
  private readonly nonces: (Uint8Array | undefined)[];
  private readonly heap: DueHeap;
  /** Devices woken by a notification, with the SessionID it asked for. */
  private readonly urgent: { device: number; sessionId: string }[] = [];
  private readonly latencies: number[] = [];
  private readonly reasons = new Map<string, number>();
  private counters = { sessions: 0, completed: 0, failed: 0, serverInitiated: 0, notifications: 0 };
  private inFlight = 0;
  private sessionCounter = 0;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly idle = new Set<() => void>();
  private notifyServer: http.Server | undefined;
  private notifyBase: string | undefined;
  private t0 = 0;
  private readonly mem0: NodeJS.MemoryUsage;

  private constructor(private readonly options: FleetOptions, mem0: NodeJS.MemoryUsage) {
    this.mem0 = mem0;
    const base = options.server.replace(/\/+$/, '').replace(/\/dm$/, '');
    this.dmUrl = `${base}/dm`;
    this.apiUrl = `${base}/api`;
    this.prefix = options.prefix ?? 'SIM';
    this.secret = options.secret ?? 'sim';
    this.hostsN = options.hosts;
    this.perHost = options.vmsPerHost;
    this.devices = options.hosts * (options.vmsPerHost + 1);
    this.pollMs = (options.pollSeconds ?? 60) * 1000;
    this.concurrency = options.concurrency ?? 64;
    this.serverId = options.serverId ?? 'dmvisor';
    this.http = new DmHttpClient({ retries: 0, timeoutMs: options.timeoutMs ?? 30_000 });
    this.hostTree = simTree('host', this.serverId);
    this.vmTree = simTree('vm', this.serverId);
    this.due = new Float64Array(this.devices);
    this.running = new Uint8Array(this.devices);
    this.nonces = new Array<Uint8Array | undefined>(this.devices);
    this.heap = new DueHeap(this.devices, this.due);
  }

  /** Check the options, register the devices when asked, start polling. */
  static async start(options: FleetOptions): Promise<FleetSimulator> {
    checkOptions(options);
    const mem0 = process.memoryUsage();
    const sim = new FleetSimulator(options, mem0);
    if (options.notifyHost !== undefined) await sim.listen(options.notifyHost);
    try {
      if (options.register) await sim.register();
    } catch (e) {
      await sim.closeListener();
      sim.http.close();
      throw e;
    }
    sim.t0 = performance.now();
    // First polls spread evenly over one interval, so the fleet does not start as one burst.
    for (let k = 0; k < sim.devices; k++) {
      sim.due[k] = sim.t0 + (sim.pollMs * (k + 0.5 * Math.random())) / sim.devices;
      sim.heap.push(k);
    }
    sim.pump();
    return sim;
  }

  /** Identity of device `k` (0 ≤ k < devices): hosts and their VMs interleaved. */
  device(k: number): SimDevice {
    const host = Math.floor(k / (this.perHost + 1));
    const slot = k % (this.perHost + 1);
    const hostId = `${this.prefix}:h${host}`;
    const base = { index: k, name: '', secret: `${this.secret}-${k}` };
    if (slot === 0) return { ...base, devId: hostId, name: hostId, kind: 'host' };
    const devId = `${hostId}:vm${slot - 1}`;
    return { ...base, devId, name: devId, kind: 'vm', parentDevId: hostId };
  }

  /** HTTP address the server posts package #0 of device `k` to (when listening). */
  notifyAddress(k: number): string | undefined {
    return this.notifyBase ? `${this.notifyBase}/n/${k}` : undefined;
  }

  /** Counters so far. */
  stats(): FleetStats {
    const elapsedMs = this.t0 ? performance.now() - this.t0 : 0;
    const sorted = Float64Array.from(this.latencies).sort();
    const mem = process.memoryUsage();
    let overdue = this.urgent.length;
    const now = performance.now();
    // Every device is in the heap once, with its next due time: a scan of the typed array is cheap.
    if (!this.stopping) for (let k = 0; k < this.devices; k++) if (this.due[k]! <= now) overdue++;
    return {
      devices: this.devices, elapsedMs, ...this.counters, inFlight: this.inFlight, overdue,
      errors: [...this.reasons].sort((a, b) => b[1] - a[1]).map(([reason, count]) => ({ reason, count })),
      latencyMs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN },
      sessionsPerSec: elapsedMs > 0 ? this.counters.completed / (elapsedMs / 1000) : 0,
      heapPerDevice: (mem.heapUsed - this.mem0.heapUsed) / this.devices,
      rssPerDevice: (mem.rss - this.mem0.rss) / this.devices,
    };
  }

  /** Start no new session, wait for the running ones, close the listener; the final counters. */
  async stop(): Promise<FleetStats> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight > 0) await new Promise<void>((r) => this.idle.add(r));
    const s = this.stats();
    await this.closeListener();
    this.http.close();
    return s;
  }

  // ───────────── scheduling ─────────────

  /** Start as many due sessions as there are free slots; arm the timer for the next one. */
  private pump(): void {
    if (this.stopping) return;
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    while (this.inFlight < this.concurrency && this.urgent.length > 0) {
      const u = this.urgent.shift()!;
      if (this.running[u.device]) { this.running[u.device] = 2; continue; }
      this.launch(u.device, u.sessionId);
    }
    const now = performance.now();
    while (this.inFlight < this.concurrency && this.heap.length > 0 && this.due[this.heap.peek()]! <= now) {
      const k = this.heap.pop();
      if (this.running[k]) { this.reschedule(k, now); continue; }
      this.launch(k, undefined);
      this.reschedule(k, now);
    }
    if (this.inFlight < this.concurrency && this.heap.length > 0) {
      const wait = Math.max(1, this.due[this.heap.peek()]! - now);
      this.timer = setTimeout(() => { this.timer = undefined; this.pump(); }, Math.min(wait, 1000));
    }
  }

  private reschedule(k: number, now: number): void {
    this.due[k] = now + this.pollMs * (1 + JITTER * (2 * Math.random() - 1));
    this.heap.push(k);
  }

  private launch(k: number, serverSessionId: string | undefined): void {
    this.inFlight++;
    this.running[k] = 1;
    this.counters.sessions++;
    if (serverSessionId) this.counters.serverInitiated++;
    const t = performance.now();
    void this.runSession(k, serverSessionId).then((reason) => {
      this.latencies.push(performance.now() - t);
      if (reason === undefined) this.counters.completed++;
      else {
        this.counters.failed++;
        const r = reason.slice(0, 160);
        this.reasons.set(r, (this.reasons.get(r) ?? 0) + 1);
      }
      // A notification that came during this session: answer it with a new one (client-initiated; its SessionID is spent).
      const again = this.running[k] === 2;
      this.running[k] = 0;
      this.inFlight--;
      if (again && !this.stopping) this.urgent.push({ device: k, sessionId: this.nextSessionId() });
      if (this.inFlight === 0) { for (const r of this.idle) r(); this.idle.clear(); }
      this.pump();
    });
  }

  private nextSessionId(): string {
    this.sessionCounter = (this.sessionCounter % 0xfffe) + 1;
    return sessionIdToHeader(this.sessionCounter);
  }

  // ───────────── one session, the real client engine ─────────────

  /** Run device `k`'s session; undefined when it completed, else why not. */
  private async runSession(k: number, serverSessionId: string | undefined): Promise<string | undefined> {
    const d = this.device(k);
    const empty = new Uint8Array(0);
    const cs = new ClientSession({
      tree: d.kind === 'host' ? this.hostTree : this.vmTree,
      account: {
        serverId: this.serverId, serverUri: this.dmUrl, encoding: 'xml',
        client: { scheme: 'md5', name: d.name, secret: d.secret, nonce: this.nonces[k] ?? empty },
        server: { scheme: 'none', name: '', secret: '', nonce: empty },
      },
      deviceId: d.devId,
      devInfo: [
        { uri: './DevInfo/DevId', value: d.devId }, { uri: './DevInfo/Man', value: 'dmvisor-sim' },
        { uri: './DevInfo/Mod', value: d.kind === 'host' ? 'Simulated host' : 'Simulated VM' },
        { uri: './DevInfo/DmV', value: '1.2' }, { uri: './DevInfo/Lang', value: 'en-US' },
      ],
      sessionId: serverSessionId ?? this.nextSessionId(),
      initiator: serverSessionId ? 'server' : 'client',
    });
    let n = 0;
    try {
      let out: OutboundMessage | null = cs.start();
      for (; out; n++) {
        if (n >= 50) return 'more than 50 exchanges';
        const answer = await this.http.exchange({ url: out.url, body: out.bytes, contentType: out.contentType });
        out = cs.receive(answer.body, { encoding: answer.encoding });
      }
    } catch (e) {
      return `${e instanceof Error ? e.message : String(e)}`;
    } finally {
      for (let e = cs.pollEvent(); e; e = cs.pollEvent()) if (e.type === 'client-nonce') this.nonces[k] = e.nonce;
    }
    const r = cs.result;
    return r?.state === 'completed' ? undefined : `${r?.state ?? 'unfinished'}: ${r?.reason ?? ''}`;
  }

  // ───────────── registration ─────────────

  private async register(): Promise<void> {
    if (!this.options.token) throw new SimulatorError('--register needs the admin API token (--token)');
    for (let from = 0; from < this.devices; from += REGISTER_BATCH) {
      const batch = [];
      for (let k = from; k < Math.min(this.devices, from + REGISTER_BATCH); k++) batch.push(this.registration(k));
      const res = await this.api('POST', '/device-batches', { devices: batch });
      if (res.status === 409) {
        // Some already exist (a second run against the same server): register one by one, skipping those.
        for (const dev of batch) {
          const one = await this.api('POST', '/devices', dev);
          if (one.status !== 201 && one.status !== 409) throw new SimulatorError(`registering ${dev.devId}: HTTP ${one.status} ${one.text}`);
        }
      } else if (res.status !== 201) {
        throw new SimulatorError(`registering devices ${from}..${from + batch.length - 1}: HTTP ${res.status} ${res.text}`);
      }
    }
  }

  private registration(k: number): { devId: string; clientAuth: { type: 'md5'; name: string; secret: string }; parentDevId?: string; notifyAddress?: string } {
    const d = this.device(k);
    const notify = this.notifyAddress(k);
    return {
      devId: d.devId, clientAuth: { type: 'md5', name: d.name, secret: d.secret },
      ...(d.parentDevId ? { parentDevId: d.parentDevId } : {}), ...(notify ? { notifyAddress: notify } : {}),
    };
  }

  private async api(method: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method, headers: { authorization: `Bearer ${this.options.token ?? ''}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return { status: res.status, text: (await res.text()).slice(0, 500) };
  }

  // ───────────── notifications ─────────────

  private listen(host: string): Promise<void> {
    const server = http.createServer((req, res) => {
      const m = /^\/n\/(\d+)$/.exec(req.url ?? '');
      const k = m ? Number(m[1]) : -1;
      if (req.method !== 'POST' || !(k >= 0 && k < this.devices)) { req.resume(); res.writeHead(404).end(); return; }
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => { size += c.length; if (size <= 4096) chunks.push(c); });
      req.on('end', () => {
        try {
          if (size > 4096) throw new Error('too large');
          const p0 = decodePackage0(new Uint8Array(Buffer.concat(chunks)));
          if (p0.serverId !== this.serverId) throw new Error(`unknown server ${p0.serverId}`);
          this.counters.notifications++;
          res.writeHead(204).end();
          if (!this.stopping) {
            this.urgent.push({ device: k, sessionId: sessionIdToHeader(p0.sessionId) });
            this.pump();
          }
        } catch (e) {
          res.writeHead(400).end((e as Error).message);
        }
      });
    });
    this.notifyServer = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => {
        const a = server.address() as AddressInfo;
        this.notifyBase = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
        resolve();
      });
    });
  }

  private closeListener(): Promise<void> {
    const s = this.notifyServer;
    this.notifyServer = undefined;
    if (!s) return Promise.resolve();
    s.closeAllConnections();
    return new Promise((r) => s.close(() => r()));
  }
}

function checkOptions(o: FleetOptions): void {
  const int = (v: number, what: string, min: number, max: number): void => {
    if (!Number.isInteger(v) || v < min || v > max) throw new SimulatorError(`${what} must be an integer from ${min} to ${max}`);
  };
  int(o.hosts, 'hosts', 1, 10_000_000);
  int(o.vmsPerHost, 'vms-per-host', 0, 10_000);
  if (o.hosts * (o.vmsPerHost + 1) > 10_000_000) throw new SimulatorError('at most 10,000,000 simulated devices');
  if (o.mode !== undefined && !SIM_MODES.includes(o.mode)) throw new SimulatorError(`mode ${JSON.stringify(o.mode)} is not simulated (only ${SIM_MODES.join(', ')})`);
  if (o.pollSeconds !== undefined && !(o.pollSeconds > 0 && o.pollSeconds <= 86_400)) throw new SimulatorError('poll must be from 0 to 86400 seconds (not 0)');
  if (o.concurrency !== undefined) int(o.concurrency, 'concurrency', 1, 10_000);
  if (o.prefix !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(o.prefix)) throw new SimulatorError('prefix must be 1 to 64 letters, digits, ".", "_" or "-"');
  let url: URL;
  try {
    url = new URL(o.server);
  } catch {
    throw new SimulatorError(`server ${JSON.stringify(o.server)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SimulatorError('server must be an http(s) URL');
}

/** The shared tree of every simulated host, or of every simulated VM. */
function simTree(kind: 'host' | 'vm', serverId: string): DmTree {
  const tree = createStandardTree({
    devInfo: { devId: `SIM:${kind}`, man: 'dmvisor-sim', mod: kind === 'host' ? 'Simulated host' : 'Simulated VM', dmV: '1.2', lang: 'en-US' },
    devDetail: { devTyp: kind === 'host' ? 'server' : 'vm', oem: 'dmvisor-sim', fwV: '1.0', swV: '1.0', hwV: 'sim', lrgObj: true },
  });
  tree.ensureInterior('./Vendor');
  tree.createNode('./Vendor/Setting', { value: 'off', acl: `Get=${serverId}&Replace=${serverId}` });
  return tree;
}
