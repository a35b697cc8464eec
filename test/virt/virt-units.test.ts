/**
 * The virtualization pieces on their own: image bundles (and hostile ones),
 * the host↔VM channel (and hostile peers), the host config, the guest config
 * the host writes (the bootstrap contract), the VM MO, the simulator, and the
 * VM API's answers to bad input.
 */
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildImage, decodeImage, encodeImage, imageDigest, ImageError } from '../../src/virt/image.js';
import { connectVmChannel, listenVmChannel, parseMessage, MAX_CHANNEL_MESSAGE, type ChannelMessage } from '../../src/transport/vm-channel.js';
import { parseHostConfig } from '../../src/virt/host-config.js';
import { guestClientConfig, parseCreateRequest } from '../../src/virt/host-agent.js';
import { SimHypervisor } from '../../src/virt/sim-driver.js';
import { installVirtMo, putVm, readVm, listVmNames, removeVm, vmUri } from '../../src/virt/vm-tree.js';
import { VIRT_MO, validateMoDescription, renderDdfXml, findMo } from '../../src/mo/index.js';
import { DmTree } from '../../src/tree/dm-tree.js';
import { moResolver } from '../../src/mo/registry.js';
import { parseDeviceConfig } from '../../src/client/device-config.js';
import { ConfigError } from '../../src/client/config-error.js';
import { DmServer } from '../../src/server/dm-server.js';
import { apiClient } from '../../src/virt/scenario.js';
import { main } from '../../src/cli/main.js';

describe('images', () => {
  const account = { serverId: 'dmvisor', serverUri: 'http://127.0.0.1:1/dm', clientAuth: { type: 'DIGEST', name: 'n', secret: 's' } };

  it('round-trip with a stable digest, and verify it', () => {
    const img = buildImage({ name: 'enterprise', kind: 'Enterprise', withClient: true, account, memoryMB: 512 });
    const bytes = encodeImage(img);
    assert.deepEqual(encodeImage(decodeImage(bytes)), bytes, 'byte-stable');
    assert.match(imageDigest(bytes), /^sha256:[0-9a-f]{64}$/);
    assert.equal(decodeImage(bytes, imageDigest(bytes)).manifest.bootstrap?.method, 'customized');
    assert.throws(() => decodeImage(bytes, `sha256:${'1'.repeat(64)}`), /digest mismatch/);
    const tampered = new Uint8Array(bytes);
    tampered[tampered.length - 3] ^= 1;
    assert.throws(() => decodeImage(tampered, imageDigest(bytes)), /digest mismatch/);
  });

  it('carry a bootstrap document or a virtual smartcard', () => {
    const doc = buildImage({ name: 'e2', kind: 'Enterprise', withClient: true, bootstrap: { fileName: '/tmp/x/boot.wbxml', bytes: new Uint8Array([1, 2, 3]), smartcard: false, sec: 'USERPIN', mac: 'AB', pin: '1234' } });
    assert.deepEqual(doc.manifest.bootstrap, { method: 'document', file: 'bootstrap/boot.wbxml', sec: 'USERPIN', mac: 'AB', pin: '1234' });
    const card = buildImage({ name: 'e3', kind: 'Enterprise', withClient: true, bootstrap: { fileName: 'c.img', bytes: new Uint8Array([9]), smartcard: true } });
    assert.deepEqual(card.manifest.bootstrap, { method: 'smartcard', file: 'bootstrap/card.img' });
    assert.throws(() => buildImage({ name: 'p', kind: 'Personal', withClient: false, account }), /--with-client/);
  });

  it('reject hostile bundles with a typed error naming what is wrong', () => {
    const ok = JSON.parse(Buffer.from(encodeImage(buildImage({ name: 'p', kind: 'Personal', withClient: false }))).toString()) as { manifest: Record<string, unknown>; files: Record<string, string> };
    const bad = (mutate: (o: typeof ok) => unknown, re: RegExp) => {
      const o = structuredClone(ok);
      const v = mutate(o) ?? o;
      assert.throws(() => decodeImage(new Uint8Array(Buffer.from(JSON.stringify(v)))), (e: unknown) => e instanceof ImageError && re.test((e as Error).message));
    };
    bad(() => 'not json', /not an object/);
    bad((o) => { o.manifest.format = 'other'; }, /manifest.format/);
    bad((o) => { o.manifest.name = '../../etc'; }, /manifest.name/);
    bad((o) => { o.manifest.kind = 'Root'; }, /manifest.kind/);
    bad((o) => { o.manifest.memoryMB = -1; }, /memoryMB/);
    bad((o) => { o.files['../x'] = 'AA=='; }, /bad payload file name/);
    bad((o) => { o.files['a/../../b'] = 'AA=='; }, /bad payload file name/);
    bad((o) => { o.files.x = '!!'; }, /Base64/);
    bad((o) => { o.manifest.bootstrap = { method: 'document', file: 'missing.wbxml' }; }, /not in the payload/);
    assert.throws(() => decodeImage(new Uint8Array(Buffer.from('{'))), /not an image bundle/);
  });
});

