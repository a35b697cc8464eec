/**
 * Fault test of cluster mode, bounded and on 127.0.0.1: two real
 * `dmvisor server --cluster` processes on one PostgreSQL schema behind a
 * round-robin balancer, twenty devices working through sixty queued
 * operations — and one node killed with SIGKILL in the middle. Every
 * operation must reach exactly one final state; nothing is lost; a command a
 * device runs twice is never a silent duplicate (the operation's `attempts`
 * says it was re-sent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DmClient } from '../../src/client/dm-client.js';
import { parseDeviceConfig } from '../../src/client/device-config.js';
import { InMemoryTreeStore } from '../../src/tree/index.js';
import { startServerProcess } from '../support/server-process.js';
import type { Json } from '../support/admin-api.js';
import { RoundRobinBalancer } from '../support/balancer.js';
import { TEST_PG_URL, dropSchema, postgresSkip } from '../support/postgres.js';

const TOKEN = 'cluster-fault-token-0123456789';
const pgSkip = await postgresSkip('the cluster fault test');

test('cluster under load: SIGKILL one of two nodes; every operation ends exactly once, nothing lost, no silent duplicate', { skip: pgSkip, timeout: 120_000 }, async () => {
  const schema = `dmv_fault_${process.pid}_${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-fault-'));
  const nodes: ChildProcess[] = [];
  const clients: DmClient[] = [];
  let lb: RoundRobinBalancer | undefined;
  try {
    // The balancer's address must be in the config (RespURI); start it first with no backends known yet.
    lb = new RoundRobinBalancer();
    const lbUrl = await lb.start();
    writeFileSync(join(dir, 'server.json'), JSON.stringify({
      db: `${TEST_PG_URL}?schema=${schema}`, host: '127.0.0.1', port: 0, cluster: true, publicUrl: `${lbUrl}/dm`, apiToken: TOKEN,
      sessionIdleSeconds: 2, operationSweepSeconds: 1, logLevel: 'silent',
    }));
    const started = await Promise.all([startServerProcess(join(dir, 'server.json')), startServerProcess(join(dir, 'server.json'))]);
    nodes.push(...started.map((s) => s.child));
    lb.backends.push(...started.map((s) => s.url));
    const api = async (method: string, path: string, body?: unknown): Promise<Json> => {
      const r = await fetch(`${started[1]!.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return r.json();
    };
    const executed = new Map<string, number>();
    const ops: { id: string; token: string }[] = [];
    for (let d = 0; d < 20; d++) {
      const devId = `IMEI:3910000000000${String(d).padStart(2, '0')}`;
      await api('POST', '/api/devices', { devId, clientAuth: { type: 'md5', name: `f${d}`, secret: 'pw' } });
      const c = await DmClient.open({
        config: parseDeviceConfig({
          device: { devId }, session: { retries: 4, timeoutMs: 5000 },
          accounts: [{ serverId: 'dmvisor', serverUri: `${lbUrl}/dm`, encoding: d % 2 ? 'wbxml' : 'xml', clientAuth: { type: 'DIGEST', name: `f${d}`, secret: 'pw' } }],
        }, 't'),
        store: new InMemoryTreeStore(),
      });
      c.tree.createNode('./Vendor', { format: 'node', acl: 'Exec=dmvisor&Get=dmvisor' });
      c.tree.createNode('./Vendor/Run', { value: '' });
      c.tree.setExecHandler('./Vendor/Run', (ctx) => { executed.set(String(ctx.data), (executed.get(String(ctx.data)) ?? 0) + 1); return { status: 200 }; });
      clients.push(c);
      for (let k = 0; k < 3; k++) {
        const token = `run-${d}-${k}`;
        const op = await api('POST', `/api/devices/${devId}/operations`, { commands: [{ verb: 'Exec', target: './Vendor/Run', data: token }, { verb: 'Get', target: './DevInfo/DevId' }] });
        ops.push({ id: op.id, token });
      }
    }
    const final = new Set(['succeeded', 'failed', 'cancelled', 'expired']);
    const states = async () => Promise.all(ops.map(async (o) => api('GET', `/api/operations/${o.id}`)));
    let killed = false;
    const deadline = Date.now() + 60_000;
    // Each device keeps opening sessions (one operation per session at most: small MaxMsgSize is not needed, the server sends all pending) until its work is done.
    const work = clients.map(async (c, i) => {
      for (let round = 0; Date.now() < deadline; round++) {
        if (i === 7 && round === 0 && !killed) {
          killed = true;
          nodes[0]!.kill('SIGKILL');
        }
        await c.runSession().catch(() => undefined);
        const mine = await Promise.all(ops.slice(i * 3, i * 3 + 3).map((o) => api('GET', `/api/operations/${o.id}`)));
        if (mine.every((o: Json) => final.has(o.state))) return;
        await new Promise((r) => setTimeout(r, 300));
      }
    });
    await Promise.all(work);
    assert.ok(killed, 'a node was killed during the run');
    assert.deepEqual([...lb.down], [lb.backends[0]], 'requests reached the killed node and failed over');
    const end = await states();
    const notFinal = end.filter((o: Json) => !final.has(o.state));
    assert.deepEqual(notFinal.map((o: Json) => `${o.id} ${o.state}`), [], 'nothing left pending or in flight');
    for (const [i, o] of end.entries()) {
      assert.equal(o.state, 'succeeded', `${o.id}: ${o.reason ?? ''}`);
      const runs = executed.get(ops[i]!.token) ?? 0;
      assert.ok(runs >= 1, `${ops[i]!.token} was never run on the device`);
      if (runs > 1) assert.ok(o.attempts >= 1, `${ops[i]!.token} ran ${runs} times but the operation does not say it was re-sent`);
    }
  } finally {
    for (const c of clients) await c.close().catch(() => undefined);
    for (const n of nodes) n.kill('SIGKILL');
    await lb?.close();
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  }
});
