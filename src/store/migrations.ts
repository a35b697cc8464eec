/**
 * Versioned schema migrations, run by `openStore` before anything else.
 *
 * Invariants:
 * - Each migration has a version and runs at most once per database; the
 *   applied versions are rows of `dmvisor_migrations`. Running the runner
 *   again is a no-op (idempotent).
 * - All pending migrations run in one transaction: a failure leaves the
 *   database as it was.
 * - Nodes that start together do not race: on PostgreSQL the transaction
 *   first takes `pg_advisory_xact_lock(MIGRATION_LOCK)`, so the second node
 *   waits, then finds nothing left to do; on SQLite the transaction is
 *   `BEGIN IMMEDIATE`, which takes the file's write lock up front.
 * - A database whose schema is newer than this code is refused
 *   ({@link MigrationError}) rather than used half-understood.
 *
 * Migrations are append-only: never edit a released one, add the next version.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { MigrationError } from './errors.js';
import type { StoreDatabase } from './schema.js';

/** Which SQL dialect a migration writes for. */
export type Dialect = 'sqlite' | 'postgres';

/** One schema step. */
export interface Migration {
  version: number;
  name: string;
  up(db: Kysely<StoreDatabase>, dialect: Dialect): Promise<void>;
}

/** Advisory-lock key of the migration runner on PostgreSQL (`dmvi` in ASCII, as a number). */
export const MIGRATION_LOCK = 0x646d7669;

/* eslint-disable @typescript-eslint/no-explicit-any -- the schema builder is untyped by nature */
type AnyDb = Kysely<any>;

/** Column types that differ between the two databases. */
function types(d: Dialect) {
  return {
    /** Binary data. */
    bytes: d === 'postgres' ? sql`bytea` : sql`blob`,
    /** Text compared byte-wise (keyset pagination and subtree ranges must order the same on both). */
    key: d === 'postgres' ? sql`text collate "C"` : sql`text`,
  };
}

/** Add the autoincrementing integer primary key `pk`. */
function withPk<T extends { addColumn: (...a: any[]) => T }>(t: T, d: Dialect): T {
  return d === 'postgres'
    ? t.addColumn('pk', 'bigint', (c: any) => c.primaryKey().generatedByDefaultAsIdentity())
    : t.addColumn('pk', 'integer', (c: any) => c.primaryKey().autoIncrement());
}

