/**
 * Campaigns: one operation for a group of devices. The commands (with their
 * data) are stored once, in the campaign; the targets are a list of device
 * keys; a device's own operation is created only when its batch is queued,
 * and carries no copy of the data. Staged: at most `batchSize` devices in
 * flight; paused (with the reason) when the failure rate among finished
 * devices passes `maxFailureRate`.
 *
 * `advanceCampaign` does one step; the server calls it on a timer for every
 * running campaign. On PostgreSQL the campaign row is locked for the step,
 * so nodes advancing together never queue a device twice.
 */
import type { Kysely, Selectable } from 'kysely';
import { batches, inTransaction, ms, toDate, toDateReq, type StoreContext } from './context.js';
import { CampaignNotFoundError, InvalidTransitionError, StoreInputError } from './errors.js';
import { insertOperation, loadOperation, newOperationId, validateCommands } from './operations.js';
import type { CampaignsTable, StoreDatabase } from './schema.js';
import type { StoredCampaignCommand } from './campaign-data.js';
import type {
  Campaign, CampaignFilter, CampaignProgress, CampaignState, CampaignTarget, NewCampaign, OperationCommandInput, OperationState,
} from './types.js';

const DEVICE_SCAN_PAGE = 1000;
/**
 * Devices queued by one step at most. A step is one transaction, and on
 * SQLite every session's work waits for it: queueing 100,000 operations in
 * one held the server for about 30 s (every session in flight timed out). The
 * server's timer runs steps back to back while they come back full, letting
 * the waiting sessions in between.
 */
export const CAMPAIGN_STEP_MAX = 500;

function encodeCommands(cmds: OperationCommandInput[]): string {
  return JSON.stringify(cmds.map((c) => {
    const s: StoredCampaignCommand = { verb: c.verb, target: c.target };
    if (c.source !== undefined) s.source = c.source;
    if (c.format !== undefined) s.format = c.format;
    if (c.type !== undefined) s.type = c.type;
    if (typeof c.data === 'string') s.data = c.data;
    else if (c.data !== undefined) { s.data = Buffer.from(c.data).toString('base64'); s.b64 = true; }
    return s;
  }));
}

function decodeCommands(text: string, withData: boolean): OperationCommandInput[] {
  return (JSON.parse(text) as StoredCampaignCommand[]).map((s) => {
    const c: OperationCommandInput = { verb: s.verb as OperationCommandInput['verb'], target: s.target };
    if (s.source !== undefined) c.source = s.source;
    if (s.format !== undefined) c.format = s.format;
    if (s.type !== undefined) c.type = s.type;
    if (withData && s.data !== undefined) c.data = s.b64 ? new Uint8Array(Buffer.from(s.data, 'base64')) : s.data;
    return c;
  });
}

function checkFilter(f: CampaignFilter): void {
  if (typeof f !== 'object' || f === null || Array.isArray(f)) throw new StoreInputError('filter must be an object');
  if (f.devIds !== undefined && (!Array.isArray(f.devIds) || f.devIds.some((d) => typeof d !== 'string' || d === ''))) throw new StoreInputError('filter.devIds must be an array of device ids');
  if (f.search !== undefined && typeof f.search !== 'string') throw new StoreInputError('filter.search must be a string');
  if (f.parentDevId !== undefined && typeof f.parentDevId !== 'string') throw new StoreInputError('filter.parentDevId must be a string');
  if (f.devInfo !== undefined && (typeof f.devInfo !== 'object' || f.devInfo === null || Object.values(f.devInfo).some((v) => typeof v !== 'string'))) {
    throw new StoreInputError('filter.devInfo must map DevInfo names to strings');
  }
  if (f.devIds === undefined && f.search === undefined && f.parentDevId === undefined && f.devInfo === undefined) {
    throw new StoreInputError('filter needs at least one of devIds, search, parentDevId, devInfo');
  }
}

type CampaignRow = Selectable<CampaignsTable>;

/** Campaign calls; see {@link Store}. */
export class CampaignRepository {
  constructor(private readonly ctx: StoreContext) {}

