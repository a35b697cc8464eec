/**
 * The store on PostgreSQL: the shared suite in a fresh schema (dropped
 * afterwards), then what only several connections can show — concurrent
 * claims take each operation exactly once, `SKIP LOCKED` passes over rows
 * another node holds, nodes starting together migrate once.
 *
 * The database is `DMVISOR_TEST_PG` or postgres://postgres@127.0.0.1:5432/test.
 * When it cannot be reached the tests are skipped, visibly.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { MIGRATIONS, openStore, redact, type Store, type StoreOptions } from '../../src/store/index.js';
import { at, storeContract, uniqueDevId, type StoreFixture } from './store-contract.js';
import { TEST_PG_URL, postgresUnreachable } from '../support/postgres.js';

const PG_URL = TEST_PG_URL;

function schemaName(tag: string): string {
  return `dmv_test_${tag}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function dropSchema(schema: string): Promise<void> {
  await admin((c) => c.query(`drop schema if exists "${schema}" cascade`));
}

const unreachable = await postgresUnreachable();
if (unreachable !== undefined) {
  const reason = `SKIP: PostgreSQL not reachable at ${redact(PG_URL)} (${unreachable})`;
  console.log(reason);
  it('store on PostgreSQL', { skip: reason }, () => undefined);
} else {
  storeContract('store on PostgreSQL', async (): Promise<StoreFixture> => {
    const schema = schemaName('suite');
    const opened: Store[] = [];
    return {
      async open(options?: StoreOptions) {
        const s = await openStore(PG_URL, { ...options, pgSchema: schema, pgPoolSize: 4 });
        opened.push(s);
        return s;
      },
      async cleanup() {
        for (const s of opened) await s.close();
        await dropSchema(schema);
      },
    };
  });

  describe('store on PostgreSQL, several nodes', () => {
    const schema = schemaName('nodes');
    const stores: Store[] = [];
    const open = async (): Promise<Store> => {
      const s = await openStore(PG_URL, { pgSchema: schema, pgPoolSize: 4 });
      stores.push(s);
      return s;
    };
    after(async () => {
      for (const s of stores) await s.close();
      await dropSchema(schema);
    });

    it('migrates once when nodes start together', async () => {
      const nodes = await Promise.all([open(), open(), open(), open()]);
      assert.equal(nodes.length, 4);
      const rows = await admin((c) => c.query(`select version from "${schema}".dmvisor_migrations order by version`));
      assert.deepEqual(rows.rows, MIGRATIONS.map((m) => ({ version: m.version })));
    });

    it('concurrent claimPending from several connections claims each operation exactly once', async () => {
      const [a, b, c] = [await open(), await open(), await open()];
      const devId = uniqueDevId('race');
      await a.registerDevice({ devId, clientAuth: { type: 'md5', name: 'u', secret: 'p' } });
      for (let round = 0; round < 10; round++) {
        const ids = new Set<string>();
        for (let i = 0; i < 20; i++) ids.add((await a.createOperation(devId, { commands: [{ verb: 'Get', target: `r${round}/n${i}` }] })).id);
        const claims = await Promise.all([
          a.claimPending(devId, `A${round}`, at(round)),
          b.claimPending(devId, `B${round}`, at(round)),
          c.claimPending(devId, `C${round}`, at(round)),
          b.claimPending(devId, `D${round}`, at(round)),
        ]);
        const all = claims.flat().map((o) => o.id);
        assert.equal(all.length, ids.size, `round ${round}: ${all.length} claims for ${ids.size} operations`);
        assert.deepEqual(new Set(all), ids);
        for (const [i, batch] of claims.entries()) {
          for (const o of batch) assert.equal(o.sessionId, `${'ABCD'[i]}${round}`);
        }
      }
    });

    it('skips, without waiting, an operation another node holds locked, and claims it later', async () => {
      const s = await open();
      const devId = uniqueDevId('skip');
      await s.registerDevice({ devId, clientAuth: { type: 'md5', name: 'u', secret: 'p' } });
      const first = await s.createOperation(devId, { commands: [{ verb: 'Get', target: 'first' }] });
      const second = await s.createOperation(devId, { commands: [{ verb: 'Get', target: 'second' }] });
      const holder = new pg.Client({ connectionString: PG_URL });
      await holder.connect();
      try {
        await holder.query('begin');
        await holder.query(`select pk from "${schema}".operations where id = $1 for update`, [first.id]);
        const started = Date.now();
        const claimed = await s.claimPending(devId, 'S-skip-1', at(0));
        assert.ok(Date.now() - started < 2000, 'the claim did not wait for the lock');
        assert.deepEqual(claimed.map((o) => o.id), [second.id]);
        await holder.query('rollback');
      } finally {
        await holder.end();
      }
      assert.deepEqual((await s.claimPending(devId, 'S-skip-2', at(1))).map((o) => o.id), [first.id]);
    });

    it('a Generic Alert racing completeOperation on another node never strands the operation in accepted', async () => {
      const [a, b] = [await open(), await open()];
      const devId = uniqueDevId('alert-race');
      await a.registerDevice({ devId, clientAuth: { type: 'md5', name: 'u', secret: 'p' } });
      for (let round = 0; round < 15; round++) {
        const op = await a.createOperation(devId, { commands: [{ verb: 'Exec', target: `./Run/${round}` }] });
        await a.claimPending(devId, `S-ar-${round}`, at(round));
        await a.recordCommandResult(op.id, 0, { status: 202 });
        await Promise.all([
          a.completeOperation(op.id),
          b.recordAlert(devId, { correlator: op.commands[0]!.correlator!, data: '200' }),
        ]);
        assert.equal((await a.getOperation(op.id))?.state, 'succeeded', `round ${round}`);
      }
    });

    it('keeps the queue across a restart of every node', async () => {
      const s = await open();
      const devId = uniqueDevId('pg-restart');
      await s.registerDevice({ devId, clientAuth: { type: 'md5', name: 'u', secret: 'p' } });
      const op = await s.createOperation(devId, { commands: [{ verb: 'Get', target: 'x' }] });
      await s.startSession({ id: `${devId}-s`, devId, initiator: 'client', at: at(0) });
      await s.claimPending(devId, `${devId}-s`, at(0));
      await s.close();
      const again = await open();
      const swept = await again.releaseStaleSessions(at(100), at(100));
      assert.ok(swept.some((x) => x.sessionId === `${devId}-s` && x.releasedOperations.includes(op.id)));
      const o = await again.getOperation(op.id);
      assert.deepEqual([o?.state, o?.attempts], ['pending', 1]);
    });
  });

  describe('PostgreSQL connection failures', () => {
    it('reports an unreachable server as StoreUnavailableError, with the password hidden', async () => {
      await assert.rejects(openStore('postgres://nobody:hunter2@127.0.0.1:1/none'), (e: unknown) => {
        assert.equal((e as { code?: string }).code, 'DMV_ERR_STORE_UNAVAILABLE');
        assert.ok(!(e as Error).message.includes('hunter2'));
        return true;
      });
    });
  });
}
