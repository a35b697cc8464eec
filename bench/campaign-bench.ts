/**
 * Campaign at scale (issue #9: "campaign to 100,000 simulated devices: time
 * to all results, target ≤ 10 minutes on this machine").
 *
 * Method:
 * - The server runs in a child process (bench/server-bench-child.ts, no
 *   devices of its own): a real `DmServer` on a fresh SQLite file with its
 *   defaults (traces kept, campaign timer every second), 127.0.0.1.
 * - This process runs the fleet simulator (src/sim/fleet-simulator.ts):
 *   N devices (hosts with 9 VMs each, direct mode), the real client engine
 *   over one keep-alive HTTP client, at most 64 sessions in flight; md5
 *   client authentication. They are registered in bulk through the admin API
 *   (`POST /api/device-batches`, 10,000 per request), then poll every
 *   `poll` seconds (±20 %; first polls spread over one interval).
 * - One campaign (`POST /api/campaigns`): one Replace of ./Vendor/Setting to
 *   every simulated device (filter: DevId contains the fleet's prefix), batch
 *   size = N (all queued at the first tick), notify off — devices get it
 *   when they poll.
 * - Timed: from the campaign's creation (the API answered) until
 *   `GET /api/campaigns/{id}` says `completed` (every device's result in).
 *   Also: sessions/s the server served in that window, the server's RSS
 *   and CPU after, the simulator's memory per device.
 *
 * Standalone: `node dist/bench/campaign-bench.js [--quick] [--devices N] [--poll S]`
 */
import os from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FleetSimulator } from '../src/sim/fleet-simulator.js';
import { Child, sleep } from './server-bench.js';

export const CAMPAIGN_TARGETS = { fullDevices: 100_000, timeMs: 10 * 60_000 } as const;

export interface CampaignBenchSettings {
  devices: number;
  /** Seconds between a device's polls. */
  poll: number;
  concurrency: number;
  /** Give up waiting for the campaign after this long. */
  timeoutMs: number;
}

export const CAMPAIGN_FULL: CampaignBenchSettings = { devices: 100_000, poll: 60, concurrency: 64, timeoutMs: 30 * 60_000 };
export const CAMPAIGN_QUICK: CampaignBenchSettings = { devices: 3_000, poll: 5, concurrency: 64, timeoutMs: 3 * 60_000 };

export interface CampaignBenchResult {
  mode: 'quick' | 'full';
  settings: CampaignBenchSettings;
  machine: { cpu: string; cores: number };
  registerMs: number;
  createMs: number;
  /** Creation answered → campaign completed. */
  allResultsMs: number;
  state: string;
  progress: Record<string, number>;
  /** Sessions completed during the campaign window, and per second. */
  sessions: number;
  sessionsPerSec: number;
  failedSessions: number;
  errors: { reason: string; count: number }[];
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  serverRss: number;
  serverHeapUsed: number;
  serverCpuMs: number;
  simHeapPerDevice: number;
  pass: boolean;
}

const TOKEN = 'bench-token';

