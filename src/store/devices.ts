/**
 * The device registry: identity, credentials, nonces, what each device last
 * reported, and its last-known management tree. Every call touches one
 * device through the unique index on `dev_id`; only `listDevices` (an
 * operator's query, never run by a DM session) reads more than one.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import {
  batches, fromBytes, likeEscape, ms, opt, parseStringRecord, toBytes, toDate, toDateReq, type StoreContext, inTransaction,
} from './context.js';
import { DeviceExistsError, DeviceNotFoundError, StoreInputError, isUniqueViolation } from './errors.js';
import type { DevicesTable, StoreDatabase } from './schema.js';
import type {
  CheckIn, ClientAuth, DevicePage, DeviceRecord, DeviceSummary, DeviceUpdate, ListDevicesQuery, NewDevice, SecretKind,
  ServerAuth, TreeNode, TreeNodeUpdate,
} from './types.js';
import { BOOTSTRAP_METHODS } from './types.js';

const CLIENT_AUTH_TYPES = new Set(['basic', 'md5', 'hmac']);
const SERVER_AUTH_TYPES = new Set(['none', 'basic', 'md5', 'hmac']);
const MAX_ID_LENGTH = 512;

function checkDevId(devId: unknown): asserts devId is string {
  if (typeof devId !== 'string' || devId.length === 0 || devId.length > MAX_ID_LENGTH) {
    throw new StoreInputError(`DevId must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
}

function checkBootstrapMethod(m: unknown): string {
  if (typeof m !== 'string' || !(BOOTSTRAP_METHODS as readonly string[]).includes(m)) throw new StoreInputError(`bootstrapMethod must be one of ${BOOTSTRAP_METHODS.join(', ')}`);
  return m;
}

function checkSecret(who: string, type: string, secret: unknown, kind: SecretKind): void {
  if (typeof secret !== 'string') throw new StoreInputError(`${who} secret must be a string`);
  if (kind !== 'password' && kind !== 'md5-hash') throw new StoreInputError(`${who} secretKind must be password or md5-hash`);
  if (kind === 'md5-hash') {
    if (type === 'basic') throw new StoreInputError(`${who}: basic authentication needs the password, not an md5 hash`);
    if (!/^[A-Za-z0-9+/]{22}==$/.test(secret)) throw new StoreInputError(`${who}: an md5-hash secret is B64(MD5(name ":" password)), 24 characters`);
  }
}

function clientAuthColumns(a: ClientAuth) {
  if (!CLIENT_AUTH_TYPES.has(a?.type)) throw new StoreInputError(`clientAuth.type must be basic, md5 or hmac, not ${String(a?.type)}`);
  if (typeof a.name !== 'string' || a.name === '') throw new StoreInputError('clientAuth.name must be a non-empty string');
  const kind = a.secretKind ?? 'password';
  checkSecret('clientAuth', a.type, a.secret, kind);
  return { client_auth_type: a.type, client_auth_name: a.name, client_auth_secret: a.secret, client_secret_kind: kind };
}

function serverAuthColumns(a: ServerAuth | null | undefined) {
  if (a === null || a === undefined) {
    return { server_auth_type: null, server_auth_name: null, server_auth_secret: null, server_secret_kind: null };
  }
  if (!SERVER_AUTH_TYPES.has(a.type)) throw new StoreInputError(`serverAuth.type must be none, basic, md5 or hmac, not ${String(a.type)}`);
  const kind = a.secretKind ?? 'password';
  checkSecret('serverAuth', a.type, a.secret, kind);
  return { server_auth_type: a.type, server_auth_name: a.name ?? null, server_auth_secret: a.secret, server_secret_kind: kind };
}

function toRecord(r: Selectable<DevicesTable>): DeviceRecord {
  const d: DeviceRecord = {
    devId: r.dev_id,
    clientAuth: {
      type: r.client_auth_type as ClientAuth['type'],
      name: r.client_auth_name,
      secret: r.client_auth_secret,
      secretKind: r.client_secret_kind as SecretKind,
    },
    createdAt: toDateReq(r.created_at),
    updatedAt: toDateReq(r.updated_at),
  };
  if (r.parent_dev_id !== null) d.parentDevId = r.parent_dev_id;
  if (r.server_auth_type !== null) {
    d.serverAuth = {
      type: r.server_auth_type as ServerAuth['type'],
      secret: r.server_auth_secret ?? '',
      secretKind: (r.server_secret_kind ?? 'password') as SecretKind,
    };
    if (r.server_auth_name !== null) d.serverAuth.name = r.server_auth_name;
  }
  const cn = toBytes(r.client_nonce);
  if (cn) d.clientNonce = cn;
  const sn = toBytes(r.server_nonce);
  if (sn) d.serverNonce = sn;
  if (r.notify_address !== null) d.notifyAddress = r.notify_address;
  const di = parseStringRecord(r.dev_info);
  if (di) d.devInfo = di;
  const dd = parseStringRecord(r.dev_detail);
  if (dd) d.devDetail = dd;
  if (r.last_session_id !== null) d.lastSessionId = r.last_session_id;
  const seen = toDate(r.last_seen_at);
  if (seen) d.lastSeenAt = seen;
  if (r.bootstrap_method) d.bootstrapMethod = r.bootstrap_method as DeviceRecord['bootstrapMethod'] & string;
  return d;
}

function toSummary(r: Selectable<DevicesTable>): DeviceSummary {
  const { clientAuth, serverAuth: _s, clientNonce: _c, serverNonce: _n, devDetail: _d, ...rest } = toRecord(r);
  return { ...rest, clientAuthType: clientAuth.type };
}

/** The internal key of a device, or {@link DeviceNotFoundError}. */
export async function devicePk(db: Kysely<StoreDatabase>, devId: string): Promise<number> {
  checkDevId(devId);
  const row = await db.selectFrom('devices').select('pk').where('dev_id', '=', devId).executeTakeFirst();
  if (!row) throw new DeviceNotFoundError(devId);
  return Number(row.pk);
}

