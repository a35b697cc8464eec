/**
 * The operation queue: DM commands queued per device, delivered by sessions,
 * completed by Statuses, Results and Generic Alerts.
 *
 * States and moves (docs/store.md has the table):
 *
 *   pending ──claimPending──▶ sent ──completeOperation──▶ succeeded | failed
 *      ▲                       │  └──completeOperation (a 202)──▶ accepted ──Generic Alert──▶ succeeded | failed
 *      └────releaseSession─────┘
 *   pending | sent ──cancelOperation──▶ cancelled
 *   pending | accepted ──expireOperations──▶ expired
 *
 * Invariants:
 * - Only `pending` operations are ever handed to a session, and only by
 *   `claimPending`, whose single conditional UPDATE moves them to `sent`:
 *   two sessions (two nodes) never get the same operation. On PostgreSQL the
 *   rows are picked with `FOR UPDATE SKIP LOCKED`, so a concurrent claim
 *   neither blocks nor double-claims.
 * - `succeeded`, `failed`, `cancelled`, `expired` are final: nothing moves an
 *   operation out of them (a late result is still recorded on its command).
 * - A session that dies leaves its operations `sent`; `releaseSession` puts
 *   them back to `pending` with `attempts + 1` and `previousSessionId`, so a
 *   retry is visible. Commands already answered keep their status (the driver
 *   skips them when resending); an Atomic's statuses are cleared, since the
 *   whole Atomic is resent.
 * - Every call touches one device's rows through an index; none scans all
 *   devices.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import {
  batches, decodeResults, encodeResults, fromBytes, ms, opt, toBytes, toDate, toDateReq, type StoreContext, inTransaction,
} from './context.js';
import { applyTreeUpdates, devicePk, normalizeUri } from './devices.js';
import { campaignCommandData } from './campaign-data.js';
import { InvalidTransitionError, OperationNotFoundError, StoreInputError, isUniqueViolation } from './errors.js';
import type { OperationCommandsTable, OperationsTable, StoreDatabase } from './schema.js';
import type {
  CommandResult, CommandVerb, NewOperation, Operation, OperationCommand, OperationState, ResultItem, TreeNodeUpdate,
} from './types.js';

const VERBS = new Set<CommandVerb>(['Get', 'Replace', 'Add', 'Delete', 'Exec', 'Copy']);
const FINAL = new Set<string>(['succeeded', 'failed', 'cancelled', 'expired']);
/** Most commands one operation may carry. */
export const MAX_COMMANDS_PER_OPERATION = 1000;

type OpRow = Selectable<OperationsTable> & { dev_id: string };
type CmdRow = Selectable<OperationCommandsTable>;

/** Lowercase RFC 4648 base32 of random bytes. */
function base32(bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(acc << (5 - bits)) & 31];
  return out;
}

/** A new operation id: `op_` + 26 base32 characters (128 random bits). */
export function newOperationId(random: (n: number) => Uint8Array): string {
  return 'op_' + base32(random(16));
}

function is2xx(s: number | null | undefined): boolean {
  return typeof s === 'number' && s >= 200 && s < 300;
}

function toCommand(r: CmdRow): OperationCommand {
  const c: OperationCommand = { index: r.idx, verb: r.verb as CommandVerb, target: r.target };
  if (r.source !== null) c.source = r.source;
  if (r.data_text !== null) c.data = r.data_text;
  else if (r.data_bytes !== null) c.data = toBytes(r.data_bytes)!;
  if (r.format !== null) c.format = r.format;
  if (r.type !== null) c.type = r.type;
  if (r.status !== null) c.status = Number(r.status);
  if (r.reason !== null) c.reason = r.reason;
  const results = decodeResults(r.results);
  if (results) c.results = results;
  if (r.correlator !== null) c.correlator = r.correlator;
  const sent = toDate(r.sent_at);
  if (sent) c.sentAt = sent;
  const answered = toDate(r.answered_at);
  if (answered) c.answeredAt = answered;
  return c;
}

