/**
 * The GwMO gateway end to end: a real DM server over HTTP on 127.0.0.1, real
 * host agents (their DM clients are the gateways), VMs as real child
 * processes whose DM clients reach the server directly (transparent mode) or
 * only the gateway through a socket file (proxy mode), all driven through
 * the admin API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DmServer } from '../../src/server/dm-server.js';
import { HostAgent, type HostLogEvent } from '../../src/virt/host-agent.js';
import { parseHostConfig } from '../../src/virt/host-config.js';
import { buildImage, encodeImage } from '../../src/virt/image.js';
import { ProcessHypervisor } from '../../src/virt/process-driver.js';
import { apiClient, freePort, runScenario, waitForOperation } from '../../src/virt/scenario.js';
import { DmClient } from '../../src/client/dm-client.js';
import { parseDeviceConfig } from '../../src/client/device-config.js';
import { encodePackage0 } from '../../src/notification/index.js';
import { readEndDevice } from '../../src/gateway/inventory.js';
import { GATEWAY_SOCKET, type GatewayLogEvent } from '../../src/gateway/gateway.js';
import { GWMO_ALERT } from '../../src/mo/gwmo.js';
import { haveCommand } from '../support/paths.js';
import { main } from '../../src/cli/main.js';

const TOKEN = 'gateway-test-token-0123456789';
const enc = encodeURIComponent;

interface Env {
  dir: string;
  server: DmServer;
  api: ReturnType<typeof apiClient>;
  stop(): Promise<void>;
}

async function env(): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-gw-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger: pino({ level: 'silent' }) });
  const api = apiClient(server.url, TOKEN);
  const enterprise = encodeImage(buildImage({
    name: 'enterprise', kind: 'Enterprise', withClient: true,
    account: { serverId: 'dmvisor', serverUri: `${server.url}/dm`, encoding: 'xml', clientAuth: { type: 'DIGEST', name: 'ent-vm', secret: 'ent-secret' } },
  }));
  assert.equal((await api('POST', '/api/images', undefined, enterprise)).status, 201);
  return { dir, server, api, stop: async () => { await server.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

interface Host {
  agent: HostAgent;
  devId: string;
  log: GatewayLogEvent[];
}

async function startHost(e: Env, devId: string, extra: Record<string, unknown> = {}): Promise<Host> {
  const notifyPort = await freePort();
  const reg = await e.api('POST', '/api/devices', { devId, clientAuth: { type: 'md5', name: devId, secret: 'host-secret' }, notifyAddress: `http://127.0.0.1:${notifyPort}/notify` });
  // A restarted host is already registered: it comes back on a new notification port.
  if (reg.status === 409) await e.server.store.updateDevice(devId, { notifyAddress: `http://127.0.0.1:${notifyPort}/notify` });
  else assert.equal(reg.status, 201, JSON.stringify(reg.json));
  const raw = {
    virtualization: 'TypeII',
    client: {
      stateDir: join(e.dir, devId.replace(/\W/g, '_'), 'state'), device: { devId },
      accounts: [{ serverId: 'dmvisor', serverUri: `${e.server.url}/dm`, clientAuth: { type: 'DIGEST', name: devId, secret: 'host-secret' } }],
      notifications: { httpPort: notifyPort }, session: { retries: 0 },
    },
    vmsDir: join(e.dir, devId.replace(/\W/g, '_'), 'vms'), imageCacheDir: join(e.dir, devId.replace(/\W/g, '_'), 'cache'),
    gateway: { enabled: true, proxyTimeoutMs: 3000 },
    ...extra,
  };
  const log: GatewayLogEvent[] = [];
  const agent = await HostAgent.start({
    config: parseHostConfig(raw, 'host.json', e.dir), registerTimeoutMs: 15000,
    log: (ev: HostLogEvent) => { if (ev.event === 'gateway') log.push(ev.detail); },
  });
  return { agent, devId, log };
}

async function createVm(e: Env, host: Host, body: Record<string, unknown>) {
  const r = await e.api('POST', `/api/devices/${enc(host.devId)}/vms`, body);
  assert.equal(r.status, 202, JSON.stringify(r.json));
  const op = await waitForOperation(e.api, r.json.operationId);
  assert.equal(op.state, 'succeeded', JSON.stringify(op));
  return op;
}

async function queue(e: Env, devId: string, commands: Record<string, unknown>[], notify = true) {
  const r = await e.api('POST', `/api/devices/${enc(devId)}/operations`, { notify, commands });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

for (const virtualization of ['TypeI', 'TypeII'] as const) {
  test(`transparent mode, ${virtualization} host: the gateway delivers the VM's package #0 over the channel, the VM opens its own session; tampered and unknown triggers refused`, async () => {
    const e = await env();
    const host = await startHost(e, `urn:dmvisor:host:tr-${virtualization}`, { virtualization });
    try {
      const created = await createVm(e, host, { name: 'ent', kind: 'enterprise', image: 'enterprise', mode: 'transparent' });
      const vmId = `${host.devId}:vm:ent`;
      assert.match(created.commands[0].results[0].data, /"mode":"transparent"/);
      const m = await e.api('GET', `/api/devices/${enc(vmId)}/management`);
      assert.deepEqual(m.json, { devId: vmId, mode: 'transparent', via: host.devId });
      assert.equal((await e.api('GET', `/api/devices/${enc(vmId)}`)).json.via, host.devId, 'devices show via');
      // The server's view comes from the gateway's inventory (a Get in a session with it).
      const inv = await e.api('GET', `/api/gateways/${enc(host.devId)}/inventory`);
      assert.equal(inv.status, 200, JSON.stringify(inv.json));
      assert.deepEqual(inv.json.devices.map((d: { node: string; deviceId: string; mode: string; reachable: boolean }) => [d.node, d.deviceId, d.mode, d.reachable]), [['ent', vmId, 'transparent', true]]);
      // deviceattached reached the server.
      assert.ok((await e.server.store.listAlerts(host.devId)).some((a) => a.type === GWMO_ALERT.deviceAttached && (a.data ?? '').includes(vmId)));

      // An operation for the VM: the server notifies the gateway, which triggers the VM.
      const vmSessionsBefore = (await e.server.store.listSessions(vmId, { limit: 100 })).length;
      const op = await queue(e, vmId, [{ verb: 'Get', target: './DevInfo/DevId' }]);
      assert.match(op.notifiedSessionId ?? '', /^[0-9A-F]+$/);
      const done = await waitForOperation(e.api, op.id);
      assert.equal(done.state, 'succeeded', JSON.stringify(done));
      assert.equal(done.commands[0].results[0].data, vmId);
      const vmSessions = await e.server.store.listSessions(vmId, { limit: 100 });
      assert.equal(vmSessions.length, vmSessionsBefore + 1, 'the VM opened its own session with the server');
      assert.equal(vmSessions[0].initiator, 'server', 'answering the package #0 the gateway delivered');
      await until('the trigger result', () => /accepted/.test(String(host.agent.client.tree.readValue('./GwEDTrigger/ent/LastResult') ?? '')));
      const hostOps = await e.server.store.listOperations(host.devId, { limit: 10 });
      const trig = hostOps.find((o) => o.commands[0]?.target === './GwEDTrigger/ent/Trigger')!;
      assert.equal(trig.state, 'succeeded');

      // A tampered package #0 (digest flipped) is delivered by the gateway but dropped by the VM.
      const d = (await e.server.store.getDevice(vmId))!;
      const pkg = encodePackage0({ uiMode: 0, initiator: 1, sessionId: 77, serverId: 'dmvisor' }, { serverPassword: d.serverAuth?.secret ?? '', nonce: d.serverNonce ?? new Uint8Array(0) });
      pkg[3] ^= 0xff;
      const tampered = await queue(e, host.devId, [{ verb: 'Exec', target: './GwEDTrigger/ent/Trigger', data: Buffer.from(pkg).toString('base64') }]);
      assert.equal((await waitForOperation(e.api, tampered.id)).state, 'succeeded');
      await until('the VM to drop it', () => /dropped by the end device: digest does not verify/.test(String(host.agent.client.tree.readValue('./GwEDTrigger/ent/LastResult') ?? '')));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await e.server.store.listSessions(vmId, { limit: 100 })).length, vmSessionsBefore + 1, 'no session came of it');
      // Not a package #0 at all: refused by the gateway.
      const junk = await queue(e, host.devId, [{ verb: 'Exec', target: './GwEDTrigger/ent/Trigger', data: 'aGVsbG8=' }]);
      const junkDone = await waitForOperation(e.api, junk.id);
      assert.equal(junkDone.commands[0].status, 400);
      // A trigger for an end device the gateway does not know: refused and logged.
      const unknown = await queue(e, host.devId, [{ verb: 'Exec', target: './GwEDTrigger/nobody/Trigger', data: Buffer.from(pkg).toString('base64') }]);
      const unknownDone = await waitForOperation(e.api, unknown.id);
      assert.equal(unknownDone.commands[0].status, 404);
      assert.ok(host.log.some((l) => l.event === 'trigger-refused' && l.uri === './GwEDTrigger/nobody/Trigger'));

      // Switch to direct and back through the API; the gateway's record follows.
      const sw = await e.api('PUT', `/api/devices/${enc(vmId)}/management`, { mode: 'direct' });
      assert.equal(sw.status, 200, JSON.stringify(sw.json));
      await waitForOperation(e.api, sw.json.gatewayOperationId);
      assert.equal(readEndDevice(host.agent.client.tree, 'ent')!.mode, 'direct');
      assert.equal((await e.api('PUT', `/api/devices/${enc(vmId)}/management`, { mode: 'proxy' })).status, 409, 'proxy is chosen at creation');
    } finally {
      await host.agent.close();
      await e.stop();
    }
  });

  test(`proxy mode, ${virtualization} host: the VM knows only the gateway; operations queued for it run in a downstream session and come back to its record`, async (t) => {
    const e = await env();
    const isolate = process.getuid?.() === 0 && haveCommand('unshare');
    const host = await startHost(e, `urn:dmvisor:host:px-${virtualization}`, { virtualization, ...(isolate ? { hypervisor: { driver: 'process', isolateNetwork: true } } : {}) });
    try {
      const created = await createVm(e, host, { name: 'enterprise', kind: 'enterprise', image: 'enterprise', mode: 'proxy' });
      const vmId = `${host.devId}/enterprise`;
      assert.match(created.commands[0].results[0].data, new RegExp(`"devId":"${vmId.replace(/[/.]/g, '\\$&')}"`));
      if (isolate) {
        const pid = (host.agent.hypervisor as ProcessHypervisor).pid('enterprise')!;
        assert.notEqual(readlinkSync(`/proc/${pid}/ns/net`), readlinkSync('/proc/self/ns/net'), 'the VM runs in its own network namespace: it cannot reach the server');
      } else {
        t.diagnostic('not root (or no unshare): the proxied VM is not network-isolated; it is only configured to know the gateway');
      }
      const m = await e.api('GET', `/api/devices/${enc(vmId)}/management`);
      assert.deepEqual(m.json, { devId: vmId, mode: 'proxy', via: host.devId, prefix: './GwDevInv/enterprise/Tree' });
      assert.equal((await e.server.store.listSessions(vmId, { limit: 10 })).length, 0, 'the VM never talks to the server');

      // The same operations API as for any device.
      const op = await queue(e, vmId, [
        { verb: 'Get', target: './DevInfo/DevId' },
        { verb: 'Replace', target: './DevDetail/Ext/Note', data: 'hello' },
        { verb: 'Add', target: './Note2', data: 'x' },
        { verb: 'Get', target: './Note2' },
        { verb: 'Exec', target: './DevDetail/Ext/Ping' },
        { verb: 'Get', target: './Nope' },
      ]);
      const done = await waitForOperation(e.api, op.id);
      assert.deepEqual(done.commands.map((c: { status: number }) => c.status), [200, 404, 200, 200, 200, 404], JSON.stringify(done));
      assert.equal(done.commands[0].results[0].data, 'enterprise', 'the VM\'s own DevId is local');
      assert.equal(done.commands[0].results[0].source, './DevInfo/DevId', 'addresses come back inside the VM');
      assert.equal(done.commands[3].results[0].data, 'x');
      const vm = await e.api('GET', `/api/devices/${enc(vmId)}`);
      assert.equal(vm.json.mode, 'proxy');
      assert.equal(vm.json.via, host.devId);
      assert.ok(host.log.some((l) => l.event === 'proxied' && l.answered === 'in-session'), 'answered in the same upstream session');
      assert.equal(readEndDevice(host.agent.client.tree, 'enterprise')!.localId, 'enterprise');

      // A VM-raised Generic Alert reaches the server as the VM's alert.
      const guestAlertBefore = (await e.server.store.listAlerts(vmId)).length;
      const hostOpsBefore = (await e.server.store.listOperations(host.devId, { limit: 100 })).length;
      void hostOpsBefore;

      // VM down: an Exec gets 202 and completes when the VM comes back; a Get times out clearly.
      const stop = await e.api('POST', `/api/devices/${enc(host.devId)}/vms/enterprise/stop`, {});
      assert.equal((await waitForOperation(e.api, stop.json.operationId)).state, 'succeeded');
      const slow = await queue(e, vmId, [{ verb: 'Exec', target: './DevDetail/Ext/Ping' }]);
      await until('the Exec to be accepted', async () => (await e.api('GET', `/api/operations/${slow.id}`)).json.state === 'accepted');
      const timedOut = await queue(e, vmId, [{ verb: 'Get', target: './DevInfo/Mod' }]);
      const t1 = await waitForOperation(e.api, timedOut.id);
      assert.equal(t1.state, 'failed');
      assert.equal(t1.commands[0].status, 408);
      const start = await e.api('POST', `/api/devices/${enc(host.devId)}/vms/enterprise/start`, {});
      assert.equal((await waitForOperation(e.api, start.json.operationId)).state, 'succeeded');
      const late = await waitForOperation(e.api, slow.id);
      assert.equal(late.state, 'succeeded', JSON.stringify(late));
      assert.equal(late.commands[0].status, 200, 'the late result came by Generic Alert with the server\'s Correlator');
      assert.ok((await e.server.store.listAlerts(vmId)).length > guestAlertBefore, 'recorded as the VM\'s alert');
    } finally {
      await host.agent.close();
      await e.stop();
    }
  });
}

test('proxy isolation: two hosts with the same local id get distinct global ids; a VM claiming another VM\'s id on its channel is refused; fan-out to all VMs', async () => {
  const e = await env();
  const a = await startHost(e, 'urn:dmvisor:host:A');
  const b = await startHost(e, 'urn:dmvisor:host:B');
  try {
    await Promise.all([
      createVm(e, a, { name: 'enterprise', kind: 'enterprise', image: 'enterprise', mode: 'proxy' }),
      createVm(e, b, { name: 'enterprise', kind: 'enterprise', image: 'enterprise', mode: 'proxy' }),
    ]);
    await createVm(e, a, { name: 'other', kind: 'enterprise', image: 'enterprise', mode: 'proxy' });
    const ids = [`${a.devId}/enterprise`, `${b.devId}/enterprise`, `${a.devId}/other`];
    // Each VM has its own record; the same local id on two hosts does not collide.
    const marks = await Promise.all(ids.map((id, i) => queue(e, id, [{ verb: 'Add', target: './Mark', data: `m${i}` }])));
    for (const op of marks) assert.equal((await waitForOperation(e.api, op.id)).state, 'succeeded');

    // Fan-out: one Get to every VM of both hosts, per-device results, aggregated status.
    const fan = await e.api('POST', '/api/fanout', { devices: ids, commands: [{ verb: 'Get', target: './Mark' }] });
    assert.equal(fan.status, 201, JSON.stringify(fan.json));
    let view: { state: string; devices: { devId: string; state: string; commands: { results: { data: string }[] }[] }[]; counts: Record<string, number> } = { state: 'running', devices: [], counts: {} };
    await until('the fan-out', async () => { view = (await e.api('GET', `/api/fanout/${fan.json.id}`)).json; return view.state !== 'running'; });
    assert.equal(view.state, 'succeeded', JSON.stringify(view));
    assert.deepEqual(view.devices.map((d) => [d.devId, d.commands[0].results[0].data]), ids.map((id, i) => [id, `m${i}`]), 'each VM saw only its own value');
    assert.deepEqual(view.counts, { succeeded: 3 });
    // GwMO Fanout on the gateway: one job on host A, run on its proxy-mode VMs, aggregated by the gateway.
    const gfan = await e.api('POST', '/api/fanout', { host: a.devId, through: 'gateway', commands: [{ verb: 'Add', target: './Fan', data: 'fanned' }, { verb: 'Get', target: './Fan' }] });
    assert.equal(gfan.status, 201, JSON.stringify(gfan.json));
    let gview: { state: string; completion: string; counts: Record<string, number>; devices: { deviceId: string; status: number; commands: { status: number; data?: string }[] }[] } = { state: 'running', completion: '', counts: {}, devices: [] };
    await until('the gateway fan-out', async () => { gview = (await e.api('GET', `/api/fanout/${gfan.json.id}`)).json; return gview.state !== 'running'; });
    assert.equal(gview.state, 'succeeded', JSON.stringify(gview));
    assert.equal(gview.completion, '200');
    assert.deepEqual(gview.devices.map((d) => [d.deviceId, d.status, d.commands[1].data]).sort(), [[ids[0], 200, 'fanned'], [ids[2], 200, 'fanned']]);
    const aAlerts = await e.server.store.listAlerts(a.devId, { limit: 50 });
    assert.ok(aAlerts.some((x) => x.type === GWMO_ALERT.resultAggregation) && aAlerts.some((x) => x.type === GWMO_ALERT.completionStatus && x.correlator), 'resultaggregation and completionstatus reached the server');
    assert.equal(String(a.agent.client.tree.readValue(`./GwFanout/${gfan.json.id}/State`)), 'done');

    // The same through the CLI: every VM of host A, and host A's inventory.
    const out: string[] = [];
    const io = { stdout: (t: string) => { out.push(t); }, stderr: (t: string) => { out.push(t); } } as unknown as Parameters<typeof main>[1];
    const cli = (...args: string[]) => main(['gateway', ...args, '--url', e.server.url, '--token', TOKEN], io);
    assert.equal(await cli('fanout', '--host', a.devId, 'Get', './DevInfo/DevId'), 0, out.join(''));
    assert.match(out.join(''), /fan-out \S+: 2 device\(s\)/);
    assert.match(out.join(''), new RegExp(`${a.devId}/other\\s+succeeded\\s+200 = other`));
    assert.match(out.join(''), /state: succeeded \{"succeeded":2\}/);
    out.length = 0;
    assert.equal(await cli('inventory', a.devId), 0);
    assert.match(out.join(''), /enterprise\s+urn:dmvisor:host:A\/enterprise\s+proxy\s+reachable/);
    out.length = 0;
    assert.equal(await cli('mode', ids[0]), 0);
    assert.equal(out.join(''), `${ids[0]}: proxy via ${a.devId} (prefix ./GwDevInv/enterprise/Tree)\n`);

    // Spoofing: a client on VM "other"'s socket claiming to be "enterprise".
    const socketPath = join(e.dir, a.devId.replace(/\W/g, '_'), 'vms', 'other', GATEWAY_SOCKET);
    const secret = a.agent.gateway!.downstream.device('enterprise')!.secret;
    const spoof = await DmClient.open({
      config: parseDeviceConfig({ stateDir: join(e.dir, 'spoof'), device: { devId: 'enterprise' }, accounts: [{ serverId: 'dmvisor-gateway', serverUri: 'http://gateway/dm', clientAuth: { type: 'DIGEST', name: 'enterprise', secret } }], session: { retries: 0 } }, 'spoof.json'),
      http: { socketPath },
    });
    const r = await spoof.runSession();
    await spoof.close();
    assert.equal(r.state, 'failed');
    assert.ok(a.log.some((l) => l.event === 'refused' && /claims DevId "enterprise"/.test(l.reason)), 'refused and logged');
  } finally {
    await a.agent.close();
    await b.agent.close();
    await e.stop();
  }
});

test('gateway restart mid-proxy: work the gateway owes survives the restart and runs once; an Exec in flight is not run again', async () => {
  const e = await env();
  let host = await startHost(e, 'urn:dmvisor:host:rs');
  const vmId = `${host.devId}/enterprise`;
  try {
    await createVm(e, host, { name: 'enterprise', kind: 'enterprise', image: 'enterprise', mode: 'proxy' });
    // The VM is down: the gateway accepts the Exec (202) and owes its result.
    const stop = await e.api('POST', `/api/devices/${enc(host.devId)}/vms/enterprise/stop`, {});
    assert.equal((await waitForOperation(e.api, stop.json.operationId)).state, 'succeeded');
    const owed = await queue(e, vmId, [{ verb: 'Exec', target: './DevDetail/Ext/Ping' }]);
    await until('the Exec to be accepted', async () => (await e.api('GET', `/api/operations/${owed.id}`)).json.state === 'accepted');
    assert.equal(host.agent.gateway!.downstream.pending('enterprise').length, 1);

    // The gateway (the whole host) restarts.
    await host.agent.close();
    host = await startHost(e, 'urn:dmvisor:host:rs');
    assert.equal(host.agent.gateway!.downstream.pending('enterprise').length, 1, 'the owed job was persisted');
    const start = await e.api('POST', `/api/devices/${enc(host.devId)}/vms/enterprise/start`, {});
    assert.equal((await waitForOperation(e.api, start.json.operationId)).state, 'succeeded');
    const done = await waitForOperation(e.api, owed.id);
    assert.equal(done.state, 'succeeded', JSON.stringify(done));
    assert.equal(host.agent.gateway!.downstream.pending('enterprise').length, 0, 'and ran once');
  } finally {
    await host.agent.close();
    await e.stop();
  }
});

test('dmvisor demo\'s scenario with the gateway steps: every step succeeds', async () => {
  const run = await runScenario({ port: 0, gatewayModes: true });
  try {
    assert.ok(run.ok, JSON.stringify(run.steps.filter((s) => !s.ok)));
    assert.equal(run.steps.length, 10);
    assert.match(run.steps[8].detail ?? '', /local DevId=ent-proxy/);
  } finally {
    await run.stop();
  }
});
