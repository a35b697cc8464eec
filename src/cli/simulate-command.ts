/**
 * `dmvisor simulate` — a simulated fleet (hosts × VMs) against a running
 * server, with the real client engine (src/sim/fleet-simulator.ts): a live
 * progress line, then a summary table. Exit 0 when every session completed,
 * 1 when some did not.
 */
import { parseArgs } from 'node:util';
import type { CliIo } from './codec-command.js';
import { UsageError } from './usage-error.js';
import { FleetSimulator, SIM_MODES, type FleetStats, type SimMode } from '../sim/fleet-simulator.js';

export const SIMULATE_USAGE = `usage: dmvisor simulate --server URL --hosts N --vms-per-host M [options]
  --server URL        the DM server's base URL (DM at /dm, admin API at /api; env DMVISOR_URL)
  --token T           admin API token, for --register (env DMVISOR_API_TOKEN)
  --hosts N           simulated hosts
  --vms-per-host M    simulated VMs per host (each its own DM device in direct mode)
  --mode MODE         direct (the only mode simulated so far)
  --poll S            seconds between a device's polls, ±20 % jitter (default 60)
  --duration S        stop after S seconds (default: until Ctrl-C)
  --register          register the devices first (POST /api/device-batches)
  --notify-host H     listen for HTTP notifications on H (registered as each device's notifyAddress)
  --concurrency C     sessions in flight at most (default 64)
  --prefix P          DevId prefix: P:h0, P:h0:vm0, … (default SIM)
  --secret S          md5 secrets are S-<index> (default sim)
  --progress S        seconds between progress lines (default 1 on a terminal, 5 otherwise)
  --json              print the summary as JSON instead of a table
`;

function num(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${what} takes a number, not ${JSON.stringify(v)}`);
  return n;
}

/** Run `dmvisor simulate …`. */
export async function runSimulate(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      server: { type: 'string' }, token: { type: 'string' }, hosts: { type: 'string' }, 'vms-per-host': { type: 'string' },
      mode: { type: 'string' }, poll: { type: 'string' }, duration: { type: 'string' }, register: { type: 'boolean' },
      'notify-host': { type: 'string' }, concurrency: { type: 'string' }, prefix: { type: 'string' }, secret: { type: 'string' },
      progress: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { io.stdout(SIMULATE_USAGE); return 0; }
  const server = values.server ?? process.env.DMVISOR_URL;
  if (!server) throw new UsageError(`--server is required\n\n${SIMULATE_USAGE}`);
  const hosts = num(values.hosts, 'hosts');
  if (hosts === undefined) throw new UsageError(`--hosts is required\n\n${SIMULATE_USAGE}`);
  const mode = (values.mode ?? 'direct') as SimMode;
  if (!SIM_MODES.includes(mode)) {
    throw new UsageError(values.mode === 'transparent' || values.mode === 'proxy'
      ? `--mode ${values.mode} is not simulated yet (only direct)` : `--mode must be direct, transparent or proxy`);
  }
  const duration = num(values.duration, 'duration');
  if (duration !== undefined && !(duration > 0)) throw new UsageError('--duration must be more than 0 seconds');
  const tty = process.stderr.isTTY === true;
  const every = (num(values.progress, 'progress') ?? (tty ? 1 : 5)) * 1000;
  if (!(every > 0)) throw new UsageError('--progress must be more than 0 seconds');

  const token = values.token ?? process.env.DMVISOR_API_TOKEN;
  const sim = await FleetSimulator.start({
    server, hosts, vmsPerHost: num(values['vms-per-host'], 'vms-per-host') ?? 0, mode,
    ...(token !== undefined ? { token } : {}),
    ...(values.poll !== undefined ? { pollSeconds: num(values.poll, 'poll')! } : {}),
    ...(values.register ? { register: true } : {}),
    ...(values['notify-host'] !== undefined ? { notifyHost: values['notify-host'] } : {}),
    ...(values.concurrency !== undefined ? { concurrency: num(values.concurrency, 'concurrency')! } : {}),
    ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
    ...(values.secret !== undefined ? { secret: values.secret } : {}),
  });
  io.stderr(`simulating ${sim.devices.toLocaleString('en-US')} devices (${hosts} hosts × ${1 + (num(values['vms-per-host'], 'vms-per-host') ?? 0)}, ${mode}) against ${sim.dmUrl}\n`);
  const progress = setInterval(() => {
    const line = progressLine(sim.stats());
    io.stderr(tty ? `\r\x1b[K${line}` : `${line}\n`);
  }, every);
  await new Promise<void>((resolve) => {
    const done = (): void => { process.off('SIGINT', done); process.off('SIGTERM', done); clearTimeout(timer); resolve(); };
    const timer = duration !== undefined ? setTimeout(done, duration * 1000) : undefined;
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  clearInterval(progress);
  if (tty) io.stderr('\r\x1b[K');
  io.stderr('stopping: waiting for the sessions in flight…\n');
  const s = await sim.stop();
  io.stdout(values.json ? JSON.stringify(s) + '\n' : formatSummary(s));
  return s.failed === 0 ? 0 : 1;
}

function ms(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(1)} ms` : '–';
}

/** One line of live progress. */
export function progressLine(s: FleetStats): string {
  return `${(s.elapsedMs / 1000).toFixed(0)} s: ${s.sessions.toLocaleString('en-US')} sessions, ${s.completed.toLocaleString('en-US')} ok, ` +
    `${s.failed.toLocaleString('en-US')} failed, ${s.inFlight} in flight, ${s.overdue.toLocaleString('en-US')} waiting, ` +
    `${s.sessionsPerSec.toFixed(0)}/s, p50 ${ms(s.latencyMs.p50)} p99 ${ms(s.latencyMs.p99)}`;
}

/** The summary table printed at the end. */
export function formatSummary(s: FleetStats): string {
  const rows: [string, string][] = [
    ['simulated devices', s.devices.toLocaleString('en-US')],
    ['duration', `${(s.elapsedMs / 1000).toFixed(1)} s`],
    ['sessions', s.sessions.toLocaleString('en-US')],
    ['  completed', s.completed.toLocaleString('en-US')],
    ['  failed', s.failed.toLocaleString('en-US')],
    ['  server-initiated (notified)', `${s.serverInitiated.toLocaleString('en-US')} (${s.notifications.toLocaleString('en-US')} notifications)`],
    ['sessions/s (completed)', s.sessionsPerSec.toFixed(1)],
    ['latency p50 / p90 / p99 / max', `${ms(s.latencyMs.p50)} / ${ms(s.latencyMs.p90)} / ${ms(s.latencyMs.p99)} / ${ms(s.latencyMs.max)}`],
    ['memory per device (heap / RSS growth)', `${Math.round(s.heapPerDevice)} B / ${Math.round(s.rssPerDevice)} B`],
  ];
  for (const e of s.errors.slice(0, 10)) rows.push([`  error ×${e.count}`, e.reason]);
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `${k.padEnd(w)}   ${v}`).join('\n') + '\n';
}
