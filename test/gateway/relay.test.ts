/**
 * A Generic Alert a proxy-mode VM raises in a session it opens with its
 * gateway reaches the server as that VM's alert (source inside the VM). The
 * VM here is a DmClient in this process talking HTTP over its Unix socket to
 * a real gateway, whose host client talks HTTP to a real server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DmServer } from '../../src/server/dm-server.js';
import { DmClient } from '../../src/client/dm-client.js';
import { parseDeviceConfig } from '../../src/client/device-config.js';
import { InMemoryTreeStore } from '../../src/tree/store.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { DEFAULT_GATEWAY_CONFIG } from '../../src/gateway/gateway-config.js';
import { setManagement } from '../../src/server/gateway-api.js';
import { apiClient } from '../../src/virt/scenario.js';

test('a VM-raised Generic Alert goes up through the gateway as the VM\'s alert', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-relay-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: 'relay-token-0123456789', logger: pino({ level: 'silent' }) });
  const api = apiClient(server.url, 'relay-token-0123456789');
  const gwId = 'urn:dmvisor:host:relay';
  const config = (devId: string, account: Record<string, unknown>) => parseDeviceConfig({ stateDir: dir, device: { devId }, accounts: [account], session: { retries: 0 } }, 'relay');
  assert.equal((await api('POST', '/api/devices', { devId: gwId, clientAuth: { type: 'md5', name: gwId, secret: 'h' } })).status, 201);
  assert.equal((await api('POST', '/api/devices', { devId: `${gwId}/vm0`, clientAuth: { type: 'md5', name: 'x', secret: 'never-used' } })).status, 201);
  await setManagement(server.store, `${gwId}/vm0`, { via: gwId, mode: 'proxy', node: 'vm0' });
  const host = await DmClient.open({ config: config(gwId, { serverId: 'dmvisor', serverUri: `${server.url}/dm`, clientAuth: { type: 'DIGEST', name: gwId, secret: 'h' } }), store: new InMemoryTreeStore() });
  const gateway = await Gateway.start({
    config: DEFAULT_GATEWAY_CONFIG, client: host, gatewayId: gwId, stateDir: join(dir, 'gw'), hostServers: ['dmvisor'],
    channel: () => undefined, vmDir: () => join(dir, 'vm0'), report: (a) => { host.tree.queueGenericAlert(a); void host.runSession(); },
  });
  const p = await gateway.provisionProxy('vm0');
  const vm = await DmClient.open({ config: config('vm0', p.account), store: new InMemoryTreeStore(), http: { socketPath: join(dir, 'vm0', p.socket) } });
  try {
    vm.tree.queueGenericAlert({ type: 'urn:x-test:at:vm-event:1.0', format: 'chr', data: 'disk almost full', sourceUri: './Disk', mark: 'warning' });
    const r = await vm.runSession();
    assert.equal(r.state, 'completed', r.reason);
    let alerts: Awaited<ReturnType<typeof server.store.listAlerts>> = [];
    for (let i = 0; i < 200 && alerts.length === 0; i++) {
      await new Promise((res) => setTimeout(res, 25));
      alerts = await server.store.listAlerts(`${gwId}/vm0`);
    }
    assert.equal(alerts.length, 1, 'recorded for the VM, not for the gateway');
    assert.deepEqual([alerts[0].type, alerts[0].data, alerts[0].sourceUri, alerts[0].mark], ['urn:x-test:at:vm-event:1.0', 'disk almost full', './Disk', 'warning']);
  } finally {
    await vm.close();
    await gateway.close();
    await host.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
