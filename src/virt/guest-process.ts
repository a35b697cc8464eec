/**
 * What runs inside a `process`-driver VM: `node guest-process.js <vm-dir> <channel-socket>`.
 *
 * It connects to its host over the VM channel and says hello. When the VM
 * directory holds `guest.json` (a `dmvisor client` config) — at boot, or when
 * the host sends `install-client` — it runs the guest DM client: one
 * client-initiated session (the VM registers as its own device), then listens
 * for notifications, reporting each to the host. It exits when the host
 * closes the channel or says `stop`: a VM never outlives its host.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadDeviceConfig } from '../cli/client-command.js';
import { DmClient } from '../client/dm-client.js';
import type { DmTree } from '../tree/dm-tree.js';
import { connectVmChannel } from '../transport/vm-channel.js';

/** Run the guest; resolves when it should exit. */
export async function runGuest(vmDir: string, socketPath: string, name: string): Promise<void> {
  const channel = await connectVmChannel(socketPath);
  let client: DmClient | undefined;
  const done = new Promise<void>((resolve) => {
    channel.on('close', resolve);
    channel.on('message', (m) => {
      if (m.type === 'stop') channel.close();
      else if (m.type === 'notification' && typeof m.package0 === 'string') {
        const reason = client ? client.acceptNotification(new Uint8Array(Buffer.from(m.package0, 'base64'))) : 'no DM client runs in this VM';
        channel.send({ type: 'notification-result', accepted: reason === undefined, ...(reason ? { reason } : {}) });
      } else if (m.type === 'install-client' && typeof m.config === 'string' && !client) {
        void startClient(join(vmDir, m.config)).catch((e: unknown) => channel.send({ type: 'error', message: (e as Error).message }));
      }
    });
  });
  async function startClient(configFile: string): Promise<void> {
    const config = await loadDeviceConfig(configFile);
    const info = await readFile(join(vmDir, VM_INFO), 'utf8').then((t) => JSON.parse(t) as { hostDevId?: unknown; gatewaySocket?: unknown }, () => ({} as { hostDevId?: unknown; gatewaySocket?: unknown }));
    // Proxy mode (GwMO): the client's server is the gateway, reached through a socket file in the VM directory.
    const gatewaySocket = typeof info.gatewaySocket === 'string' ? join(vmDir, info.gatewaySocket) : undefined;
    client = await DmClient.open({
      config,
      ...(gatewaySocket ? { http: { socketPath: gatewaySocket } } : {}),
      log: (e) => { if (e.event === 'session-end') channel.send({ type: 'client-session', state: e.result.state, ...(e.result.reason ? { reason: e.result.reason } : {}) }); },
    });
    const hostDevId = info.hostDevId;
    addGuestExtensions(client.tree, typeof hostDevId === 'string' ? hostDevId : undefined);
    if (config.notifications) {
      const ports = await client.listen();
      if (ports.httpPort !== undefined) channel.send({ type: 'client-listening', httpPort: ports.httpPort });
    }
    await client.runSession();
  }
  channel.send({ type: 'hello', name, pid: process.pid });
  const guestConfig = join(vmDir, 'guest.json');
  if (existsSync(guestConfig)) await startClient(guestConfig).catch((e: unknown) => channel.send({ type: 'error', message: (e as Error).message }));
  await done;
  // The host is gone or said stop: close the client, but a session stuck on the network must not keep the VM alive.
  await Promise.race([client?.close(), new Promise((r) => setTimeout(r, 1000).unref())]);
}

/** File in the VM directory with what the guest knows about its host: `{ name, hostDevId }`. */
export const VM_INFO = 'vm.json';

/**
 * The guest's own nodes under `./DevDetail/Ext`: `HostDevId` (the guest
 * identifies its host) and `Ping`, an Exec that answers 200 (a liveness
 * check a server can run directly on the VM).
 */
export function addGuestExtensions(tree: DmTree, hostDevId: string | undefined): void {
  tree.ensureInterior('./DevDetail/Ext');
  if (hostDevId !== undefined) {
    if (tree.exists('./DevDetail/Ext/HostDevId')) tree.setValue('./DevDetail/Ext/HostDevId', hostDevId);
    else tree.createNode('./DevDetail/Ext/HostDevId', { value: hostDevId, acl: 'Get=*' });
  }
  if (!tree.exists('./DevDetail/Ext/Ping')) tree.createNode('./DevDetail/Ext/Ping', { format: 'null', acl: 'Get=*&Exec=*' });
  tree.setExecHandler('./DevDetail/Ext/Ping', () => 200);
}

/** Whether this module is the process entry point. */
function isMain(): boolean {
  const entry = process.argv[1] ?? '';
  return import.meta.url === new URL(entry, 'file://').href;
}

if (isMain()) {
  const [vmDir, socketPath, name] = process.argv.slice(2);
  if (!vmDir || !socketPath || !name) {
    process.stderr.write('usage: guest-process <vm-dir> <channel-socket> <name>\n');
    process.exitCode = 2;
  } else {
    runGuest(vmDir, socketPath, name).then(() => process.exit(0), (e: unknown) => {
      process.stderr.write(`guest ${name}: ${(e as Error).message}\n`);
      process.exit(1);
    });
  }
}
