/**
 * Cluster mode over real HTTP: two server nodes on one PostgreSQL database
 * behind a round-robin load balancer (a real HTTP proxy on 127.0.0.1 that
 * sends each request to the next node). Every message of a session may land
 * on a different node; a node that goes away mid-session loses nothing: the
 * other continues the session from the database.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { DmServer } from '../../src/server/dm-server.js';
import { DmClient } from '../../src/client/dm-client.js';
import { parseDeviceConfig } from '../../src/client/device-config.js';
import { InMemoryTreeStore } from '../../src/tree/index.js';
import { apiCall, type Json } from '../support/admin-api.js';
import { RoundRobinBalancer } from '../support/balancer.js';
import { TEST_PG_URL, dropSchema, postgresSkip } from '../support/postgres.js';

const logger = pino({ level: 'silent' });
const TOKEN = 'cluster-token-0123456789';
const pgSkip = await postgresSkip('cluster mode');
const api = (base: string, method: string, path: string, body?: unknown) => apiCall(base, TOKEN, method, path, body);

async function withCluster(fn: (c: { lb: RoundRobinBalancer; lbUrl: string; nodes: DmServer[] }) => Promise<void>): Promise<void> {
  const schema = `dmv_cluster_${process.pid}_${Date.now()}`;
  const lb = new RoundRobinBalancer();
  const lbUrl = await lb.start();
  const nodes: DmServer[] = [];
  try {
    // Both nodes start together: the migration runs once (advisory lock).
    nodes.push(...await Promise.all([0, 1].map(() => DmServer.start({
      db: `${TEST_PG_URL}?schema=${schema}`, port: 0, apiToken: TOKEN, logger, cluster: true, publicUrl: `${lbUrl}/dm`,
    }))));
    lb.backends = nodes.map((n) => n.url);
    await fn({ lb, lbUrl, nodes });
  } finally {
    await lb.close();
    for (const n of nodes) await n.stop().catch(() => undefined);
    await dropSchema(schema);
  }
}

async function device(lbUrl: string, devId: string, encoding: 'xml' | 'wbxml'): Promise<DmClient> {
  assert.equal((await api(lbUrl, 'POST', '/api/devices', { devId, clientAuth: { type: 'md5', name: 'u', secret: 'pw' } })).status, 201);
  const config = parseDeviceConfig({
    device: { devId, fwV: '4.2' },
    accounts: [{ serverId: 'dmvisor', serverUri: `${lbUrl}/dm`, encoding, clientAuth: { type: 'DIGEST', name: 'u', secret: 'pw' } }],
    session: { retries: 2, maxMsgSize: 2000 },
  }, 'test');
  const c = await DmClient.open({ config, store: new InMemoryTreeStore() });
  c.tree.createNode('./Vendor', { format: 'node', acl: 'Add=dmvisor&Get=dmvisor&Replace=dmvisor' });
  c.tree.createNode('./Vendor/Cfg', { value: '' });
  c.tree.createNode('./Vendor/Big', { value: 'Z'.repeat(90_000) });
  return c;
}

test('cluster: every message of a session goes to the other node; large objects and multi-package work complete', { skip: pgSkip }, async () => {
  await withCluster(async ({ lb, lbUrl, nodes }) => {
    for (const encoding of ['xml', 'wbxml'] as const) {
      const devId = `IMEI:37000000000000${encoding === 'xml' ? 1 : 2}`;
      const c = await device(lbUrl, devId, encoding);
      const cfg = 'cluster configuration line\n'.repeat(300);
      const big = await api(lbUrl, 'POST', `/api/devices/${devId}/operations`, { commands: [{ verb: 'Replace', target: './Vendor/Cfg', data: cfg }, { verb: 'Get', target: './Vendor/Big' }] });
      const small = await Promise.all(Array.from({ length: 25 }, () => api(lbUrl, 'POST', `/api/devices/${devId}/operations`, { commands: [{ verb: 'Get', target: './DevDetail/FwV' }] })));
      const before = new Map(lb.served);
      const r = await c.runSession();
      await c.close();
      assert.equal(r.state, 'completed', r.reason);
      for (const n of nodes) assert.ok((lb.served.get(n.url) ?? 0) - (before.get(n.url) ?? 0) >= 3, 'both nodes served messages of the session');
      assert.equal(c.tree.readValue('./Vendor/Cfg'), cfg);
      const op = (await api(lbUrl, 'GET', `/api/operations/${big.json.id}`)).json;
      assert.equal(op.state, 'succeeded', JSON.stringify(op.commands));
      assert.equal(op.commands[1].results[0].data, 'Z'.repeat(90_000));
      for (const s of small) assert.equal((await api(lbUrl, 'GET', `/api/operations/${s.json.id}`)).json.state, 'succeeded');
      const sessions = (await api(lbUrl, 'GET', `/api/devices/${devId}/sessions`)).json.sessions as Json[];
      assert.equal(sessions.length, 1, 'one session, whichever node served each message');
      assert.equal(sessions[0].state, 'completed');
    }
    for (const n of nodes) assert.equal((await fetch(`${n.url}/readyz`)).status, 200);
  });
});

test('cluster: a node dies mid-session after doing its work but before answering; the device retries, the other node answers the same, nothing runs twice', { skip: pgSkip }, async () => {
  await withCluster(async ({ lb, lbUrl, nodes }) => {
    const devId = 'IMEI:370000000000003';
    const c = await device(lbUrl, devId, 'wbxml');
    const op = await api(lbUrl, 'POST', `/api/devices/${devId}/operations`, { commands: [{ verb: 'Get', target: './Vendor/Big' }, { verb: 'Replace', target: './Vendor/Cfg', data: 'once' }] });
    const [first, second] = nodes as [DmServer, DmServer];
    lb.backends = [first.url];
    let handled = 0;
    lb.dropAnswer = (target) => {
      if (target !== first.url || ++handled !== 2) return false;
      // The first node's second answer is lost and the node is gone; the balancer now knows only the second.
      lb.backends = [second.url];
      void first.stop();
      return true;
    };
    const r = await c.runSession();
    await c.close();
    assert.equal(r.state, 'completed', r.reason);
    assert.equal(handled >= 2, true, 'the first node handled two messages, the second answer was lost');
    assert.ok((lb.served.get(second.url) ?? 0) >= 1, 'the second node took over');
    const done = (await fetch(`${second.url}/api/operations/${op.json.id}`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((x) => x.json())) as Json;
    assert.equal(done.state, 'succeeded', JSON.stringify(done.commands));
    assert.equal(done.attempts, 0, 'delivered once, never retried or duplicated');
    const sessions = (await fetch(`${second.url}/api/devices/${devId}/sessions`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((x) => x.json())) as Json;
    assert.equal(sessions.sessions.length, 1);
    assert.equal(sessions.sessions[0].state, 'completed');
    const trace = (await fetch(`${second.url}/api/sessions/${sessions.sessions[0].id}`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((x) => x.json())) as Json;
    const inIds = (trace.messages as Json[]).filter((m) => m.direction === 'in').map((m) => /<MsgID>(\d+)<\/MsgID>/.exec(m.decoded)?.[1]);
    assert.deepEqual(inIds, [...new Set(inIds)], 'the retransmitted message was answered from the stored answer, not processed again');
  });
});
