/**
 * The admin API: JSON over HTTP under `/api`, bearer-token protected.
 * Every body is validated; an error answers `{ error: { code, message, field? } }`
 * with 400/401/404/409/413, never a stack trace and never another device's data.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Store, Operation, DeviceRecord, CommandVerb, NewOperation, NewDevice, ClientAuthType, ServerAuthType } from '../store/index.js';
import { CampaignNotFoundError, DeviceExistsError, DeviceNotFoundError, OperationNotFoundError, InvalidTransitionError, StoreInputError } from '../store/index.js';
import { OPENAPI } from './openapi.js';
import { handleCampaignApi } from './campaign-api.js';
import { handleBootstrapApi, type BootstrapApiContext } from './bootstrap-api.js';
import { handleVmApi } from './vm-api.js';
import { deviceManagementFields, handleGatewayApi } from './gateway-api.js';
import { decodeMessage, encodeXml } from '../syncml/index.js';
import { DecodeError } from '../errors.js';

/** What the API needs from the server around it. */
export interface AdminApiContext {
  store: Store;
  /** SHA-256 of the API token. */
  tokenHash: Buffer;
  /** Send package #0 to a device; resolves with the session id it announced. */
  notify(devId: string): Promise<{ sessionId: string; address: string }>;
  /** Largest JSON body accepted. */
  maxBodyBytes: number;
  /** Told when an operation is queued or cancelled through the API (live events). */
  onOperationChange?(op: Operation): void;
  /** The bootstrap role (`/api/bootstrap/...`); absent: those routes answer 404. */
  bootstrap?: BootstrapApiContext;
  /** ServerID the server presents (VM accounts the server provisions name it). */
  serverId?: string;
}

/**
 * The readable form of a traced message, made when it is read (not on the
 * session's hot path): indented XML of what was decoded from its bytes.
 */
function readableTrace(m: { bytes?: Uint8Array; encoding: string; truncated: boolean }): string | undefined {
  if (!m.bytes || m.truncated || (m.encoding !== 'xml' && m.encoding !== 'wbxml')) return undefined;
  try {
    return encodeXml(decodeMessage(m.bytes, m.encoding), { indent: 2 });
  } catch (e) {
    if (e instanceof DecodeError) return undefined; // the trace entry's `error` says why
    throw e;
  }
}

/** A device to register from a request body; `at` prefixes field names in errors (`devices[3].`). */
function parseNewDevice(body: Record<string, unknown>, at: string): NewDevice {
  const devId = str(body, `${at}devId`, 1, 512, 'devId');
  const clientAuth = asObj(body.clientAuth, `${at}clientAuth`);
  const type = oneOf(clientAuth, `${at}clientAuth.type`, 'type', CLIENT_AUTH);
  const input: NewDevice = {
    devId,
    clientAuth: { type, name: str(clientAuth, `${at}clientAuth.name`, 1, 256, 'name'), secret: str(clientAuth, `${at}clientAuth.secret`, 1, 1024, 'secret') },
  };
  if (body.serverAuth !== undefined) {
    const sa = asObj(body.serverAuth, `${at}serverAuth`);
    input.serverAuth = { type: oneOf(sa, `${at}serverAuth.type`, 'type', SERVER_AUTH), secret: str(sa, `${at}serverAuth.secret`, 0, 1024, 'secret') };
    if (sa.name !== undefined) input.serverAuth.name = str(sa, `${at}serverAuth.name`, 1, 256, 'name');
  }
  if (body.notifyAddress !== undefined) input.notifyAddress = str(body, `${at}notifyAddress`, 1, 512, 'notifyAddress');
  if (body.parentDevId !== undefined) input.parentDevId = str(body, `${at}parentDevId`, 1, 512, 'parentDevId');
  return input;
}

/** The `commands` of an operation (or a campaign) from a request body, each field checked. */
export function parseCommands(commands: unknown): NewOperation['commands'] {
  if (!Array.isArray(commands) || commands.length === 0) throw new ApiError(400, 'invalid', 'commands must be a non-empty array', 'commands');
  if (commands.length > 1000) throw new ApiError(400, 'invalid', 'at most 1000 commands', 'commands');
  return commands.map((c: unknown, i: number) => {
    const o = asObj(c, `commands[${i}]`);
    const verb = oneOf(o, `commands[${i}].verb`, 'verb', VERBS);
    const cmd: NewOperation['commands'][number] = { verb, target: str(o, `commands[${i}].target`, 1, 1024, 'target') };
    if (o.source !== undefined) cmd.source = str(o, `commands[${i}].source`, 1, 1024, 'source');
    if (o.data !== undefined) cmd.data = str(o, `commands[${i}].data`, 0, 16 * 1024 * 1024, 'data');
    if (o.format !== undefined) cmd.format = str(o, `commands[${i}].format`, 1, 16, 'format');
    if (o.type !== undefined) cmd.type = str(o, `commands[${i}].type`, 1, 256, 'type');
    if (verb === 'Copy' && cmd.source === undefined) throw new ApiError(400, 'invalid', 'Copy needs a source', `commands[${i}].source`);
    return cmd;
  });
}

