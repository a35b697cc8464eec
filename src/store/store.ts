/**
 * `Store` — the DM server's persistence as one typed API, and `openStore`,
 * which opens it on SQLite (the default: a file, or `:memory:`) or
 * PostgreSQL (scale-out: many stateless server nodes on one database) and
 * migrates the schema first (docs/store.md).
 *
 * The store knows nothing of HTTP or SyncML encoding: it keeps devices,
 * operations, results, session traces, alerts and settings. Every method is
 * async, every failure is a {@link StoreError}; a DM session's calls each
 * touch a bounded number of rows through an index, whatever the number of
 * devices.
 */
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { AlertRepository } from './alerts.js';
import { CampaignRepository } from './campaigns.js';
import { resolveOptions, type StoreContext } from './context.js';
import { DeviceRepository } from './devices.js';
import { StoreClosedError, StoreConfigError, StoreInputError, StoreError, StoreUnavailableError, toStoreError } from './errors.js';
import { migrate, type Dialect } from './migrations.js';
import { OperationRepository } from './operations.js';
import type { StoreDatabase } from './schema.js';
import { SessionRepository } from './sessions.js';
import { SettingsRepository } from './settings.js';
import type {
  AlertInput, AlertOutcome, AlertRecord, Campaign, CampaignState, CampaignTarget, NewCampaign, CheckIn, CommandResult, DevicePage, DeviceRecord, DeviceUpdate, ListDevicesQuery,
  NewDevice, NewOperation, NewSession, Operation, OperationState, SessionEnd, SessionRecord, SessionWithMessages, StoreOptions,
  TraceMessageInput, TreeNode, TreeNodeUpdate,
} from './types.js';

/** The DM server's persistence. */
export interface Store {
  /** `sqlite` or `postgres`. */
  readonly dialect: Dialect;

  // ── devices ────────────────────────────────────────────────────────────
  /** Register a device; {@link DeviceExistsError} if its DevId is taken. */
  registerDevice(d: NewDevice): Promise<DeviceRecord>;
  /** Register many devices in one transaction, all or none; returns how many. */
  registerDevices(list: readonly NewDevice[]): Promise<number>;
  /** The device with its credentials and nonces, or undefined. */
  getDevice(devId: string): Promise<DeviceRecord | undefined>;
  /** Change credentials, notification address or parent. */
  updateDevice(devId: string, u: DeviceUpdate): Promise<DeviceRecord>;
  /** Remove a device, its tree and its operations (its sessions and alerts stay in the trail). False if unknown. */
  deleteDevice(devId: string): Promise<boolean>;
  /** Devices in DevId order, a page at a time (keyset pagination), without secrets. */
  listDevices(q?: ListDevicesQuery): Promise<DevicePage>;
  /** The device opened a session: remember its DevInfo/DevDetail, the session and the time. */
  recordCheckIn(devId: string, c: CheckIn): Promise<void>;
  /** The nonce we issued for the device's next md5/HMAC digest. */
  setClientNonce(devId: string, nonce: Uint8Array): Promise<void>;
  /** The nonce the device issued to us, for our next digest. */
  setServerNonce(devId: string, nonce: Uint8Array): Promise<void>;
  /** Upsert nodes of the last-known tree by URI; `remove` drops a node and its subtree. */
  updateTree(devId: string, nodes: readonly TreeNodeUpdate[], at?: Date): Promise<void>;
  /** The last-known tree in URI order (only the subtree at `under` when given). */
  getTree(devId: string, under?: string): Promise<TreeNode[]>;

