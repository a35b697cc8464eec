/**
 * The DM endpoint: runs `ServerSession`s against the store. One call per
 * HTTP request: decode, route to the session named by the RespURI token (or
 * start one), feed the engine, persist what it reports, trace the exchange,
 * answer.
 *
 * The device's pending operations are claimed for the session when it
 * starts (they are invisible to other sessions from then on); whatever the
 * session did not finish goes back to pending when it ends — a retry is
 * counted in the operation's `attempts`, never silent.
 */
import { createHash, randomBytes } from 'node:crypto';
import { decodeMessage, encodeEmbeddedXml, classifyDmContentType, dmMediaTypeFor, type SyncMLMessage, type Item } from '../syncml/index.js';
import { ServerSession, type DeviceCredentials, type PendingOperation, type ServerSessionEvent } from '../session/server-session.js';
import type { Store, DeviceRecord, Operation, ResultItem, TreeNodeUpdate, CheckIn, CommandResult } from '../store/index.js';
import { DecodeError } from '../errors.js';
import { AuthFailureLimiter, type AuthFailureLimits } from './auth-failure-limiter.js';
import { decodeSessionState, encodeSessionState, type StoredSessionState } from './session-state.js';

/** One HTTP exchange as the endpoint sees it. */
export interface DmRequest {
  body: Uint8Array;
  contentType: string;
  hmacHeader?: string;
  /** The session token from the RespURI, if the client used it. */
  token?: string;
  /** The client's network address (for rate limits on failed authentication). */
  remoteAddress?: string;
}

/** The answer. */
export interface DmResponse {
  status: number;
  body: Uint8Array;
  contentType: string;
  hmacHeader?: string;
  /** With a 503: when to try again. */
  retryAfterSeconds?: number;
}

/** Options of the endpoint. */
export interface DmEndpointOptions {
  store: Store;
  /** ServerID we present. */
  serverId: string;
  /** Public base URL of the DM path, e.g. `https://dm.example.com/dm` (RespURI = this + `?s=<token>`). */
  publicUrl: string;
  /** Idle time after which an open session is dropped and its operations released. Default 5 min. */
  sessionIdleMs?: number;
  /** Notified session ids, so Alert 1200 sessions are recognised as server-initiated. */
  notifiedSessions?: Map<string, { devId: string; at: number }>;
  /** Told about each finished session (metrics, logs). */
  onSessionEnd?: (e: { devId: string; state: string; reason?: string; messages: number; ms: number }) => void;
  /** Told about failed authentication. */
  onAuthFailure?: (devId: string) => void;
  /** New sessions are refused (503, retry later) while this many are open on this node. Default 50,000. */
  maxOpenSessions?: number;
  /**
   * Cluster mode: keep each open session's state in the store after every
   * message, so that any node sharing the database can take the next one
   * (the RespURI is then valid on every node). Off: sessions live in this
   * process's memory (one node).
   */
  sharedSessions?: boolean;
  /** Rate limits on failed authentication; default {@link DEFAULT_AUTH_LIMITS}. */
  authLimits?: Partial<AuthFailureLimits>;
  /** Told when a new session is refused by the rate limit. */
  onRateLimited?: (e: { devId: string; remoteAddress: string }) => void;
  /** Told when an operation reaches a final state in a session. */
  onOperationDone?: (e: { operationId: string; devId: string; state: string }) => void;
  /** GwMO proxy mode: end devices reached through the device of a session (src/server/gateway-api.ts). */
  gatewayRouting?: GatewayRouting;
}

/** How the endpoint carries proxy-mode end devices' work in their gateway's session. */
export interface GatewayRouting {
  /**
   * Claim the pending operations of the end devices `devId` proxies for this
   * session, their targets already under each end device's prefix.
   */
  claim(tx: Store, devId: string, sessionId: string): Promise<{ operations: Operation[]; endDevices: EndDeviceRoute[] }>;
}

/** One proxied end device: the server's DevId and the prefix its tree has in the gateway's. */
export interface EndDeviceRoute {
  devId: string;
  prefix: string;
}

