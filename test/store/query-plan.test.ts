/**
 * Per-session database work is O(1) in the number of devices: a whole DM
 * session's store calls issue the same statements whether 5 or 1000 devices
 * are registered, and SQLite's query planner answers every one of them
 * through an index — no `SCAN <table>` (a full table or full index scan).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { openStore, type Store } from '../../src/store/index.js';
import { at } from './store-contract.js';

interface Captured { sql: string; parameters: readonly unknown[] }

/** Index constraints that pin one device, session, operation or row. */
const SELECTIVE = /\((?:[^)]*\b)?(?:dev_id|device_pk|id|pk|rowid|session_id|op_pk|session_pk|correlator|key)=\?/;

async function seed(store: Store, devices: number): Promise<void> {
  for (let i = 0; i < devices; i++) {
    const devId = `seed-${String(i).padStart(5, '0')}`;
    await store.registerDevice({ devId, clientAuth: { type: 'md5', name: devId, secret: 'pw' } });
    const op = await store.createOperation(devId, { commands: [{ verb: 'Exec', target: './X' }], expiresAt: at(1e6) });
    if (i % 2 === 0) await store.cancelOperation(op.id);
    const sid = `${devId}-s`;
    await store.startSession({ id: sid, devId, initiator: 'client', at: at(0) });
    await store.appendMessage(sid, { direction: 'in', encoding: 'xml', decoded: 'x' });
    await store.endSession(sid, { state: 'completed' });
  }
}

/** One DM session's store calls for one device, as the server makes them. */
async function session(store: Store, devId: string, sid: string): Promise<void> {
  await store.getDevice(devId);
  await store.startSession({ id: sid, devId, initiator: 'client', at: at(10) });
  await store.appendMessage(sid, { direction: 'in', encoding: 'wbxml', bytes: new Uint8Array(40), decoded: 'pkg1', at: at(10) });
  await store.recordCheckIn(devId, { devInfo: { Man: 'Acme' }, sessionId: sid, at: at(10) });
  await store.setClientNonce(devId, new Uint8Array([1, 2]));
  const ops = await store.claimPending(devId, sid, at(10));
  assert.equal(ops.length, 1);
  const op = ops[0]!;
  await store.recordCommandSent(op.id, 0, { at: at(11) });
  await store.recordCommandSent(op.id, 1, { at: at(11) });
  await store.appendMessage(sid, { direction: 'out', encoding: 'wbxml', bytes: new Uint8Array(80), decoded: 'pkg2', at: at(11) });
  await store.recordCommandResult(op.id, 0, { status: 200, results: [{ source: './DevInfo/Man', data: 'Acme' }], at: at(12) });
  await store.recordCommandResult(op.id, 1, { status: 202, at: at(12) });
  await store.completeOperation(op.id, at(12));
  await store.recordAlert(devId, { correlator: op.commands[1]!.correlator!, data: '200', at: at(12) });
  await store.operationByCorrelator(op.commands[1]!.correlator!, devId);
  await store.setServerNonce(devId, new Uint8Array([3]));
  await store.appendMessage(sid, { direction: 'out', encoding: 'wbxml', bytes: new Uint8Array(20), decoded: 'pkg4', at: at(13) });
  await store.endSession(sid, { state: 'completed', at: at(13) });
}

async function measure(dir: string, devices: number): Promise<{ queries: Captured[]; file: string }> {
  const file = join(dir, `plan-${devices}.db`);
  let capture: Captured[] | undefined;
  const store = await openStore(file, {
    maxTracedSessionsPerDevice: 2,
    onQuery: (sql, parameters) => capture?.push({ sql, parameters }),
  });
  await seed(store, devices);
  const devId = 'seed-00000'; // its seeded operation is cancelled: only the one below is pending
  // Give the device some history so retention has work to do.
  for (let i = 0; i < 3; i++) {
    await store.startSession({ id: `hist-${i}`, devId, initiator: 'client', at: at(1) });
    await store.endSession(`hist-${i}`, { state: 'completed' });
  }
  await store.createOperation(devId, { commands: [{ verb: 'Get', target: './DevInfo/Man' }, { verb: 'Exec', target: './Run' }] });
  capture = [];
  await session(store, devId, 'the-session');
  const queries = capture;
  capture = undefined;
  await store.close();
  return { queries, file };
}

describe('per-session store work is O(1) in the number of devices', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-plan-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('issues the same statements for 5 and 1000 devices, each answered through an index', async () => {
    const small = await measure(dir, 5);
    const large = await measure(dir, 1000);
    assert.deepEqual(large.queries.map((q) => q.sql), small.queries.map((q) => q.sql));

    const db = new BetterSqlite3(large.file, { readonly: true });
    try {
      const scans: string[] = [];
      for (const q of large.queries) {
        if (/^(begin|commit|rollback)/i.test(q.sql)) continue;
        const params = q.parameters.map((p) => (p instanceof Uint8Array ? Buffer.from(p) : p));
        const plan = db.prepare('explain query plan ' + q.sql).all(...params) as { detail: string }[];
        for (const step of plan) {
          // A full scan, or an index search not keyed by one device, session, operation or row
          // (e.g. "state=?" alone walks every device's operations in that state).
          const full = /^SCAN (?!CONSTANT)/.test(step.detail);
          const unkeyed = /^SEARCH /.test(step.detail) && !SELECTIVE.test(step.detail);
          if (full || unkeyed) scans.push(`${step.detail}  ←  ${q.sql}`);
        }
      }
      assert.deepEqual(scans, [], 'scans not bounded by one device during a session');
    } finally {
      db.close();
    }
    assert.ok(large.queries.length < 80, `${large.queries.length} statements for one session`);
  });
});
