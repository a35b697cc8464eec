/**
 * The audit trail: one row per DM session, with the messages exchanged
 * (encoded bytes and a decoded text an operator can read).
 *
 * Retention keeps tracing cheap (docs/store.md):
 * - `traceBodies` chooses which bodies are kept at all (`none` keeps only
 *   direction, size, encoding and time; `errors` drops the bodies of a session
 *   that completed cleanly when it ends);
 * - `maxTraceBodyBytes` cuts long bodies;
 * - at `endSession`, the device's sessions beyond the newest
 *   `maxTracedSessionsPerDevice` lose their messages and those beyond
 *   `maxSessionsPerDevice` are deleted. Pruning reads at most a fixed number
 *   of rows through the `(dev_id, traced, pk)` / `(dev_id, pk)` indexes: its
 *   cost does not grow with the number of devices or sessions.
 */
import type { Kysely, Selectable } from 'kysely';
import { batches, fromBytes, ms, toBytes, toDate, toDateReq, type StoreContext, inTransaction } from './context.js';
import { SessionExistsError, SessionNotFoundError, StoreInputError, isUniqueViolation } from './errors.js';
import type { MessagesTable, SessionsTable, StoreDatabase } from './schema.js';
import type {
  NewSession, SessionEnd, SessionInitiator, SessionRecord, SessionState, SessionWithMessages, TraceMessage, TraceMessageInput,
} from './types.js';

/** Sessions pruned per `endSession` at most; a backlog (after lowering a limit) drains over later sessions. */
const PRUNE_BATCH = 50;

function toSession(r: Selectable<SessionsTable>): SessionRecord {
  const s: SessionRecord = {
    id: r.id,
    devId: r.dev_id,
    initiator: r.initiator as SessionInitiator,
    state: r.state as SessionState,
    startedAt: toDateReq(r.started_at),
    lastActivityAt: toDateReq(r.last_activity_at),
    messageCount: Number(r.message_count),
    hasError: Number(r.has_error) === 1,
    traced: Number(r.traced) === 1,
  };
  if (r.dm_session_id !== null) s.dmSessionId = r.dm_session_id;
  if (r.node !== null) s.node = r.node;
  if (r.reason !== null) s.reason = r.reason;
  const ended = toDate(r.ended_at);
  if (ended) s.endedAt = ended;
  return s;
}

function toMessage(r: Selectable<MessagesTable>): TraceMessage {
  const m: TraceMessage = {
    seq: Number(r.seq),
    direction: r.direction as 'in' | 'out',
    encoding: r.encoding,
    size: Number(r.size),
    truncated: Number(r.truncated) === 1,
    at: toDateReq(r.at),
  };
  const bytes = toBytes(r.bytes);
  if (bytes) m.bytes = bytes;
  if (r.decoded !== null) m.decoded = r.decoded;
  if (r.error !== null) m.error = r.error;
  return m;
}

/** Session trace calls; see {@link Store}. */
export class SessionRepository {
  constructor(private readonly ctx: StoreContext) {}

  async startSession(s: NewSession): Promise<SessionRecord> {
    if (typeof s?.id !== 'string' || s.id === '' || s.id.length > 256) throw new StoreInputError('session id must be a non-empty string of at most 256 characters');
    if (typeof s.devId !== 'string') throw new StoreInputError('session devId must be a string');
    if (s.initiator !== 'client' && s.initiator !== 'server') throw new StoreInputError('initiator must be client or server');
    const at = ms(this.ctx, s.at);
    try {
      const row = await this.ctx.db.insertInto('sessions').values({
        id: s.id, dev_id: s.devId, initiator: s.initiator, dm_session_id: s.dmSessionId ?? null, node: s.node ?? null,
        state: 'open', reason: null, started_at: at, ended_at: null, last_activity_at: at, message_count: 0, has_error: 0, traced: 1,
      }).returningAll().executeTakeFirstOrThrow();
      return toSession(row);
    } catch (e) {
      if (isUniqueViolation(e)) throw new SessionExistsError(s.id);
      throw e;
    }
  }