interface LiveSession {
  id: string;
  token: string;
  engine: ServerSession;
  devId: string;
  known: boolean;
  startedAt: number;
  lastActivity: number;
  messages: number;
  /** Commands answered per operation id. */
  answered: Map<string, Set<number>>;
  /** The session's unfinished operations: id → the verb of each command. */
  operations: Map<string, string[]>;
  /** Proxy-mode end devices behind this session's device. */
  endDevices: EndDeviceRoute[];
  /** DevInfo as stored before this session. */
  devInfo?: Record<string, string>;
  /** The last message handled and our answer: a client that lost the answer and sends the same message again gets it again. */
  last?: LastExchange;
}

interface LastExchange {
  msgID: string;
  /** SHA-256 of the client's message, base64. */
  digest: string;
  reply: Uint8Array;
  hmacHeader?: string;
}

/** Serves DM sessions. */
export class DmEndpoint {
  private readonly sessions = new Map<string, LiveSession>();
  private readonly limiter: AuthFailureLimiter;

  constructor(private readonly options: DmEndpointOptions) {
    this.limiter = new AuthFailureLimiter(options.authLimits);
  }

  /** Number of sessions in progress. */
  get openSessions(): number {
    return this.sessions.size;
  }

  /** Handle one client message. Never throws for bad input: answers 400/415 instead. */
  async handle(req: DmRequest): Promise<DmResponse> {
    let encoding: 'xml' | 'wbxml';
    try {
      encoding = classifyDmContentType(req.contentType).encoding;
    } catch (e) {
      if (e instanceof DecodeError) return plain(415, e.message);
      throw e;
    }
    let msg: SyncMLMessage;
    try {
      msg = decodeMessage(req.body, encoding);
    } catch (e) {
      if (e instanceof DecodeError) {
        const live = req.token ? this.sessions.get(req.token) : undefined;
        if (live?.known) await this.options.store.appendMessage(live.id, { direction: 'in', encoding, bytes: req.body, error: e.message });
        return plain(400, e.message);
      }
      throw e;
    }
    await this.reap();
    const shared = this.options.sharedSessions === true;
    let live = req.token && !shared ? this.sessions.get(req.token) : undefined;
    if (live && (live.devId !== msg.header.source.locURI)) live = undefined;
    const source = req.remoteAddress ?? '';
    if (!live && !(shared && req.token)) {
      const wait = this.limiter.retryAfter(source, msg.header.source.locURI);
      if (wait > 0) {
        this.options.onRateLimited?.({ devId: msg.header.source.locURI, remoteAddress: source });
        return { ...plain(429, 'too many failed authentications; try again later'), retryAfterSeconds: wait };
      }
    }
    // Shed new sessions before they cost a store transaction; sessions in progress always continue.
    if (!live && this.sessions.size >= (this.options.maxOpenSessions ?? 50_000)) return { ...plain(503, 'too many sessions in progress; try again later'), retryAfterSeconds: 5 };
    const after: (() => void)[] = [];
    let opened: LiveSession | undefined;
    let out: ReturnType<ServerSession['receive']>;
    try {
      // One transaction per message: the trace, the engine's events and the session's end commit together.
      out = await this.options.store.transaction(async (tx) => {
        if (!live && shared && req.token) live = await this.restore(tx, req.token, msg);
        const digest = createHash('sha256').update(req.body).digest('base64');
        if (live?.last && live.last.msgID === msg.header.msgID && live.last.digest === digest) {
          // A retransmission (the answer was lost on the way): the same answer again, nothing processed twice.
          return { bytes: live.last.reply, ...(live.last.hmacHeader ? { hmacHeader: live.last.hmacHeader } : {}) } as ReturnType<ServerSession['receive']>;
        }
        if (!live) live = opened = await this.open(tx, msg);
        live.lastActivity = Date.now();
        live.messages++;
        const reply = live.engine.receive(msg, req.body, { encoding, ...(req.hmacHeader ? { hmacHeader: req.hmacHeader } : {}) });
        await this.persist(tx, live, after);
        if (live.known) await tx.appendMessages(live.id, [{ direction: 'in', encoding, bytes: req.body }, { direction: 'out', encoding, bytes: reply.bytes }]);
        live.last = { msgID: msg.header.msgID, digest, reply: reply.bytes, ...(reply.hmacHeader ? { hmacHeader: reply.hmacHeader } : {}) };
        if (live.engine.done) await this.close(tx, live, after);
        else if (shared && live.known) await tx.saveSessionState(live.id, { token: live.token, state: encodeSessionState(stateOf(live)) });
        return reply;
      });
    } catch (e) {
      // The engine moved on but the store did not: this session cannot continue consistently.
      if (live && !opened) this.sessions.delete(live.token);
      throw e;
    }
    if (opened && !opened.engine.done && !shared) this.sessions.set(opened.token, opened);
    const ended = live as LiveSession | undefined;
    if (ended && !ended.engine.isAuthenticated) this.limiter.fail(source, ended.devId);
    for (const f of after) f();
    const res: DmResponse = { status: 200, body: out.bytes, contentType: dmMediaTypeFor(encoding) };
    if (out.hmacHeader) res.hmacHeader = out.hmacHeader;
    return res;
  }

