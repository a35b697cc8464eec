/**
 * The store on SQLite: the shared suite on `:memory:` and on a file, then
 * what only a file can show — a restart keeps the queue — plus migrations and
 * URL parsing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import {
  MIGRATIONS, MigrationError, SCHEMA_VERSION, StoreConfigError, StoreUnavailableError, openStore, parseStoreUrl, redact,
  type Store, type StoreOptions,
} from '../../src/store/index.js';
import { at, storeContract, uniqueDevId, type StoreFixture } from './store-contract.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'dmvisor-store-'));
}

storeContract('store on SQLite :memory:', async (): Promise<StoreFixture> => {
  const opened: Store[] = [];
  return {
    async open(options?: StoreOptions) {
      const s = await openStore(':memory:', options);
      opened.push(s);
      return s;
    },
    async cleanup() {
      for (const s of opened) await s.close();
    },
  };
});

storeContract('store on a SQLite file', async (): Promise<StoreFixture> => {
  const dir = tempDir();
  const url = 'sqlite:' + join(dir, 'dmvisor.db');
  const opened: Store[] = [];
  return {
    async open(options?: StoreOptions) {
      const s = await openStore(url, options);
      opened.push(s);
      return s;
    },
    async cleanup() {
      for (const s of opened) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite file store across restarts', () => {
  const dir = tempDir();
  const file = join(dir, 'restart.db');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps devices, operations and their states when the server restarts; the dead session\'s operations become retryable', async () => {
    const devId = uniqueDevId('restart');
    let s = await openStore(file);
    await s.registerDevice({ devId, clientAuth: { type: 'md5', name: 'u', secret: 'p' } });
    await s.setClientNonce(devId, new Uint8Array([1, 2, 3]));
    const inFlight = await s.createOperation(devId, { commands: [{ verb: 'Replace', target: './A', data: 'x' }] });
    await s.startSession({ id: 'sess-before-crash', devId, initiator: 'client', at: at(0) });
    await s.claimPending(devId, 'sess-before-crash', at(1));
    const queued = await s.createOperation(devId, { commands: [{ verb: 'Get', target: './B' }] });
    await s.close(); // the process dies here: the session never ends

    s = await openStore(file);
    assert.deepEqual((await s.getDevice(devId))?.clientNonce, new Uint8Array([1, 2, 3]));
    assert.equal((await s.getOperation(inFlight.id))?.state, 'sent');
    assert.equal((await s.getOperation(queued.id))?.state, 'pending');
    // Start-up on a single node: every open session is dead.
    const swept = await s.releaseStaleSessions(at(10), at(10));
    assert.deepEqual(swept, [{ sessionId: 'sess-before-crash', releasedOperations: [inFlight.id] }]);
    const retried = await s.claimPending(devId, 'sess-after-restart', at(11));
    assert.deepEqual(retried.map((o) => [o.id, o.attempts, o.previousSessionId ?? null]), [
      [inFlight.id, 1, 'sess-before-crash'],
      [queued.id, 0, null],
    ]);
    await s.close();
  });

  it('migrates once: reopening runs no DDL and the version is recorded', async () => {
    const f = join(dir, 'migrate.db');
    const first: string[] = [];
    await (await openStore(f, { onQuery: (q) => first.push(q) })).close();
    assert.ok(first.some((q) => /^create table "devices"/.test(q)));
    const second: string[] = [];
    await (await openStore(f, { onQuery: (q) => second.push(q) })).close();
    assert.ok(!second.some((q) => /^create (table|index) "(?!dmvisor_migrations)/.test(q)), second.join('\n'));
    const raw = new BetterSqlite3(f);
    assert.deepEqual(raw.prepare('select version from dmvisor_migrations order by version').all(), MIGRATIONS.map((m) => ({ version: m.version })));
    raw.close();
  });

  it('refuses a database whose schema is newer than the code', async () => {
    const f = join(dir, 'newer.db');
    await (await openStore(f)).close();
    const raw = new BetterSqlite3(f);
    raw.prepare('insert into dmvisor_migrations (version, name, applied_at) values (?, ?, ?)').run(SCHEMA_VERSION + 1, 'future', 0);
    raw.close();
    await assert.rejects(openStore(f), (e: unknown) => e instanceof MigrationError && e.code === 'DMV_ERR_STORE_MIGRATION' && /newer/.test(e.message));
  });

  it('two connections on one file never claim the same operation', async () => {
    const f = join(dir, 'two.db');
    const a = await openStore(f);
    const b = await openStore(f);
    const devId = uniqueDevId('two');
    await a.registerDevice({ devId, clientAuth: { type: 'md5', name: 'u', secret: 'p' } });
    const ids = new Set<string>();
    for (let i = 0; i < 40; i++) ids.add((await a.createOperation(devId, { commands: [{ verb: 'Get', target: `n${i}` }] })).id);
    const claims = await Promise.all([a.claimPending(devId, 'A', at(0)), b.claimPending(devId, 'B', at(0))]);
    const all = claims.flat().map((o) => o.id);
    assert.equal(all.length, ids.size);
    assert.deepEqual(new Set(all), ids);
    await a.close();
    await b.close();
  });

  it('reports a file it cannot open as StoreUnavailableError', async () => {
    await assert.rejects(openStore(join(dir, 'no-such-dir', 'x.db')), StoreUnavailableError);
  });
});

describe('store URLs', () => {
  it('parses SQLite and PostgreSQL URLs', () => {
    assert.deepEqual(parseStoreUrl(':memory:'), { dialect: 'sqlite', path: ':memory:' });
    assert.deepEqual(parseStoreUrl('sqlite::memory:'), { dialect: 'sqlite', path: ':memory:' });
    assert.deepEqual(parseStoreUrl('sqlite:data/dm.db'), { dialect: 'sqlite', path: 'data/dm.db' });
    assert.deepEqual(parseStoreUrl('sqlite:///var/lib/dm.db'), { dialect: 'sqlite', path: '/var/lib/dm.db' });
    assert.deepEqual(parseStoreUrl('/var/lib/dm.db'), { dialect: 'sqlite', path: '/var/lib/dm.db' });
    assert.deepEqual(parseStoreUrl('postgres://u:p@db:5432/dm?schema=dmv'), { dialect: 'postgres', connectionString: 'postgres://u:p@db:5432/dm', schema: 'dmv' });
    assert.deepEqual(parseStoreUrl('postgresql://db/dm'), { dialect: 'postgres', connectionString: 'postgresql://db/dm' });
  });

  it('refuses what it cannot use', () => {
    assert.throws(() => parseStoreUrl(''), StoreConfigError);
    assert.throws(() => parseStoreUrl('sqlite:'), StoreConfigError);
    assert.throws(() => parseStoreUrl('mysql://db/dm'), StoreConfigError);
    assert.throws(() => parseStoreUrl('postgres://db/dm?schema=a;drop'), StoreConfigError);
  });

  it('hides passwords in messages', () => {
    assert.equal(redact('postgres://user:secret@db:5432/dm'), 'postgres://user:***@db:5432/dm');
    assert.equal(redact('postgres://user@db/dm'), 'postgres://user@db/dm');
  });
});