function toOperation(r: OpRow, commands: OperationCommand[]): Operation {
  const o: Operation = {
    id: r.id,
    devId: r.dev_id,
    state: r.state as OperationState,
    atomic: Number(r.atomic) === 1,
    notify: Number(r.notify) === 1,
    commands,
    attempts: Number(r.attempts),
    createdAt: toDateReq(r.created_at),
    updatedAt: toDateReq(r.updated_at),
  };
  const reason = opt(r.reason);
  if (reason !== undefined) o.reason = reason;
  if (r.session_id !== null) o.sessionId = r.session_id;
  if (r.previous_session_id !== null) o.previousSessionId = r.previous_session_id;
  for (const [k, v] of [['expiresAt', r.expires_at], ['sentAt', r.sent_at], ['completedAt', r.completed_at], ['notifiedAt', r.notified_at]] as const) {
    const d = toDate(v);
    if (d) o[k] = d;
  }
  return o;
}

function selectOps(db: Kysely<StoreDatabase>) {
  return db.selectFrom('operations')
    .innerJoin('devices', 'devices.pk', 'operations.device_pk')
    .selectAll('operations')
    .select('devices.dev_id');
}

/** Operations with their commands, in the order of `rows`. */
async function withCommands(db: Kysely<StoreDatabase>, rows: OpRow[]): Promise<Operation[]> {
  if (rows.length === 0) return [];
  const byOp = new Map<number, OperationCommand[]>(rows.map((r) => [Number(r.pk), []]));
  for (const b of batches(rows.map((r) => Number(r.pk)))) {
    const cmds = await db.selectFrom('operation_commands').selectAll().where('op_pk', 'in', b).orderBy('op_pk').orderBy('idx').execute();
    for (const c of cmds) byOp.get(Number(c.op_pk))?.push(toCommand(c));
  }
  // A campaign's commands carry their data once, in the campaign.
  const campaignPks = [...new Set(rows.map((r) => r.campaign_pk).filter((p): p is number => p !== null).map(Number))];
  if (campaignPks.length) {
    const data = await campaignCommandData(db, campaignPks);
    for (const r of rows) {
      if (r.campaign_pk === null) continue;
      const shared = data.get(Number(r.campaign_pk));
      for (const c of byOp.get(Number(r.pk)) ?? []) {
        const d = shared?.[c.index];
        if (d !== undefined && c.data === undefined) c.data = d;
      }
    }
  }
  return rows.map((r) => toOperation(r, byOp.get(Number(r.pk)) ?? []));
}

async function loadRow(db: Kysely<StoreDatabase>, id: string): Promise<OpRow> {
  if (typeof id !== 'string') throw new StoreInputError('operation id must be a string');
  const row = await selectOps(db).where('operations.id', '=', id).executeTakeFirst();
  if (!row) throw new OperationNotFoundError(id);
  return row;
}

/**
 * On PostgreSQL, lock the operation's row for the rest of the transaction, so
 * that read-decide-write sequences on one operation (a result arriving while
 * another node completes it) run one after the other. SQLite transactions
 * are already serialized within the process.
 */
async function lockOperation(ctx: StoreContext, trx: Kysely<StoreDatabase>, id: string): Promise<void> {
  if (ctx.dialect !== 'postgres' || typeof id !== 'string') return;
  await trx.selectFrom('operations').select('pk').where('id', '=', id).forUpdate().execute();
}

export async function loadOperation(db: Kysely<StoreDatabase>, id: string): Promise<Operation> {
  const [op] = await withCommands(db, [await loadRow(db, id)]);
  return op!;
}

/**
 * The outcome of an operation from its commands: `failed` (with a summary of
 * the failing and unanswered commands) when any is not 2xx, else `accepted`
 * when any is 202, else `succeeded`.
 */
