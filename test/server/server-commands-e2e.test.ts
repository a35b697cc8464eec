/**
 * Our client against our server over real HTTP on 127.0.0.1, for what the
 * engine tests prove without a network: every DM command in both encodings,
 * large objects both ways under a small MaxMsgSize, operations spread over
 * multi-message packages, Atomic rollback, and an asynchronous Exec whose
 * Generic Alert arrives in a later session and completes the operation.
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
import { InMemoryTreeStore } from '../../src/tree/index.js';
import { apiCall, type Json } from '../support/admin-api.js';

const logger = pino({ level: 'silent' });
const TOKEN = 'commands-token-0123456789';
const api = (base: string, method: string, path: string, body?: unknown) => apiCall(base, TOKEN, method, path, body);

async function withServer(fn: (url: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-cmds-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger });
  try {
    await fn(server.url);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Register `devId` and open its client (md5), with a `./Vendor` subtree the server may manage. */
async function device(url: string, devId: string, encoding: 'xml' | 'wbxml', session: object = {}): Promise<DmClient> {
  const name = `u${devId.replace(/\W/g, '')}`;
  assert.equal((await api(url, 'POST', '/api/devices', { devId, clientAuth: { type: 'md5', name, secret: 'pw' } })).status, 201);
  const config = parseDeviceConfig({
    device: { devId, man: 'Acme', mod: 'Enterprise VM', fwV: '3.0' },
    accounts: [{ serverId: 'dmvisor', serverUri: `${url}/dm`, encoding, clientAuth: { type: 'DIGEST', name, secret: 'pw' } }],
    session: { retries: 0, ...session },
  }, 'test');
  const c = await DmClient.open({ config, store: new InMemoryTreeStore() });
  c.tree.createNode('./Vendor', { format: 'node', acl: 'Add=dmvisor&Delete=dmvisor&Exec=dmvisor&Get=dmvisor&Replace=dmvisor' });
  c.tree.createNode('./Vendor/Mode', { value: 'personal' });
  c.tree.createNode('./Vendor/Old', { value: 'remove me' });
  return c;
}

async function queue(url: string, devId: string, body: object): Promise<string> {
  const op = await api(url, 'POST', `/api/devices/${encodeURIComponent(devId)}/operations`, body);
  assert.equal(op.status, 201, JSON.stringify(op.json));
  return op.json.id as string;
}

test('every DM command over HTTP, in XML and in WBXML', async () => {
  await withServer(async (url) => {
    for (const encoding of ['xml', 'wbxml'] as const) {
      const devId = `IMEI:36000000000000${encoding === 'xml' ? 1 : 2}`;
      const c = await device(url, devId, encoding);
      let reboots = 0;
      c.tree.createNode('./Vendor/Reboot', { value: '' });
      c.tree.setExecHandler('./Vendor/Reboot', (ctx) => { reboots++; assert.equal(ctx.data, 'now'); return { status: 200 }; });
      const id = await queue(url, devId, {
        commands: [
          { verb: 'Add', target: './Vendor/New', data: 'added', format: 'chr', type: 'text/plain' },
          { verb: 'Replace', target: './Vendor/Mode', data: 'enterprise' },
          { verb: 'Copy', target: './Vendor/ModeCopy', source: './Vendor/Mode' },
          { verb: 'Delete', target: './Vendor/Old' },
          { verb: 'Exec', target: './Vendor/Reboot', data: 'now' },
          { verb: 'Get', target: './Vendor?list=Struct' },
          { verb: 'Get', target: './Vendor/New' },
        ],
      });
      const r = await c.runSession();
      await c.close();
      assert.equal(r.state, 'completed', r.reason);
      const op = (await api(url, 'GET', `/api/operations/${id}`)).json;
      assert.equal(op.state, 'succeeded', JSON.stringify(op.commands));
      assert.deepEqual(op.commands.map((x: Json) => x.status), [200, 200, 200, 200, 200, 200, 200]);
      assert.equal(c.tree.readValue('./Vendor/New'), 'added');
      assert.equal(c.tree.readValue('./Vendor/Mode'), 'enterprise');
      assert.equal(c.tree.readValue('./Vendor/ModeCopy'), 'enterprise', 'Copy ran after the Replace');
      assert.equal(c.tree.exists('./Vendor/Old'), false);
      assert.equal(reboots, 1);
      assert.equal(op.commands[6].results[0].data, 'added');
      const tree = (await api(url, 'GET', `/api/devices/${encodeURIComponent(devId)}`)).json.tree as Json[];
      assert.ok(tree.some((n) => n.uri === './Vendor/Mode' && n.value === 'enterprise'), 'the last-known tree follows the Replace, and a Struct listing keeps values');
      assert.ok(!tree.some((n) => n.uri === './Vendor/Old'), 'and the Delete');
    }
  });
});

