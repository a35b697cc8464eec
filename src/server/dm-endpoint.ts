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
import { randomBytes } from 'node:crypto';
import { decodeMessage, encodeXml, encodeEmbeddedXml, classifyDmContentType, dmMediaTypeFor, type SyncMLMessage, type Item } from '../syncml/index.js';
import { ServerSession, type DeviceCredentials, type PendingOperation, type ServerSessionEvent } from '../session/server-session.js';
import type { Store, DeviceRecord, Operation, ResultItem, TreeNodeUpdate } from '../store/index.js';
import { DecodeError } from '../errors.js';

/** One HTTP exchange as the endpoint sees it. */
export interface DmRequest {
  body: Uint8Array;
  contentType: string;
  hmacHeader?: string;
  /** The session token from the RespURI, if the client used it. */
  token?: string;
}

/** The answer. */
export interface DmResponse {
  status: number;
  body: Uint8Array;
  contentType: string;
  hmacHeader?: string;
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
  /** Write the readable (decoded) form of each message into the trace. Default true; off when traces keep no bodies. */
  traceDecoded?: boolean;
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
  claim(devId: string, sessionId: string): Promise<{ operations: Operation[]; endDevices: EndDeviceRoute[] }>;
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
  operations: Map<string, Operation>;
  /** Proxy-mode end devices behind this session's device. */
  endDevices: EndDeviceRoute[];
}

/** Serves DM sessions. */
export class DmEndpoint {
  private readonly sessions = new Map<string, LiveSession>();

  constructor(private readonly options: DmEndpointOptions) {}

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
    let live = req.token ? this.sessions.get(req.token) : undefined;
    if (live && (live.devId !== msg.header.source.locURI)) live = undefined;
    if (!live) live = await this.open(msg);
    live.lastActivity = Date.now();
    live.messages++;
    const store = this.options.store;
    const decoded = this.options.traceDecoded ?? true;
    if (live.known) await store.appendMessage(live.id, { direction: 'in', encoding, bytes: req.body, ...(decoded ? { decoded: encodeXml(msg, { indent: 2 }) } : {}) });