export function outcome(commands: readonly OperationCommand[]): { state: 'succeeded' | 'failed' | 'accepted'; reason?: string } {
  const failures = commands.filter((c) => c.status === undefined || (!is2xx(c.status)));
  if (failures.length > 0) {
    const reason = failures
      .map((c) => `#${c.index} ${c.verb} ${c.target}: ${c.status === undefined ? 'no status' : c.status}${c.reason ? ` (${c.reason})` : ''}`)
      .join('; ');
    return { state: 'failed', reason };
  }
  if (commands.some((c) => c.status === 202)) return { state: 'accepted', reason: 'awaiting Generic Alert' };
  return { state: 'succeeded' };
}

/** Tree changes implied by a successful command. */
function treeUpdatesFor(c: CmdRow, r: CommandResult): TreeNodeUpdate[] {
  if (!is2xx(r.status) || r.status === 202) return [];
  const plain = (u: string) => !u.includes('?');
  switch (c.verb) {
    case 'Get':
      return (r.results ?? [])
        .map((i: ResultItem) => ({ i, uri: normalizeUri(i.source ?? c.target) }))
        .filter(({ uri }) => plain(uri))
        .map(({ i, uri }) => {
          const n: TreeNodeUpdate = { uri };
          if (typeof i.data === 'string') n.value = i.data;
          else if (i.data !== undefined) { n.value = Buffer.from(i.data).toString('base64'); n.format = 'b64'; }
          if (i.format !== undefined && n.format === undefined) n.format = i.format;
          if (i.type !== undefined) n.type = i.type;
          return n;
        });
    case 'Add':
    case 'Replace': {
      const uri = normalizeUri(c.target);
      if (!plain(uri)) return [];
      const n: TreeNodeUpdate = { uri };
      if (c.data_text !== null) n.value = c.data_text;
      else if (c.data_bytes !== null) { n.value = Buffer.from(c.data_bytes).toString('base64'); n.format = 'b64'; }
      if (c.format !== null && n.format === undefined) n.format = c.format;
      if (c.type !== null) n.type = c.type;
      return [n];
    }
    case 'Delete':
      return plain(c.target) ? [{ uri: normalizeUri(c.target), remove: true }] : [];
    default:
      return [];
  }
}

/**
 * Record one command's answer inside a transaction; with `finalizeAccepted`,
 * an `accepted` operation whose last 202 has now been answered becomes final.
 * Callers that need the operation afterwards load it themselves.
 */
export async function recordResultIn(
  ctx: StoreContext, trx: Kysely<StoreDatabase>, opId: string, index: number, r: CommandResult, finalizeAccepted: boolean,
): Promise<void> {
  if (!Number.isInteger(r?.status) || r.status < 100 || r.status > 999) throw new StoreInputError('status must be a 3-digit integer');
  const at = ms(ctx, r.at);
  await lockOperation(ctx, trx, opId);
  if (typeof opId !== 'string') throw new StoreInputError('operation id must be a string');
  // The command and what is needed of its operation, in one read.
  const cmd = await trx.selectFrom('operation_commands')
    .innerJoin('operations', 'operations.pk', 'operation_commands.op_pk')
    .selectAll('operation_commands')
    .select(['operations.state as op_state', 'operations.device_pk as op_device_pk', 'operations.campaign_pk as op_campaign_pk'])
    .where('operations.id', '=', opId).where('operation_commands.idx', '=', index)
    .executeTakeFirst();
  if (!cmd) {
    await loadRow(trx, opId); // throws OperationNotFoundError when that is why
    throw new StoreInputError(`operation ${opId} has no command #${index}`);
  }
  const op = { pk: cmd.op_pk, state: cmd.op_state, device_pk: cmd.op_device_pk };
  if (op.state === 'pending') throw new InvalidTransitionError(opId, op.state, 'a command result');
  await trx.updateTable('operation_commands')
    .set({ status: r.status, reason: r.reason ?? null, results: encodeResults(r.results), answered_at: at })
    .where('op_pk', '=', Number(op.pk)).where('idx', '=', index)
    .execute();
  if (ctx.options.trackTree) {
    if (cmd.op_campaign_pk !== null && cmd.data_text === null && cmd.data_bytes === null) {
      // A campaign's command: its data lives with the campaign.
      const d = (await campaignCommandData(trx, [Number(cmd.op_campaign_pk)])).get(Number(cmd.op_campaign_pk))?.[index];
      if (typeof d === 'string') cmd.data_text = d;
      else if (d !== undefined) cmd.data_bytes = fromBytes(d);
    }
    const updates = treeUpdatesFor(cmd, r);
    if (updates.length) await applyTreeUpdates(trx, Number(op.device_pk), updates, at);
  }
  if (finalizeAccepted && op.state === 'accepted') {
    const [full] = await withCommands(trx, [await loadRow(trx, opId)]);
    const o = outcome(full!.commands);
    if (o.state !== 'accepted') {
      await trx.updateTable('operations')
        .set({ state: o.state, reason: o.reason ?? null, completed_at: at, updated_at: at })
        .where('pk', '=', Number(op.pk)).where('state', '=', 'accepted')
        .execute();
    }
  }
}