describe('host↔VM channel', () => {
  it('carries messages both ways and drops a hostile peer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmvisor-chan-'));
    const path = join(dir, 'c.sock');
    const got: ChannelMessage[] = [];
    let closedByHost = 0;
    const close = await listenVmChannel(path, (ch) => {
      ch.on('message', (m) => { got.push(m); if (m.type === 'hello') ch.send({ type: 'install-client', config: 'guest.json' }); });
      ch.on('close', () => { closedByHost++; });
    });
    try {
      const guest = await connectVmChannel(path);
      const reply = new Promise<ChannelMessage>((r) => guest.once('message', r));
      guest.send({ type: 'hello', name: 'vm1', pid: 1 });
      assert.deepEqual(await reply, { type: 'install-client', config: 'guest.json' });
      guest.close();
      // Hostile peers: not JSON, JSON without a type, an endless line.
      for (const junk of ['not json\n', '{"no":"type"}\n', '[1,2]\n', 'x'.repeat(MAX_CHANNEL_MESSAGE + 10)]) {
        const s = net.createConnection(path);
        await new Promise<void>((r) => s.once('connect', () => r()));
        const gone = new Promise<void>((r) => s.once('close', () => r()));
        s.write(junk);
        await gone;
      }
      for (let i = 0; i < 50 && closedByHost < 5; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(closedByHost, 5);
      assert.deepEqual(got.map((m) => m.type), ['hello'], 'junk never reaches the host as a message');
    } finally {
      await close();
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(parseMessage('{"type":"x","a":1}')?.type, 'x');
    assert.equal(parseMessage('{"type":1}'), undefined);
  });
});

describe('host config', () => {
  const client = { device: { devId: 'h' }, accounts: [{ serverId: 's', serverUri: 'http://127.0.0.1/dm', clientAuth: { type: 'BASIC', name: 'a', secret: 'b' } }] };
  it('parses both topologies and both drivers, paths relative to the file', () => {
    const a = parseHostConfig({ virtualization: 'TypeI', client }, '/etc/h.json', '/etc');
    assert.deepEqual([a.virtualization, a.hypervisor, a.vmsDir], ['TypeI', { driver: 'process', isolateNetwork: false }, '/etc/vms']);
    const b = parseHostConfig({ virtualization: 'TypeII', client, hypervisor: { driver: 'libvirt', uri: 'qemu:///session' } }, 'h.json', '/x');
    assert.deepEqual(b.hypervisor, { driver: 'libvirt', uri: 'qemu:///session' });
  });
  it('names the bad field', () => {
    const bad = (raw: unknown, path: string) => assert.throws(() => parseHostConfig(raw, 'h.json'), (e: unknown) => e instanceof ConfigError && e.path === path);
    bad({ virtualization: 'Type3', client }, 'virtualization');
    bad({ virtualization: 'TypeI', client, extra: 1 }, 'extra');
    bad({ virtualization: 'TypeI', client, hypervisor: { driver: 'xen' } }, 'hypervisor.driver');
    bad({ virtualization: 'TypeI', client, hypervisor: { driver: 'libvirt', uri: 'no uri' } }, 'hypervisor.uri');
    bad({ virtualization: 'TypeI', client, hypervisor: { driver: 'process', isolateNetwork: 'yes' } }, 'hypervisor.isolateNetwork');
    bad({ virtualization: 'TypeI', client: { ...client, device: {} } }, 'client.device.devId');
  });
});