    const out = live.engine.receive(msg, req.body, { encoding, ...(req.hmacHeader ? { hmacHeader: req.hmacHeader } : {}) });
    await this.persist(live);
    if (live.known) await store.appendMessage(live.id, { direction: 'out', encoding, bytes: out.bytes, ...(decoded ? { decoded: encodeXml(out.message, { indent: 2 }) } : {}) });
    if (live.engine.done) await this.close(live);
    const res: DmResponse = { status: 200, body: out.bytes, contentType: dmMediaTypeFor(encoding) };
    if (out.hmacHeader) res.hmacHeader = out.hmacHeader;
    return res;
  }

  private async open(msg: SyncMLMessage): Promise<LiveSession> {
    const store = this.options.store;
    const devId = msg.header.source.locURI;
    const device = await store.getDevice(devId);
    const token = randomBytes(18).toString('base64url');
    const id = randomBytes(12).toString('hex');
    let operations: Operation[] = [];
    let endDevices: EndDeviceRoute[] = [];
    if (device) {
      const initiator = this.options.notifiedSessions?.get(`${devId}\u0000${msg.header.sessionID}`) ? 'server' : 'client';
      await store.startSession({ id, devId, initiator, dmSessionId: msg.header.sessionID });
      operations = await store.claimPending(devId, id);
      const routed = await this.options.gatewayRouting?.claim(devId, id);
      if (routed) { operations.push(...routed.operations); endDevices = routed.endDevices; }
    }
    const engine = new ServerSession({
      serverUri: this.options.publicUrl,
      serverId: this.options.serverId,
      device: device ? credentialsOf(device) : undefined,
      operations: operations.map(toPending),
      respURI: `${this.options.publicUrl}?s=${token}`,
    });
    const live: LiveSession = {
      id, token, engine, devId, known: device !== undefined, startedAt: Date.now(), lastActivity: Date.now(), messages: 0,
      answered: new Map(), operations: new Map(operations.map((o) => [o.id, o])), endDevices,
    };
    this.sessions.set(token, live);
    return live;
  }

  /** Write what the engine reported. */
  private async persist(live: LiveSession): Promise<void> {
    const store = this.options.store;
    const events: ServerSessionEvent[] = [];
    for (let e = live.engine.pollEvent(); e; e = live.engine.pollEvent()) events.push(e);
    if (!live.known) {
      if (events.some((e) => e.type === 'auth-failed')) this.options.onAuthFailure?.(live.devId);
      return;
    }
    const tree: TreeNodeUpdate[] = [];
    for (const e of events) {
      switch (e.type) {
        case 'client-nonce': await store.setClientNonce(live.devId, e.nonce); break;
        case 'server-nonce': await store.setServerNonce(live.devId, e.nonce); break;
        case 'devinfo': {
          const devInfo: Record<string, string> = {};
          for (const [uri, v] of Object.entries(e.values)) devInfo[uri.replace(/^\.\/DevInfo\//, '')] = v;
          await store.recordCheckIn(live.devId, { devInfo, sessionId: live.id, at: new Date() });
          for (const [uri, value] of Object.entries(e.values)) tree.push({ uri, value, format: 'chr' });
          break;
        }
        case 'command-sent': {
          const op = live.operations.get(e.operationId);
          const cmd = op?.commands[e.index];
          await store.recordCommandSent(e.operationId, e.index, cmd?.verb === 'Exec' ? { correlator: `${e.operationId}.${e.index}` } : {});
          break;
        }
        case 'command-result': {
          const result = { status: e.status, ...(e.results ? { results: e.results.map((it) => unprefixResult(live.endDevices, toResultItem(it))) } : {}) };
          if (e.results) {
            // Results complete a Get already answered 200; the store also files them in the last-known tree.
            await store.recordCommandResult(e.operationId, e.index, result);
          } else {
            await store.recordCommandResult(e.operationId, e.index, result);
            if (e.status !== 213) {
              let set = live.answered.get(e.operationId);
              if (!set) live.answered.set(e.operationId, (set = new Set()));
              set.add(e.index);
            }
          }
          break;
        }
        case 'generic-alert':
          for (const it of e.items) {
            // An alert about a proxied end device's node is that end device's alert.
            const route = routeOf(live.endDevices, it.source?.locURI);
            await store.recordAlert(route?.devId ?? live.devId, {
              ...(it.meta?.type ? { type: it.meta.type } : {}), ...(it.meta?.format ? { format: it.meta.format } : {}),
              ...(it.meta?.mark ? { mark: it.meta.mark } : {}), ...(typeof it.data === 'string' ? { data: it.data } : {}),
              ...(it.source?.locURI ? { sourceUri: route ? route.uri : it.source.locURI } : {}), ...(e.correlator !== undefined ? { correlator: e.correlator } : {}),
            });
          }
          break;
        case 'auth-failed':
          this.options.onAuthFailure?.(live.devId);
          break;
        default:
          break;
      }
    }
    if (tree.length) await store.updateTree(live.devId, tree);
    // An operation whose every command is answered is complete.
    for (const [opId, set] of live.answered) {
      const op = live.operations.get(opId);
      if (op && set.size === op.commands.length) {
        const done = await store.completeOperation(opId);
        this.options.onOperationDone?.({ operationId: opId, devId: live.devId, state: done.state });
        live.answered.delete(opId);
        live.operations.delete(opId);
      }
    }
  }

  private async close(live: LiveSession): Promise<void> {
    this.sessions.delete(live.token);
    const result = live.engine.result;
    const state = result?.state ?? 'failed';
    if (live.known) await this.options.store.endSession(live.id, { state, ...(result?.reason ? { reason: result.reason } : {}) });
    this.options.onSessionEnd?.({ devId: live.devId, state, ...(result?.reason ? { reason: result.reason } : {}), messages: live.messages, ms: Date.now() - live.startedAt });
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