  // ── operations ─────────────────────────────────────────────────────────
  /** Queue DM commands for a device; the operation starts `pending`. */
  createOperation(devId: string, op: NewOperation): Promise<Operation>;
  getOperation(id: string): Promise<Operation | undefined>;
  /** A device's operations in creation order (the newest `limit`, default 500). */
  listOperations(devId: string, q?: { state?: OperationState | OperationState[]; limit?: number }): Promise<Operation[]>;
  /**
   * Atomically move the device's pending, unexpired operations to `sent` for
   * this session and return them in creation order; on PostgreSQL with
   * `FOR UPDATE SKIP LOCKED`, so concurrent claims never share an operation.
   * A command with a `status` was answered in an earlier attempt: do not resend it.
   */
  claimPending(devId: string, sessionId: string, now?: Date): Promise<Operation[]>;
  /** The command went out (optionally with the Correlator it carried). */
  recordCommandSent(opId: string, index: number, s?: { correlator?: string; at?: Date }): Promise<void>;
  /** The device's answer to one command: status, human reason, Results (kept in the last-known tree too). */
  recordCommandResult(opId: string, index: number, r: CommandResult): Promise<Operation>;
  /** Several answers (as {@link recordCommandResult}) in one transaction, without reading the operations back. */
  recordCommandResults(answers: readonly { opId: string; index: number; result: CommandResult }[]): Promise<void>;
  /** Finish an operation: succeeded (all 2xx), failed (any other or none), accepted (a 202 awaits its Generic Alert). */
  completeOperation(opId: string, at?: Date): Promise<Operation>;
  /** Cancel a pending or sent operation: it is never sent again. {@link InvalidTransitionError} otherwise. */
  cancelOperation(opId: string, reason?: string, at?: Date): Promise<Operation>;
  /** A session died: its `sent` operations go back to `pending`, `attempts + 1`, `previousSessionId` set. Returns their ids. */
  releaseSession(sessionId: string, at?: Date): Promise<string[]>;
  /** Pending and accepted operations past their `expiresAt` become `expired`. Returns their ids. */
  expireOperations(now?: Date): Promise<string[]>;
  /** The operation command sent with this Correlator (only among `devId`'s operations when given). */
  operationByCorrelator(correlator: string, devId?: string): Promise<{ operation: Operation; index: number } | undefined>;
  /** The notifier pushed package #0 for the operation. */
  markNotified(opId: string, at?: Date): Promise<void>;

  // ── sessions and trace ─────────────────────────────────────────────────
  startSession(s: NewSession): Promise<SessionRecord>;
  /** Add a message to the session's trace; returns its sequence number (from 1). */
  appendMessage(sessionId: string, m: TraceMessageInput): Promise<number>;
  /** Add several messages (in order) to the session's trace; returns their sequence numbers. */
  appendMessages(sessionId: string, m: readonly TraceMessageInput[]): Promise<number[]>;
  /**
   * End the session (idempotent), release the operations it still holds as
   * `sent` (see {@link releaseSession}) and apply trace retention to its device.
   */
  endSession(sessionId: string, end: SessionEnd): Promise<SessionRecord & { releasedOperations: string[] }>;
  /** Cluster mode: keep an open session's state and RespURI token (cleared when it ends). */
  saveSessionState(sessionId: string, s: { token: string; state: string }): Promise<void>;
  /** Cluster mode: the open session with this RespURI token (row-locked for the transaction on PostgreSQL). */
  loadSessionState(token: string): Promise<{ sessionId: string; devId: string; state: string } | undefined>;
  /** The session with its messages, or undefined. */
  getSession(id: string): Promise<SessionWithMessages | undefined>;
  /** A device's sessions, newest first. */
  listSessions(devId: string, q?: { limit?: number }): Promise<SessionRecord[]>;
  /**
   * End (as `aborted`) the open sessions idle since `idleSince` and release
   * their operations: at start-up with `idleSince = now` on a single node;
   * periodically with a timeout on many nodes.
   */
  releaseStaleSessions(idleSince: Date, at?: Date): Promise<{ sessionId: string; releasedOperations: string[] }[]>;

  // ── alerts ─────────────────────────────────────────────────────────────
  /** Store a Generic Alert; when its Correlator matches one of the device's Exec commands, that command gets its final result. */
  recordAlert(devId: string, a: AlertInput): Promise<AlertOutcome>;
  listAlerts(devId: string, q?: { limit?: number }): Promise<AlertRecord[]>;

  // ── campaigns ──────────────────────────────────────────────────────────
  /** One operation for the devices matching a filter: commands stored once, delivered in batches (see campaigns.ts). */
  createCampaign(c: NewCampaign): Promise<Campaign>;
  getCampaign(id: string): Promise<Campaign | undefined>;
  listCampaigns(q?: { state?: CampaignState; limit?: number }): Promise<Campaign[]>;
  /** One step of a running campaign; returns the devices queued now. */
  advanceCampaign(id: string): Promise<{ devId: string; operationId: string; notifyAddress?: string }[]>;
  setCampaignState(id: string, action: 'pause' | 'resume' | 'cancel', reason?: string): Promise<Campaign>;
  listCampaignTargets(id: string, q?: { limit?: number; after?: string }): Promise<{ targets: CampaignTarget[]; next?: string }>;