async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}/api${path}`, {
    method, headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

interface CampaignView { id: string; state: string; reason?: string; targets: number; progress: Record<string, number> }

/** Run the campaign figure. */
export async function runCampaignBench(quick: boolean, overrides: Partial<CampaignBenchSettings> = {}, log: (l: string) => void = () => undefined): Promise<CampaignBenchResult> {
  const s = { ...(quick ? CAMPAIGN_QUICK : CAMPAIGN_FULL), ...overrides };
  const child = new Child('dm', undefined);
  let sim: FleetSimulator | undefined;
  try {
    const ready = await child.request({ cmd: 'setup', devices: 0 }, 'ready', 120_000);
    const hosts = Math.ceil(s.devices / 10);
    const t0 = performance.now();
    sim = await FleetSimulator.start({
      server: ready.url, token: TOKEN, hosts, vmsPerHost: 9, pollSeconds: s.poll, register: true, prefix: 'CMP', concurrency: s.concurrency,
    });
    const registerMs = performance.now() - t0;
    log(`${sim.devices.toLocaleString('en-US')} devices registered in ${(registerMs / 1000).toFixed(1)} s`);
    const cpu0 = await child.request({ cmd: 'stats' }, 'stats', 60_000);
    const before = sim.stats();
    const c0 = performance.now();
    const created = await api<CampaignView>(ready.url, 'POST', '/campaigns', {
      name: 'bench: one Replace to the fleet', filter: { search: 'CMP:' },
      commands: [{ verb: 'Replace', target: './Vendor/Setting', data: 'on' }], batchSize: Math.min(100_000, sim.devices), notify: false,
    });
    const created1 = performance.now();
    log(`campaign ${created.id}: ${created.targets.toLocaleString('en-US')} targets (created in ${((created1 - c0) / 1000).toFixed(1)} s)`);
    let view = created;
    let lastLog = 0;
    while (performance.now() - created1 < s.timeoutMs) {
      await sleep(500);
      view = await api<CampaignView>(ready.url, 'GET', `/campaigns/${created.id}`);
      if (view.state !== 'running') break;
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        const st = sim.stats();
        log(`${((performance.now() - created1) / 1000).toFixed(0)} s: ${JSON.stringify(view.progress)}; ${st.completed.toLocaleString('en-US')} sessions, ${st.failed} failed`);
      }
    }
    const done = performance.now();
    const after = sim.stats();
    const cpu1 = await child.request({ cmd: 'stats' }, 'stats', 60_000);
    const final = await sim.stop();
    sim = undefined;
    const windowS = (done - created1) / 1000;
    const sessions = after.completed - before.completed;
    const allResultsMs = done - created1;
    const cpus = os.cpus();
    return {
      mode: quick ? 'quick' : 'full', settings: s, machine: { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length },
      registerMs, createMs: created1 - c0, allResultsMs, state: view.state, progress: view.progress,
      sessions, sessionsPerSec: sessions / windowS, failedSessions: final.failed, errors: final.errors.slice(0, 5), latencyMs: final.latencyMs,
      serverRss: cpu1.rss, serverHeapUsed: cpu1.heapUsed, serverCpuMs: (cpu1.cpuUserUs + cpu1.cpuSystemUs - cpu0.cpuUserUs - cpu0.cpuSystemUs) / 1000,
      simHeapPerDevice: final.heapPerDevice,
      pass: view.state === 'completed' && view.progress.succeeded === created.targets && (quick || (s.devices >= CAMPAIGN_TARGETS.fullDevices && allResultsMs <= CAMPAIGN_TARGETS.timeMs)),
    };
  } finally {
    if (sim) await sim.stop();
    await child.close();
  }
}

/** The printed report. */
export function formatCampaignBench(r: CampaignBenchResult, table: (head: string[], rows: string[][]) => string): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');
  const ok = (b: boolean): string => (b ? '✓' : '✗');
  const s = r.settings;
  const lines = [
    `Campaign at scale: one Replace to ${n(s.devices)} simulated devices (fleet simulator in this process, real ClientSession, md5, ${s.concurrency} sessions in flight at most, ` +
      `poll every ${s.poll} s ±20 %), one DM server child on SQLite (defaults, traces kept); batch size = all, notify off`,
    `  machine: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${process.version} — server and simulator share the cores`,
    table(['figure', 'value', 'target', ''], [
      ['registration (POST /api/device-batches, 10,000 per request)', `${f(r.registerMs / 1000)} s`, '', ''],
      ['campaign creation (filter over the devices, targets stored)', `${f(r.createMs / 1000)} s`, '', ''],
      ['creation → every result in', `${f(r.allResultsMs / 1000)} s (${r.state}; ${n(r.progress.succeeded ?? 0)} succeeded, ${n(r.progress.failed ?? 0)} failed)`,
        s.devices >= CAMPAIGN_TARGETS.fullDevices ? `≤ ${CAMPAIGN_TARGETS.timeMs / 1000} s` : 'report (quick)', ok(r.pass)],
      ['sessions in that window, per second', `${n(r.sessions)}, ${f(r.sessionsPerSec)}/s`, '', ''],
      ['session latency p50 / p90 / p99 / max', `${f(r.latencyMs.p50)} / ${f(r.latencyMs.p90)} / ${f(r.latencyMs.p99)} / ${f(r.latencyMs.max)} ms`, '', ''],
      ['server RSS / heap used after', `${n(r.serverRss / 1e6)} MB / ${n(r.serverHeapUsed / 1e6)} MB`, '', ''],
      ['server CPU in the window', `${f(r.serverCpuMs / 1000)} s`, '', ''],
      ['simulator heap per device', `${n(r.simHeapPerDevice)} B`, '', ''],
      ['sessions not completed', n(r.failedSessions), '0', ok(r.failedSessions === 0)],
    ]),
  ];
  for (const e of r.errors) lines.push(`  ✗ ${n(e.count)} × ${e.reason}`);
  return lines.join('\n');
}

function plainTable(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (c: string[]): string => c.map((x, i) => (i === 0 ? x.padEnd(w[i]!) : x.padStart(w[i]!))).join('   ').trimEnd();
  return [line(head), w.map((x) => '-'.repeat(x)).join('   '), ...rows.map(line)].join('\n');
}

async function main(argv: string[]): Promise<void> {
  let quick = false;
  const o: Partial<CampaignBenchSettings> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--devices' && argv[i + 1]) o.devices = Number(argv[++i]);
    else if (a === '--poll' && argv[i + 1]) o.poll = Number(argv[++i]);
    else { console.error('usage: node dist/bench/campaign-bench.js [--quick] [--devices N] [--poll S]'); process.exit(2); }
  }
  const r = await runCampaignBench(quick, o, (l) => console.error(`[campaign-bench] ${l}`));
  console.log(formatCampaignBench(r, plainTable));
  if (!r.pass || r.failedSessions > 0) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e: unknown) => { console.error(e); process.exitCode = 1; });
}
