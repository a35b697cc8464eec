/**
 * What every repository shares: the Kysely handle, the dialect, the resolved
 * options, and the small conversions between rows and records (times,
 * booleans, binary, JSON) that are the same for every table.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Dialect } from './migrations.js';
import type { StoreDatabase } from './schema.js';
import type { ResultItem, StoreOptions } from './types.js';
import { StoreInputError } from './errors.js';

/** Options with their defaults filled in. */
export interface ResolvedOptions {
  maxTracedSessionsPerDevice: number;
  maxSessionsPerDevice: number;
  traceBodies: 'all' | 'errors' | 'none';
  maxTraceBodyBytes: number;
  trackTree: boolean;
  now: () => Date;
  random: (n: number) => Uint8Array;
}

/** The shared state of one open store. */
export interface StoreContext {
  readonly db: Kysely<StoreDatabase>;
  readonly dialect: Dialect;
  readonly options: ResolvedOptions;
}

/** Fill in defaults; refuse nonsense. */
export function resolveOptions(o: StoreOptions): ResolvedOptions {
  const maxTraced = o.maxTracedSessionsPerDevice ?? 20;
  const maxSessions = o.maxSessionsPerDevice ?? 500;
  const maxBody = o.maxTraceBodyBytes ?? 65536;
  for (const [name, v] of [['maxTracedSessionsPerDevice', maxTraced], ['maxSessionsPerDevice', maxSessions], ['maxTraceBodyBytes', maxBody]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new StoreInputError(`${name} must be a non-negative integer, not ${v}`);
  }
  const traceBodies = o.traceBodies ?? 'all';
  if (!['all', 'errors', 'none'].includes(traceBodies)) throw new StoreInputError(`traceBodies must be all, errors or none, not ${String(traceBodies)}`);
  return {
    maxTracedSessionsPerDevice: maxTraced,
    maxSessionsPerDevice: Math.max(maxSessions, maxTraced),
    traceBodies,
    maxTraceBodyBytes: maxBody,
    trackTree: o.trackTree ?? true,
    now: o.now ?? (() => new Date()),
    random: o.random ?? ((n) => new Uint8Array(randomBytes(n))),
  };
}

/** Milliseconds since the epoch of a time, or of now. */
export function ms(ctx: StoreContext, at?: Date): number {
  const t = (at ?? ctx.options.now()).getTime();
  if (!Number.isFinite(t)) throw new StoreInputError('invalid Date');
  return t;
}

/** A stored time (number, or a numeric string from a driver) as a Date; undefined for NULL. */
export function toDate(v: number | string | null | undefined): Date | undefined {
  return v === null || v === undefined ? undefined : new Date(Number(v));
}

/** A non-null stored time as a Date. */
export function toDateReq(v: number | string): Date {
  return new Date(Number(v));
}

/** NULL → undefined. */
export function opt<T>(v: T | null | undefined): T | undefined {
  return v === null || v === undefined ? undefined : v;
}

/** A driver's Buffer as a plain Uint8Array (a copy, detached from driver memory). */
export function toBytes(v: Uint8Array | null | undefined): Uint8Array | undefined {
  return v === null || v === undefined ? undefined : new Uint8Array(v);
}

/** A Uint8Array as the drivers want it (both accept Buffer). */
export function fromBytes(v: Uint8Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** JSON text of a record of strings, or undefined. */
export function parseStringRecord(v: string | null): Record<string, string> | undefined {
  // JSON.parse makes a `__proto__` key an own property, never the prototype.
  return v === null ? undefined : (JSON.parse(v) as Record<string, string>);
}

interface StoredResultItem {
  source?: string;
  data?: string;
  /** `data` is base64 of bytes. */
  b64?: true;
  format?: string;
  type?: string;
}

/** Result items as JSON text (bytes as base64). */
export function encodeResults(items: ResultItem[] | undefined): string | null {
  if (items === undefined) return null;
  return JSON.stringify(items.map((i) => {
    const s: StoredResultItem = {};
    if (i.source !== undefined) s.source = i.source;
    if (i.format !== undefined) s.format = i.format;
    if (i.type !== undefined) s.type = i.type;
    if (typeof i.data === 'string') s.data = i.data;
    else if (i.data !== undefined) { s.data = Buffer.from(i.data).toString('base64'); s.b64 = true; }
    return s;
  }));
}

/** Result items from their JSON text. */
export function decodeResults(v: string | null): ResultItem[] | undefined {
  if (v === null) return undefined;
  return (JSON.parse(v) as StoredResultItem[]).map((s) => {
    const i: ResultItem = {};
    if (s.source !== undefined) i.source = s.source;
    if (s.format !== undefined) i.format = s.format;
    if (s.type !== undefined) i.type = s.type;
    if (s.data !== undefined) i.data = s.b64 ? new Uint8Array(Buffer.from(s.data, 'base64')) : s.data;
    return i;
  });
}

/** Escape `%`, `_` and `\` for a LIKE pattern with `escape '\'`. */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

/** Rows per statement when inserting many (well under SQLite's and PostgreSQL's parameter limits). */
export const BATCH = 200;

/** Split an array into batches. */
export function batches<T>(xs: readonly T[], n = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/**
 * Run `fn` in a transaction — or, when `db` already is one (a caller's unit
 * of work, {@link Store.transaction}), inside it: Kysely has no nested transactions.
 */
export function inTransaction<T>(db: Kysely<StoreDatabase>, fn: (trx: Kysely<StoreDatabase>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