  private async open(tx: Store, msg: SyncMLMessage): Promise<LiveSession> {
    const devId = msg.header.source.locURI;
    const device = await tx.getDevice(devId);
    const token = randomBytes(18).toString('base64url');
    const id = randomBytes(12).toString('hex');
    let operations: Operation[] = [];
    let endDevices: EndDeviceRoute[] = [];
    if (device) {
      const initiator = this.options.notifiedSessions?.get(`${devId}\u0000${msg.header.sessionID}`) ? 'server' : 'client';
      await tx.startSession({ id, devId, initiator, dmSessionId: msg.header.sessionID });
      operations = await tx.claimPending(devId, id);
      const routed = await this.options.gatewayRouting?.claim(tx, devId, id);
      if (routed) { operations.push(...routed.operations); endDevices = routed.endDevices; }
    }
    const engine = new ServerSession({
      serverUri: this.options.publicUrl,
      serverId: this.options.serverId,
      device: device ? credentialsOf(device) : undefined,
      operations: operations.map(toPending),
      respURI: `${this.options.publicUrl}?s=${token}`,
    });
    return {
      id, token, engine, devId, known: device !== undefined, startedAt: Date.now(), lastActivity: Date.now(), messages: 0,
      answered: new Map(), operations: new Map(operations.map((o) => [o.id, o.commands.map((c) => c.verb)])), endDevices,
      ...(device?.devInfo ? { devInfo: device.devInfo } : {}),
    };
  }

  /** Cluster mode: the session another node (or this one) left in the store under `token`. */
  private async restore(tx: Store, token: string, msg: SyncMLMessage): Promise<LiveSession | undefined> {
    const row = await tx.loadSessionState(token);
    if (!row || row.devId !== msg.header.source.locURI) return undefined;
    const device = await tx.getDevice(row.devId);
    if (!device) return undefined;
    const s = decodeSessionState(row.state);
    const engine = ServerSession.fromSnapshot({
      serverUri: this.options.publicUrl, serverId: this.options.serverId, device: credentialsOf(device), respURI: `${this.options.publicUrl}?s=${token}`,
    }, s.engine);
    return {
      id: row.sessionId, token, engine, devId: row.devId, known: true, startedAt: s.startedAt, lastActivity: Date.now(), messages: s.messages,
      answered: new Map(s.answered.map(([id, idx]) => [id, new Set(idx)])), operations: new Map(s.operations), endDevices: s.endDevices ?? [],
      ...(s.devInfo ? { devInfo: s.devInfo } : {}), ...(s.last ? { last: s.last } : {}),
    };
  }

