/**
 * Generic Alerts (1226) received from devices, and their effect on the
 * operation queue: an alert whose Correlator names an Exec we sent is that
 * command's final answer (the device said 202 and finished later). Its Data,
 * when it starts with a 3-digit number (alone or followed by a space and a
 * detail), gives the result code; otherwise the command counts as
 * 200 with the Data kept as its result. An `accepted` operation whose last
 * 202 is answered becomes `succeeded` or `failed`.
 *
 * Only the device's own operations are matched: a device cannot complete
 * another device's operation by guessing a correlator.
 */
import type { Selectable } from 'kysely';
import { ms, toDateReq, type StoreContext, inTransaction } from './context.js';
import { StoreInputError } from './errors.js';
import { findByCorrelator, loadOperation, recordResultIn } from './operations.js';
import type { AlertsTable } from './schema.js';
import type { AlertInput, AlertOutcome, AlertRecord, Operation, ResultItem } from './types.js';

function toAlert(r: Selectable<AlertsTable>): AlertRecord {
  const a: AlertRecord = { id: Number(r.pk), devId: r.dev_id, at: toDateReq(r.at) };
  if (r.type !== null) a.type = r.type;
  if (r.format !== null) a.format = r.format;
  if (r.mark !== null) a.mark = r.mark;
  if (r.data !== null) a.data = r.data;
  if (r.source_uri !== null) a.sourceUri = r.source_uri;
  if (r.correlator !== null) a.correlator = r.correlator;
  if (r.op_id !== null) a.operationId = r.op_id;
  return a;
}

/** The result code an alert carries: its Data when that is a 3-digit number (optionally followed by a space and a detail), else 200. */
export function alertStatus(data: string | undefined): number {
  const m = /^\s*(\d{3})(?:\s|$)/.exec(data ?? '');
  return m ? Number(m[1]) : 200;
}

/** Generic Alert calls; see {@link Store}. */
export class AlertRepository {
  constructor(private readonly ctx: StoreContext) {}

  async recordAlert(devId: string, a: AlertInput): Promise<AlertOutcome> {
    if (typeof devId !== 'string' || devId === '') throw new StoreInputError('devId must be a non-empty string');
    const at = ms(this.ctx, a?.at);
    return inTransaction(this.ctx.db, async (trx) => {
      let operation: Operation | undefined;
      if (a.correlator !== undefined && a.correlator !== '') {
        const dpk = await trx.selectFrom('devices').select('pk').where('dev_id', '=', devId).executeTakeFirst();
        const hit = dpk ? await findByCorrelator(trx, a.correlator, Number(dpk.pk)) : undefined;
        if (hit) {
          const item: ResultItem = {};
          if (a.sourceUri !== undefined) item.source = a.sourceUri;
          if (a.data !== undefined) item.data = a.data;
          if (a.format !== undefined) item.format = a.format;
          if (a.type !== undefined) item.type = a.type;
          const status = alertStatus(a.data);
          const reason = `Generic Alert${a.mark ? ` (${a.mark})` : ''}${a.type ? ` ${a.type}` : ''}`;
          await recordResultIn(this.ctx, trx, hit.id, hit.index, { status, reason, results: [item], at: new Date(at) }, true);
          operation = await loadOperation(trx, hit.id);
        }
      }
      const row = await trx.insertInto('alerts').values({
        dev_id: devId, type: a.type ?? null, format: a.format ?? null, mark: a.mark ?? null, data: a.data ?? null,
        source_uri: a.sourceUri ?? null, correlator: a.correlator ?? null, op_id: operation?.id ?? null, at,
      }).returningAll().executeTakeFirstOrThrow();
      const out: AlertOutcome = { alert: toAlert(row) };
      if (operation) out.operation = operation;
      return out;
    });
  }

  /** A device's alerts, newest first (default 50, at most 1000). */
  async listAlerts(devId: string, q: { limit?: number } = {}): Promise<AlertRecord[]> {
    const limit = q.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new StoreInputError('limit must be an integer from 1 to 1000');
    const rows = await this.ctx.db.selectFrom('alerts').selectAll().where('dev_id', '=', devId).orderBy('pk', 'desc').limit(limit).execute();
    return rows.map(toAlert);
  }
}
