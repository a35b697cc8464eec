/**
 * GwMO gateway figures (issue #7), all in one process against a real DM
 * server (SQLite in a temp dir, HTTP on 127.0.0.1):
 *
 * - **proxy overhead per command**: the same operation (20 Gets) run on a VM
 *   managed directly (its client notified over HTTP, one session with the
 *   server) and on a VM in proxy mode (the gateway notified over HTTP; in its
 *   session the gateway runs the commands in a downstream session with the
 *   VM over the VM's Unix socket). Time from `POST /operations` (notify) to
 *   the operation's final state, median of rounds, divided by 20; ratio
 *   proxy / direct (target ≤ 2×).
 * - **fan-out**: one Replace to N = 1,000 simulated VMs behind one gateway,
 *   as a GwMO Fanout job (`POST /api/fanout` through the gateway): from the
 *   request to the aggregated status at the server with every per-device
 *   result (target ≤ 5 s).
 * - **gateway memory per end device**: heap growth (after a full GC) of the
 *   gateway when N proxy-mode end devices are provisioned and attached
 *   (inventory record, trigger, downstream record, listening socket), / N.
 *
 * A simulated VM is a `DmClient` in this process with an in-memory tree: its
 * DM traffic really goes over HTTP on its own Unix socket to the gateway; only
 * the host↔VM channel that carries package #0 is a function call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { pino } from 'pino';
import { DmServer } from '../src/server/dm-server.js';
import { DmClient } from '../src/client/dm-client.js';
import { parseDeviceConfig } from '../src/client/device-config.js';
import { InMemoryTreeStore } from '../src/tree/store.js';
import { Gateway } from '../src/gateway/gateway.js';
import { DEFAULT_GATEWAY_CONFIG } from '../src/gateway/gateway-config.js';
import { setManagement } from '../src/server/gateway-api.js';
import { apiClient, freePort } from '../src/virt/scenario.js';
import type { VmChannel } from '../src/transport/vm-channel.js';

/** Targets from the issue. */
export const GATEWAY_TARGETS = { overhead: 2, fanoutMs: 5000 } as const;

export interface GatewayBenchResult {
  commandsPerOperation: number;
  rounds: number;
  directMsPerCommand: number;
  proxyMsPerCommand: number;
  overhead: number;
  fanout: { devices: number; ms: number; succeeded: number };
  bytesPerEndDevice: number;
}