  async createCampaign(c: NewCampaign): Promise<Campaign> {
    if (typeof c?.name !== 'string' || c.name === '' || c.name.length > 256) throw new StoreInputError('campaign name must be 1 to 256 characters');
    checkFilter(c.filter);
    validateCommands(c.commands);
    const batchSize = c.batchSize ?? 100;
    const maxFailureRate = c.maxFailureRate ?? 0.1;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new StoreInputError('batchSize must be an integer from 1 to 100000');
    if (typeof maxFailureRate !== 'number' || !(maxFailureRate >= 0 && maxFailureRate <= 1)) throw new StoreInputError('maxFailureRate must be from 0 to 1');
    const now = ms(this.ctx);
    const id = newOperationId(this.ctx.options.random).replace(/^op_/, 'cmp_');
    return inTransaction(this.ctx.db, async (trx) => {
      const pks = await this.matching(trx, c.filter);
      if (pks.length === 0) throw new StoreInputError('no device matches the filter');
      const row = await trx.insertInto('campaigns').values({
        id, name: c.name, filter: JSON.stringify(c.filter), commands: encodeCommands(c.commands), atomic: c.atomic ? 1 : 0, notify: c.notify ? 1 : 0,
        state: 'running', reason: null, batch_size: batchSize, max_failure_rate: maxFailureRate, targets: pks.length,
        created_at: now, updated_at: now, completed_at: null,
      }).returning('pk').executeTakeFirstOrThrow();
      for (const b of batches(pks)) {
        await trx.insertInto('campaign_targets').values(b.map((device_pk) => ({ campaign_pk: Number(row.pk), device_pk, op_pk: null }))).execute();
      }
      return this.load(trx, id);
    });
  }

  async getCampaign(id: string): Promise<Campaign | undefined> {
    try {
      return await this.load(this.ctx.db, id);
    } catch (e) {
      if (e instanceof CampaignNotFoundError) return undefined;
      throw e;
    }
  }

  /** Newest first. */
  async listCampaigns(q: { state?: CampaignState; limit?: number } = {}): Promise<Campaign[]> {
    const limit = q.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new StoreInputError('limit must be an integer from 1 to 1000');
    let query = this.ctx.db.selectFrom('campaigns').selectAll().orderBy('pk', 'desc').limit(limit);
    if (q.state !== undefined) query = query.where('state', '=', q.state);
    const rows = await query.execute();
    return Promise.all(rows.map(async (r) => this.toCampaign(r, await this.progress(this.ctx.db, r))));
  }

  /**
   * One step: pause on too many failures, queue the next batch, or finish.
   * Returns the devices whose operation was queued now (to notify them).
   */
  async advanceCampaign(id: string): Promise<{ devId: string; operationId: string; notifyAddress?: string }[]> {
    return inTransaction(this.ctx.db, async (trx) => {
      let q = trx.selectFrom('campaigns').selectAll().where('id', '=', id);
      if (this.ctx.dialect === 'postgres') q = q.forUpdate();
      const row = await q.executeTakeFirst();
      if (!row) throw new CampaignNotFoundError(id);
      if (row.state !== 'running') return [];
      const p = await this.progress(trx, row);
      const now = ms(this.ctx);
      const active = p.pending + p.sent + p.accepted;
      const finished = p.succeeded + p.failed + p.expired + p.cancelled;
      const failures = p.failed + p.expired;
      const sample = Math.min(Number(row.batch_size), Number(row.targets));
      if (finished >= sample && finished > 0 && failures / finished > Number(row.max_failure_rate)) {
        const reason = `paused: ${failures} of ${finished} finished devices failed (${(100 * failures / finished).toFixed(1)}% > ${(100 * Number(row.max_failure_rate)).toFixed(1)}%)`;
        await trx.updateTable('campaigns').set({ state: 'paused', reason, updated_at: now }).where('pk', '=', row.pk).execute();
        return [];
      }
      const free = Number(row.batch_size) - active;
      const queued: { devId: string; operationId: string; notifyAddress?: string }[] = [];
      if (free > 0 && p.waiting > 0) {
        const next = await trx.selectFrom('campaign_targets')
          .innerJoin('devices', 'devices.pk', 'campaign_targets.device_pk')
          .select(['campaign_targets.device_pk', 'devices.dev_id', 'devices.notify_address'])
          .where('campaign_targets.campaign_pk', '=', Number(row.pk)).where('campaign_targets.op_pk', 'is', null)
          .orderBy('campaign_targets.device_pk').limit(Math.min(free, CAMPAIGN_STEP_MAX))
          .execute();
        const op = { commands: decodeCommands(row.commands, false), atomic: Number(row.atomic) === 1, notify: Number(row.notify) === 1 };
        for (const t of next) {
          const { id: opId, pk } = await insertOperation(this.ctx, trx, Number(t.device_pk), op, { pk: Number(row.pk) });
          await trx.updateTable('campaign_targets').set({ op_pk: pk })
            .where('campaign_pk', '=', Number(row.pk)).where('device_pk', '=', Number(t.device_pk)).execute();
          queued.push({ devId: t.dev_id, operationId: opId, ...(t.notify_address ? { notifyAddress: t.notify_address } : {}) });
        }
      }
      if (queued.length === 0 && active === 0 && p.waiting === 0) {
        await trx.updateTable('campaigns').set({ state: 'completed', reason: null, completed_at: now, updated_at: now }).where('pk', '=', row.pk).execute();
      } else if (queued.length) {
        await trx.updateTable('campaigns').set({ updated_at: now }).where('pk', '=', row.pk).execute();
      }
      return queued;
    });
  }