/** Refuse a command list the queue cannot carry. */
export function validateCommands(cmds: NewOperation['commands'] | undefined): void {
  if (!Array.isArray(cmds) || cmds.length === 0) throw new StoreInputError('an operation needs at least one command');
  if (cmds.length > MAX_COMMANDS_PER_OPERATION) throw new StoreInputError(`an operation carries at most ${MAX_COMMANDS_PER_OPERATION} commands`);
  cmds.forEach((c, i) => {
    if (!VERBS.has(c?.verb)) throw new StoreInputError(`command #${i}: verb must be one of ${[...VERBS].join(', ')}`);
    if (typeof c.target !== 'string' || c.target === '') throw new StoreInputError(`command #${i}: target must be a non-empty string`);
    if (c.verb === 'Copy' && (typeof c.source !== 'string' || c.source === '')) throw new StoreInputError(`command #${i}: Copy needs a source`);
    if (c.data !== undefined && typeof c.data !== 'string' && !(c.data instanceof Uint8Array)) {
      throw new StoreInputError(`command #${i}: data must be a string or a Uint8Array`);
    }
  });
}

/**
 * Insert a pending operation for a device inside the caller's transaction.
 * A campaign's operation names its campaign and keeps no copy of the
 * commands' data: that is stored once, with the campaign.
 */
export async function insertOperation(
  ctx: StoreContext, trx: Kysely<StoreDatabase>, dpk: number, op: NewOperation, campaign?: { pk: number },
): Promise<{ id: string; pk: number }> {
  const now = ms(ctx);
  const expires = op.expiresAt === undefined ? null : ms(ctx, op.expiresAt);
  const id = newOperationId(ctx.options.random);
  const row = await trx.insertInto('operations')
    .values({
      id, device_pk: dpk, state: 'pending', atomic: op.atomic ? 1 : 0, notify: op.notify ? 1 : 0, reason: null, attempts: 0,
      session_id: null, previous_session_id: null, created_at: now, updated_at: now, expires_at: expires,
      sent_at: null, completed_at: null, notified_at: null, campaign_pk: campaign?.pk ?? null, idempotency_key: op.idempotencyKey ?? null,
    })
    .returning('pk')
    .executeTakeFirstOrThrow();
  const pk = Number(row.pk);
  for (const b of batches(op.commands.map((c, idx) => ({ c, idx })))) {
    await trx.insertInto('operation_commands').values(b.map(({ c, idx }) => ({
      op_pk: pk, idx, verb: c.verb, target: c.target, source: c.source ?? null,
      data_text: !campaign && typeof c.data === 'string' ? c.data : null,
      data_bytes: !campaign && c.data instanceof Uint8Array ? fromBytes(c.data) : null,
      format: c.format ?? null, type: c.type ?? null, status: null, reason: null, results: null,
      // ServerSession's convention: an Exec carries Correlator `<operation id>.<index>`.
      correlator: c.verb === 'Exec' ? `${id}.${idx}` : null,
      sent_at: null, answered_at: null,
    }))).execute();
  }
  return { id, pk };
}