/** An API error answer (status, code, message, field). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string) {
    super(message);
  }
}

const VERBS: readonly CommandVerb[] = ['Get', 'Replace', 'Add', 'Delete', 'Exec', 'Copy'];
const CLIENT_AUTH: readonly ClientAuthType[] = ['basic', 'md5', 'hmac'];
const SERVER_AUTH: readonly ServerAuthType[] = ['none', 'basic', 'md5', 'hmac'];

/** Handle a request under /api; returns false when the path is not the API's. */
export async function handleAdminApi(req: IncomingMessage, res: ServerResponse, ctx: AdminApiContext): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://x');
  if (!url.pathname.startsWith('/api/')) return false;
  try {
    if (url.pathname === '/api/openapi.json' && req.method === 'GET') { send(res, 200, OPENAPI); return true; }
    if (await handleVmApi(req, res, { ...ctx, authorize: () => authorize(req, ctx.tokenHash) })) return true;
    if (await handleGatewayApi(req, res, { ...ctx, authorize: () => authorize(req, ctx.tokenHash) })) return true;
    authorize(req, ctx.tokenHash);
    if (await handleCampaignApi(req, res, url, ctx.store)) return true;
    const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
    const route = `${req.method} ${parts.map((p, i) => (i % 2 === 1 ? '{}' : p)).join('/')}`;
    const store = ctx.store;
    if (parts[0] === 'bootstrap' && ctx.bootstrap) return await handleBootstrapApi(req, res, url, parts, ctx.bootstrap, ctx.maxBodyBytes);
    switch (route) {
      case 'GET devices': {
        const limit = intParam(url, 'limit', 1, 500) ?? 100;
        const page = await store.listDevices({ limit, ...(url.searchParams.get('after') ? { after: url.searchParams.get('after')! } : {}), ...(url.searchParams.get('search') ? { search: url.searchParams.get('search')! } : {}) });
        send(res, 200, page);
        return true;
      }
      case 'POST devices': {
        const d = await store.registerDevice(parseNewDevice(await readJson(req, ctx.maxBodyBytes), ''));
        send(res, 201, publicDevice(d));
        return true;
      }
      case 'POST device-batches': {
        const body = await readJson(req, ctx.maxBodyBytes);
        const list = body.devices;
        if (!Array.isArray(list) || list.length === 0 || list.length > 100_000) throw new ApiError(400, 'invalid', 'devices must be an array of 1 to 100000 devices', 'devices');
        const registered = await store.registerDevices(list.map((d: unknown, i: number) => parseNewDevice(asObj(d, `devices[${i}]`), `devices[${i}].`)));
        send(res, 201, { registered });
        return true;
      }
      case 'GET devices/{}': {
        const d = await store.getDevice(parts[1]);
        if (!d) throw new ApiError(404, 'not_found', `no device ${JSON.stringify(parts[1])}`);
        const [tree, sessions, operations] = await Promise.all([store.getTree(d.devId), store.listSessions(d.devId, { limit: 20 }), store.listOperations(d.devId, { limit: 50 })]);
        send(res, 200, { ...publicDevice(d), ...(await deviceManagementFields(store, d.devId)), tree, sessions, operations: operations.map(publicOperation) });
        return true;
      }
      case 'POST devices/{}/operations': {
        const body = await readJson(req, ctx.maxBodyBytes);
        const commands = body.commands;
        const op: NewOperation = { commands: parseCommands(commands) };
        if (body.atomic !== undefined) op.atomic = bool(body, 'atomic');
        if (body.notify !== undefined) op.notify = bool(body, 'notify');
        if (body.expiresInSeconds !== undefined) {
          const s = body.expiresInSeconds;
          if (typeof s !== 'number' || !Number.isInteger(s) || s < 1 || s > 366 * 86400) throw new ApiError(400, 'invalid', 'expiresInSeconds must be an integer from 1 to 31622400', 'expiresInSeconds');
          op.expiresAt = new Date(Date.now() + s * 1000);
        }
        const key = req.headers['idempotency-key'];
        if (key !== undefined) {
          if (typeof key !== 'string' || key.length === 0 || key.length > 256) throw new ApiError(400, 'invalid', 'Idempotency-Key must be 1 to 256 characters', 'Idempotency-Key');
          op.idempotencyKey = key;
        }
        const created = await store.createOperation(parts[1], op);
        if (created.replayed) {
          // A retry of a request that was already served: the same operation, nothing queued or sent again.
          send(res, 200, publicOperation(created));
          return true;
        }
        ctx.onOperationChange?.(created);
        let notified: { sessionId: string } | undefined;
        if (op.notify) {
          try {
            notified = await ctx.notify(parts[1]);
            await store.markNotified(created.id);
          } catch (e) {
            send(res, 201, { ...publicOperation(created), notifyError: (e as Error).message });
            return true;
          }
        }
        send(res, 201, { ...publicOperation(created), ...(notified ? { notifiedSessionId: notified.sessionId } : {}) });
        return true;
      }
      case 'GET operations/{}': {
        const op = await store.getOperation(parts[1]);
        if (!op) throw new ApiError(404, 'not_found', `no operation ${JSON.stringify(parts[1])}`);
        send(res, 200, publicOperation(op));
        return true;
      }
      case 'DELETE operations/{}': {
        const op = await store.cancelOperation(parts[1], 'cancelled through the API');
        ctx.onOperationChange?.(op);
        send(res, 200, publicOperation(op));
        return true;
      }
      case 'POST devices/{}/notify': {
        const d = await store.getDevice(parts[1]);
        if (!d) throw new ApiError(404, 'not_found', `no device ${JSON.stringify(parts[1])}`);
        send(res, 202, await ctx.notify(d.devId));
        return true;
      }
      case 'GET devices/{}/sessions': {
        const d = await store.getDevice(parts[1]);
        if (!d) throw new ApiError(404, 'not_found', `no device ${JSON.stringify(parts[1])}`);
        send(res, 200, { sessions: await store.listSessions(d.devId, { limit: intParam(url, 'limit', 1, 500) ?? 50 }) });
        return true;
      }
      case 'GET sessions/{}': {
        const s = await store.getSession(parts[1]);
        if (!s) throw new ApiError(404, 'not_found', `no session ${JSON.stringify(parts[1])}`);
        send(res, 200, { ...s, messages: s.messages.map((m) => ({ ...m, decoded: m.decoded ?? readableTrace(m), bytes: m.bytes ? Buffer.from(m.bytes).toString('base64') : undefined })) });
        return true;
      }
      default:
        throw new ApiError(404, 'not_found', `no route ${req.method} ${url.pathname}`);
    }
  } catch (e) {
    if (e instanceof ApiError) send(res, e.status, { error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } });
    else if (e instanceof DeviceExistsError) send(res, 409, { error: { code: 'exists', message: e.message } });
    else if (e instanceof DeviceNotFoundError || e instanceof OperationNotFoundError || e instanceof CampaignNotFoundError) send(res, 404, { error: { code: 'not_found', message: e.message } });
    else if (e instanceof InvalidTransitionError) send(res, 409, { error: { code: 'conflict', message: e.message } });
    else if (e instanceof StoreInputError) send(res, 400, { error: { code: 'invalid', message: e.message } });
    else throw e;
    return true;
  }
}