/**
 * URIs as the tree keeps them: absolute, `./A/B` (a relative `A/B` gets the
 * `./`), no trailing `/`; the root is `.`. `A/B` and `./A/B` name the same
 * node, so they must be one row.
 */
export function normalizeUri(uri: string): string {
  let u = uri;
  while (u.length > 1 && u.endsWith('/')) u = u.slice(0, -1);
  if (u === '.' || u === '/' || u === '') return '.';
  if (u.startsWith('./')) return u;
  return './' + (u.startsWith('/') ? u.slice(1) : u);
}

/** The subtree condition: `uri` itself or anything below `uri/` (a byte range, so the primary key serves it). */
function subtreeBounds(uri: string): [string, string] {
  return [uri + '/', uri + '0']; // '0' is the character after '/'
}

/**
 * Apply tree changes for one device inside the caller's transaction: upserts
 * by URI (last one wins within a call), removals of whole subtrees.
 */
export async function applyTreeUpdates(db: Kysely<StoreDatabase>, pk: number, updates: readonly TreeNodeUpdate[], at: number): Promise<void> {
  // Runs of upserts are batched; a removal is applied in order, so "remove X, then add X/a" works.
  let run = new Map<string, TreeNodeUpdate>();
  const flush = async () => {
    for (const b of batches([...run.values()])) {
      await db.insertInto('device_tree')
        .values(b.map((u) => {
          const n = u as { uri: string; value?: string; format?: string; type?: string };
          return { device_pk: pk, uri: n.uri, value: n.value ?? null, format: n.format ?? null, type: n.type ?? null, updated_at: at };
        }))
        // What an update does not say is kept: a Get ?list=Struct names nodes without their values.
        .onConflict((oc) => oc.columns(['device_pk', 'uri']).doUpdateSet((eb) => ({
          value: eb.fn.coalesce(eb.ref('excluded.value'), eb.ref('device_tree.value')),
          format: eb.fn.coalesce(eb.ref('excluded.format'), eb.ref('device_tree.format')),
          type: eb.fn.coalesce(eb.ref('excluded.type'), eb.ref('device_tree.type')),
          updated_at: eb.ref('excluded.updated_at'),
        })))
        .execute();
    }
    run = new Map();
  };
  for (const u of updates) {
    if (typeof u?.uri !== 'string' || u.uri === '') throw new StoreInputError('tree node uri must be a non-empty string');
    const uri = normalizeUri(u.uri);
    if (u.remove === true) {
      await flush();
      const [lo, hi] = subtreeBounds(uri);
      await db.deleteFrom('device_tree')
        .where('device_pk', '=', pk)
        .where((eb) => eb.or([eb('uri', '=', uri), eb.and([eb('uri', '>=', lo), eb('uri', '<', hi)])]))
        .execute();
    } else {
      run.delete(uri);
      run.set(uri, { ...u, uri });
    }
  }
  await flush();
}