  // ── settings ───────────────────────────────────────────────────────────
  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  deleteSetting(key: string): Promise<boolean>;

  /**
   * Run `fn` as one unit of work: every call it makes on the store it is
   * given commits together or not at all. A DM message's bookkeeping (trace,
   * nonces, results, completions) is one transaction instead of a dozen.
   * `fn` must only do store calls and computation (no network waits): on
   * SQLite the connection is held until it returns. Nested calls join the
   * outer transaction.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;

  /** Close the database (pool or file). Further calls fail with {@link StoreClosedError}. */
  close(): Promise<void>;
}

class SqlStore implements Store {
  private readonly devices: DeviceRepository;
  private readonly operations: OperationRepository;
  private readonly sessions: SessionRepository;
  private readonly alerts: AlertRepository;
  private readonly settings: SettingsRepository;
  private readonly campaigns: CampaignRepository;
  private closed = false;

  constructor(private readonly ctx: StoreContext) {
    this.devices = new DeviceRepository(ctx);
    this.operations = new OperationRepository(ctx);
    this.sessions = new SessionRepository(ctx);
    this.alerts = new AlertRepository(ctx);
    this.settings = new SettingsRepository(ctx);
    this.campaigns = new CampaignRepository(ctx);
  }

  get dialect(): Dialect {
    return this.ctx.dialect;
  }

  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreClosedError();
    try {
      return await fn();
    } catch (e) {
      throw toStoreError(e, what);
    }
  }

  registerDevice(d: NewDevice) { return this.run('registerDevice', () => this.devices.registerDevice(d)); }
  registerDevices(list: readonly NewDevice[]) { return this.run('registerDevices', () => this.devices.registerDevices(list)); }
  getDevice(devId: string) { return this.run('getDevice', () => this.devices.getDevice(devId)); }
  updateDevice(devId: string, u: DeviceUpdate) { return this.run('updateDevice', () => this.devices.updateDevice(devId, u)); }
  deleteDevice(devId: string) { return this.run('deleteDevice', () => this.devices.deleteDevice(devId)); }
  listDevices(q?: ListDevicesQuery) { return this.run('listDevices', () => this.devices.listDevices(q)); }
  recordCheckIn(devId: string, c: CheckIn) { return this.run('recordCheckIn', () => this.devices.recordCheckIn(devId, c)); }
  setClientNonce(devId: string, nonce: Uint8Array) { return this.run('setClientNonce', () => this.devices.setClientNonce(devId, nonce)); }
  setServerNonce(devId: string, nonce: Uint8Array) { return this.run('setServerNonce', () => this.devices.setServerNonce(devId, nonce)); }
  updateTree(devId: string, nodes: readonly TreeNodeUpdate[], at?: Date) { return this.run('updateTree', () => this.devices.updateTree(devId, nodes, at)); }
  getTree(devId: string, under?: string) { return this.run('getTree', () => this.devices.getTree(devId, under)); }

  createOperation(devId: string, op: NewOperation) { return this.run('createOperation', () => this.operations.createOperation(devId, op)); }
  getOperation(id: string) { return this.run('getOperation', () => this.operations.getOperation(id)); }
  listOperations(devId: string, q?: { state?: OperationState | OperationState[]; limit?: number }) {
    return this.run('listOperations', () => this.operations.listOperations(devId, q));
  }
  claimPending(devId: string, sessionId: string, now?: Date) { return this.run('claimPending', () => this.operations.claimPending(devId, sessionId, now)); }
  recordCommandSent(opId: string, index: number, s?: { correlator?: string; at?: Date }) {
    return this.run('recordCommandSent', () => this.operations.recordCommandSent(opId, index, s));
  }
  recordCommandResult(opId: string, index: number, r: CommandResult) {
    return this.run('recordCommandResult', () => this.operations.recordCommandResult(opId, index, r));
  }
  recordCommandResults(answers: readonly { opId: string; index: number; result: CommandResult }[]) {
    return this.run('recordCommandResults', () => this.operations.recordCommandResults(answers));
  }
  completeOperation(opId: string, at?: Date) { return this.run('completeOperation', () => this.operations.completeOperation(opId, at)); }
  cancelOperation(opId: string, reason?: string, at?: Date) { return this.run('cancelOperation', () => this.operations.cancelOperation(opId, reason, at)); }
  releaseSession(sessionId: string, at?: Date) { return this.run('releaseSession', () => this.operations.releaseSession(sessionId, at)); }
  expireOperations(now?: Date) { return this.run('expireOperations', () => this.operations.expireOperations(now)); }
  operationByCorrelator(correlator: string, devId?: string) {
    return this.run('operationByCorrelator', () => this.operations.operationByCorrelator(correlator, devId));
  }
  markNotified(opId: string, at?: Date) { return this.run('markNotified', () => this.operations.markNotified(opId, at)); }

  startSession(s: NewSession) { return this.run('startSession', () => this.sessions.startSession(s)); }
  appendMessage(sessionId: string, m: TraceMessageInput) { return this.run('appendMessage', () => this.sessions.appendMessage(sessionId, m)); }
  endSession(sessionId: string, end: SessionEnd) {
    return this.run('endSession', async () => {
      // Release first: a crash between the two leaves an open session (swept later), never a stranded `sent` operation.
      const releasedOperations = await this.operations.releaseSession(sessionId, end?.at);
      const s = await this.sessions.endSession(sessionId, end);
      return { ...s, releasedOperations };
    });
  }
  appendMessages(sessionId: string, m: readonly TraceMessageInput[]) { return this.run('appendMessages', () => this.sessions.appendMessages(sessionId, m)); }
  saveSessionState(sessionId: string, s: { token: string; state: string }) { return this.run('saveSessionState', () => this.sessions.saveSessionState(sessionId, s)); }
  loadSessionState(token: string) { return this.run('loadSessionState', () => this.sessions.loadSessionState(token)); }
  getSession(id: string) { return this.run('getSession', () => this.sessions.getSession(id)); }
  listSessions(devId: string, q?: { limit?: number }) { return this.run('listSessions', () => this.sessions.listSessions(devId, q)); }
  releaseStaleSessions(idleSince: Date, at?: Date) {
    return this.run('releaseStaleSessions', async () => {
      const out: { sessionId: string; releasedOperations: string[] }[] = [];
      for (const s of await this.sessions.staleSessions(idleSince)) {
        const releasedOperations = await this.operations.releaseSession(s.id, at);
        await this.sessions.endSession(s.id, { state: 'aborted', reason: `abandoned: no activity since ${s.lastActivityAt.toISOString()}`, ...(at ? { at } : {}) });
        out.push({ sessionId: s.id, releasedOperations });
      }
      return out;
    });
  }

  recordAlert(devId: string, a: AlertInput) { return this.run('recordAlert', () => this.alerts.recordAlert(devId, a)); }
  listAlerts(devId: string, q?: { limit?: number }) { return this.run('listAlerts', () => this.alerts.listAlerts(devId, q)); }

  createCampaign(c: NewCampaign) { return this.run('createCampaign', () => this.campaigns.createCampaign(c)); }
  getCampaign(id: string) { return this.run('getCampaign', () => this.campaigns.getCampaign(id)); }
  listCampaigns(q?: { state?: CampaignState; limit?: number }) { return this.run('listCampaigns', () => this.campaigns.listCampaigns(q)); }
  advanceCampaign(id: string) { return this.run('advanceCampaign', () => this.campaigns.advanceCampaign(id)); }
  setCampaignState(id: string, action: 'pause' | 'resume' | 'cancel', reason?: string) { return this.run('setCampaignState', () => this.campaigns.setCampaignState(id, action, reason)); }
  listCampaignTargets(id: string, q?: { limit?: number; after?: string }) { return this.run('listCampaignTargets', () => this.campaigns.listCampaignTargets(id, q)); }

  getSetting(key: string) { return this.run('getSetting', () => this.settings.getSetting(key)); }
  setSetting(key: string, value: string) { return this.run('setSetting', () => this.settings.setSetting(key, value)); }
  deleteSetting(key: string) { return this.run('deleteSetting', () => this.settings.deleteSetting(key)); }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreClosedError();
    if (this.ctx.db.isTransaction) return fn(this);
    return this.ctx.db.transaction().execute((trx) => fn(new SqlStore({ ...this.ctx, db: trx })));
  }

  async close(): Promise<void> {
    if (this.ctx.db.isTransaction) throw new StoreInputError('close() inside a transaction');
    if (this.closed) return;
    this.closed = true;
    await this.ctx.db.destroy();
  }
}

