/**
 * `dmvisor host --config host.json` — run a host agent: the host's DM client,
 * its hypervisor driver and the VM management object, until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { loadHostConfig } from '../virt/host-config.js';
import { HostAgent, type HostLogEvent } from '../virt/host-agent.js';
import { describeGatewayEvent } from '../gateway/describe.js';
import type { CliIo } from './codec-command.js';
import { UsageError } from './usage-error.js';

export const HOST_USAGE = `usage: dmvisor host --config FILE

  --config FILE   host configuration (JSON): virtualization TypeI|TypeII, the host's DM client
                  (a client config under "client"), hypervisor { driver: process|libvirt, … },
                  vmsDir, imageCacheDir, gateway { enabled, defaultMode direct|transparent|proxy,
                  proxyTimeoutMs, serverId } (see docs/virt.md, docs/gateway.md)
`;

/** One readable line for a host event. */
export function describeHostEvent(e: HostLogEvent): string {
  switch (e.event) {
    case 'client': {
      const d = e.detail;
      if (d.event === 'session-end') return `session ${d.sessionId} with ${d.serverId} ${d.result.state}${d.result.reason ? ': ' + d.result.reason : ''}`;
      if (d.event === 'session-start') return `session ${d.sessionId} with ${d.serverId} (${d.initiator}-initiated) started`;
      if (d.event === 'listening') return `listening for notifications${d.httpPort !== undefined ? ` on http/${d.httpPort}` : ''}${d.udpPort !== undefined ? ` udp/${d.udpPort}` : ''}`;
      if (d.event === 'notification-rejected') return `notification rejected: ${d.reason}`;
      if (d.event === 'notification-accepted') return `notification from ${d.serverId} accepted`;
      if (d.event === 'bootstrap-applied') return `bootstrap applied (${d.profile}): ${d.serverIds.join(', ')}`;
      if (d.event === 'bootstrap-removed') return `bootstrap accounts removed: ${d.serverIds.join(', ')}`;
      return `bootstrap ${d.event === 'bootstrap-skipped' ? 'skipped' : 'refused'}: ${d.reason}`;
    }
    case 'job': return `${e.op}${e.vm ? ' ' + e.vm : ''}: ${e.phase}${e.detail ? ' — ' + e.detail : ''}`;
    case 'vm-crashed': return `VM ${e.vm} crashed: ${e.reason} (reported, not restarted)`;
    case 'recovered': return `VM ${e.vm}: ${e.detail}`;
    case 'gateway': return `gateway: ${describeGatewayEvent(e.detail)}`;
  }
}

/** Run `dmvisor host …`. */
export async function runHost(args: string[], io: CliIo, signals: { onStop(fn: () => void): void } = { onStop: (fn) => { process.once('SIGINT', fn); process.once('SIGTERM', fn); } }): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) { io.stdout(HOST_USAGE); return 0; }
  if (!values.config) throw new UsageError(`--config is required\n\n${HOST_USAGE}`);
  const config = await loadHostConfig(values.config);
  const agent = await HostAgent.start({ config, log: (e) => io.stdout(`${new Date().toISOString()} ${describeHostEvent(e)}\n`) });
  io.stdout(`host ${agent.devId} up: ${config.virtualization}, ${agent.hypervisor.product}\n`);
  await new Promise<void>((r) => signals.onStop(r));
  await agent.close();
  return 0;
}