/** The row of a device being registered (input checked). */
function newDeviceRow(d: NewDevice, now: number) {
  checkDevId(d?.devId);
  if (d.parentDevId !== undefined) checkDevId(d.parentDevId);
  return {
    dev_id: d.devId,
    parent_dev_id: d.parentDevId ?? null,
    ...clientAuthColumns(d.clientAuth),
    ...serverAuthColumns(d.serverAuth),
    client_nonce: null,
    server_nonce: null,
    notify_address: d.notifyAddress ?? null,
    bootstrap_method: d.bootstrapMethod !== undefined ? checkBootstrapMethod(d.bootstrapMethod) : null,
    dev_info: null,
    dev_detail: null,
    last_session_id: null,
    last_seen_at: null,
    created_at: now,
    updated_at: now,
  };
}

/** Device registry calls; see {@link Store}. */
export class DeviceRepository {
  constructor(private readonly ctx: StoreContext) {}

  async registerDevice(d: NewDevice): Promise<DeviceRecord> {
    const values = newDeviceRow(d, ms(this.ctx));
    try {
      const row = await this.ctx.db.insertInto('devices').values(values).returningAll().executeTakeFirstOrThrow();
      return toRecord(row);
    } catch (e) {
      if (isUniqueViolation(e)) throw new DeviceExistsError(d.devId);
      throw e;
    }
  }

  /** Register many devices at once, all or none ({@link DeviceExistsError} names one already registered). */
  async registerDevices(list: readonly NewDevice[]): Promise<number> {
    if (!Array.isArray(list) || list.length === 0) throw new StoreInputError('devices must be a non-empty array');
    if (list.length > 100_000) throw new StoreInputError('at most 100000 devices at once');
    const now = ms(this.ctx);
    const rows = list.map((d) => newDeviceRow(d, now));
    const seen = new Set<string>();
    for (const r of rows) {
      if (seen.has(r.dev_id)) throw new StoreInputError(`device ${JSON.stringify(r.dev_id)} appears twice`);
      seen.add(r.dev_id);
    }
    return inTransaction(this.ctx.db, async (trx) => {
      for (const b of batches(rows)) {
        // Checked first: on PostgreSQL a failed insert would abort the whole transaction.
        const taken = await trx.selectFrom('devices').select('dev_id').where('dev_id', 'in', b.map((r) => r.dev_id)).limit(1).executeTakeFirst();
        if (taken) throw new DeviceExistsError(taken.dev_id);
        await trx.insertInto('devices').values(b).execute();
      }
      return rows.length;
    });
  }