/** Where a store URL points. */
export type StoreLocation =
  | { dialect: 'sqlite'; path: string }
  | { dialect: 'postgres'; connectionString: string; schema?: string };

/** Lowercase only: the name is used both quoted (CREATE SCHEMA) and unquoted (search_path). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Parse a store URL: `postgres://…` / `postgresql://…` (optional
 * `?schema=NAME`), `sqlite:PATH`, `sqlite::memory:`, `:memory:`, or a plain
 * file path.
 */
export function parseStoreUrl(url: string): StoreLocation {
  if (typeof url !== 'string' || url.trim() === '') throw new StoreConfigError('store URL is empty');
  if (/^postgres(ql)?:\/\//i.test(url)) {
    let u: URL;
    try {
      u = new URL(url);
    } catch (e) {
      throw new StoreConfigError(`invalid PostgreSQL URL ${redact(url)}`, { cause: e });
    }
    const schema = u.searchParams.get('schema') ?? undefined;
    u.searchParams.delete('schema');
    if (schema !== undefined && !SCHEMA_NAME.test(schema)) throw new StoreConfigError(`invalid schema name ${JSON.stringify(schema)}`);
    const loc: StoreLocation = { dialect: 'postgres', connectionString: u.toString() };
    if (schema !== undefined) loc.schema = schema;
    return loc;
  }
  if (/^sqlite:/i.test(url)) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2); // sqlite:///abs/path → /abs/path; sqlite://rel → rel
    if (path === '') throw new StoreConfigError('sqlite: URL without a path');
    return { dialect: 'sqlite', path };
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) throw new StoreConfigError(`unsupported store URL scheme in ${redact(url)} (use sqlite:PATH or postgres://…)`);
  return { dialect: 'sqlite', path: url };
}

