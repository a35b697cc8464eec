/**
 * `dmvisor demo [--port N] [--type TypeI|TypeII] [--exit]` — the whole
 * direct-management scenario on this machine: a server, a host, a Personal
 * and an Enterprise VM, then GwMO transparent and proxy management of two
 * more Enterprise VMs through the host's gateway, printed step by step. Without `--exit` the server
 * stays up for the user to look around (admin API, token printed); with
 * `--exit` it stops and exits 0 only if every step succeeded (a smoke test).
 */
import { parseArgs } from 'node:util';
import { runScenario } from '../virt/scenario.js';
import type { CliIo } from './codec-command.js';
import { UsageError } from './usage-error.js';

export const DEMO_USAGE = `usage: dmvisor demo [--port N] [--type TypeI|TypeII] [--exit]

  --port N     server port (default 8080; 0 = any free port)
  --type T     host topology: TypeI (default) or TypeII
  --exit       stop after the scenario; exit 0 only if every step succeeded
`;

/** Run `dmvisor demo …`. */
export async function runDemo(args: string[], io: CliIo, signals: { onStop(fn: () => void): void } = { onStop: (fn) => { process.once('SIGINT', fn); process.once('SIGTERM', fn); } }): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' }, type: { type: 'string' }, exit: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) { io.stdout(DEMO_USAGE); return 0; }
  const port = Number(values.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port takes a port number');
  const type = values.type ?? 'TypeI';
  if (type !== 'TypeI' && type !== 'TypeII') throw new UsageError('--type must be TypeI or TypeII');
  let n = 0;
  const run = await runScenario({
    port, virtualization: type, gatewayModes: true,
    onStep: (phase, s) => {
      if (phase === 'start') io.stdout(`[${++n}] ${s.title} …\n`);
      else io.stdout(`    ${s.ok ? 'ok  ' : 'FAIL'} ${s.detail ?? ''} (${s.ms} ms)\n`);
    },
  });
  const failed = run.steps.filter((s) => !s.ok).length;
  io.stdout(`\n${run.ok ? 'every step succeeded' : `${failed} step(s) failed`} — ${run.steps.length} steps, ${run.steps.reduce((a, s) => a + s.ms, 0)} ms\n`);
  if (values.exit) {
    await run.stop();
    return run.ok ? 0 : 1;
  }
  io.stdout(`\nserver ${run.server.url} stays up (Ctrl-C to stop):\n  export DMVISOR_URL=${run.server.url} DMVISOR_API_TOKEN=${run.token}\n  dmvisor devices\n  curl -s -H "authorization: Bearer $DMVISOR_API_TOKEN" $DMVISOR_URL/api/devices/${encodeURIComponent(run.hostDevId)}/vms\n`);
  await new Promise<void>((r) => signals.onStop(r));
  await run.stop();
  return run.ok ? 0 : 1;
}
