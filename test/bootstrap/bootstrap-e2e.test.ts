/**
 * The four bootstrap methods end to end: a real server (HTTP, SQLite) and
 * real clients that start with no DM account, over the real transports
 * (HTTP to the server; UDP WSP push and HTTP push to the client's listener).
 * Each ends with the client registered, a completed first session with the
 * DM server, and the registry saying how the device was bootstrapped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DmServer } from '../../src/server/dm-server.js';
import { DmClient, type DmClientLogEvent } from '../../src/client/dm-client.js';
import { parseDeviceConfig } from '../../src/client/device-config.js';
import { listDmAccounts } from '../../src/mo/index.js';

const logger = pino({ level: 'silent' });
const TOKEN = 'bootstrap-test-token-0123';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are read field by field
type Json = any;

async function api(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${base}${path}`, {
    method, headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

async function withServer(fn: (server: DmServer, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dmv-boot-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger });
  try {
    await fn(server, dir);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function open(raw: object, dir: string, events: DmClientLogEvent[] = []): Promise<DmClient> {
  const config = parseDeviceConfig({ stateDir: join(dir, 'state'), session: { retries: 0 }, ...raw }, 'test');
  return DmClient.open({ config, log: (e) => events.push(e) });
}

async function registry(server: DmServer, devId: string): Promise<Json> {
  const r = await api(server.url, 'GET', `/api/devices/${encodeURIComponent(devId)}`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('customized: the image\'s bootstrap document gives the VM its account at first start; re-applying adds nothing', async () => {
  await withServer(async (server, dir) => {
    const devId = 'VM:custom-0001';
    const built = await api(server.url, 'POST', '/api/bootstrap/documents', { devId, method: 'customized', sec: 'USERPIN', pin: '2468' });
    assert.equal(built.status, 201, JSON.stringify(built.json));
    writeFileSync(join(dir, 'bootstrap.wbxml'), Buffer.from(built.json.document, 'base64'));
    const raw = { device: { devId }, bootstrap: { documents: [{ file: join(dir, 'bootstrap.wbxml'), sec: 'USERPIN', mac: built.json.mac, pin: '2468' }] } };
    const events: DmClientLogEvent[] = [];
    const c = await open(raw, dir, events);
    const first = await c.contactNewServers();
    await c.close();
    assert.equal(first.length, 1);
    assert.equal(first[0].result.state, 'completed', first[0].result.reason);
    const d = await registry(server, devId);
    assert.equal(d.bootstrapMethod, 'customized');
    assert.ok(d.lastSeenAt, 'the first session happened');
    // Second start from the same image: skipped, still one account, nothing to contact.
    const again: DmClientLogEvent[] = [];
    const c2 = await open(raw, dir, again);
    assert.equal(listDmAccounts(c2.tree).length, 1);
    assert.equal((await c2.contactNewServers()).length, 0);
    assert.ok(again.some((e) => e.event === 'bootstrap-skipped'));
    const result = await c2.runSession();
    await c2.close();
    assert.equal(result.state, 'completed', result.reason);
  });
});

test('customized: a wrong PIN is refused, the tree stays without accounts', async () => {
  await withServer(async (server, dir) => {
    const devId = 'VM:custom-bad';
    const built = await api(server.url, 'POST', '/api/bootstrap/documents', { devId, sec: 'USERPIN', pin: '2468' });
    writeFileSync(join(dir, 'b.wbxml'), Buffer.from(built.json.document, 'base64'));
    const events: DmClientLogEvent[] = [];
    const c = await open({ device: { devId }, bootstrap: { documents: [{ file: join(dir, 'b.wbxml'), sec: 'USERPIN', mac: built.json.mac, pin: '0000' }] } }, dir, events);
    assert.equal(listDmAccounts(c.tree).length, 0);
    await c.close();
    const refused = events.find((e) => e.event === 'bootstrap-refused');
    assert.ok(refused && refused.event === 'bootstrap-refused' && /MAC/.test(refused.reason), JSON.stringify(events));
  });
});

for (const transport of ['udp', 'http'] as const) {
  test(`server-initiated over ${transport}: the server pushes, the device verifies, applies and contacts the server`, async () => {
    await withServer(async (server, dir) => {
      const devId = `IMEI:35900000000${transport === 'udp' ? '1' : '2'}`;
      const events: DmClientLogEvent[] = [];
      const c = await open({
        device: { devId }, bootstrap: { imsi: '001010123456789', pin: '1234' },
        notifications: transport === 'udp' ? { udpPort: 0 } : { httpPort: 0 },
      }, dir, events);
      try {
        const ports = await c.listen();
        const address = transport === 'udp' ? `udp://127.0.0.1:${ports.udpPort}` : `http://127.0.0.1:${ports.httpPort}/bootstrap`;
        // A push whose MAC the device cannot verify (it knows another IMSI): refused, no account.
        const bad = await api(server.url, 'POST', '/api/bootstrap/push', { devId, address, sec: 'NETWPIN', imsi: '001019999999999' });
        assert.equal(bad.status, 202, JSON.stringify(bad.json));
        await until(() => events.some((e) => e.event === 'bootstrap-refused'), 'the refusal');
        assert.equal(listDmAccounts(c.tree).length, 0);
        // Re-issuing needs permission: the registry refuses a second bootstrap without replace.
        assert.equal((await api(server.url, 'POST', '/api/bootstrap/push', { devId, address, sec: 'NETWPIN', imsi: '001010123456789' })).status, 409);
        const good = await api(server.url, 'POST', '/api/bootstrap/push', { devId, address, sec: 'NETWPIN', imsi: '001010123456789', replace: true });
        assert.equal(good.status, 202, JSON.stringify(good.json));
        await until(() => c.followUps.length === 1, 'the first session');
        assert.equal(c.followUps[0].result.state, 'completed', c.followUps[0].result.reason);
        const d = await registry(server, devId);
        assert.equal(d.bootstrapMethod, 'server-initiated');
        assert.ok(d.lastSeenAt);
        assert.equal(listDmAccounts(c.tree).length, 1);
        // The device is now reachable for ordinary notifications at the address it was bootstrapped on.
        const n = await api(server.url, 'POST', `/api/devices/${encodeURIComponent(devId)}/notify`);
        assert.equal(n.status, 202, JSON.stringify(n.json));
        await until(() => events.some((e) => e.event === 'session-end' && e.serverId === 'dmvisor' && events.filter((x) => x.event === 'session-end').length >= 2), 'the notified session');
      } finally {
        await c.close();
      }
    });
  });
}

test('smartcard (virtual): the card gives the account; a removed card takes it away', async () => {
  await withServer(async (server, dir) => {
    const devId = 'VM:card-0001';
    const built = await api(server.url, 'POST', '/api/bootstrap/documents', { devId, method: 'smartcard', sec: 'NETWPIN', imsi: '001010123456789', cardId: 'card-42' });
    assert.equal(built.status, 201, JSON.stringify(built.json));
    const card = join(dir, 'card.img');
    writeFileSync(card, Buffer.from(built.json.card, 'base64'));
    const raw = { device: { devId }, bootstrap: { smartcard: { virtual: card } } };
    const c = await open(raw, dir);
    const first = await c.contactNewServers();
    await c.close();
    assert.equal(first[0]?.result.state, 'completed', first[0]?.result.reason);
    assert.equal((await registry(server, devId)).bootstrapMethod, 'smartcard');
    rmSync(card);
    const events: DmClientLogEvent[] = [];
    const c2 = await open(raw, dir, events);
    assert.equal(listDmAccounts(c2.tree).length, 0, 'accounts from the removed card are gone');
    await c2.close();
    assert.ok(events.some((e) => e.event === 'bootstrap-removed'));
  });
});

test('client-initiated: enrollment secret → bootstrap server Adds the account → first session; unknown secret refused', async () => {
  await withServer(async (server, dir) => {
    const en = await api(server.url, 'POST', '/api/bootstrap/enrollments', { name: 'fleet-a', secret: 'enroll-secret-0001' });
    assert.equal(en.status, 201, JSON.stringify(en.json));
    const devId = 'VM:enroll-0001';
    const bootstrapAccount = (secret: string) => ({
      device: { devId },
      accounts: [{ serverId: 'dmvisor-bootstrap', serverUri: `${server.url}/bootstrap`, clientAuth: { type: 'BASIC', name: 'fleet-a', secret } }],
      bootstrap: { server: 'dmvisor-bootstrap' },
    });
    const bad = await open(bootstrapAccount('wrong-secret'), join(dir, 'bad'));
    const r0 = await bad.runSession();
    await bad.close();
    assert.notEqual(r0.state, 'completed');
    assert.equal((await api(server.url, 'GET', `/api/devices/${encodeURIComponent(devId)}`)).status, 404, 'nothing registered');
    const c = await open(bootstrapAccount('enroll-secret-0001'), dir);
    const r = await c.runSession();
    await c.close();
    assert.equal(r.state, 'completed', r.reason);
    assert.equal(c.followUps.length, 1);
    assert.equal(c.followUps[0].serverId, 'dmvisor');
    assert.equal(c.followUps[0].result.state, 'completed', c.followUps[0].result.reason);
    const d = await registry(server, devId);
    assert.equal(d.bootstrapMethod, 'client-initiated');
    assert.ok(d.lastSeenAt);
    // Next start: the session goes to the DM server, not the bootstrap server.
    const c2 = await open(bootstrapAccount('enroll-secret-0001'), dir);
    const before = (await registry(server, devId)).lastSeenAt;
    assert.equal((await c2.runSession()).state, 'completed');
    await c2.close();
    assert.notEqual((await registry(server, devId)).lastSeenAt, before);
  });
});

test('client-initiated storm: 40 devices at once, each registered once with exactly one DM account', async () => {
  await withServer(async (server, dir) => {
    await api(server.url, 'POST', '/api/bootstrap/enrollments', { name: 'storm', secret: 'storm-secret-0001' });
    const clients = await Promise.all(Array.from({ length: 40 }, (_, i) => open({
      device: { devId: `VM:storm-${i}` },
      accounts: [{ serverId: 'dmvisor-bootstrap', serverUri: `${server.url}/bootstrap`, clientAuth: { type: 'BASIC', name: 'storm', secret: 'storm-secret-0001' } }],
      bootstrap: { server: 'dmvisor-bootstrap' },
    }, join(dir, `c${i}`))));
    const results = await Promise.all(clients.map((c) => c.runSession()));
    await Promise.all(clients.map((c) => c.close()));
    results.forEach((r, i) => assert.equal(r.state, 'completed', `client ${i}: ${r.reason}`));
    for (const c of clients) {
      assert.equal(listDmAccounts(c.tree).filter((a) => a.serverId === 'dmvisor').length, 1);
      assert.equal(c.followUps[0]?.result.state, 'completed');
    }
    const page = await api(server.url, 'GET', '/api/devices?limit=100');
    assert.equal(page.json.devices.length, 40);
    assert.ok(page.json.devices.every((d: Json) => d.bootstrapMethod === 'client-initiated'));
  });
});

test('bad input at the server: garbage to /bootstrap, bad API bodies — clear statuses, registry unchanged', async () => {
  await withServer(async (server) => {
    const garbage = await fetch(`${server.url}/bootstrap`, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.dm+wbxml' }, body: new Uint8Array([2, 0xa4, 1, 0x6a, 0, 0x6d, 0xff]) });
    assert.equal(garbage.status, 400);
    const wrongType = await fetch(`${server.url}/bootstrap`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    assert.equal(wrongType.status, 415);
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', '/api/bootstrap/documents', { devId: 'X', sec: 'NOPE', pin: '1' }, 400, /unknown SEC/],
      ['POST', '/api/bootstrap/documents', { devId: 'X', sec: 'NETWPIN' }, 400, /imsi/],
      ['POST', '/api/bootstrap/documents', { devId: 'X', profile: 'missing' }, 404, /no bootstrap profile/],
      ['POST', '/api/bootstrap/documents', { devId: 'X', method: 'telepathy' }, 400, /method/],
      ['POST', '/api/bootstrap/push', { devId: 'X', address: 'ftp://x', sec: 'USERPIN', pin: '1' }, 400, /scheme/],
      ['POST', '/api/bootstrap/push', { devId: 'X', address: 'udp://127.0.0.1:9', pin: '1' }, 400, /SEC/],
      ['PUT', '/api/bootstrap/profiles/p1', { profile: 'xx' }, 400, /profile/],
      ['PUT', '/api/bootstrap/profiles/p1', { evil: true }, 400, /unknown field/],
      ['POST', '/api/bootstrap/enrollments', { name: 'a b' }, 400, /name/],
      ['POST', '/api/bootstrap/enrollments', { secret: 'short' }, 400, /secret/],
    ];
    for (const [method, path, body, status, re] of cases) {
      const r = await api(server.url, method, path, body);
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(r.json)}`);
      assert.match(r.json.error.message, re);
    }
    // An operator-registered device is never taken over by a bootstrap.
    await api(server.url, 'POST', '/api/devices', { devId: 'OP:1', clientAuth: { type: 'md5', name: 'op', secret: 'op-secret' } });
    const take = await api(server.url, 'POST', '/api/bootstrap/documents', { devId: 'OP:1', replace: true });
    assert.equal(take.status, 409);
    assert.match(take.json.error.message, /registered by an operator/);
    assert.equal((await api(server.url, 'GET', '/api/devices?limit=10')).json.devices.length, 1);
    const openapi = await api(server.url, 'GET', '/api/openapi.json');
    assert.ok(openapi.json.paths['/api/bootstrap/push']);
  });
});

test('smartcard in daemon mode: removing the card removes its account; re-inserting it brings it back', async () => {
  await withServer(async (server, dir) => {
    const devId = 'VM:card-live';
    const built = await api(server.url, 'POST', '/api/bootstrap/documents', { devId, method: 'smartcard', cardId: 'card-live' });
    assert.equal(built.status, 201, JSON.stringify(built.json));
    const card = join(dir, 'live.img');
    const image = Buffer.from(built.json.card, 'base64');
    writeFileSync(card, image);
    const events: DmClientLogEvent[] = [];
    const c = await open({ device: { devId }, bootstrap: { smartcard: { virtual: card } }, notifications: { httpPort: 0 } }, dir, events);
    try {
      await c.listen();
      await until(() => c.followUps.length === 1, 'the first session');
      assert.equal(c.followUps[0].result.state, 'completed', c.followUps[0].result.reason);
      rmSync(card);
      await until(() => events.some((e) => e.event === 'bootstrap-removed'), 'the removal', 15_000);
      assert.equal(listDmAccounts(c.tree).length, 0);
      writeFileSync(card, image);
      await until(() => listDmAccounts(c.tree).length === 1, 'the account back', 15_000);
      await until(() => c.followUps.length === 2, 'a session after re-insertion', 15_000);
      assert.equal(c.followUps[1].result.state, 'completed');
    } finally {
      await c.close();
    }
  });
});