  /** pause, resume (running again, the failure check restarts from the current figures) or cancel (devices not yet served never will be). */
  async setCampaignState(id: string, action: 'pause' | 'resume' | 'cancel', reason?: string): Promise<Campaign> {
    const now = ms(this.ctx);
    return inTransaction(this.ctx.db, async (trx) => {
      const row = await trx.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new CampaignNotFoundError(id);
      const from = row.state as CampaignState;
      const allowed: Record<typeof action, CampaignState[]> = { pause: ['running'], resume: ['paused'], cancel: ['running', 'paused'] };
      if (!allowed[action].includes(from)) throw new InvalidTransitionError(id, from, action === 'pause' ? 'paused' : action === 'resume' ? 'running' : 'cancelled');
      if (action === 'cancel') {
        await trx.updateTable('operations').set({ state: 'cancelled', reason: reason ?? 'campaign cancelled', completed_at: now, updated_at: now })
          .where('campaign_pk', '=', Number(row.pk)).where('state', 'in', ['pending', 'sent']).execute();
        await trx.updateTable('campaigns').set({ state: 'cancelled', reason: reason ?? 'cancelled by operator', completed_at: now, updated_at: now }).where('pk', '=', row.pk).execute();
      } else {
        await trx.updateTable('campaigns').set({ state: action === 'pause' ? 'paused' : 'running', reason: action === 'pause' ? (reason ?? 'paused by operator') : null, updated_at: now })
          .where('pk', '=', row.pk).execute();
      }
      return this.load(trx, id);
    });
  }

  /** The campaign's devices in device order (keyset `after` a DevId), with their operation's outcome. */
  async listCampaignTargets(id: string, q: { limit?: number; after?: string } = {}): Promise<{ targets: CampaignTarget[]; next?: string }> {
    const limit = q.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new StoreInputError('limit must be an integer from 1 to 1000');
    const db = this.ctx.db;
    const c = await db.selectFrom('campaigns').select(['pk', 'state']).where('id', '=', id).executeTakeFirst();
    if (!c) throw new CampaignNotFoundError(id);
    let query = db.selectFrom('campaign_targets')
      .innerJoin('devices', 'devices.pk', 'campaign_targets.device_pk')
      .leftJoin('operations', 'operations.pk', 'campaign_targets.op_pk')
      .select(['devices.dev_id', 'operations.id as op_id'])
      .where('campaign_targets.campaign_pk', '=', Number(c.pk))
      .orderBy('devices.dev_id').limit(limit + 1);
    if (q.after !== undefined) query = query.where('devices.dev_id', '>', q.after);
    const rows = await query.execute();
    const page = rows.slice(0, limit);
    const targets: CampaignTarget[] = [];
    for (const r of page) {
      if (r.op_id === null) { targets.push({ devId: r.dev_id, state: c.state === 'cancelled' ? 'cancelled' : 'waiting' }); continue; }
      const op = await loadOperation(db, r.op_id);
      const t: CampaignTarget = {
        devId: r.dev_id, state: op.state, operationId: op.id,
        commands: op.commands.map((x) => ({ index: x.index, verb: x.verb, target: x.target, ...(x.status !== undefined ? { status: x.status } : {}), ...(x.reason ? { reason: x.reason } : {}), ...(x.results ? { results: x.results } : {}) })),
      };
      if (op.reason) t.reason = op.reason;
      targets.push(t);
    }
    return { targets, ...(rows.length > limit ? { next: page[page.length - 1]!.dev_id } : {}) };
  }