/** Operation queue calls; see {@link Store}. */
export class OperationRepository {
  constructor(private readonly ctx: StoreContext) {}

  async createOperation(devId: string, op: NewOperation): Promise<Operation> {
    validateCommands(op?.commands);
    const key = op.idempotencyKey;
    if (key !== undefined && (typeof key !== 'string' || key === '' || key.length > 256)) throw new StoreInputError('idempotencyKey must be 1 to 256 characters');
    const existing = async (db: Kysely<StoreDatabase>): Promise<Operation | undefined> => {
      if (key === undefined) return undefined;
      const row = await selectOps(db).where('operations.device_pk', '=', await devicePk(db, devId)).where('operations.idempotency_key', '=', key).executeTakeFirst();
      return row ? (await withCommands(db, [row]))[0] : undefined;
    };
    try {
      return await inTransaction(this.ctx.db, async (trx) => {
        // The same request again (a client retrying after a lost answer): the operation it created.
        const again = await existing(trx);
        if (again) return { ...again, replayed: true };
        const dpk = await devicePk(trx, devId);
        const { id } = await insertOperation(this.ctx, trx, dpk, op);
        return loadOperation(trx, id);
      });
    } catch (e) {
      // Two such requests at once: the other one's insert won.
      const again = isUniqueViolation(e) ? await existing(this.ctx.db) : undefined;
      if (again) return { ...again, replayed: true };
      throw e;
    }
  }

  async getOperation(id: string): Promise<Operation | undefined> {
    try {
      return await loadOperation(this.ctx.db, id);
    } catch (e) {
      if (e instanceof OperationNotFoundError) return undefined;
      throw e;
    }
  }

  /** A device's operations in creation order: the newest `limit` (default 500), optionally only in some states. */
  async listOperations(devId: string, q: { state?: OperationState | OperationState[]; limit?: number } = {}): Promise<Operation[]> {
    const limit = q.limit ?? 500;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new StoreInputError('limit must be an integer from 1 to 10000');
    const dpk = await devicePk(this.ctx.db, devId);
    let query = selectOps(this.ctx.db).where('operations.device_pk', '=', dpk).orderBy('operations.pk', 'desc').limit(limit);
    if (q.state !== undefined) {
      const states = Array.isArray(q.state) ? q.state : [q.state];
      if (states.length === 0) return [];
      query = query.where('operations.state', 'in', states);
    }
    const rows = await query.execute();
    return withCommands(this.ctx.db, rows.reverse());
  }

  /**
   * Atomically move the device's pending, unexpired operations to `sent` for
   * `sessionId` and return them in creation order.
   */
  async claimPending(devId: string, sessionId: string, now?: Date): Promise<Operation[]> {
    if (typeof sessionId !== 'string' || sessionId === '') throw new StoreInputError('sessionId must be a non-empty string');
    const t = ms(this.ctx, now);
    const db = this.ctx.db;
    const dpk = await devicePk(db, devId);
    const pendingPks = (() => {
      let q = db.selectFrom('operations').select('pk')
        .where('device_pk', '=', dpk)
        .where('state', '=', 'pending')
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', t)]))
        .orderBy('pk');
      if (this.ctx.dialect === 'postgres') q = q.forUpdate().skipLocked();
      return q;
    })();
    const claimed = await db.updateTable('operations')
      .set({ state: 'sent', session_id: sessionId, sent_at: t, updated_at: t })
      // No outer `state = 'pending'`: the subquery already selects (and on PostgreSQL locks and re-checks)
      // exactly the pending rows, and an outer state condition tempts SQLite to walk every pending
      // operation of every device through the state index.
      .where('pk', 'in', pendingPks)
      .returningAll()
      .execute();
    const rows = claimed.map((r) => ({ ...r, dev_id: devId })).sort((a, b) => Number(a.pk) - Number(b.pk));
    return withCommands(db, rows);
  }