/** True when the request carries `Authorization: Bearer <the API token>` (compared in constant time). */
export function hasValidBearer(req: IncomingMessage, tokenHash: Buffer): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const given = createHash('sha256').update(m ? m[1] : '').digest();
  return m !== null && timingSafeEqual(given, tokenHash);
}

function authorize(req: IncomingMessage, tokenHash: Buffer): void {
  if (!hasValidBearer(req, tokenHash)) throw new ApiError(401, 'unauthorized', 'a valid bearer token is required');
}

/** Read a request body of at most `max` bytes (413 beyond, refused as soon as it shows). */
export async function readBody(req: IncomingMessage, max: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) throw new ApiError(413, 'too_large', `body larger than ${max} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) throw new ApiError(413, 'too_large', `body larger than ${max} bytes`);
    chunks.push(c as Buffer);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** Read a JSON object body (application/json, at most `max` bytes). */
export async function readJson(req: IncomingMessage, max: number): Promise<Record<string, unknown>> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new ApiError(415, 'unsupported_media_type', 'send application/json');
  const body = await readBody(req, max);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (e) {
    throw new ApiError(400, 'invalid_json', `body is not JSON: ${(e as Error).message}`);
  }
  return asObj(parsed, 'body');
}

export function asObj(x: unknown, field: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ApiError(400, 'invalid', `${field} must be an object`, field);
  return x as Record<string, unknown>;
}
export function obj(o: Record<string, unknown>, key: string): Record<string, unknown> {
  return asObj(o[key], key);
}
export function str(o: Record<string, unknown>, field: string, min: number, max: number, key = field): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ApiError(400, 'invalid', `${field} must be a string`, field);
  if (v.length < min || v.length > max) throw new ApiError(400, 'invalid', `${field} must be ${min}–${max} characters`, field);
  return v;
}
export function bool(o: Record<string, unknown>, field: string): boolean {
  if (typeof o[field] !== 'boolean') throw new ApiError(400, 'invalid', `${field} must be true or false`, field);
  return o[field] as boolean;
}
function oneOf<T extends string>(o: Record<string, unknown>, field: string, key: string, allowed: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new ApiError(400, 'invalid', `${field} must be one of ${allowed.join(', ')}`, field);
  return v as T;
}
export function intParam(url: URL, name: string, min: number, max: number): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ApiError(400, 'invalid', `${name} must be an integer ${min}–${max}`, name);
  return n;
}

/** Answer JSON. */
export function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/** A device without its secrets. */
function publicDevice(d: DeviceRecord): Record<string, unknown> {
  const { clientAuth, serverAuth, clientNonce: _c, serverNonce: _s, ...rest } = d;
  return { ...rest, clientAuth: { type: clientAuth.type, name: clientAuth.name }, ...(serverAuth ? { serverAuth: { type: serverAuth.type, ...(serverAuth.name ? { name: serverAuth.name } : {}) } } : {}) };
}

function publicOperation(op: Operation): Operation {
  return op;
}