/** A URL with its password hidden, for messages. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}

function openSqlite(path: string): BetterSqlite3.Database {
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(path);
  } catch (e) {
    throw new StoreUnavailableError(`cannot open SQLite database ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (path !== ':memory:' && path !== '') db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  // Kysely prepares every statement anew; the store issues a few dozen distinct SQL texts, so keep them prepared.
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, BetterSqlite3.Statement>();
  db.prepare = ((sql: string) => {
    let stmt = cache.get(sql);
    if (stmt === undefined) {
      stmt = prepare(sql);
      if (cache.size >= 512) cache.delete(cache.keys().next().value!);
      cache.set(sql, stmt);
    }
    return stmt;
  }) as typeof db.prepare;
  return db;
}

function openPostgres(loc: Extract<StoreLocation, { dialect: 'postgres' }>, options: StoreOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: loc.connectionString,
    max: options.pgPoolSize ?? 10,
    ...(loc.schema !== undefined ? { options: `-c search_path=${loc.schema}` } : {}),
    // int8 (ids, millisecond times) as numbers: every value the store writes is far below 2^53.
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser },
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Open (and migrate) the store at `url`: `sqlite:PATH`, a file path,
 * `:memory:`, or `postgres://user@host:port/db[?schema=NAME]`.
 */
export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const loc = parseStoreUrl(url);
  if (options.pgSchema !== undefined && loc.dialect === 'postgres') {
    if (!SCHEMA_NAME.test(options.pgSchema)) throw new StoreConfigError(`invalid schema name ${JSON.stringify(options.pgSchema)}`);
    loc.schema = options.pgSchema;
  }
  const resolved = resolveOptions(options);
  const log = options.onQuery
    ? (e: { level: string; query: { sql: string; parameters: readonly unknown[] } }) => { if (e.level === 'query') options.onQuery!(e.query.sql, e.query.parameters); }
    : undefined;
  const db = loc.dialect === 'sqlite'
    ? new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database: openSqlite(loc.path) }), ...(log ? { log } : {}) })
    : new Kysely<StoreDatabase>({ dialect: new PostgresDialect({ pool: openPostgres(loc, options) }), ...(log ? { log } : {}) });
  const where = loc.dialect === 'sqlite' ? loc.path : redact(loc.connectionString);
  try {
    try {
      await sql`select 1`.execute(db);
    } catch (e) {
      throw new StoreUnavailableError(`cannot reach ${where}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    await migrate(db, loc.dialect, resolved.now().getTime(), loc.dialect === 'postgres' ? loc.schema : undefined);
  } catch (e) {
    await db.destroy().catch(() => undefined);
    throw e instanceof StoreError ? e : toStoreError(e, `opening ${where}`);
  }
  return new SqlStore({ db, dialect: loc.dialect, options: resolved });
}
