/**
 * Virtualized devices end to end: a real DM server over HTTP on 127.0.0.1, a
 * real host agent (its own DM client), VMs as real child processes (process
 * driver) or libvirt test domains, all driven through the admin API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DmServer } from '../../src/server/dm-server.js';
import { HostAgent } from '../../src/virt/host-agent.js';
import { parseHostConfig } from '../../src/virt/host-config.js';
import { buildImage, encodeImage } from '../../src/virt/image.js';
import { ProcessHypervisor } from '../../src/virt/process-driver.js';
import { LibvirtHypervisor } from '../../src/virt/libvirt-driver.js';
import { apiClient, freePort, runScenario, waitForOperation } from '../../src/virt/scenario.js';
import { listVmNames, readVm, vmOpUri, vmUri, CREATE_URI } from '../../src/virt/vm-tree.js';
import { haveCommand, repoRoot } from '../support/paths.js';

const TOKEN = 'virt-test-token-0123456789';
const enc = encodeURIComponent;

interface Env {
  dir: string;
  server: DmServer;
  api: ReturnType<typeof apiClient>;
  hostDevId: string;
  hostConfig: (extra?: Record<string, unknown>) => Record<string, unknown>;
  stop(): Promise<void>;
}

/** A server with the two demo images stored and a host device registered (not started). */
async function env(hostDevId = 'urn:dmvisor:host:t1'): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-virt-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger: pino({ level: 'silent' }) });
  const api = apiClient(server.url, TOKEN);
  const personal = encodeImage(buildImage({ name: 'personal', kind: 'Personal', withClient: false }));
  const enterprise = encodeImage(buildImage({
    name: 'enterprise', kind: 'Enterprise', withClient: true,
    account: { serverId: 'dmvisor', serverUri: `${server.url}/dm`, encoding: 'xml', clientAuth: { type: 'DIGEST', name: 'ent-vm', secret: 'ent-secret' } },
  }));
  assert.equal((await api('POST', '/api/images', undefined, personal)).status, 201);
  assert.equal((await api('POST', '/api/images', undefined, enterprise)).status, 201);
  const notifyPort = await freePort();
  const reg = await api('POST', '/api/devices', { devId: hostDevId, clientAuth: { type: 'md5', name: 'host', secret: 'host-secret' }, notifyAddress: `http://127.0.0.1:${notifyPort}/notify` });
  assert.equal(reg.status, 201, JSON.stringify(reg.json));
  const hostConfig = (extra: Record<string, unknown> = {}) => ({
    virtualization: 'TypeII',
    client: {
      stateDir: join(dir, 'host-state'), device: { devId: hostDevId },
      accounts: [{ serverId: 'dmvisor', serverUri: `${server.url}/dm`, clientAuth: { type: 'DIGEST', name: 'host', secret: 'host-secret' } }],
      notifications: { httpPort: notifyPort },
      session: { retries: 0 },
    },
    vmsDir: join(dir, 'vms'), imageCacheDir: join(dir, 'cache'),
    ...extra,
  });
  return { dir, server, api, hostDevId, hostConfig, stop: async () => { await server.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

async function startHost(e: Env, extra: Record<string, unknown> = {}, hypervisor?: ConstructorParameters<typeof ProcessHypervisor>[0]): Promise<HostAgent> {
  const config = parseHostConfig(e.hostConfig(extra), 'host.json', e.dir);
  return HostAgent.start({ config, registerTimeoutMs: 15000, ...(hypervisor ? { hypervisor: new ProcessHypervisor(hypervisor) } : {}) });
}

async function createVm(e: Env, body: Record<string, unknown>) {
  const r = await e.api('POST', `/api/devices/${enc(e.hostDevId)}/vms`, body);
  assert.equal(r.status, 202, JSON.stringify(r.json));
  const op = await waitForOperation(e.api, r.json.operationId);
  const vm = await e.api('GET', `/api/devices/${enc(e.hostDevId)}/vms/${body.name}`);
  return { op, vm: vm.json, status: vm.status };
}

/** Exec Create on the host directly (bypassing the API's checks), to reach the host's own fault handling. */
async function execCreate(e: Env, data: Record<string, unknown>) {
  const r = await e.api('POST', `/api/devices/${enc(e.hostDevId)}/operations`, { notify: true, commands: [{ verb: 'Exec', target: CREATE_URI, data: JSON.stringify(data) }] });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return waitForOperation(e.api, r.json.id);
}

async function imageUrlAndDigest(e: Env, name: string): Promise<{ url: string; digest: string }> {
  // The download URL reaches hosts only inside the Create Exec; the test reads its capability token from the server's store.
  const rec = JSON.parse((await e.server.store.getSetting(`virt:image:${name}`))!) as { token: string; digest: string };
  return { url: `${e.server.url}/api/image-blobs/${rec.token}`, digest: rec.digest };
}

for (const virtualization of ['TypeI', 'TypeII'] as const) {
  test(`direct management, ${virtualization} host: Personal and Enterprise VMs, the Enterprise VM managed as its own device, install-client`, async () => {
    const run = await runScenario({ port: 0, virtualization });
    try {
      assert.ok(run.ok, JSON.stringify(run.steps.filter((s) => !s.ok)));
      assert.equal(run.steps.length, 7);
      const api = apiClient(run.server.url, run.token);
      const list = await api('GET', `/api/devices/${enc(run.hostDevId)}/vms`);
      assert.equal(list.json.host.virtualization, virtualization, 'the topology is reported in the server\'s view');
      assert.deepEqual(list.json.vms.map((v: { name: string; state: string }) => [v.name, v.state]), [['personal', 'running'], ['enterprise', 'running']]);
      const tree = run.host!.client.tree;
      assert.equal(tree.readValue('./Virt/Hypervisor/Virtualization'), virtualization, 'and in the host\'s tree');
      const ent = readVm(tree, 'enterprise')!;
      assert.equal(ent.clientDevId, `${run.hostDevId}:vm:enterprise`, 'the host reports the VM client\'s DevId');
      assert.equal(ent.managementMode, 'direct');
      assert.equal(ent.bootstrap, 'customized');
      assert.equal(readVm(tree, 'personal')!.bootstrap, 'host-provisioned');
      // The VMs are real processes of their own.
      const pid = (run.host!.hypervisor as ProcessHypervisor).pid('enterprise')!;
      assert.ok(pid && pid !== process.pid && existsSync(`/proc/${pid}`));
      const devices = await api('GET', '/api/devices');
      assert.equal(devices.json.devices.length, 3, 'host + two VM devices');
    } finally {
      await run.stop();
    }
  });
}

test('VM lifecycle and faults: stop/start/delete, unknown image, digest mismatch, duplicate name, a VM that fails to start, a crash', async () => {
  const e = await env();
  const host = await startHost(e);
  try {
    const t = host.client.tree;
    // Unknown image: refused by the API, and by the host when asked directly.
    const unknown = await e.api('POST', `/api/devices/${enc(e.hostDevId)}/vms`, { name: 'x', kind: 'personal', image: 'nope' });
    assert.equal(unknown.status, 404);
    assert.match(unknown.json.error.message, /unknown image/);
    const { url, digest } = await imageUrlAndDigest(e, 'personal');
    let op = await execCreate(e, { name: 'ghost', kind: 'Personal', image: 'personal', imageUrl: url.replace(/image-blobs\/.*/, 'image-blobs/not-a-token'), digest });
    assert.equal(op.state, 'failed', JSON.stringify(op));
    assert.equal(op.commands[0].status, 404);
    assert.match(op.commands[0].results[0].data, /unknown image/);
    assert.deepEqual(listVmNames(t), [], 'nothing half-created remains in the tree');
    assert.ok(!existsSync(join(e.dir, 'vms', 'ghost')), 'nor on disk');
    // Digest mismatch.
    op = await execCreate(e, { name: 'ghost', kind: 'Personal', image: 'personal', imageUrl: url, digest: `sha256:${'0'.repeat(64)}` });
    assert.equal(op.state, 'failed');
    assert.match(op.commands[0].results[0].data, /^500 digest mismatch: expected sha256:0+, got sha256:/);
    assert.deepEqual(listVmNames(t), []);
    // Malformed Create data.
    op = await execCreate(e, { name: '../etc', kind: 'Personal' });
    assert.equal(op.state, 'failed');
    assert.match(op.commands[0].results[0].data, /^400 name must be/);

    // A VM through its life.
    const created = await createVm(e, { name: 'p1', kind: 'personal', image: 'personal' });
    assert.equal(created.op.state, 'succeeded');
    assert.equal(created.vm.state, 'running');
    assert.equal(readVm(t, 'p1')!.state, 'running');
    assert.equal(t.readValue('./Virt/Images/personal/Digest'), digest, 'the cached image is in the tree');
    // Duplicate name: refused by the API, and failed by the host when asked directly.
    const dup = await e.api('POST', `/api/devices/${enc(e.hostDevId)}/vms`, { name: 'p1', kind: 'personal', image: 'personal' });
    assert.equal(dup.status, 409);
    op = await execCreate(e, { name: 'p1', kind: 'Personal', image: 'personal', imageUrl: url, digest });
    assert.equal(op.state, 'failed');
    assert.match(op.commands[0].results[0].data, /^418 a VM named p1 already exists/);
    assert.equal(readVm(t, 'p1')!.state, 'running', 'the existing VM is untouched');

    for (const [verb, state] of [['stop', 'stopped'], ['start', 'running'], ['stop', 'stopped']] as const) {
      const r = await e.api('POST', `/api/devices/${enc(e.hostDevId)}/vms/p1/${verb}`, {});
      assert.equal(r.status, 202);
      assert.equal((await waitForOperation(e.api, r.json.operationId)).state, 'succeeded');
      assert.equal((await e.api('GET', `/api/devices/${enc(e.hostDevId)}/vms/p1`)).json.state, state);
      assert.equal(readVm(t, 'p1')!.state, state);
    }
    const del = await e.api('POST', `/api/devices/${enc(e.hostDevId)}/vms/p1/delete`, {});
    assert.equal((await waitForOperation(e.api, del.json.operationId)).state, 'succeeded');
    assert.equal((await e.api('GET', `/api/devices/${enc(e.hostDevId)}/vms/p1`)).status, 404);
    assert.deepEqual(listVmNames(t), []);
    assert.ok(!existsSync(join(e.dir, 'vms', 'p1')));

    // A crash is reported (state + Generic Alert), not restarted.
    await createVm(e, { name: 'p2', kind: 'personal', image: 'personal' });
    const pid = (host.hypervisor as ProcessHypervisor).pid('p2')!;
    process.kill(pid, 'SIGKILL');
    let vm: { state: string; reason?: string } = { state: '' };
    for (let i = 0; i < 200 && vm.state !== 'crashed'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      vm = (await e.api('GET', `/api/devices/${enc(e.hostDevId)}/vms/p2`)).json;
    }
    assert.equal(vm.state, 'crashed');
    assert.match(vm.reason ?? '', /crashed: guest process exited \(SIGKILL\)/);
    assert.equal(readVm(t, 'p2')!.state, 'crashed');
    assert.equal(host.hypervisor.state('p2'), 'crashed', 'not restarted');
    const alerts = await e.server.store.listAlerts(e.hostDevId);
    assert.ok(alerts.some((a) => a.type === 'urn:x-dmvisor:at:virt:vm-crashed:1.0' && a.sourceUri === vmUri('p2') && a.mark === 'critical'));
  } finally {
    await host.close();
    await e.stop();
  }
});

test('a VM that fails to start: the Create fails with the reason, nothing remains', async () => {
  const e = await env();
  // A guest whose runtime cannot start (a preload that does not exist): the process exits at once.
  const host = await startHost(e, {}, { env: { NODE_OPTIONS: '--require /nonexistent/dmvisor-preload.cjs' } });
  try {
    const { op, vm } = await createVm(e, { name: 'broken', kind: 'personal', image: 'personal' });
    assert.equal(op.state, 'failed');
    assert.match(op.commands[0].results[0].data, /^500 VM broken failed to start: guest process exited \(code 1\)/);
    assert.equal(vm.state, 'failed');
    assert.match(vm.reason, /create failed: VM broken failed to start/);
    assert.deepEqual(listVmNames(host.client.tree), []);
    assert.equal(host.hypervisor.state('broken'), undefined);
    assert.ok(!existsSync(join(e.dir, 'vms', 'broken')));
  } finally {
    await host.close();
    await e.stop();
  }
});

test('ACLs: a server granted one VM reaches that VM and nothing else of the MO', async () => {
  const e = await env();
  const host = await startHost(e);
  try {
    await createVm(e, { name: 'personal', kind: 'personal', image: 'personal' });
    const ent = await createVm(e, { name: 'enterprise', kind: 'enterprise', image: 'enterprise', managers: ['ent-srv'] });
    assert.equal(ent.op.state, 'succeeded', JSON.stringify(ent.vm));
    const t = host.client.tree;
    // The enterprise server reads and operates its VM…
    assert.equal(t.get(`${vmUri('enterprise')}/State`, 'ent-srv').status, 200);
    assert.equal(t.get(`${vmUri('enterprise')}/State`, 'ent-srv').items![0].data, 'running');
    // …but not the Personal VM, the VM list, the hypervisor or Create.
    for (const uri of [vmUri('personal'), `${vmUri('personal')}/State`, './Virt/VMs', './Virt', './Virt/Hypervisor/Driver']) {
      assert.equal(t.get(uri, 'ent-srv').status, 425, `Get ${uri}`);
    }
    assert.equal(t.exec(vmOpUri('personal', 'Stop'), undefined, 'ent-srv').status, 425);
    assert.equal(t.exec(CREATE_URI, '{}', 'ent-srv').status, 425);
    assert.equal(t.get(vmUri('personal'), 'other').status, 425);
    // The host's own server keeps everything.
    assert.equal(t.get(`${vmUri('personal')}/State`, 'dmvisor').status, 200);
    assert.equal(t.get('./Virt/VMs', 'dmvisor').items![0].data, 'personal/enterprise');
  } finally {
    await host.close();
    await e.stop();
  }
});

test('ACLs over DM: an enterprise server with an account on the host operates its VM and gets 425 on the Personal VM', async () => {
  const e = await env();
  const dir2 = mkdtempSync(join(tmpdir(), 'dmvisor-ent-'));
  const ent = await DmServer.start({ db: join(dir2, 'dm.db'), port: 0, apiToken: TOKEN, serverId: 'ent-srv', logger: pino({ level: 'silent' }) });
  const entApi = apiClient(ent.url, TOKEN);
  const base = e.hostConfig() as { client: { accounts: unknown[]; notifications: { httpPort: number } } };
  assert.equal((await entApi('POST', '/api/devices', { devId: e.hostDevId, clientAuth: { type: 'md5', name: 'host-at-ent', secret: 'ent-host-secret' }, notifyAddress: `http://127.0.0.1:${base.client.notifications.httpPort}/notify` })).status, 201);
  base.client.accounts.push({ serverId: 'ent-srv', serverUri: `${ent.url}/dm`, clientAuth: { type: 'DIGEST', name: 'host-at-ent', secret: 'ent-host-secret' } });
  const host = await HostAgent.start({ config: parseHostConfig(base, 'host.json', e.dir), registerTimeoutMs: 15000 });
  try {
    assert.equal((await createVm(e, { name: 'personal', kind: 'personal', image: 'personal' })).op.state, 'succeeded');
    assert.equal((await createVm(e, { name: 'enterprise', kind: 'enterprise', image: 'enterprise', managers: ['ent-srv'] })).op.state, 'succeeded');
    const r = await entApi('POST', `/api/devices/${enc(e.hostDevId)}/operations`, {
      notify: true,
      commands: [
        { verb: 'Get', target: `${vmUri('enterprise')}/State` },
        { verb: 'Get', target: `${vmUri('personal')}/State` },
        { verb: 'Exec', target: vmOpUri('personal', 'Stop') },
        { verb: 'Get', target: './Virt/VMs' },
        { verb: 'Exec', target: CREATE_URI, data: '{}' },
      ],
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const op = await waitForOperation(entApi, r.json.id);
    assert.deepEqual(op.commands.map((c: { status: number }) => c.status), [200, 425, 425, 425, 425], JSON.stringify(op.commands));
    assert.equal(op.commands[0].results[0].data, 'running');
    // The enterprise server operates its own VM; the host's Generic Alert goes back to that server.
    const stop = await entApi('POST', `/api/devices/${enc(e.hostDevId)}/operations`, { notify: true, commands: [{ verb: 'Exec', target: vmOpUri('enterprise', 'Stop') }] });
    const stopped = await waitForOperation(entApi, stop.json.id);
    assert.equal(stopped.state, 'succeeded');
    assert.match(stopped.commands[0].results[0].data, /^200 /);
    assert.equal(readVm(host.client.tree, 'enterprise')!.state, 'stopped');
    assert.equal(readVm(host.client.tree, 'personal')!.state, 'running', 'the Personal VM was not touched');
  } finally {
    await host.close();
    await ent.stop();
    rmSync(dir2, { recursive: true, force: true });
    await e.stop();
  }
});

test('customized bootstrap by a bootstrap document issued for the VM: the host writes it into the VM, the VM client bootstraps and registers', async () => {
  const e = await env();
  const host = await startHost(e);
  try {
    const { op, vm } = await createVm(e, { name: 'doc-vm', kind: 'enterprise', image: 'personal', bootstrap: 'document' });
    assert.equal(op.state, 'succeeded', JSON.stringify(vm));
    const devId = `${e.hostDevId}:vm:doc-vm`;
    assert.equal(vm.devId, devId);
    const d = await e.api('GET', `/api/devices/${enc(devId)}`);
    assert.ok(d.json.lastSeenAt, 'the VM client bootstrapped and checked in');
    assert.equal(d.json.parentDevId, e.hostDevId);
    assert.equal(d.json.bootstrapMethod, 'customized');
    const f = readVm(host.client.tree, 'doc-vm')!;
    assert.equal(f.bootstrap, 'customized');
    assert.equal(f.clientDevId, devId);
    const guest = JSON.parse(readFileSync(join(e.dir, 'vms', 'doc-vm', 'guest.json'), 'utf8')) as { accounts: unknown[]; bootstrap: { documents: { file: string; sec: string; mac: string; pin: string }[] } };
    assert.deepEqual(guest.accounts, [], 'no ready account: the document is the bootstrap');
    assert.equal(guest.bootstrap.documents[0].file, 'bootstrap.wbxml');
    assert.equal(guest.bootstrap.documents[0].sec, 'USERPIN');
    assert.match(guest.bootstrap.documents[0].mac, /^[0-9A-F]{40}$/i);
    // Managed directly after bootstrap.
    const r = await e.api('POST', `/api/devices/${enc(devId)}/operations`, { notify: true, commands: [{ verb: 'Get', target: './DevDetail/Ext/HostDevId' }] });
    const got = await waitForOperation(e.api, r.json.id);
    assert.equal(got.commands[0].results[0].data, e.hostDevId);
    assert.equal((await e.api('POST', `/api/devices/${enc(e.hostDevId)}/vms`, { name: 'x', kind: 'personal', image: 'personal', bootstrap: 'card' })).status, 400);
  } finally {
    await host.close();
    await e.stop();
  }
});

function hostCli(config: string): ChildProcess {
  const here = import.meta.url;
  const args = here.endsWith('.ts')
    ? ['--import', 'tsx', join(repoRoot(), 'src', 'cli', 'main.ts')]
    : [join(repoRoot(), 'dist', 'src', 'cli', 'main.js')];
  return spawn(process.execPath, [...args, 'host', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
}

test('a host that dies mid-create: on restart the half-made VM is removed and the Create reported failed', async () => {
  const e = await env();
  // A DM server that accepts connections and never answers: the VM client's registration hangs.
  const silent: Server = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}/dm`;
  const cfg = join(e.dir, 'host.json');
  writeFileSync(cfg, JSON.stringify(e.hostConfig()));
  let child = hostCli(cfg);
  let out = '';
  const collect = (c: ChildProcess) => { c.stdout!.on('data', (d: Buffer) => { out += d.toString(); }); c.stderr!.on('data', (d: Buffer) => { out += d.toString(); }); };
  collect(child);
  try {
    for (let i = 0; i < 400 && !/ up: /.test(out); i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(out, /host urn:dmvisor:host:t1 up: TypeII, dmvisor-process/);
    const { url, digest } = await imageUrlAndDigest(e, 'enterprise');
    const r = await e.api('POST', `/api/devices/${enc(e.hostDevId)}/operations`, {
      notify: true,
      commands: [{ verb: 'Exec', target: CREATE_URI, data: JSON.stringify({ name: 'half', kind: 'Enterprise', image: 'enterprise', imageUrl: url, digest, devId: 'urn:test:half', account: { serverId: 'dmvisor', serverUri: silentUrl, clientAuth: { type: 'BASIC', name: 'h', secret: 's' } } }) }],
    });
    for (let i = 0; i < 400; i++) {
      if ((await e.api('GET', `/api/operations/${r.json.id}`)).json.state === 'accepted' && existsSync(join(e.dir, 'vms', 'half', 'guest.json'))) break;
      await new Promise((res) => setTimeout(res, 25));
    }
    assert.equal((await e.api('GET', `/api/operations/${r.json.id}`)).json.state, 'accepted', 'the host accepted the Create (202)');
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    assert.ok(existsSync(join(e.dir, 'vms', 'half')), 'the host died with the VM half made');
    out = '';
    child = hostCli(cfg);
    collect(child);
    const op = await waitForOperation(e.api, r.json.id, 20000);
    assert.equal(op.state, 'failed');
    assert.match(op.commands[0].results[0].data, /^500 the host restarted while creating VM half; nothing of it remains/);
    assert.ok(!existsSync(join(e.dir, 'vms', 'half')), 'nothing half-created remains');
    for (let i = 0; i < 100 && readFileSync(join(e.dir, 'host-state', 'tree.json'), 'utf8').includes('"half"'); i++) await new Promise((res) => setTimeout(res, 25));
    assert.ok(!readFileSync(join(e.dir, 'host-state', 'tree.json'), 'utf8').includes('"half"'), 'the host tree has no trace of the VM');
  } finally {
    child.kill('SIGTERM');
    await new Promise((res) => (child.exitCode !== null ? res(undefined) : child.once('exit', res)));
    silent.close();
    await e.stop();
  }
});

test('network-isolated VMs (isolateNetwork: own network namespace, only the Unix-socket channel to the host)', async (t) => {
  if (process.getuid?.() !== 0) {
    assert.throws(() => new ProcessHypervisor({ isolateNetwork: true }), /isolateNetwork needs root/);
    t.skip('not root: checked that isolateNetwork is refused clearly; the namespace itself needs root');
    return;
  }
  if (!haveCommand('unshare')) { t.skip('unshare (util-linux) not installed'); return; }
  const e = await env();
  const host = await startHost(e, { hypervisor: { driver: 'process', isolateNetwork: true } });
  try {
    assert.match(String(host.client.tree.readValue('./Virt/Hypervisor/Product')), /network-isolated/);
    const { op } = await createVm(e, { name: 'iso', kind: 'personal', image: 'personal' });
    assert.equal(op.state, 'succeeded', 'the VM said hello over the channel');
    const pid = (host.hypervisor as ProcessHypervisor).pid('iso')!;
    // The child is `unshare`, which execs node in the new namespace.
    assert.notEqual(readlinkSync(`/proc/${pid}/ns/net`), readlinkSync('/proc/self/ns/net'), 'the VM has its own network namespace');
    // A VM client in that namespace cannot reach the server: the Create fails with the reason.
    const ent = await createVm(e, { name: 'iso-ent', kind: 'enterprise', image: 'enterprise' });
    assert.equal(ent.op.state, 'failed');
    assert.match(ent.op.commands[0].results[0].data, /could not register/);
  } finally {
    await host.close();
    await e.stop();
  }
});

test('libvirt driver against test:///default: create, stop, start, delete a domain through the VM MO', async (t) => {
  if (!haveCommand('virsh')) { t.skip('virsh (Debian libvirt-clients) not installed; .ci/run installs it'); return; }
  const e = await env();
  const hv = await LibvirtHypervisor.open('test:///default');
  const config = parseHostConfig(e.hostConfig({ hypervisor: { driver: 'libvirt', uri: 'test:///default' } }), 'host.json', e.dir);
  const host = await HostAgent.start({ config, hypervisor: hv });
  try {
    assert.equal(host.client.tree.readValue('./Virt/Hypervisor/Driver'), 'libvirt');
    const { op, vm } = await createVm(e, { name: 'lv1', kind: 'personal', image: 'personal', memoryMB: 256 });
    assert.equal(op.state, 'succeeded', JSON.stringify(vm));
    assert.equal(await hv.domState('lv1'), 'running', 'libvirt has the domain running');
    const stop = await e.api('POST', `/api/devices/${enc(e.hostDevId)}/vms/lv1/stop`, {});
    assert.equal((await waitForOperation(e.api, stop.json.operationId)).state, 'succeeded');
    assert.equal(await hv.domState('lv1'), 'shut off');
    // install-client needs a channel into the guest, which libvirt guests lack here: a clear failure.
    const ic = await e.api('POST', `/api/devices/${enc(e.hostDevId)}/vms/lv1/install-client`, {});
    const icOp = await waitForOperation(e.api, ic.json.operationId);
    assert.equal(icOp.state, 'failed');
    assert.match(icOp.commands[0].results[0].data, /not running|no channel/);
    const del = await e.api('POST', `/api/devices/${enc(e.hostDevId)}/vms/lv1/delete`, {});
    assert.equal((await waitForOperation(e.api, del.json.operationId)).state, 'succeeded');
    assert.equal(await hv.domState('lv1'), undefined, 'the domain is undefined');
    assert.deepEqual(listVmNames(host.client.tree), []);
  } finally {
    await host.close();
    await e.stop();
  }
});
