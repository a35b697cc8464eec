/**
 * Our client against our server over real HTTP on 127.0.0.1, SQLite store:
 * operations queued through the admin API reach the device and come back
 * with per-command status and results; server-initiated sessions through a
 * real UDP notification; a server restart between queueing and delivery.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DmServer } from '../../src/server/dm-server.js';
import { DmClient } from '../../src/client/dm-client.js';
import { parseDeviceConfig } from '../../src/client/device-config.js';
import { InMemoryTreeStore } from '../../src/tree/index.js';
import { apiCall } from '../support/admin-api.js';
import { TEST_PG_URL, dropSchema, postgresSkip } from '../support/postgres.js';
import { pino } from 'pino';

const logger = pino({ level: 'silent' });

const TOKEN = 'test-token-0123456789';

const api = (base: string, method: string, path: string, body?: unknown, token = TOKEN) => apiCall(base, token, method, path, body);

async function client(serverUrl: string, devId: string, scheme: 'BASIC' | 'DIGEST' | 'HMAC', encoding: 'xml' | 'wbxml', extra: object = {}) {
  const config = parseDeviceConfig({
    device: { devId, man: 'Acme', mod: 'Enterprise VM', fwV: '3.0' },
    accounts: [{ serverId: 'dmvisor', serverUri: `${serverUrl}/dm`, encoding, clientAuth: { type: scheme, name: `u-${devId.replace(/\W/g, "")}`, secret: 'device-secret' } }],
    session: { retries: 0 },
    ...extra,
  }, 'test');
  return DmClient.open({ config, store: new InMemoryTreeStore() });
}

test('queue through the API, deliver in a client-initiated session, read results back — every auth type and encoding', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-server-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger });
  try {
    assert.equal((await api(server.url, 'GET', '/api/devices', undefined, 'wrong')).status, 401);
    assert.equal((await api(server.url, 'GET', '/api/openapi.json', undefined, '')).json.openapi, '3.1.0');
    const cases = [['basic', 'BASIC', 'xml'], ['md5', 'DIGEST', 'wbxml'], ['hmac', 'HMAC', 'xml'], ['md5', 'DIGEST', 'xml']] as const;
    for (const [i, [type, scheme, encoding]] of cases.entries()) {
      const devId = `IMEI:35000000000000${i}`;
      const reg = await api(server.url, 'POST', '/api/devices', { devId, clientAuth: { type, name: `u-${devId.replace(/\W/g, "")}`, secret: 'device-secret' } });
      assert.equal(reg.status, 201, JSON.stringify(reg.json));
      assert.equal(reg.json.clientAuth.secret, undefined, 'secrets never leave the API');
      const op = await api(server.url, 'POST', `/api/devices/${encodeURIComponent(devId)}/operations`, {
        commands: [{ verb: 'Get', target: './DevDetail/FwV' }, { verb: 'Get', target: './Nope' }],
      });
      assert.equal(op.status, 201, JSON.stringify(op.json));
      assert.equal(op.json.state, 'pending');
      const c = await client(server.url, devId, scheme, encoding);
      const result = await c.runSession();
      await c.close();
      assert.equal(result.state, 'completed', `${type}/${encoding}: ${result.reason}`);
      const done = await api(server.url, 'GET', `/api/operations/${op.json.id}`);
      assert.equal(done.json.state, 'failed', 'one command failed (404), so the operation failed');
      assert.equal(done.json.commands[0].status, 200);
      assert.equal(done.json.commands[0].results[0].data, '3.0');
      assert.equal(done.json.commands[1].status, 404);
      const device = await api(server.url, 'GET', `/api/devices/${encodeURIComponent(devId)}`);
      assert.equal(device.json.devInfo.Man, 'Acme');
      assert.ok(device.json.tree.some((n: { uri: string; value: string }) => n.uri === './DevDetail/FwV' && n.value === '3.0'));
      const sessions = await api(server.url, 'GET', `/api/devices/${encodeURIComponent(devId)}/sessions`);
      assert.equal(sessions.json.sessions[0].state, 'completed');
      const trace = await api(server.url, 'GET', `/api/sessions/${sessions.json.sessions[0].id}`);
      assert.ok(trace.json.messages.length >= 4);
      assert.match(trace.json.messages[0].decoded, /<Alert>/);
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /dmvisor_sessions_total\{state="completed"\} 4/);
    assert.match(metrics, /dmvisor_operations_total\{state="failed"\} 4/);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unregistered device is challenged and learns nothing; bad bodies are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-server-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger });
  try {
    const c = await client(server.url, 'IMEI:999', 'DIGEST', 'xml');
    const r = await c.runSession();
    await c.close();
    assert.equal(r.state, 'failed');
    const bad = await fetch(`${server.url}/dm`, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.dm+xml' }, body: '<SyncML><!DOCTYPE x [<!ENTITY a "b">]>' });
    assert.equal(bad.status, 400);
    const wrongType = await fetch(`${server.url}/dm`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    assert.equal(wrongType.status, 415);
    const badJson = await fetch(`${server.url}/api/devices`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{"devId": 1}' });
    assert.equal(badJson.status, 400);
    assert.equal(((await badJson.json()) as { error: { field: string } }).error.field, 'devId');
    assert.equal((await api(server.url, 'GET', '/api/devices')).json.devices.length, 0, 'nothing was stored');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('notify: true wakes the device over real UDP; the server-initiated session delivers the operation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-server-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger });
  const devId = 'IMEI:351111111111111';
  const c = await client(server.url, devId, 'DIGEST', 'wbxml', { notifications: { udpPort: 0, host: '127.0.0.1' } });
  try {
    const { udpPort } = await c.listen();
    await api(server.url, 'POST', '/api/devices', { devId, clientAuth: { type: 'md5', name: `u-${devId.replace(/\W/g, "")}`, secret: 'device-secret' }, notifyAddress: `udp://127.0.0.1:${udpPort}` });
    const op = await api(server.url, 'POST', `/api/devices/${encodeURIComponent(devId)}/operations`, { commands: [{ verb: 'Get', target: './DevInfo/Mod' }], notify: true });
    assert.equal(op.status, 201, JSON.stringify(op.json));
    assert.match(op.json.notifiedSessionId, /^[0-9A-F]{1,4}$/);
    let state = '';
    for (let i = 0; i < 300 && state !== 'succeeded'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      state = (await api(server.url, 'GET', `/api/operations/${op.json.id}`)).json.state;
    }
    assert.equal(state, 'succeeded');
    const sessions = await api(server.url, 'GET', `/api/devices/${encodeURIComponent(devId)}/sessions`);
    assert.equal(sessions.json.sessions[0].initiator, 'server');
  } finally {
    await c.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('operations queued before a server restart are delivered after it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-server-'));
  const db = join(dir, 'dm.db');
  const devId = 'IMEI:352222222222222';
  let server = await DmServer.start({ db, port: 0, apiToken: TOKEN, logger });
  await api(server.url, 'POST', '/api/devices', { devId, clientAuth: { type: 'basic', name: `u-${devId.replace(/\W/g, "")}`, secret: 'device-secret' } });
  const op = await api(server.url, 'POST', `/api/devices/${encodeURIComponent(devId)}/operations`, { commands: [{ verb: 'Add', target: './DMAcc/dmvisor/Name', data: 'Enterprise DM' }] });
  await server.stop();
  server = await DmServer.start({ db, port: 0, apiToken: TOKEN, logger });
  try {
    const c = await client(server.url, devId, 'BASIC', 'xml');
    const r = await c.runSession();
    assert.equal(r.state, 'completed', r.reason);
    assert.equal(c.tree.readValue('./DMAcc/dmvisor/Name'), 'Enterprise DM');
    await c.close();
    assert.equal((await api(server.url, 'GET', `/api/operations/${op.json.id}`)).json.state, 'succeeded');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a client that dies mid-session: its operation returns to pending (attempt counted) and the next session delivers it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-server-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger, sessionIdleMs: 200 });
  const devId = 'IMEI:354444444444444';
  try {
    await api(server.url, 'POST', '/api/devices', { devId, clientAuth: { type: 'md5', name: 'u-IMEI354444444444444', secret: 'device-secret' } });
    const op = await api(server.url, 'POST', `/api/devices/${encodeURIComponent(devId)}/operations`, { commands: [{ verb: 'Get', target: './DevInfo/Man' }] });
    // The device sends package 1, receives the operation in package 2, and is never heard from again.
    const { ClientSession } = await import('../../src/session/client-session.js');
    const { DmHttpClient } = await import('../../src/transport/http-client.js');
    const tree = (await client(server.url, devId, 'DIGEST', 'xml')).tree;
    const dying = new ClientSession({
      tree, deviceId: devId, sessionId: '77', initiator: 'client', devInfo: [{ uri: './DevInfo/DevId', value: devId }],
      account: { serverId: 'dmvisor', serverUri: `${server.url}/dm`, encoding: 'xml', client: { scheme: 'md5', name: 'u-IMEI354444444444444', secret: 'device-secret', nonce: new Uint8Array(0) }, server: { scheme: 'none', name: '', secret: '', nonce: new Uint8Array(0) } },
    });
    const http = new DmHttpClient({ retries: 0 });
    const first = dying.start();
    const pkg2 = await http.exchange({ url: first.url, body: first.bytes, contentType: first.contentType });
    assert.match(new TextDecoder().decode(pkg2.body), /<Get>/, 'the operation went out');
    http.close();
    assert.equal((await api(server.url, 'GET', `/api/operations/${op.json.id}`)).json.state, 'sent');
    await new Promise((r) => setTimeout(r, 400));
    // The dying client's own nonce was used up; the survivor authenticates with what the server issued (stored by a real client; here via a challenge).
    const survivor = await client(server.url, devId, 'DIGEST', 'xml');
    const r = await survivor.runSession();
    await survivor.close();
    assert.equal(r.state, 'completed', r.reason);
    const done = (await api(server.url, 'GET', `/api/operations/${op.json.id}`)).json;
    assert.equal(done.state, 'succeeded');
    assert.equal(done.attempts, 1, 'the retry is visible');
    assert.equal(done.commands[0].results[0].data, 'Acme');
    const sessions = (await api(server.url, 'GET', `/api/devices/${encodeURIComponent(devId)}/sessions`)).json.sessions;
    assert.ok(sessions.some((s: { state: string; reason?: string }) => s.state === 'failed' && /no message/.test(s.reason ?? '')));
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

const pgSkip = await postgresSkip('the server on PostgreSQL');

test('the same server on PostgreSQL: a session delivers an operation queued through the API', { skip: pgSkip }, async () => {
  const schema = `dmv_e2e_${process.pid}_${Date.now()}`;
  const server = await DmServer.start({ db: `${TEST_PG_URL}?schema=${schema}`, port: 0, apiToken: TOKEN, logger });
  try {
    const devId = 'IMEI:355555555555555';
    await api(server.url, 'POST', '/api/devices', { devId, clientAuth: { type: 'hmac', name: 'u-IMEI355555555555555', secret: 'device-secret' } });
    const op = await api(server.url, 'POST', `/api/devices/${encodeURIComponent(devId)}/operations`, { commands: [{ verb: 'Get', target: './DevInfo/Mod' }] });
    const c = await client(server.url, devId, 'HMAC', 'wbxml');
    const r = await c.runSession();
    await c.close();
    assert.equal(r.state, 'completed', r.reason);
    const done = (await api(server.url, 'GET', `/api/operations/${op.json.id}`)).json;
    assert.equal(done.state, 'succeeded');
    assert.equal(done.commands[0].results[0].data, 'Enterprise VM');
  } finally {
    await server.stop();
    await dropSchema(schema);
  }
});

test('a replayed package 1 and a tampered HMAC are challenged, never accepted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-server-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger });
  try {
    const { ClientSession } = await import('../../src/session/client-session.js');
    const { DmHttpClient } = await import('../../src/transport/http-client.js');
    const { decodeXml } = await import('../../src/syncml/index.js');
    const headerStatus = (body: Uint8Array) => {
      const s = decodeXml(body).body.commands[0];
      return s.kind === 'Status' ? s.data : -1;
    };
    for (const scheme of ['md5', 'hmac'] as const) {
      const devId = `IMEI:35666666666666${scheme === 'md5' ? 1 : 2}`;
      const name = `u-${devId.replace(/\W/g, '')}`;
      await api(server.url, 'POST', '/api/devices', { devId, clientAuth: { type: scheme, name, secret: 'device-secret' } });
      const tree = (await client(server.url, devId, 'DIGEST', 'xml')).tree;
      const session = new ClientSession({
        tree, deviceId: devId, sessionId: '42', initiator: 'client', devInfo: [{ uri: './DevInfo/DevId', value: devId }],
        account: { serverId: 'dmvisor', serverUri: `${server.url}/dm`, encoding: 'xml', client: { scheme, name, secret: 'device-secret', nonce: new Uint8Array(0) }, server: { scheme: 'none', name: '', secret: '', nonce: new Uint8Array(0) } },
      });
      const http = new DmHttpClient({ retries: 0, keepAlive: false });
      const pkg1 = session.start();
      const send = (body: Uint8Array, hmacHeader?: string) => http.exchange({ url: `${server.url}/dm`, body, contentType: pkg1.contentType, ...(hmacHeader ? { hmacHeader } : {}) });
      const first = await send(pkg1.bytes, pkg1.hmacHeader);
      assert.equal(headerStatus(first.body), scheme === 'md5' ? 212 : 200, 'the genuine message is accepted');
      // The same bytes again, as a new session: the nonce they were made with is used up.
      assert.equal(headerStatus((await send(pkg1.bytes, pkg1.hmacHeader)).body), 401);
      if (scheme === 'hmac') {
        // Change one digit of the DevId inside the DevInfo Data: still well-formed, no longer what was MACed.
        const text = new TextDecoder().decode(pkg1.bytes);
        const at = text.lastIndexOf(`<Data>${devId}`) + `<Data>${devId}`.length - 1;
        const tampered = new Uint8Array(pkg1.bytes);
        tampered[at] = tampered[at] === 0x30 ? 0x31 : 0x30;
        assert.equal(headerStatus((await send(tampered, pkg1.hmacHeader)).body), 401);
        assert.equal(headerStatus((await send(pkg1.bytes)).body), 407, 'no MAC at all: credentials missing');
      }
      http.close();
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HTTPS: the server with a configured certificate, the client trusting it through tls.caFile', async (t) => {
  const { haveCommand } = await import('../support/paths.js');
  if (!haveCommand('openssl')) { t.skip('SKIP: openssl not installed (needed to make a test certificate)'); return; }
  const { spawnSync } = await import('node:child_process');
  const { readFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-server-tls-'));
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger, tls: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) } });
  try {
    assert.match(server.url, /^https:/);
    const devId = 'IMEI:357777777777777';
    const reg = await fetch(`${server.url}/api/devices`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ devId, clientAuth: { type: 'md5', name: 'u-IMEI357777777777777', secret: 'device-secret' } }) }).catch((e: Error) => e);
    assert.ok(reg instanceof Error, 'fetch without trusting the certificate fails');
    const config = parseDeviceConfig({
      device: { devId }, tls: { caFile: join(dir, 'cert.pem') }, session: { retries: 0 },
      accounts: [{ serverId: 'dmvisor', serverUri: `${server.url}/dm`, clientAuth: { type: 'DIGEST', name: 'u-IMEI357777777777777', secret: 'device-secret' } }],
    }, 'test');
    await server.store.registerDevice({ devId, clientAuth: { type: 'md5', name: 'u-IMEI357777777777777', secret: 'device-secret' } });
    const c = await DmClient.open({ config, store: new InMemoryTreeStore() });
    const res = await c.runSession();
    await c.close();
    assert.equal(res.state, 'completed', res.reason);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--trace none: sessions are recorded without message bodies', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-server-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger, trace: 'none' });
  try {
    const devId = 'IMEI:358888888888888';
    await api(server.url, 'POST', '/api/devices', { devId, clientAuth: { type: 'md5', name: 'u-IMEI358888888888888', secret: 'device-secret' } });
    const c = await client(server.url, devId, 'DIGEST', 'xml');
    assert.equal((await c.runSession()).state, 'completed');
    await c.close();
    const sessions = (await api(server.url, 'GET', `/api/devices/${encodeURIComponent(devId)}/sessions`)).json.sessions;
    assert.equal(sessions[0].state, 'completed');
    const trace = (await api(server.url, 'GET', `/api/sessions/${sessions[0].id}`)).json;
    for (const m of trace.messages as { decoded?: string; bytes?: string }[]) {
      assert.equal(m.decoded, undefined);
      assert.equal(m.bytes, undefined);
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bulk registration through the API: all or none, errors name the device in the list', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-server-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger });
  try {
    const devices = Array.from({ length: 300 }, (_, i) => ({ devId: `IMEI:36100000000${String(i).padStart(4, '0')}`, clientAuth: { type: 'md5', name: `b${i}`, secret: 'pw' } }));
    const ok = await api(server.url, 'POST', '/api/device-batches', { devices });
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
    assert.equal(ok.json.registered, 300);
    assert.equal((await api(server.url, 'GET', `/api/devices/${devices[299]!.devId}`)).status, 200);
    const bad = await api(server.url, 'POST', '/api/device-batches', { devices: [{ devId: 'IMEI:361000000009999', clientAuth: { type: 'md5', name: 'x', secret: 'pw' } }, { devId: 'y', clientAuth: { type: 'rsa', name: 'x', secret: 'pw' } }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.field, 'devices[1].clientAuth.type');
    const dup = await api(server.url, 'POST', '/api/device-batches', { devices: [{ devId: 'IMEI:361000000009999', clientAuth: { type: 'md5', name: 'x', secret: 'pw' } }, devices[5]] });
    assert.equal(dup.status, 409);
    assert.match(dup.json.error.message, /IMEI:361000000000005/);
    assert.equal((await api(server.url, 'GET', '/api/devices/IMEI:361000000009999')).status, 404, 'nothing of a refused batch is kept');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Idempotency-Key: a retried POST returns the operation the first one queued (200), nothing queued twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-server-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger });
  try {
    const devId = 'IMEI:362000000000001';
    assert.equal((await api(server.url, 'POST', '/api/devices', { devId, clientAuth: { type: 'md5', name: 'i', secret: 'pw' } })).status, 201);
    const post = (key: string) => fetch(`${server.url}/api/devices/${devId}/operations`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ commands: [{ verb: 'Get', target: './DevInfo/Man' }] }),
    });
    const first = await post('job-42');
    assert.equal(first.status, 201);
    const again = await post('job-42');
    assert.equal(again.status, 200);
    assert.equal(((await again.json()) as { id: string }).id, ((await first.json()) as { id: string }).id);
    assert.equal((await post('x'.repeat(300))).status, 400);
    assert.equal((await api(server.url, 'GET', `/api/devices/${devId}`)).json.operations.length, 1);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