  async getDevice(devId: string): Promise<DeviceRecord | undefined> {
    checkDevId(devId);
    const row = await this.ctx.db.selectFrom('devices').selectAll().where('dev_id', '=', devId).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async updateDevice(devId: string, u: DeviceUpdate): Promise<DeviceRecord> {
    checkDevId(devId);
    const set: Partial<Selectable<DevicesTable>> = { updated_at: ms(this.ctx) };
    if (u.clientAuth !== undefined) Object.assign(set, clientAuthColumns(u.clientAuth));
    if (u.serverAuth !== undefined) Object.assign(set, serverAuthColumns(u.serverAuth));
    if (u.notifyAddress !== undefined) set.notify_address = u.notifyAddress;
    if (u.bootstrapMethod !== undefined) set.bootstrap_method = u.bootstrapMethod === null ? null : checkBootstrapMethod(u.bootstrapMethod);
    if (u.parentDevId !== undefined) {
      if (u.parentDevId !== null) checkDevId(u.parentDevId);
      set.parent_dev_id = u.parentDevId;
    }
    const row = await this.ctx.db.updateTable('devices').set(set).where('dev_id', '=', devId).returningAll().executeTakeFirst();
    if (!row) throw new DeviceNotFoundError(devId);
    return toRecord(row);
  }

  /** Remove a device with its tree and operations; its sessions and alerts stay in the audit trail. */
  async deleteDevice(devId: string): Promise<boolean> {
    checkDevId(devId);
    return inTransaction(this.ctx.db, async (trx) => {
      const row = await trx.selectFrom('devices').select('pk').where('dev_id', '=', devId).executeTakeFirst();
      if (!row) return false;
      const pk = Number(row.pk);
      // Explicit rather than relying on ON DELETE CASCADE, which SQLite honours only with foreign_keys on.
      const ops = trx.selectFrom('operations').select('pk').where('device_pk', '=', pk);
      await trx.deleteFrom('operation_commands').where('op_pk', 'in', ops).execute();
      await trx.deleteFrom('operations').where('device_pk', '=', pk).execute();
      await trx.deleteFrom('device_tree').where('device_pk', '=', pk).execute();
      await trx.deleteFrom('devices').where('pk', '=', pk).execute();
      return true;
    });
  }

  async listDevices(q: ListDevicesQuery = {}): Promise<DevicePage> {
    const limit = q.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new StoreInputError('limit must be an integer from 1 to 1000');
    let query = this.ctx.db.selectFrom('devices').selectAll().orderBy('dev_id').limit(limit + 1);
    if (q.after !== undefined) query = query.where('dev_id', '>', q.after);
    if (q.parentDevId !== undefined) query = query.where('parent_dev_id', '=', q.parentDevId);
    if (q.search !== undefined && q.search !== '') {
      const pattern = '%' + likeEscape(q.search.toLowerCase()) + '%';
      query = query.where(sql<boolean>`lower(dev_id) like ${pattern} escape '\\'`);
    }
    const rows = await query.execute();
    const page: DevicePage = { devices: rows.slice(0, limit).map(toSummary) };
    if (rows.length > limit) page.next = rows[limit - 1]!.dev_id;
    return page;
  }

  async recordCheckIn(devId: string, c: CheckIn): Promise<void> {
    checkDevId(devId);
    if (typeof c?.sessionId !== 'string') throw new StoreInputError('checkIn.sessionId must be a string');
    const at = ms(this.ctx, c.at);
    const set: Partial<Selectable<DevicesTable>> = { last_session_id: c.sessionId, last_seen_at: at, updated_at: at };
    if (c.devInfo !== undefined) set.dev_info = JSON.stringify(c.devInfo);
    if (c.devDetail !== undefined) set.dev_detail = JSON.stringify(c.devDetail);
    if (c.clientNonce !== undefined) {
      if (!(c.clientNonce instanceof Uint8Array)) throw new StoreInputError('checkIn.clientNonce must be a Uint8Array');
      set.client_nonce = fromBytes(c.clientNonce);
    }
    await this.updateOne(devId, set);
  }

  /** The nonce we issued for the device's next md5/HMAC digest. */
  async setClientNonce(devId: string, nonce: Uint8Array): Promise<void> {
    checkDevId(devId);
    if (!(nonce instanceof Uint8Array)) throw new StoreInputError('nonce must be a Uint8Array');
    await this.updateOne(devId, { client_nonce: fromBytes(nonce), updated_at: ms(this.ctx) });
  }

  /** The nonce the device issued to us, for our next digest. */
  async setServerNonce(devId: string, nonce: Uint8Array): Promise<void> {
    checkDevId(devId);
    if (!(nonce instanceof Uint8Array)) throw new StoreInputError('nonce must be a Uint8Array');
    await this.updateOne(devId, { server_nonce: fromBytes(nonce), updated_at: ms(this.ctx) });
  }

  async updateTree(devId: string, nodes: readonly TreeNodeUpdate[], at?: Date): Promise<void> {
    const t = ms(this.ctx, at);
    await inTransaction(this.ctx.db, async (trx) => {
      const pk = await devicePk(trx, devId);
      await applyTreeUpdates(trx, pk, nodes, t);
    });
  }

  /** The last-known tree in URI order; with `under`, only that node and its subtree. */
  async getTree(devId: string, under?: string): Promise<TreeNode[]> {
    const pk = await devicePk(this.ctx.db, devId);
    let q = this.ctx.db.selectFrom('device_tree').selectAll().where('device_pk', '=', pk).orderBy('uri');
    if (under !== undefined) {
      const root = normalizeUri(under);
      const [lo, hi] = subtreeBounds(root);
      q = q.where((eb) => eb.or([eb('uri', '=', root), eb.and([eb('uri', '>=', lo), eb('uri', '<', hi)])]));
    }
    const rows = await q.execute();
    return rows.map((r) => {
      const n: TreeNode = { uri: r.uri, updatedAt: toDateReq(r.updated_at) };
      const value = opt(r.value);
      if (value !== undefined) n.value = value;
      const format = opt(r.format);
      if (format !== undefined) n.format = format;
      const type = opt(r.type);
      if (type !== undefined) n.type = type;
      return n;
    });
  }

  private async updateOne(devId: string, set: Partial<Selectable<DevicesTable>>): Promise<void> {
    const r = await this.ctx.db.updateTable('devices').set(set).where('dev_id', '=', devId).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new DeviceNotFoundError(devId);
  }
}
