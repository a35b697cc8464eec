/**
 * Cluster mode over real HTTP: two server nodes on one PostgreSQL database
 * behind a round-robin load balancer (a real HTTP proxy on 127.0.0.1 that
 * sends each request to the next node). Every message of a session may land
 * on a different node; a node that goes away mid-session loses nothing: the
 * other continues the session from the database.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { pino } from 'pino';
import { DmServer } from '../../src/server/dm-server.js';
import { DmClient } from '../../src/client/dm-client.js';
import { parseDeviceConfig } from '../../src/client/device-config.js';
import { InMemoryTreeStore } from '../../src/tree/index.js';

const logger = pino({ level: 'silent' });
const TOKEN = 'cluster-token-0123456789';
const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- API answers are read field by field

async function postgresReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1500 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}
const pgSkip = (await postgresReachable()) ? false : `SKIP: PostgreSQL not reachable at ${PG_URL} (cluster mode needs it; .ci/run starts it)`;
if (pgSkip) console.log(`# ${pgSkip}`);

/** A round-robin HTTP load balancer over the live backends; counts what each served. */
class RoundRobin {
  readonly served = new Map<string, number>();
  backends: string[] = [];
  /** Drop the answer of this request (after the backend handled it)? */
  dropAnswer?: (target: string) => boolean;
  private next = 0;
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = this.backends[this.next++ % this.backends.length]!;
      this.served.set(target, (this.served.get(target) ?? 0) + 1);
      const u = new URL(target);
      const up = http.request({ host: u.hostname, port: u.port, path: req.url, method: req.method, headers: { ...req.headers, host: u.host } }, (r) => {
        if (this.dropAnswer?.(target)) {
          // The node did the work but "died" before its answer left: the device sees its connection reset.
          r.resume();
          r.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', (e) => { res.writeHead(502).end(String(e)); });
      up.end(Buffer.concat(chunks));
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${base}${path}`, {
    method, headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

async function withCluster(fn: (c: { lb: RoundRobin; lbUrl: string; nodes: DmServer[] }) => Promise<void>): Promise<void> {
  const schema = `dmv_cluster_${process.pid}_${Date.now()}`;
  const lb = new RoundRobin();
  const lbUrl = await lb.start();
  const nodes: DmServer[] = [];
  try {
    // Both nodes start together: the migration runs once (advisory lock).
    nodes.push(...await Promise.all([0, 1].map(() => DmServer.start({
      db: `${PG_URL}?schema=${schema}`, port: 0, apiToken: TOKEN, logger, cluster: true, publicUrl: `${lbUrl}/dm`,
    }))));
    lb.backends = nodes.map((n) => n.url);
    await fn({ lb, lbUrl, nodes });
  } finally {
    await lb.close();
    for (const n of nodes) await n.stop().catch(() => undefined);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
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