const v1: Migration = {
  version: 1,
  name: 'devices, operations, sessions, alerts, settings',
  async up(kdb, d) {
    const db = kdb as AnyDb;
    const { bytes, key } = types(d);

    await withPk(db.schema.createTable('devices'), d)
      .addColumn('dev_id', key, (c) => c.notNull())
      .addColumn('parent_dev_id', key)
      .addColumn('client_auth_type', 'text', (c) => c.notNull())
      .addColumn('client_auth_name', 'text', (c) => c.notNull())
      .addColumn('client_auth_secret', 'text', (c) => c.notNull())
      .addColumn('client_secret_kind', 'text', (c) => c.notNull())
      .addColumn('server_auth_type', 'text')
      .addColumn('server_auth_name', 'text')
      .addColumn('server_auth_secret', 'text')
      .addColumn('server_secret_kind', 'text')
      .addColumn('client_nonce', bytes)
      .addColumn('server_nonce', bytes)
      .addColumn('notify_address', 'text')
      .addColumn('dev_info', 'text')
      .addColumn('dev_detail', 'text')
      .addColumn('last_session_id', 'text')
      .addColumn('last_seen_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('devices_dev_id').unique().on('devices').column('dev_id').execute();

    await db.schema.createTable('device_tree')
      .addColumn('device_pk', 'bigint', (c) => c.notNull().references('devices.pk').onDelete('cascade'))
      .addColumn('uri', key, (c) => c.notNull())
      .addColumn('value', 'text')
      .addColumn('format', 'text')
      .addColumn('type', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('device_tree_pkey', ['device_pk', 'uri'])
      .execute();

    await withPk(db.schema.createTable('operations'), d)
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('device_pk', 'bigint', (c) => c.notNull().references('devices.pk').onDelete('cascade'))
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('atomic', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('notify', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('reason', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('session_id', 'text')
      .addColumn('previous_session_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .addColumn('sent_at', 'bigint')
      .addColumn('completed_at', 'bigint')
      .addColumn('notified_at', 'bigint')
      .execute();
    await db.schema.createIndex('operations_id').unique().on('operations').column('id').execute();
    // claimPending / listOperations: one device's operations in a state, in creation order.
    await db.schema.createIndex('operations_device_state').on('operations').columns(['device_pk', 'state', 'pk']).execute();
    // releaseSession: the operations a session holds.
    await db.schema.createIndex('operations_session').on('operations').column('session_id').execute();
    // expireOperations: pending/accepted operations past their expiry.
    await db.schema.createIndex('operations_state_expires').on('operations').columns(['state', 'expires_at']).execute();

    await db.schema.createTable('operation_commands')
      .addColumn('op_pk', 'bigint', (c) => c.notNull().references('operations.pk').onDelete('cascade'))
      .addColumn('idx', 'integer', (c) => c.notNull())
      .addColumn('verb', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('source', 'text')
      .addColumn('data_text', 'text')
      .addColumn('data_bytes', bytes)
      .addColumn('format', 'text')
      .addColumn('type', 'text')
      .addColumn('status', 'integer')
      .addColumn('reason', 'text')
      .addColumn('results', 'text')
      .addColumn('correlator', 'text')
      .addColumn('sent_at', 'bigint')
      .addColumn('answered_at', 'bigint')
      .addPrimaryKeyConstraint('operation_commands_pkey', ['op_pk', 'idx'])
      .execute();
    // operationByCorrelator / recordAlert.
    await db.schema.createIndex('operation_commands_correlator').on('operation_commands').column('correlator').execute();

    await withPk(db.schema.createTable('sessions'), d)
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('dev_id', key, (c) => c.notNull())
      .addColumn('initiator', 'text', (c) => c.notNull())
      .addColumn('dm_session_id', 'text')
      .addColumn('node', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('ended_at', 'bigint')
      .addColumn('last_activity_at', 'bigint', (c) => c.notNull())
      .addColumn('message_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('has_error', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('traced', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await db.schema.createIndex('sessions_id').unique().on('sessions').column('id').execute();
    // listSessions and retention: one device's sessions, newest first, traced ones apart.
    await db.schema.createIndex('sessions_device').on('sessions').columns(['dev_id', 'pk']).execute();
    await db.schema.createIndex('sessions_device_traced').on('sessions').columns(['dev_id', 'traced', 'pk']).execute();
    // releaseStaleSessions: open sessions by last activity.
    await db.schema.createIndex('sessions_state_activity').on('sessions').columns(['state', 'last_activity_at']).execute();

    await db.schema.createTable('messages')
      .addColumn('session_pk', 'bigint', (c) => c.notNull().references('sessions.pk').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('encoding', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('bytes', bytes)
      .addColumn('decoded', 'text')
      .addColumn('truncated', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('error', 'text')
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('messages_pkey', ['session_pk', 'seq'])
      .execute();

    await withPk(db.schema.createTable('alerts'), d)
      .addColumn('dev_id', key, (c) => c.notNull())
      .addColumn('type', 'text')
      .addColumn('format', 'text')
      .addColumn('mark', 'text')
      .addColumn('data', 'text')
      .addColumn('source_uri', 'text')
      .addColumn('correlator', 'text')
      .addColumn('op_id', 'text')
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('alerts_device').on('alerts').columns(['dev_id', 'pk']).execute();

    await db.schema.createTable('settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};

/** v2: how a device was bootstrapped (issue #5). Nullable: devices registered by an operator have none. */
const v2: Migration = {
  version: 2,
  name: 'devices.bootstrap_method',
  async up(kdb) {
    await (kdb as AnyDb).schema.alterTable('devices').addColumn('bootstrap_method', 'text').execute();
  },
};

/** Cluster mode: an open session's state and RespURI token, so any node can take its next message. */
const v3: Migration = {
  version: 3,
  name: 'sessions.resp_token, sessions.state_json',
  async up(kdb) {
    const db = kdb as AnyDb;
    await db.schema.alterTable('sessions').addColumn('resp_token', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('state_json', 'text').execute();
    await db.schema.createIndex('sessions_resp_token').unique().on('sessions').column('resp_token').execute();
  },
};
/** Campaigns: one operation for a group of devices, stored once, delivered in stages. */
const v4: Migration = {
  version: 4,
  name: 'campaigns, campaign_targets, operations.campaign_pk',
  async up(kdb, d) {
    const db = kdb as AnyDb;
    const t = types(d);
    await withPk(db.schema.createTable('campaigns'), d)
      .addColumn('id', t.key, (c: any) => c.notNull())
      .addColumn('name', 'text', (c: any) => c.notNull())
      .addColumn('filter', 'text', (c: any) => c.notNull())
      .addColumn('commands', 'text', (c: any) => c.notNull())
      .addColumn('atomic', 'integer', (c: any) => c.notNull())
      .addColumn('notify', 'integer', (c: any) => c.notNull())
      .addColumn('state', 'text', (c: any) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('batch_size', 'integer', (c: any) => c.notNull())
      .addColumn('max_failure_rate', 'real', (c: any) => c.notNull())
      .addColumn('targets', 'integer', (c: any) => c.notNull())
      .addColumn('created_at', 'bigint', (c: any) => c.notNull())
      .addColumn('updated_at', 'bigint', (c: any) => c.notNull())
      .addColumn('completed_at', 'bigint')
      .execute();
    await db.schema.createIndex('campaigns_id').unique().on('campaigns').column('id').execute();
    await db.schema.createIndex('campaigns_state').on('campaigns').columns(['state', 'pk']).execute();
    await db.schema.createTable('campaign_targets')
      .addColumn('campaign_pk', 'bigint', (c: any) => c.notNull().references('campaigns.pk').onDelete('cascade'))
      .addColumn('device_pk', 'bigint', (c: any) => c.notNull().references('devices.pk').onDelete('cascade'))
      .addColumn('op_pk', 'bigint')
      .addPrimaryKeyConstraint('campaign_targets_pk', ['campaign_pk', 'device_pk'])
      .execute();
    // The next batch: targets not yet queued, in device order.
    await db.schema.createIndex('campaign_targets_waiting').on('campaign_targets').columns(['campaign_pk', 'op_pk', 'device_pk']).execute();
    await db.schema.alterTable('operations').addColumn('campaign_pk', 'bigint').execute();
    // Campaign progress: its operations by state.
    await db.schema.createIndex('operations_campaign_state').on('operations').columns(['campaign_pk', 'state']).execute();
  },
};
/** Idempotency keys: a retried create returns the operation the first one made. */
const v5: Migration = {
  version: 5,
  name: 'operations.idempotency_key',
  async up(kdb) {
    const db = kdb as AnyDb;
    await db.schema.alterTable('operations').addColumn('idempotency_key', 'text').execute();
    await db.schema.createIndex('operations_idempotency').unique().on('operations').columns(['device_pk', 'idempotency_key'])
      .where(sql.ref('idempotency_key'), 'is not', null).execute();
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Every migration, in version order. */
export const MIGRATIONS: readonly Migration[] = [v1, v2, v3, v4, v5];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

async function applyPending(trx: Kysely<StoreDatabase>, dialect: Dialect, now: number): Promise<number[]> {
  await trx.schema.createTable('dmvisor_migrations').ifNotExists()
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute();
  const rows = await trx.selectFrom('dmvisor_migrations').select('version').execute();
  const applied = new Set(rows.map((r) => Number(r.version)));
  const newest = Math.max(0, ...applied);
  if (newest > SCHEMA_VERSION) {
    throw new MigrationError(`database schema version ${newest} is newer than this dmvisor (${SCHEMA_VERSION}); upgrade dmvisor`);
  }
  const done: number[] = [];
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    await m.up(trx, dialect);
    await trx.insertInto('dmvisor_migrations').values({ version: m.version, name: m.name, applied_at: now }).execute();
    done.push(m.version);
  }
  return done;
}

/**
 * Bring the database to {@link SCHEMA_VERSION}; returns the versions applied
 * now (empty when it was already current). On PostgreSQL `schema`, when
 * given, is created first (under the same lock).
 */
export async function migrate(db: Kysely<StoreDatabase>, dialect: Dialect, now: number, schema?: string): Promise<number[]> {
  try {
    if (dialect === 'postgres') {
      return await db.transaction().execute(async (trx: Transaction<StoreDatabase>) => {
        await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK)})`.execute(trx);
        if (schema !== undefined) await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
        return applyPending(trx, dialect, now);
      });
    }
    return await db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const done = await applyPending(conn, dialect, now);
        await sql`commit`.execute(conn);
        return done;
      } catch (e) {
        await sql`rollback`.execute(conn);
        throw e;
      }
    });
  } catch (e) {
    if (e instanceof MigrationError) throw e;
    throw new MigrationError(`migration failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
