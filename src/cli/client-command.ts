/**
 * `dmvisor client --config device.json [--once | --daemon] [--server ID]`
 *
 * --once    run one client-initiated session with the server (default: the first account) and exit
 * --daemon  listen for notifications (and poll every session.pollSeconds if set) until stopped
 * Exit code of --once: 0 when the session completed, 1 otherwise.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { resolve, dirname, isAbsolute } from 'node:path';
import { parseDeviceConfig } from '../client/device-config.js';
import { ConfigError } from '../client/config-error.js';
import { DmClient, type DmClientLogEvent } from '../client/dm-client.js';
import type { CliIo } from './codec-command.js';
import { UsageError } from './usage-error.js';

export const CLIENT_USAGE = `usage: dmvisor client --config FILE (--once | --daemon) [--server SERVER_ID]

  --config FILE   device configuration (JSON): identity, accounts, bootstrap, notifications (see docs/client.md)
  --once          run one client-initiated session and exit (0 if it completed)
  --daemon        listen for notifications and run the sessions they ask for, until SIGINT/SIGTERM
  --server ID     the server account to use (default: the first)
`;

/** Load and validate a device config file; relative stateDir is resolved against the file's folder. */
export async function loadDeviceConfig(path: string) {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, '', `cannot read: ${(e as Error).message}`);
  }
  if (text.length > 1024 * 1024) throw new ConfigError(path, '', 'larger than 1 MiB');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, '', `not valid JSON: ${(e as Error).message}`);
  }
  const config = parseDeviceConfig(raw, path);
  const here = (p: string) => (isAbsolute(p) ? p : resolve(dirname(path), p));
  config.stateDir = here(config.stateDir);
  if (config.tls) {
    for (const k of ['caFile', 'certFile', 'keyFile'] as const) if (config.tls[k] !== undefined) config.tls[k] = here(config.tls[k]!);
  }
  if (config.bootstrap) {
    for (const d of config.bootstrap.documents) d.file = here(d.file);
    const card = config.bootstrap.smartcard;
    if (card && 'virtual' in card) card.virtual = here(card.virtual);
  }
  return config;
}

function describe(e: DmClientLogEvent): string {
  switch (e.event) {
    case 'session-start': return `session ${e.sessionId} with ${e.serverId} (${e.initiator}-initiated) started`;
    case 'session-end': return `session ${e.sessionId} with ${e.serverId} ${e.result.state}${e.result.reason ? ': ' + e.result.reason : ''} (${e.result.messagesSent} sent, ${e.result.messagesReceived} received)`;
    case 'notification-accepted': return `notification from ${e.serverId} accepted: session ${e.sessionId}`;
    case 'notification-rejected': return `notification rejected: ${e.reason}`;
    case 'bootstrap-applied': return `bootstrap (${e.profile} profile) from ${e.origin} applied: account(s) for ${e.serverIds.join(', ')}`;
    case 'bootstrap-skipped': return `bootstrap from ${e.origin} skipped: ${e.reason}`;
    case 'bootstrap-refused': return `bootstrap from ${e.origin} refused: ${e.reason}`;
    case 'bootstrap-removed': return `smartcard ${e.origin.slice(5)} gone: removed account(s) for ${e.serverIds.join(', ')}`;
    case 'listening': return `listening for notifications${e.udpPort !== undefined ? ` on udp/${e.udpPort}` : ''}${e.httpPort !== undefined ? ` and http/${e.httpPort}` : ''}`;
  }
}

/** Run `dmvisor client …`. */
export async function runClient(args: string[], io: CliIo, signals: { onStop(fn: () => void): void } = { onStop: (fn) => { process.once('SIGINT', fn); process.once('SIGTERM', fn); } }): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string', short: 'c' }, once: { type: 'boolean' }, daemon: { type: 'boolean' }, server: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) { io.stdout(CLIENT_USAGE); return 0; }
  if (!values.config) throw new UsageError(`--config is required\n\n${CLIENT_USAGE}`);
  if (values.once === values.daemon) throw new UsageError(`give exactly one of --once and --daemon\n\n${CLIENT_USAGE}`);
  const config = await loadDeviceConfig(values.config);
  const log = (e: DmClientLogEvent) => io.stdout(`${new Date().toISOString()} ${describe(e)}\n`);
  const client = await DmClient.open({ config, log });
  if (values.once) {
    try {
      // Right after a bootstrap (image, card) the one session is the first contact with each new server.
      const first = await client.contactNewServers();
      if (first.length > 0 && !values.server) return first.every((f) => f.result.state === 'completed') ? 0 : 1;
      const before = client.followUps.length;
      const result = await client.runSession(values.server ? { serverId: values.server } : {});
      const followUps = client.followUps.slice(before);
      return result.state === 'completed' && followUps.every((f) => f.result.state === 'completed') ? 0 : 1;
    } finally {
      await client.close();
    }
  }
  await client.listen();
  const poll = config.session.pollSeconds;
  const timer = poll > 0 ? setInterval(() => { void client.runSession(values.server ? { serverId: values.server } : {}).catch(() => undefined); }, poll * 1000) : undefined;
  await new Promise<void>((resolveStop) => signals.onStop(resolveStop));
  if (timer) clearInterval(timer);
  await client.close();
  return 0;
}