  /** Add a message to the trace; returns its sequence number in the session (from 1). */
  async appendMessage(sessionId: string, m: TraceMessageInput): Promise<number> {
    return (await this.appendMessages(sessionId, [m]))[0]!;
  }

  /** Add messages to the trace in one statement pair; returns their sequence numbers. */
  async appendMessages(sessionId: string, input: readonly TraceMessageInput[]): Promise<number[]> {
    if (!Array.isArray(input) || input.length === 0) throw new StoreInputError('messages must be a non-empty array');
    const { traceBodies, maxTraceBodyBytes: max } = this.ctx.options;
    const rows = input.map((m) => {
      if (m?.direction !== 'in' && m?.direction !== 'out') throw new StoreInputError('direction must be in or out');
      if (typeof m.encoding !== 'string') throw new StoreInputError('encoding must be a string');
      const at = ms(this.ctx, m.at);
      const size = m.bytes?.byteLength ?? (m.decoded === undefined ? 0 : Buffer.byteLength(m.decoded));
      let bytes: Uint8Array | null = null;
      let decoded: string | null = null;
      let truncated = false;
      if (traceBodies !== 'none') {
        if (m.bytes !== undefined) {
          truncated ||= m.bytes.byteLength > max;
          bytes = m.bytes.byteLength > max ? m.bytes.subarray(0, max) : m.bytes;
        }
        if (m.decoded !== undefined) {
          truncated ||= m.decoded.length > max;
          decoded = m.decoded.length > max ? m.decoded.slice(0, max) : m.decoded;
        }
      }
      const isError = m.error !== undefined && m.error !== '';
      return { m, at, size, bytes, decoded, truncated, isError };
    });
    const last = Math.max(...rows.map((r) => r.at));
    const anyError = rows.some((r) => r.isError);
    return inTransaction(this.ctx.db, async (trx) => {
      const s = await trx.updateTable('sessions')
        .set((eb) => ({
          message_count: eb('message_count', '+', rows.length),
          last_activity_at: last,
          ...(anyError ? { has_error: 1 } : {}),
        }))
        .where('id', '=', sessionId)
        .returning(['pk', 'message_count'])
        .executeTakeFirst();
      if (!s) throw new SessionNotFoundError(sessionId);
      const first = Number(s.message_count) - rows.length + 1;
      await trx.insertInto('messages').values(rows.map((r, i) => ({
        session_pk: Number(s.pk), seq: first + i, direction: r.m.direction, encoding: r.m.encoding, size: r.size,
        bytes: r.bytes === null ? null : fromBytes(r.bytes), decoded: r.decoded, truncated: r.truncated ? 1 : 0,
        error: r.isError ? r.m.error! : null, at: r.at,
      }))).execute();
      return rows.map((_, i) => first + i);
    });
  }

  /** Cluster mode: keep an open session's state and RespURI token for whichever node gets its next message. */
  async saveSessionState(sessionId: string, s: { token: string; state: string }): Promise<void> {
    if (typeof s?.token !== 'string' || s.token === '' || typeof s.state !== 'string') throw new StoreInputError('session state needs a token and a state text');
    const r = await this.ctx.db.updateTable('sessions').set({ resp_token: s.token, state_json: s.state })
      .where('id', '=', sessionId).where('state', '=', 'open').executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new SessionNotFoundError(sessionId);
  }

  /**
   * Cluster mode: the open session with this RespURI token and its state;
   * on PostgreSQL the row stays locked until the caller's transaction ends,
   * so two nodes never run the same session's messages at once.
   */
  async loadSessionState(token: string): Promise<{ sessionId: string; devId: string; state: string } | undefined> {
    if (typeof token !== 'string' || token === '') return undefined;
    let q = this.ctx.db.selectFrom('sessions').select(['id', 'dev_id', 'state_json'])
      .where('resp_token', '=', token).where('state', '=', 'open');
    if (this.ctx.dialect === 'postgres') q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (!row || row.state_json === null) return undefined;
    return { sessionId: row.id, devId: row.dev_id, state: row.state_json };
  }