describe('guest config written by the host (bootstrap contract)', () => {
  it('references a bootstrap document or a virtual smartcard beside it, accounts empty', () => {
    const doc = guestClientConfig({ devId: 'vm1', kind: 'Enterprise', bootstrap: { method: 'document', file: 'bootstrap/boot.wbxml', sec: 'USERPIN', mac: 'AB', pin: '1234' } });
    assert.deepEqual(doc.bootstrap, { documents: [{ file: 'boot.wbxml', sec: 'USERPIN', mac: 'AB', pin: '1234' }] });
    assert.deepEqual(doc.accounts, []);
    const card = guestClientConfig({ devId: 'vm1', kind: 'Enterprise', bootstrap: { method: 'smartcard', file: 'bootstrap/card.img' } });
    assert.deepEqual(card.bootstrap, { smartcard: { virtual: 'card.img' } });
  });
  it('with a ready account (customized) is a valid client config', () => {
    const g = guestClientConfig({ devId: 'vm1', kind: 'Enterprise', account: { serverId: 's', serverUri: 'http://127.0.0.1/dm', clientAuth: { type: 'DIGEST', name: 'a', secret: 'b' } } });
    assert.equal(g.bootstrap, undefined);
    assert.equal(parseDeviceConfig(g, 'guest.json').accounts[0].serverId, 's');
  });
});

describe('Create request', () => {
  it('rejects bad data with a result code and a reason', () => {
    assert.throws(() => parseCreateRequest('nope'), /must be a JSON object/);
    assert.throws(() => parseCreateRequest('{"name":"a/b","kind":"Personal"}'), /name must be/);
    assert.throws(() => parseCreateRequest('{"name":"a","kind":"Server"}'), /kind must be/);
    assert.throws(() => parseCreateRequest('{"name":"a","kind":"Personal","image":"i","imageUrl":"u","digest":"d","managers":["a=b"]}'), /managers/);
    assert.throws(() => parseCreateRequest('x'.repeat(70000)), /larger than 64 KiB/);
    assert.equal(parseCreateRequest(new TextEncoder().encode('{"name":"a","kind":"Personal","image":"i","imageUrl":"u","digest":"d"}')).name, 'a');
  });
});

describe('VM MO', () => {
  it('is a valid description, rendered as DDF, found by name or identifier', () => {
    validateMoDescription(VIRT_MO);
    assert.equal(findMo('virt'), VIRT_MO);
    assert.equal(findMo('urn:x-dmvisor:mo:virt:1.0'), VIRT_MO);
    const ddf = renderDdfXml(VIRT_MO);
    for (const n of ['Hypervisor', 'Virtualization', 'VMs', 'ClientDevId', 'ManagementMode', 'InstallClient', 'Create']) assert.ok(ddf.includes(`<NodeName>${n}</NodeName>`), n);
  });
  it('holds VMs, survives a snapshot, and removes them', () => {
    const t = new DmTree({ resolveMo: moResolver() });
    installVirtMo(t, { virtualization: 'TypeI', driver: 'process', product: 'p', version: '1' }, ['srv']);
    putVm(t, 'vm1', { name: 'vm1', kind: 'Enterprise', image: 'e', digest: 'd', state: 'running', memoryMB: 512, vcpus: 2, clientInstalled: true, clientDevId: 'dev1', managementMode: 'direct', bootstrap: 'customized' });
    const back = DmTree.fromSnapshot(JSON.parse(JSON.stringify(t.snapshot())), { resolveMo: moResolver() });
    assert.deepEqual(readVm(back, 'vm1'), readVm(t, 'vm1'));
    assert.equal(readVm(back, 'vm1')!.vcpus, 2);
    assert.equal(back.get(`${vmUri('vm1')}/Operations/Start`, 'srv').status, 200);
    assert.equal(back.get(`${vmUri('vm1')}/State`, 'other').status, 425);
    removeVm(t, 'vm1');
    assert.deepEqual(listVmNames(t), []);
  });
});

test('simulated hypervisor: VMs in-process, crash reported', async () => {
  const sim = new SimHypervisor();
  const crashes: string[] = [];
  sim.onUnexpectedExit((e) => crashes.push(`${e.name}: ${e.reason}`));
  sim.defineSync('a', 512, 1, { devId: 'urn:x:a', account: { serverId: 'dmvisor', addresses: [{ addr: 'http://127.0.0.1/dm' }] } });
  await sim.start('a');
  assert.equal(sim.vm('a')!.guestTree!.readValue('./DevInfo/DevId'), 'urn:x:a');
  sim.crash('a');
  assert.equal(sim.state('a'), 'crashed');
  assert.deepEqual(crashes, ['a: simulated crash']);
  await assert.rejects(sim.start('nope'), /no VM nope/);
});

