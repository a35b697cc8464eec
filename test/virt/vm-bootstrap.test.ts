/**
 * The bootstrap methods for a VM, end to end: a real DM server over HTTP on
 * 127.0.0.1, a real host agent, VMs as real child processes (process
 * driver). Each VM starts from an image with no account; the create
 * request's `bootstrap` says how it gets one. Each ends with the VM
 * registered as its own device, linked to its host, the registry saying how
 * it was bootstrapped, and the server running a Get on the VM directly.
 * (`document` is in virt-e2e.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DmServer } from '../../src/server/dm-server.js';
import { HostAgent } from '../../src/virt/host-agent.js';
import { parseHostConfig } from '../../src/virt/host-config.js';
import { buildImage, encodeImage } from '../../src/virt/image.js';
import { apiClient, freePort, waitForOperation } from '../../src/virt/scenario.js';
import { readVm } from '../../src/virt/vm-tree.js';

const TOKEN = 'vm-bootstrap-test-token-0123';
const enc = encodeURIComponent;
const HOST = 'urn:dmvisor:host:boot';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are read field by field
type Json = any;

interface Env { dir: string; server: DmServer; api: ReturnType<typeof apiClient>; host: HostAgent; stop(): Promise<void> }

/** A server with a client image that carries no account, and a started host. */
async function env(): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-vmboot-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger: pino({ level: 'silent' }) });
  const api = apiClient(server.url, TOKEN);
  assert.equal((await api('POST', '/api/images', undefined, encodeImage(buildImage({ name: 'bare', kind: 'Enterprise', withClient: false })))).status, 201);
  const notifyPort = await freePort();
  const reg = await api('POST', '/api/devices', { devId: HOST, clientAuth: { type: 'md5', name: 'host', secret: 'host-secret' }, notifyAddress: `http://127.0.0.1:${notifyPort}/notify` });
  assert.equal(reg.status, 201, JSON.stringify(reg.json));
  const config = parseHostConfig({
    virtualization: 'TypeII',
    client: {
      stateDir: join(dir, 'host-state'), device: { devId: HOST },
      accounts: [{ serverId: 'dmvisor', serverUri: `${server.url}/dm`, clientAuth: { type: 'DIGEST', name: 'host', secret: 'host-secret' } }],
      notifications: { httpPort: notifyPort }, session: { retries: 0 },
    },
    vmsDir: join(dir, 'vms'), imageCacheDir: join(dir, 'cache'),
  }, 'host.json', dir);
  const host = await HostAgent.start({ config, registerTimeoutMs: 15000 });
  return { dir, server, api, host, stop: async () => { await host.close(); await server.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

async function until<T>(get: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Create a VM with a bootstrap method; wait until its device has checked in; check the registry, the link and a direct Get. */
async function bootstrapVm(e: Env, name: string, body: Record<string, unknown>, method: string): Promise<{ device: Json; vm: Json }> {
  const r = await e.api('POST', `/api/devices/${enc(HOST)}/vms`, { name, kind: 'enterprise', image: 'bare', ...body });
  assert.equal(r.status, 202, JSON.stringify(r.json));
  assert.equal(r.json.bootstrap, method);
  const op = await waitForOperation(e.api, r.json.operationId);
  assert.equal(op.state, 'succeeded', JSON.stringify(op));
  const devId = `${HOST}:vm:${name}`;
  const device = await until(async () => {
    // Listing the VMs is what an operator does; it also applies what the host reported.
    await e.api('GET', `/api/devices/${enc(HOST)}/vms`);
    const d = await e.api('GET', `/api/devices/${enc(devId)}`);
    return d.status === 200 && d.json.lastSeenAt && d.json.parentDevId ? d.json : undefined;
  }, `VM ${name} to register`);
  assert.equal(device.bootstrapMethod, method, 'the registry says how the VM was bootstrapped');
  assert.equal(device.parentDevId, HOST, 'the VM device is linked to its host');
  const vm = (await e.api('GET', `/api/devices/${enc(HOST)}/vms/${name}`)).json;
  assert.equal(vm.devId, devId, 'the VM record names its device');
  assert.equal(vm.state, 'running');
  assert.equal(vm.reason, undefined, JSON.stringify(vm));
  const inTree = readVm(e.host.client.tree, name)!;
  assert.equal(inTree.bootstrap, method, "the host's VM MO says how the VM bootstrapped");
  assert.equal(inTree.clientDevId, devId);
  // Managed directly: the server runs a Get on the VM itself; the VM names its host.
  const get = await e.api('POST', `/api/devices/${enc(devId)}/operations`, { notify: true, commands: [{ verb: 'Get', target: './DevDetail/Ext/HostDevId' }] });
  assert.equal(get.status, 201, JSON.stringify(get.json));
  const got = await waitForOperation(e.api, get.json.id);
  assert.equal(got.state, 'succeeded', JSON.stringify(got));
  assert.equal(got.commands[0].results[0].data, HOST);
  return { device, vm };
}

function guestConfig(e: Env, name: string): Json {
  return JSON.parse(readFileSync(join(e.dir, 'vms', name, 'guest.json'), 'utf8'));
}

test('smartcard for a VM: the server issues a per-VM virtual card, the host hands it to the VM, the VM reads it and registers', async () => {
  const e = await env();
  try {
    await bootstrapVm(e, 'card-vm', { bootstrap: 'smartcard' }, 'smartcard');
    const guest = guestConfig(e, 'card-vm');
    assert.deepEqual(guest.accounts, [], 'no ready account: the card is the bootstrap');
    assert.equal(guest.bootstrap.smartcard.virtual, 'card.img');
    assert.match(guest.bootstrap.pin, /^\d{6}$/);
    const card = JSON.parse(readFileSync(join(e.dir, 'vms', 'card-vm', 'card.img'), 'utf8'));
    assert.equal(card.files[0].sec, 'USERPIN');
    assert.match(card.files[0].mac, /^[0-9A-F]{40}$/i);
  } finally {
    await e.stop();
  }
});

test('server-initiated for a VM: the VM listens with no account, the server pushes the bootstrap (WSP push, USERPIN MAC) to it', async () => {
  const e = await env();
  try {
    const { device } = await bootstrapVm(e, 'push-vm', { bootstrap: 'server-initiated' }, 'server-initiated');
    const guest = guestConfig(e, 'push-vm');
    assert.deepEqual(guest.accounts, [], 'the VM started with no account');
    assert.match(guest.bootstrap.pin, /^\d{6}$/);
    assert.equal(typeof guest.notifications.udpPort, 'number', 'the VM listens for WAP pushes over UDP');
    assert.match(device.notifyAddress, /^(udp|http):\/\/127\.0\.0\.1:\d+/);
    const vm = (await e.api('GET', `/api/devices/${enc(HOST)}/vms/push-vm`)).json;
    assert.equal(vm.pendingPush, undefined, 'the PIN is not shown');
  } finally {
    await e.stop();
  }
});

test('client-initiated for a VM: a per-VM enrollment secret, or a pre-shared one; the VM enrolls with the bootstrap server', async () => {
  const e = await env();
  try {
    await bootstrapVm(e, 'enroll-vm', { bootstrap: 'client-initiated' }, 'client-initiated');
    const guest = guestConfig(e, 'enroll-vm');
    assert.equal(guest.accounts.length, 1);
    assert.equal(guest.accounts[0].serverUri, `${e.server.url}/bootstrap`);
    assert.equal(guest.bootstrap.server, guest.accounts[0].serverId);
    const enrollments = (await e.api('GET', '/api/bootstrap/enrollments')).json.enrollments as Json[];
    assert.equal(enrollments.length, 0, 'the per-VM enrollment secret is gone once used');
    // A pre-shared (fleet) enrollment secret, named in the request.
    assert.equal((await e.api('POST', '/api/bootstrap/enrollments', { name: 'fleet', secret: 'fleet-secret-0001' })).status, 201);
    await bootstrapVm(e, 'fleet-vm', { bootstrap: 'client-initiated', enrollment: 'fleet' }, 'client-initiated');
    assert.equal(guestConfig(e, 'fleet-vm').accounts[0].clientAuth.name, 'fleet');
    assert.equal((await e.api('GET', '/api/bootstrap/enrollments')).json.enrollments.length, 1, 'a pre-shared secret stays');
  } finally {
    await e.stop();
  }
});

test('bad bootstrap requests for a VM are refused with the field named, nothing queued', async () => {
  const e = await env();
  try {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ bootstrap: 'card' }, 400, 'bootstrap'],
      [{ bootstrap: 'smartcard', withClient: false }, 400, 'bootstrap'],
      [{ enrollment: 'fleet' }, 400, 'enrollment'],
      [{ bootstrap: 'client-initiated', enrollment: 'nope' }, 404, 'enrollment'],
      [{ bootstrap: 'server-initiated', mode: 'proxy' }, 400, 'mode'],
    ];
    for (const [body, status, field] of cases) {
      const r = await e.api('POST', `/api/devices/${enc(HOST)}/vms`, { name: 'bad', kind: 'enterprise', image: 'bare', ...body });
      assert.equal(r.status, status, `${JSON.stringify(body)}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.error.field, field, JSON.stringify(r.json));
    }
    // A device of that DevId that is not this host's VM is never taken over by a VM's bootstrap.
    const other = `${HOST}:vm:taken`;
    assert.equal((await e.api('POST', '/api/devices', { devId: other, clientAuth: { type: 'md5', name: 'op', secret: 'op-secret' } })).status, 201);
    for (const bootstrap of ['document', 'smartcard', 'server-initiated', 'client-initiated']) {
      const r = await e.api('POST', `/api/devices/${enc(HOST)}/vms`, { name: 'taken', kind: 'enterprise', image: 'bare', bootstrap });
      assert.equal(r.status, 409, `${bootstrap}: ${JSON.stringify(r.json)}`);
    }
    const untouched = (await e.api('GET', `/api/devices/${enc(other)}`)).json;
    assert.equal(untouched.bootstrapMethod, undefined, 'the operator-registered device is unchanged');
    assert.equal(untouched.parentDevId, undefined);
    assert.equal((await e.api('GET', `/api/devices/${enc(HOST)}/vms`)).json.vms.length, 0);
    assert.equal((await e.api('GET', '/api/bootstrap/enrollments')).json.enrollments.length, 0, 'no enrollment secret left behind');
  } finally {
    await e.stop();
  }
});