const TOKEN = 'gateway-bench-token-0123456789';
const gc: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Run the gateway figures. `quick`: fewer rounds (N stays 1,000: it is the figure). */
export async function runGatewayBench(quick: boolean, n = 1000, log?: (line: string) => void): Promise<GatewayBenchResult> {
  const rounds = quick ? 5 : 15;
  const perOp = 20;
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-gwb-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, trace: 'none', logger: pino({ level: 'silent' }) });
  const api = apiClient(server.url, TOKEN);
  const clients: DmClient[] = [];
  let gateway: Gateway | undefined;
  try {
    const clientConfig = (devId: string, account: Record<string, unknown>, httpPort?: number) => parseDeviceConfig({
      stateDir: join(dir, 'unused'), device: { devId }, accounts: [account], session: { retries: 0 },
      ...(httpPort !== undefined ? { notifications: { httpPort } } : {}),
    }, 'bench');
    const open = async (config: ReturnType<typeof clientConfig>, socketPath?: string) => {
      const c = await DmClient.open({ config, store: new InMemoryTreeStore(), ...(socketPath ? { http: { socketPath } } : {}) });
      clients.push(c);
      return c;
    };

    // A direct VM: its own account with the server, notified over HTTP.
    const directPort = await freePort();
    await api('POST', '/api/devices', { devId: 'direct-vm', clientAuth: { type: 'md5', name: 'direct-vm', secret: 's' }, notifyAddress: `http://127.0.0.1:${directPort}/notify` });
    const direct = await open(clientConfig('direct-vm', { serverId: 'dmvisor', serverUri: `${server.url}/dm`, clientAuth: { type: 'DIGEST', name: 'direct-vm', secret: 's' } }, directPort));
    await direct.listen();
    await direct.runSession();

    // The gateway: a host DM client with the GwMO component.
    const gwPort = await freePort();
    const gwId = 'urn:dmvisor:host:bench';
    await api('POST', '/api/devices', { devId: gwId, clientAuth: { type: 'md5', name: gwId, secret: 'h' }, notifyAddress: `http://127.0.0.1:${gwPort}/notify` });
    const host = await open(clientConfig(gwId, { serverId: 'dmvisor', serverUri: `${server.url}/dm`, clientAuth: { type: 'DIGEST', name: gwId, secret: 'h' } }, gwPort));
    await host.listen();
    const vms = new Map<string, DmClient>();
    const channel = (name: string) => {
      const c = vms.get(name);
      return c ? ({ send: (m: { type: string; package0?: string }) => { if (m.type === 'notification' && m.package0) c.acceptNotification(new Uint8Array(Buffer.from(m.package0, 'base64'))); } } as unknown as VmChannel) : undefined;
    };
    let deliverAlerts = false;
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    gateway = await Gateway.start({
      config: { ...DEFAULT_GATEWAY_CONFIG, proxyTimeoutMs: 30_000 }, client: host, gatewayId: gwId, stateDir: join(dir, 'gw'), hostServers: ['dmvisor'],
      channel, vmDir: (name) => join(dir, 'vms', name), ...(log ? { log: (e) => log(JSON.stringify(e)) } : {}),
      // Like the host agent: queue the alert, then a session delivers it (not during setup: deviceattached is not timed).
      report: (a) => { host.tree.queueGenericAlert(a); if (deliverAlerts) void host.runSession().catch(() => undefined); },
    });
    const accounts: Record<string, unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const name = `vm${i}`;
      const p = await gateway.provisionProxy(name);
      accounts.push(p.account);
      gateway.attach({ node: name, vmName: name, localId: name, deviceId: `${gwId}/${name}`, mode: 'proxy' });
    }
    await gateway.downstream.save();
    gc();
    const bytesPerEndDevice = (process.memoryUsage().heapUsed - heapBefore) / n;
    host.tree.takeGenericAlerts(); // the deviceattached alerts are not part of the timings
    deliverAlerts = true;
    for (let i = 0; i < n; i++) {
      const name = `vm${i}`;
      const c = await open(clientConfig(name, accounts[i]), join(dir, 'vms', name, 'gw.sock'));
      c.tree.createNode('./Mark', { value: '0', acl: 'Get=*&Replace=*' });
      vms.set(name, c);
    }
    // The server knows vm0 as a proxy-mode device of the gateway.
    const proxyId = `${gwId}/vm0`;
    await api('POST', '/api/devices', { devId: proxyId, clientAuth: { type: 'md5', name: proxyId, secret: 'never-used' } });
    await setManagement(server.store, proxyId, { via: gwId, mode: 'proxy', node: 'vm0' });

    const timeOp = async (devId: string): Promise<number> => {
      const commands = Array.from({ length: perOp }, (_, i) => ({ verb: 'Get', target: i % 2 ? './DevInfo/Mod' : './DevInfo/DevId' }));
      const t0 = performance.now();
      const r = await api('POST', `/api/devices/${encodeURIComponent(devId)}/operations`, { notify: true, commands });
      for (;;) {
        const op = await api('GET', `/api/operations/${r.json.id}`);
        if (op.json.state === 'succeeded') break;
        if (['failed', 'cancelled', 'expired'].includes(op.json.state)) throw new Error(`bench operation on ${devId} ${op.json.state}: ${op.json.reason}`);
        await new Promise((res) => setTimeout(res, 2));
      }
      return performance.now() - t0;
    };
    await timeOp('direct-vm');
    await timeOp(proxyId);
    const d: number[] = [];
    const p: number[] = [];
    for (let i = 0; i < rounds; i++) {
      d.push(await timeOp('direct-vm'));
      p.push(await timeOp(proxyId));
    }
    const directMsPerCommand = median(d) / perOp;
    const proxyMsPerCommand = median(p) / perOp;

    // Fan-out of one Replace to every VM, through the gateway.
    const t0 = performance.now();
    const f = await api('POST', '/api/fanout', { host: gwId, through: 'gateway', commands: [{ verb: 'Replace', target: './Mark', data: '1' }] });
    if (f.status !== 201) throw new Error(`fan-out refused: ${JSON.stringify(f.json)}`);
    let view: { state: string; total: number; counts: Record<string, number> } = { state: 'running', total: 0, counts: {} };
    for (;;) {
      // The server shares this busy process: a kept-alive connection it dropped is retried.
      const got = await api('GET', `/api/fanout/${f.json.id}`).catch(() => undefined);
      if (got) view = got.json;
      if (view.state !== 'running') break;
      if (performance.now() - t0 > 120_000) throw new Error('fan-out did not finish within 120 s');
      await new Promise((res) => setTimeout(res, 5));
    }
    const fanoutMs = performance.now() - t0;
    return {
      commandsPerOperation: perOp, rounds, directMsPerCommand, proxyMsPerCommand, overhead: proxyMsPerCommand / directMsPerCommand,
      fanout: { devices: view.total, ms: fanoutMs, succeeded: view.counts.succeeded ?? 0 },
      bytesPerEndDevice,
    };
  } finally {
    await gateway?.close();
    for (const c of clients) await c.close().catch(() => undefined);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures as a table. */
export function formatGatewayBench(r: GatewayBenchResult, table: (head: string[], rows: string[][]) => string): string {
  const ok = (b: boolean) => (b ? '✓' : '✗');
  return `GwMO gateway (one process: DM server on SQLite, a gateway, ${r.fanout.devices} simulated VMs on their own Unix sockets)\n` + table(
    ['figure', 'value', 'target', ''],
    [
      [`direct: ${r.commandsPerOperation}-Get operation, per command`, `${r.directMsPerCommand.toFixed(3)} ms`, '', ''],
      [`proxy: same operation through the gateway, per command`, `${r.proxyMsPerCommand.toFixed(3)} ms`, '', ''],
      ['proxy overhead (proxy / direct)', `${r.overhead.toFixed(2)}×`, `≤ ${GATEWAY_TARGETS.overhead}×`, ok(r.overhead <= GATEWAY_TARGETS.overhead)],
      [`fan-out of one Replace to ${r.fanout.devices} VMs, all results back`, `${(r.fanout.ms / 1000).toFixed(2)} s (${r.fanout.succeeded} succeeded)`, `≤ ${GATEWAY_TARGETS.fanoutMs / 1000} s`, ok(r.fanout.ms <= GATEWAY_TARGETS.fanoutMs && r.fanout.succeeded === r.fanout.devices)],
      ['gateway memory per end device', `${(r.bytesPerEndDevice / 1024).toFixed(1)} KiB`, 'report', ''],
    ],
  );
}