test('large objects both ways and many operations over multi-message packages (client MaxMsgSize 2000, server 64 KiB)', async () => {
  await withServer(async (url) => {
    for (const encoding of ['xml', 'wbxml'] as const) {
      const devId = `IMEI:36000000000001${encoding === 'xml' ? 1 : 2}`;
      const c = await device(url, devId, encoding, { maxMsgSize: 2000 });
      c.tree.createNode('./Vendor/Big', { value: 'B'.repeat(150_000) });
      const cfg = 'line of configuration\n'.repeat(400);
      const big = await queue(url, devId, { commands: [{ verb: 'Replace', target: './Vendor/Mode', data: cfg }, { verb: 'Get', target: './Vendor/Big' }] });
      const many = await Promise.all(Array.from({ length: 40 }, () => queue(url, devId, { commands: [{ verb: 'Get', target: './DevInfo/Man' }] })));
      const r = await c.runSession();
      await c.close();
      assert.equal(r.state, 'completed', r.reason);
      assert.equal(c.tree.readValue('./Vendor/Mode'), cfg, 'the large Replace arrived whole');
      const op = (await api(url, 'GET', `/api/operations/${big}`)).json;
      assert.equal(op.state, 'succeeded', JSON.stringify(op.commands));
      assert.equal(op.commands[1].results[0].data, 'B'.repeat(150_000), 'the large Results came back whole (split by the client: the server accepts 64 KiB messages)');
      for (const id of many) assert.equal((await api(url, 'GET', `/api/operations/${id}`)).json.state, 'succeeded');
      const sessions = (await api(url, 'GET', `/api/devices/${encodeURIComponent(devId)}/sessions`)).json.sessions as Json[];
      const trace = (await api(url, 'GET', `/api/sessions/${sessions[0].id}`)).json;
      assert.ok(trace.messages.length > 10, `${trace.messages.length} messages: the work took several packages`);
      for (const m of trace.messages) {
        const limit = m.direction === 'out' ? 2000 : 65536;
        assert.ok(m.size <= limit, `${m.direction} message of ${m.size} bytes exceeds the receiver's MaxMsgSize ${limit}`);
      }
      assert.ok(trace.messages.filter((m: Json) => m.direction === 'in').length >= 4, 'the Results came in several client messages');
    }
  });
});

test('Atomic over HTTP: one failing command rolls the others back; each reports its own code', async () => {
  await withServer(async (url) => {
    const devId = 'IMEI:360000000000021';
    const c = await device(url, devId, 'wbxml');
    const id = await queue(url, devId, { atomic: true, commands: [{ verb: 'Replace', target: './Vendor/Mode', data: 'changed' }, { verb: 'Replace', target: './Vendor/Missing', data: 'x' }] });
    const r = await c.runSession();
    await c.close();
    assert.equal(r.state, 'completed', r.reason);
    assert.equal(c.tree.readValue('./Vendor/Mode'), 'personal', 'rolled back');
    const op = (await api(url, 'GET', `/api/operations/${id}`)).json;
    assert.equal(op.state, 'failed');
    assert.deepEqual(op.commands.map((x: Json) => x.status), [216, 404]);
    assert.match(op.reason, /404/);
  });
});

test('asynchronous Exec over HTTP: 202 in one session, the Generic Alert with its Correlator in the next completes the operation', async () => {
  await withServer(async (url) => {
    const devId = 'IMEI:360000000000031';
    const c = await device(url, devId, 'xml');
    c.tree.createNode('./Vendor/Update', { value: '' });
    let later: (() => void) | undefined;
    c.tree.setExecHandler('./Vendor/Update', (ctx) => {
      later = () => ctx.report({ type: 'Reversed-Domain-Name: org.dmvisor.Update', format: 'int', data: '200' });
      return { status: 202 };
    });
    const id = await queue(url, devId, { commands: [{ verb: 'Exec', target: './Vendor/Update' }] });
    assert.equal((await c.runSession()).state, 'completed');
    let op = (await api(url, 'GET', `/api/operations/${id}`)).json;
    assert.equal(op.state, 'accepted', 'waiting for the Generic Alert');
    assert.equal(op.commands[0].status, 202);
    later!(); // the update finishes on the device
    assert.equal((await c.runSession()).state, 'completed');
    await c.close();
    op = (await api(url, 'GET', `/api/operations/${id}`)).json;
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    assert.equal(op.commands[0].status, 200);
    assert.match(op.commands[0].reason, /Generic Alert/);
  });
});