  /** Device keys matching the filter, in key order. */
  private async matching(db: Kysely<StoreDatabase>, f: CampaignFilter): Promise<number[]> {
    const out: number[] = [];
    let after = -1;
    const want = f.devIds ? new Set(f.devIds) : undefined;
    for (;;) {
      let q = db.selectFrom('devices').select(['pk', 'dev_id', 'dev_info', 'parent_dev_id']).where('pk', '>', after).orderBy('pk').limit(DEVICE_SCAN_PAGE);
      if (f.parentDevId !== undefined) q = q.where('parent_dev_id', '=', f.parentDevId);
      const rows = await q.execute();
      for (const r of rows) {
        if (want && !want.has(r.dev_id)) continue;
        if (f.search !== undefined && !r.dev_id.includes(f.search)) continue;
        if (f.devInfo) {
          const info = r.dev_info ? (JSON.parse(r.dev_info) as Record<string, string>) : {};
          if (!Object.entries(f.devInfo).every(([k, v]) => info[k] === v)) continue;
        }
        out.push(Number(r.pk));
      }
      if (rows.length < DEVICE_SCAN_PAGE) return out;
      after = Number(rows[rows.length - 1]!.pk);
    }
  }

  private async progress(db: Kysely<StoreDatabase>, row: CampaignRow): Promise<CampaignProgress> {
    const rows = await db.selectFrom('operations').select((eb) => ['state', eb.fn.countAll<number>().as('n')])
      .where('campaign_pk', '=', Number(row.pk)).groupBy('state').execute();
    const p: CampaignProgress = { waiting: 0, pending: 0, sent: 0, accepted: 0, succeeded: 0, failed: 0, cancelled: 0, expired: 0 };
    let queued = 0;
    for (const r of rows) {
      const n = Number(r.n);
      queued += n;
      if (r.state in p) p[r.state as OperationState] += n;
    }
    const notQueued = Number(row.targets) - queued;
    if (row.state === 'cancelled') p.cancelled += notQueued;
    else p.waiting = notQueued;
    return p;
  }

  private async load(db: Kysely<StoreDatabase>, id: string): Promise<Campaign> {
    if (typeof id !== 'string') throw new StoreInputError('campaign id must be a string');
    const row = await db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new CampaignNotFoundError(id);
    return this.toCampaign(row, await this.progress(db, row));
  }

  private toCampaign(r: CampaignRow, progress: CampaignProgress): Campaign {
    const c: Campaign = {
      id: r.id, name: r.name, filter: JSON.parse(r.filter) as CampaignFilter, commands: decodeCommands(r.commands, true),
      atomic: Number(r.atomic) === 1, notify: Number(r.notify) === 1, state: r.state as CampaignState,
      batchSize: Number(r.batch_size), maxFailureRate: Number(r.max_failure_rate), targets: Number(r.targets), progress,
      createdAt: toDateReq(r.created_at), updatedAt: toDateReq(r.updated_at),
    };
    if (r.reason !== null) c.reason = r.reason;
    const done = toDate(r.completed_at);
    if (done) c.completedAt = done;
    return c;
  }
}