test('VM API: bad input answers 4xx with a reason and changes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-vmapi-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: 'tok-0123456789', logger: pino({ level: 'silent' }) });
  const api = apiClient(server.url, 'tok-0123456789');
  try {
    assert.equal((await apiClient(server.url, 'wrong')('GET', '/api/images')).status, 401);
    assert.equal((await api('POST', '/api/images', undefined, new TextEncoder().encode('{"manifest":{}}'))).status, 400);
    const img = await api('POST', '/api/images', undefined, encodeImage(buildImage({ name: 'p', kind: 'Personal', withClient: false })));
    assert.equal(img.status, 201);
    assert.equal(img.json.token, undefined, 'the download capability never leaves through the API');
    assert.equal((await api('GET', '/api/images')).json.images.length, 1);
    assert.equal((await fetch(`${server.url}/api/image-blobs/guess`)).status, 404);
    assert.equal((await api('POST', '/api/devices/nohost/vms', { name: 'a', kind: 'personal', image: 'p' })).status, 404);
    await api('POST', '/api/devices', { devId: 'h1', clientAuth: { type: 'md5', name: 'h', secret: 's' } });
    for (const [body, field] of [
      [{ name: '../x', kind: 'personal', image: 'p' }, 'name'], [{ name: 'a', kind: 'root', image: 'p' }, 'kind'],
      [{ name: 'a', kind: 'personal' }, 'image'], [{ name: 'a', kind: 'personal', image: 'p', withClient: 'yes' }, 'withClient'],
      [{ name: 'a', kind: 'personal', image: 'p', managers: ['x=y'] }, 'managers'], [{ name: 'a', kind: 'personal', image: 'p', vcpus: 0 }, 'vcpus'],
    ] as const) {
      const r = await api('POST', '/api/devices/h1/vms', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error.field, field);
    }
    assert.equal((await api('POST', '/api/devices/h1/vms', { name: 'a', kind: 'personal', image: 'nope' })).json.error.code, 'unknown_image');
    assert.equal((await api('POST', '/api/devices/h1/vms/a/reboot', {})).status, 404);
    assert.equal((await api('POST', '/api/devices/h1/vms/a/start', {})).status, 404);
    assert.deepEqual((await api('GET', '/api/devices/h1/vms')).json.vms, [], 'nothing was recorded');
    // A device registered as the host's VM by other means is listed as one of its VMs.
    await api('POST', '/api/devices', { devId: 'vm-x', clientAuth: { type: 'md5', name: 'x', secret: 's' }, parentDevId: 'h1' });
    assert.deepEqual((await api('GET', '/api/devices/h1/vms')).json.vms, [{ name: 'vm-x', devId: 'vm-x', state: 'unknown', clientInstalled: true, managementMode: 'direct', registeredOnly: true }]);
    const openapi = await api('GET', '/api/openapi.json');
    assert.ok(openapi.json.paths['/api/devices/{hostDevId}/vms'] && openapi.json.paths['/api/images'], 'the VM routes are in the OpenAPI description');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dmvisor image build / inspect, and usage errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-imgcli-'));
  let out = '';
  let err = '';
  const io = { stdout: (s: string) => { out += s; }, stderr: (s: string) => { err += s; }, writeStdout: async () => undefined, readStdin: async () => new Uint8Array() };
  try {
    const acc = join(dir, 'acc.json');
    (await import('node:fs')).writeFileSync(acc, JSON.stringify({ serverId: 'dmvisor', serverUri: 'http://127.0.0.1:8080/dm', clientAuth: { type: 'DIGEST', name: 'e', secret: 's' } }));
    assert.equal(await main(['image', 'build', '--name', 'enterprise', '--kind', 'enterprise', '--with-client', '--account', acc, '--out', join(dir, 'e.dmimg')], io), 0, err);
    assert.match(out, /image enterprise \(Enterprise, with DM client, bootstrap customized\), \d+ bytes, sha256:/);
    out = '';
    assert.equal(await main(['image', 'inspect', join(dir, 'e.dmimg')], io), 0);
    assert.equal(JSON.parse(out).manifest.name, 'enterprise');
    assert.equal(await main(['image', 'build', '--name', 'x'], io), 2);
    assert.equal(await main(['image', 'frobnicate'], io), 2);
    assert.equal(await main(['host'], io), 2);
    err = '';
    (await import('node:fs')).writeFileSync(join(dir, 'h.json'), '{"virtualization":"Type9"}');
    assert.equal(await main(['host', '--config', join(dir, 'h.json')], io), 1);
    assert.match(err, /virtualization: must be TypeI or TypeII/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dmvisor image push stores an image on a running server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-push-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: 'tok-0123456789', logger: pino({ level: 'silent' }) });
  let out = '';
  let err = '';
  const io = { stdout: (s: string) => { out += s; }, stderr: (s: string) => { err += s; }, writeStdout: async () => undefined, readStdin: async () => new Uint8Array() };
  try {
    assert.equal(await main(['image', 'build', '--name', 'personal', '--kind', 'personal', '--out', join(dir, 'p.dmimg')], io), 0, err);
    assert.equal(await main(['image', 'push', join(dir, 'p.dmimg'), '--url', server.url, '--token', 'tok-0123456789'], io), 0, err);
    const digest = /stored image personal (sha256:[0-9a-f]{64})/.exec(out)?.[1];
    assert.ok(digest, out);
    assert.equal((await apiClient(server.url, 'tok-0123456789')('GET', '/api/images/personal')).json.digest, digest);
    assert.equal(await main(['image', 'push', join(dir, 'p.dmimg'), '--url', server.url, '--token', 'wrong'], io), 1);
    assert.match(err, /push failed: HTTP 401/);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dmvisor demo: every step printed; --exit exits 0; without it the server stays up until stopped', async () => {
  let out = '';
  const io = { stdout: (s: string) => { out += s; }, stderr: (s: string) => { out += s; }, writeStdout: async () => undefined, readStdin: async () => new Uint8Array() };
  assert.equal(await main(['demo', '--port', '0', '--exit', '--type', 'TypeII'], io), 0, out);
  assert.match(out, /\[1\] build and store the Personal and Enterprise images/);
  assert.match(out, /\[7\] install a DM client on the Personal VM …\n {4}ok/);
  assert.match(out, /every step succeeded — 10 steps/);
  out = '';
  const { runDemo } = await import('../../src/cli/demo-command.js');
  let reachable = 0;
  const code = await runDemo(['--port', '0'], io, {
    onStop: (stop) => {
      const url = /server (http:\/\/127\.0\.0\.1:\d+) stays up/.exec(out)![1];
      void fetch(`${url}/healthz`).then((r) => { reachable = r.status; stop(); });
    },
  });
  assert.equal(code, 0);
  assert.equal(reachable, 200, 'the server was up after the scenario');
  assert.match(out, /export DMVISOR_URL=http:\/\/127\.0\.0\.1:\d+ DMVISOR_API_TOKEN=/);
  assert.equal(await main(['demo', '--type', 'Type3'], io), 2);
});

test('host config: virtServers must name accounts of the host client', () => {
  const client = { device: { devId: 'h' }, accounts: [
    { serverId: 'a', serverUri: 'http://127.0.0.1/dm', clientAuth: { type: 'BASIC', name: 'x', secret: 'y' } },
    { serverId: 'b', serverUri: 'http://127.0.0.1/dm', clientAuth: { type: 'BASIC', name: 'x', secret: 'y' } },
  ] };
  assert.deepEqual(parseHostConfig({ virtualization: 'TypeI', client }, 'h.json').virtServers, ['a'], 'default: the first account');
  assert.deepEqual(parseHostConfig({ virtualization: 'TypeI', client, virtServers: ['a', 'b'] }, 'h.json').virtServers, ['a', 'b']);
  assert.throws(() => parseHostConfig({ virtualization: 'TypeI', client, virtServers: ['c'] }, 'h.json'), (e: unknown) => e instanceof ConfigError && e.path === 'virtServers[0]');
  assert.throws(() => parseHostConfig({ virtualization: 'TypeI', client, virtServers: [] }, 'h.json'), /non-empty/);
});