  /** Write what the engine reported; callbacks for after the commit go to `after`. */
  private async persist(tx: Store, live: LiveSession, after: (() => void)[]): Promise<void> {
    const events: ServerSessionEvent[] = [];
    for (let e = live.engine.pollEvent(); e; e = live.engine.pollEvent()) events.push(e);
    if (!live.known) {
      if (events.some((e) => e.type === 'auth-failed')) after.push(() => this.options.onAuthFailure?.(live.devId));
      return;
    }
    const tree: TreeNodeUpdate[] = [];
    let clientNonce: Uint8Array | undefined;
    let checkIn: CheckIn | undefined;
    // A Get's Status and its Results usually come in one message: one write per command.
    const answers = new Map<string, { opId: string; index: number; result: CommandResult }>();
    for (const e of events) {
      switch (e.type) {
        case 'client-nonce': clientNonce = e.nonce; break;
        case 'server-nonce': await tx.setServerNonce(live.devId, e.nonce); break;
        case 'devinfo': {
          const devInfo: Record<string, string> = {};
          for (const [uri, v] of Object.entries(e.values)) devInfo[uri.replace(/^\.\/DevInfo\//, '')] = v;
          checkIn = { devInfo, sessionId: live.id, at: new Date() };
          // The last-known tree already holds these values when DevInfo did not change since the last session.
          if (!sameRecord(live.devInfo, devInfo)) for (const [uri, value] of Object.entries(e.values)) tree.push({ uri, value, format: 'chr' });
          break;
        }
        case 'command-sent': {
          const verb = live.operations.get(e.operationId)?.[e.index];
          await tx.recordCommandSent(e.operationId, e.index, verb === 'Exec' ? { correlator: `${e.operationId}.${e.index}` } : {});
          break;
        }
        case 'command-result': {
          const key = `${e.operationId}#${e.index}`;
          const prev = answers.get(key);
          const results = e.results ? e.results.map((it) => unprefixResult(live.endDevices, toResultItem(it))) : prev?.result.results;
          // Results complete a Get answered 200 (the Status decides); the store also files them in the last-known tree.
          const status = e.results && prev ? prev.result.status : e.status;
          answers.set(key, { opId: e.operationId, index: e.index, result: { status, ...(results ? { results } : {}) } });
          if (!e.results && e.status !== 213) {
            let set = live.answered.get(e.operationId);
            if (!set) live.answered.set(e.operationId, (set = new Set()));
            set.add(e.index);
          }
          break;
        }
        case 'generic-alert':
          for (const it of e.items) {
            // An alert about a proxied end device's node is that end device's alert.
            const route = routeOf(live.endDevices, it.source?.locURI);
            await tx.recordAlert(route?.devId ?? live.devId, {
              ...(it.meta?.type ? { type: it.meta.type } : {}), ...(it.meta?.format ? { format: it.meta.format } : {}),
              ...(it.meta?.mark ? { mark: it.meta.mark } : {}), ...(typeof it.data === 'string' ? { data: it.data } : {}),
              ...(it.source?.locURI ? { sourceUri: route ? route.uri : it.source.locURI } : {}), ...(e.correlator !== undefined ? { correlator: e.correlator } : {}),
            });
          }
          break;
        case 'auth-failed':
          after.push(() => this.options.onAuthFailure?.(live.devId));
          break;
        default:
          break;
      }
    }
    if (checkIn) await tx.recordCheckIn(live.devId, { ...checkIn, ...(clientNonce ? { clientNonce } : {}) });
    else if (clientNonce) await tx.setClientNonce(live.devId, clientNonce);
    if (answers.size) await tx.recordCommandResults([...answers.values()]);
    if (tree.length) await tx.updateTree(live.devId, tree);
    // An operation whose every command is answered is complete.
    for (const [opId, set] of live.answered) {
      const verbs = live.operations.get(opId);
      if (verbs && set.size === verbs.length) {
        const done = await tx.completeOperation(opId);
        after.push(() => this.options.onOperationDone?.({ operationId: opId, devId: live.devId, state: done.state }));
        live.answered.delete(opId);
        live.operations.delete(opId);
      }
    }
  }

  private async close(tx: Store, live: LiveSession, after: (() => void)[]): Promise<void> {
    this.sessions.delete(live.token);
    const result = live.engine.result;
    const state = result?.state ?? 'failed';
    if (live.known) await tx.endSession(live.id, { state, ...(result?.reason ? { reason: result.reason } : {}) });
    const ms = Date.now() - live.startedAt;
    after.push(() => this.options.onSessionEnd?.({ devId: live.devId, state, ...(result?.reason ? { reason: result.reason } : {}), messages: live.messages, ms }));
  }

  /** Drop sessions idle past the limit; their operations return to pending. */
  private async reap(): Promise<void> {
    const idle = this.options.sessionIdleMs ?? 300_000;
    const now = Date.now();
    for (const live of this.sessions.values()) {
      if (now - live.lastActivity <= idle) continue;
      this.sessions.delete(live.token);
      if (live.known) await this.options.store.endSession(live.id, { state: 'failed', reason: `no message for ${idle} ms` });
      this.options.onSessionEnd?.({ devId: live.devId, state: 'failed', reason: 'idle timeout', messages: live.messages, ms: now - live.startedAt });
    }
  }

  /** End every open session (shutdown): their operations return to pending. */
  async closeAll(): Promise<void> {
    for (const live of [...this.sessions.values()]) {
      this.sessions.delete(live.token);
      if (live.known) await this.options.store.endSession(live.id, { state: 'failed', reason: 'server shutting down' });
    }
  }
}

function stateOf(live: LiveSession): StoredSessionState {
  return {
    v: 1, engine: live.engine.snapshot(), startedAt: live.startedAt, messages: live.messages,
    answered: [...live.answered].map(([id, set]) => [id, [...set]]), operations: [...live.operations],
    ...(live.endDevices.length ? { endDevices: live.endDevices } : {}),
    ...(live.devInfo ? { devInfo: live.devInfo } : {}), ...(live.last ? { last: live.last } : {}),
  };
}

function sameRecord(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  if (!a) return false;
  const keys = Object.keys(b);
  return keys.length === Object.keys(a).length && keys.every((k) => a[k] === b[k]);
}

function plain(status: number, text: string): DmResponse {
  return { status, body: new TextEncoder().encode(text + '\n'), contentType: 'text/plain; charset=utf-8' };
}

function credentialsOf(d: DeviceRecord): DeviceCredentials {
  return {
    devId: d.devId,
    client: { scheme: d.clientAuth.type, name: d.clientAuth.name, secret: d.clientAuth.secret, secretKind: d.clientAuth.secretKind, nonce: d.clientNonce ?? new Uint8Array(0) },
    server: d.serverAuth
      ? { scheme: d.serverAuth.type, name: d.serverAuth.name ?? '', secret: d.serverAuth.secret, nonce: d.serverNonce ?? new Uint8Array(0) }
      : { scheme: 'none', name: '', secret: '', nonce: new Uint8Array(0) },
  };
}

function toPending(op: Operation): PendingOperation {
  return {
    id: op.id,
    atomic: op.atomic,
    commands: op.commands.map((c) => {
      const out: PendingOperation['commands'][number] = { verb: c.verb, target: c.target };
      if (c.source !== undefined) out.source = c.source;
      if (c.data !== undefined) out.data = c.data;
      if (c.format !== undefined) out.format = c.format;
      if (c.type !== undefined) out.type = c.type;
      return out;
    }),
  };
}

/** The end device an address under a proxy prefix belongs to, and the address inside it. */
function routeOf(routes: EndDeviceRoute[], uri: string | undefined): { devId: string; uri: string } | undefined {
  if (uri === undefined) return undefined;
  for (const r of routes) {
    if (uri === r.prefix) return { devId: r.devId, uri: '.' };
    if (uri.startsWith(`${r.prefix}/`)) return { devId: r.devId, uri: `./${uri.slice(r.prefix.length + 1)}` };
  }
  return undefined;
}

function unprefixResult(routes: EndDeviceRoute[], r: ResultItem): ResultItem {
  const route = routes.length && r.source ? routeOf(routes, r.source) : undefined;
  return route ? { ...r, source: route.uri } : r;
}

function toResultItem(it: Item): ResultItem {
  const r: ResultItem = {};
  if (it.source?.locURI) r.source = it.source.locURI;
  if (typeof it.data === 'string' || it.data instanceof Uint8Array) r.data = it.data;
  else if (it.data !== undefined) r.data = encodeEmbeddedXml(it.data);
  if (it.meta?.format) r.format = it.meta.format;
  if (it.meta?.type) r.type = it.meta.type;
  return r;
}