  /** The session put the command on the wire (with this Correlator, when it differs from the default). */
  async recordCommandSent(opId: string, index: number, s: { correlator?: string; at?: Date } = {}): Promise<void> {
    const at = ms(this.ctx, s.at);
    if (typeof opId !== 'string') throw new StoreInputError('operation id must be a string');
    const set: { sent_at: number; correlator?: string } = { sent_at: at };
    if (s.correlator !== undefined) set.correlator = s.correlator;
    const db = this.ctx.db;
    const r = await db.updateTable('operation_commands').set(set)
      .where('op_pk', '=', (eb) => eb.selectFrom('operations').select('pk').where('id', '=', opId))
      .where('idx', '=', index).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) {
      await loadRow(db, opId); // throws OperationNotFoundError when that is why
      throw new StoreInputError(`operation ${opId} has no command #${index}`);
    }
  }

  /**
   * Record the device's answer to one command (status, human reason, Results).
   * The operation stays `sent` until `completeOperation`; an `accepted` one
   * whose last 202 is answered here becomes final.
   */
  async recordCommandResult(opId: string, index: number, r: CommandResult): Promise<Operation> {
    return inTransaction(this.ctx.db, async (trx) => {
      await recordResultIn(this.ctx, trx, opId, index, r, true);
      return loadOperation(trx, opId);
    });
  }

  /** Several answers in one transaction, without reading the operations back (a DM message's worth). */
  async recordCommandResults(answers: readonly { opId: string; index: number; result: CommandResult }[]): Promise<void> {
    if (!Array.isArray(answers)) throw new StoreInputError('answers must be an array');
    if (answers.length === 0) return;
    await inTransaction(this.ctx.db, async (trx) => {
      for (const a of answers) await recordResultIn(this.ctx, trx, a?.opId, a?.index, a?.result, true);
    });
  }

  /**
   * The session is done with the operation: `succeeded` when every command
   * answered 2xx, `failed` otherwise (unanswered commands count as failed),
   * `accepted` when some answered 202 and none failed. Idempotent on a final
   * operation; a `pending` one cannot be completed.
   */
  async completeOperation(opId: string, at?: Date): Promise<Operation> {
    const t = ms(this.ctx, at);
    return inTransaction(this.ctx.db, async (trx) => {
      await lockOperation(this.ctx, trx, opId);
      const op = await loadOperation(trx, opId);
      if (FINAL.has(op.state)) return op;
      if (op.state === 'pending') throw new InvalidTransitionError(opId, op.state, 'completed');
      const o = outcome(op.commands);
      if (o.state === op.state) return op;
      const r = await trx.updateTable('operations')
        .set({ state: o.state, reason: o.reason ?? null, completed_at: o.state === 'accepted' ? null : t, updated_at: t })
        .where('id', '=', opId).where('state', 'in', ['sent', 'accepted'])
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return loadOperation(trx, opId); // changed under us (another node)
      const done: Operation = { ...op, state: o.state, updatedAt: new Date(t) };
      if (o.reason !== undefined) done.reason = o.reason; else delete done.reason;
      if (o.state === 'accepted') delete done.completedAt; else done.completedAt = new Date(t);
      return done;
    });
  }

  /** `pending` or `sent` → `cancelled`; a cancelled operation is never sent again. Idempotent on a cancelled one. */
  async cancelOperation(opId: string, reason?: string, at?: Date): Promise<Operation> {
    const t = ms(this.ctx, at);
    return inTransaction(this.ctx.db, async (trx) => {
      const r = await trx.updateTable('operations')
        .set({ state: 'cancelled', reason: reason ?? 'cancelled by operator', completed_at: t, updated_at: t })
        .where('id', '=', opId).where('state', 'in', ['pending', 'sent'])
        .executeTakeFirst();
      const op = await loadOperation(trx, opId);
      if (Number(r.numUpdatedRows) === 0 && op.state !== 'cancelled') throw new InvalidTransitionError(opId, op.state, 'cancelled');
      return op;
    });
  }

  /**
   * A session ended without finishing its operations (crash, timeout, lost
   * connection): its `sent` operations return to `pending` with `attempts + 1`
   * and the session recorded as `previousSessionId`. Returns their ids.
   */
  async releaseSession(sessionId: string, at?: Date): Promise<string[]> {
    const t = ms(this.ctx, at);
    return inTransaction(this.ctx.db, async (trx) => {
      const released = await trx.updateTable('operations')
        .set((eb) => ({
          state: 'pending',
          attempts: eb('attempts', '+', 1),
          previous_session_id: sessionId,
          session_id: null,
          reason: `retry: session ${sessionId} ended before the operation finished`,
          updated_at: t,
        }))
        .where('session_id', '=', sessionId)
        // `state || ''`: the state is checked on the session's few rows, never used to pick an index
        // (SQLite otherwise may walk every sent operation of every device through the state index).
        .where(sql<string>`state || ''`, '=', 'sent')
        .returning(['pk', 'id', 'atomic'])
        .execute();
      const atomics = released.filter((r) => Number(r.atomic) === 1).map((r) => Number(r.pk));
      for (const b of batches(atomics)) {
        await trx.updateTable('operation_commands')
          .set({ status: null, reason: null, results: null, answered_at: null })
          .where('op_pk', 'in', b)
          .execute();
      }
      return released.sort((a, b) => Number(a.pk) - Number(b.pk)).map((r) => r.id);
    });
  }

  /** `pending` and `accepted` operations whose `expiresAt` has passed become `expired`; returns their ids. */
  async expireOperations(now?: Date): Promise<string[]> {
    const t = ms(this.ctx, now);
    const ids: string[] = [];
    for (const [state, reason] of [['pending', 'expired before delivery'], ['accepted', 'expired awaiting the Generic Alert']] as const) {
      const rows = await this.ctx.db.updateTable('operations')
        .set({ state: 'expired', reason, completed_at: t, updated_at: t })
        .where('state', '=', state)
        .where('expires_at', '<=', t)
        .returning('id')
        .execute();
      ids.push(...rows.map((r) => r.id));
    }
    return ids;
  }

  /** The operation (and command index) whose command was sent with this Correlator; the newest if several. */
  async operationByCorrelator(correlator: string, devId?: string): Promise<{ operation: Operation; index: number } | undefined> {
    const hit = await findByCorrelator(this.ctx.db, correlator, devId === undefined ? undefined : await devicePk(this.ctx.db, devId));
    if (!hit) return undefined;
    return { operation: await loadOperation(this.ctx.db, hit.id), index: hit.index };
  }

  /** The notifier pushed package #0 for this operation. */
  async markNotified(opId: string, at?: Date): Promise<void> {
    const t = ms(this.ctx, at);
    const r = await this.ctx.db.updateTable('operations').set({ notified_at: t, updated_at: t }).where('id', '=', opId).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new OperationNotFoundError(opId);
  }
}

/** Find the command sent with a Correlator, optionally only among one device's operations. */
export async function findByCorrelator(
  db: Kysely<StoreDatabase>, correlator: string, devicePkOnly?: number,
): Promise<{ id: string; index: number; pk: number } | undefined> {
  if (typeof correlator !== 'string' || correlator === '') return undefined;
  let q = db.selectFrom('operation_commands')
    .innerJoin('operations', 'operations.pk', 'operation_commands.op_pk')
    .select(['operations.id', 'operations.pk', 'operation_commands.idx'])
    .where('operation_commands.correlator', '=', correlator)
    .orderBy('operations.pk', 'desc')
    .limit(1);
  if (devicePkOnly !== undefined) q = q.where('operations.device_pk', '=', devicePkOnly);
  const row = await q.executeTakeFirst();
  return row ? { id: row.id, index: Number(row.idx), pk: Number(row.pk) } : undefined;
}