  /** Close a session (idempotent once ended) and apply retention to its device's trail. */
  async endSession(sessionId: string, end: SessionEnd): Promise<SessionRecord> {
    if (!['completed', 'aborted', 'failed'].includes(end?.state)) throw new StoreInputError('end state must be completed, aborted or failed');
    const at = ms(this.ctx, end.at);
    return inTransaction(this.ctx.db, async (trx) => {
      const row = await trx.updateTable('sessions')
        .set({ state: end.state, reason: end.reason ?? null, ended_at: at, last_activity_at: at, resp_token: null, state_json: null })
        .where('id', '=', sessionId).where('state', '=', 'open')
        .returningAll()
        .executeTakeFirst();
      if (!row) {
        const existing = await trx.selectFrom('sessions').selectAll().where('id', '=', sessionId).executeTakeFirst();
        if (!existing) throw new SessionNotFoundError(sessionId);
        return toSession(existing);
      }
      if (this.ctx.options.traceBodies === 'errors' && end.state === 'completed' && Number(row.has_error) === 0) {
        await trx.updateTable('messages').set({ bytes: null, decoded: null }).where('session_pk', '=', Number(row.pk)).execute();
      }
      const pruned = await this.prune(trx, row.dev_id);
      if (!pruned.has(Number(row.pk))) return toSession(row);
      const after = await trx.selectFrom('sessions').selectAll().where('pk', '=', Number(row.pk)).executeTakeFirst();
      return toSession(after ?? row);
    });
  }

  async getSession(id: string): Promise<SessionWithMessages | undefined> {
    const row = await this.ctx.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const msgs = await this.ctx.db.selectFrom('messages').selectAll().where('session_pk', '=', Number(row.pk)).orderBy('seq').execute();
    return { ...toSession(row), messages: msgs.map(toMessage) };
  }

  /** A device's sessions, newest first (default 50, at most 1000). */
  async listSessions(devId: string, q: { limit?: number } = {}): Promise<SessionRecord[]> {
    const limit = q.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new StoreInputError('limit must be an integer from 1 to 1000');
    const rows = await this.ctx.db.selectFrom('sessions').selectAll().where('dev_id', '=', devId).orderBy('pk', 'desc').limit(limit).execute();
    return rows.map(toSession);
  }

  /** Open sessions with no activity since `idleSince` (oldest first, at most `limit`). */
  async staleSessions(idleSince: Date, limit = 100): Promise<SessionRecord[]> {
    const rows = await this.ctx.db.selectFrom('sessions').selectAll()
      .where('state', '=', 'open').where('last_activity_at', '<', ms(this.ctx, idleSince))
      .orderBy('last_activity_at').limit(limit).execute();
    return rows.map(toSession);
  }

  /** Retention for one device: drop messages past the traced limit, sessions past the trail limit. */
  private async prune(trx: Kysely<StoreDatabase>, devId: string): Promise<Set<number>> {
    const { maxTracedSessionsPerDevice: keepTraced, maxSessionsPerDevice: keepAll } = this.ctx.options;
    const untrace = await trx.selectFrom('sessions').select('pk')
      .where('dev_id', '=', devId).where('traced', '=', 1)
      .orderBy('pk', 'desc').limit(PRUNE_BATCH).offset(keepTraced)
      .execute();
    const untracePks = untrace.map((r) => Number(r.pk));
    for (const b of batches(untracePks)) {
      await trx.deleteFrom('messages').where('session_pk', 'in', b).execute();
      await trx.updateTable('sessions').set({ traced: 0 }).where('pk', 'in', b).execute();
    }
    const drop = await trx.selectFrom('sessions').select('pk')
      .where('dev_id', '=', devId)
      .orderBy('pk', 'desc').limit(PRUNE_BATCH).offset(keepAll)
      .execute();
    const dropPks = drop.map((r) => Number(r.pk));
    for (const b of batches(dropPks)) {
      await trx.deleteFrom('messages').where('session_pk', 'in', b).execute();
      await trx.deleteFrom('sessions').where('pk', 'in', b).execute();
    }
    return new Set([...untracePks, ...dropPks]);
  }
}
