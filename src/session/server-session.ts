/**
 * `ServerSession` — the server side of one OMA DM session as a pure state
 * machine (shared/spec §2, §4). The driver decodes each client message,
 * loads the device's record and pending operations for the first one, and
 * feeds messages to {@link ServerSession.receive}; each call returns the
 * answer to send (a server answers every client message). Events drained
 * with {@link ServerSession.pollEvent} say what to persist: nonces, DevInfo,
 * per-command results, Generic Alerts.
 *
 * Invariants:
 * - Nothing is sent to or accepted from a device that has not authenticated:
 *   an unknown device and a wrong credential get the same challenge (401/407
 *   with a fresh nonce), so a probe learns nothing.
 * - After md5/basic success the header Status is 212 with a Chal carrying the
 *   nonce for the next session; under HMAC it is 200 with a fresh nonce on
 *   every message.
 * - Operations go out only after authentication, as whole commands that fit
 *   the client's MaxMsgSize (a value too large for one message goes as a
 *   large object); the server sends Final on every message except while a
 *   large object is under way. New commands wait until the client has
 *   answered the previous ones.
 * - Every Status and Results is matched to the operation command that caused
 *   it (by MsgID and CmdID); a 202 leaves the command "accepted" until the
 *   Generic Alert with its Correlator arrives.
 * - The session ends after a message that asks nothing of the client.
 */
import {
  computeHmacMac, computeMd5Cred, createNonce, decodeBase64, encodeBase64, encodeBasicCred, parseHmacHeader,
  verifyBasicCred, verifyHmacMac, verifyMd5Cred, decodeBasicCred, md5CredentialHash, constantTimeEqual,
  AUTH_BASIC, AUTH_MAC, AUTH_MD5, type Md5Secret, type RandomSource,
} from '../security/index.js';
import {
  MessageAssembler, LargeObjectReceiver, LargeObjectSender, dmMediaTypeFor,
  type LargeObjectReceiverState, type LargeObjectSenderPosition,
  type AlertCommand, type Command, type Item, type Meta, type StatusCommand, type SyncHdr, type SyncMLMessage,
} from '../syncml/index.js';
import { DmvisorError } from '../errors.js';
import type { AuthScheme } from './client-account.js';
import type { OutboundMessage } from './client-session.js';

/** What the server knows about a device's credentials. */
export interface DeviceCredentials {
  devId: string;
  /**
   * How the device authenticates to us, and the nonce we issued for its next
   * md5/HMAC digest. `secret` is the password, or with `secretKind: 'md5-hash'`
   * the stored `B64(MD5(name:password))` (enough for md5, HMAC and basic).
   */
  client: { scheme: Exclude<AuthScheme, 'none'>; name: string; secret: string; secretKind?: 'password' | 'md5-hash'; nonce: Uint8Array };
  /** How we authenticate to the device (its SRVCRED), and the nonce it issued to us; scheme `none` if it checks nothing. */
  server: { scheme: AuthScheme; name: string; secret: string; nonce: Uint8Array };
}

/** One DM command of an operation, as an operator queued it. */
export interface OperationCommand {
  verb: 'Get' | 'Replace' | 'Add' | 'Delete' | 'Exec' | 'Copy';
  target: string;
  source?: string;
  data?: string | Uint8Array;
  format?: string;
  type?: string;
}

/** A queued operation: commands sent together (in one Atomic when `atomic`). */
export interface PendingOperation {
  id: string;
  atomic?: boolean;
  commands: OperationCommand[];
}

/** What the driver persists. */
export type ServerSessionEvent =
  | { type: 'authenticated'; devId: string }
  | { type: 'auth-failed'; devId: string; reason: string }
  | { type: 'client-nonce'; devId: string; nonce: Uint8Array }
  | { type: 'server-nonce'; devId: string; nonce: Uint8Array }
  | { type: 'devinfo'; devId: string; values: Record<string, string> }
  | { type: 'command-sent'; operationId: string; index: number; correlator?: string }
  | { type: 'command-result'; operationId: string; index: number; status: number; results?: Item[] }
  | { type: 'generic-alert'; devId: string; correlator?: string; items: Item[] }
  | { type: 'client-event'; devId: string; items: Item[] };

/** How a session ended. */
export interface ServerSessionResult {
  state: 'completed' | 'aborted' | 'failed';
  reason?: string;
  /** Operations whose commands were not all answered: the driver makes them retryable. */
  unfinishedOperations: string[];
}

/** Options of one server session. */
export interface ServerSessionOptions {
  /** Our URI (SyncHdr Source). */
  serverUri: string;
  /** Our ServerID (LocName of our credentials). */
  serverId: string;
  /** The device's record, or undefined when the device is unknown (it will only ever be challenged). */
  device: DeviceCredentials | undefined;
  /** Operations to deliver once the device has authenticated. */
  operations: PendingOperation[];
  /** Where the device must send its next message (carries the session token). */
  respURI?: string;
  /** Largest message we accept (announced in our header). */
  maxMsgSize?: number;
  maxObjSize?: number;
  random?: RandomSource;
  /** Failed authentication attempts before the session is closed. Default 3. */
  maxAuthAttempts?: number;
}

interface SentCommand {
  operationId: string;
  index: number;
  verb: string;
}

/** Where a queued command comes from: one operation command, or a whole operation as one Atomic. */
type QueueSource = { operationId: string; index: number } | { operationId: string; atomic: true };

interface QueueEntry {
  command: Command;
  refs: { ref: SentCommand; path: string }[];
  source: QueueSource;
}

/**
 * A session's whole state as plain data (byte values stay `Uint8Array`), so
 * that another server node can continue it: {@link ServerSession.snapshot} /
 * {@link ServerSession.fromSnapshot}. Credentials are not in it: the driver
 * passes the device's current record when it restores.
 */
export interface ServerSessionSnapshot {
  v: 1;
  msgID: number;
  state: 'open' | 'done';
  authenticated: boolean;
  authFailures: number;
  serverCredAccepted: boolean;
  clientMaxMsgSize: number;
  /** null for no limit. */
  clientMaxObjSize: number | null;
  sessionID: string;
  devId: string;
  encoding: 'xml' | 'wbxml';
  inFlight: [string, SentCommand][];
  sent: [string, SentCommand][];
  queue: QueueSource[];
  queued: boolean;
  outgoing?: { source: { operationId: string; index: number }; ref: SentCommand; position: LargeObjectSenderPosition };
  incoming?: { state: LargeObjectReceiverState; ref?: SentCommand; cmdRef: string; source: string };
  outcome: ServerSessionResult | null;
  answered: string[];
  operations: PendingOperation[];
}

/** The server side of one DM session. */
export class ServerSession {
  private msgID = 0;
  private state: 'open' | 'done' = 'open';
  private authenticated = false;
  private authFailures = 0;
  /** The client acknowledged our credentials with 212: no more Cred. */
  private serverCredAccepted = false;
  private readonly events: ServerSessionEvent[] = [];
  private clientMaxMsgSize = 16384;
  private clientMaxObjSize = Infinity;
  private sessionID = '';
  private devId = '';
  private encoding: 'xml' | 'wbxml' = 'xml';
  /** Commands sent and awaiting a Status, by `msgID/cmdID`. */
  private readonly inFlight = new Map<string, SentCommand>();
  /** Every command sent this session, by `msgID/cmdID`: Results follow their Status. */
  private readonly sent = new Map<string, SentCommand>();
  /** Commands still to send, in order, with their operation bookkeeping. */
  private readonly queue: QueueEntry[] = [];
  private queued = false;
  private outgoingObject: { sender: LargeObjectSender; make: (item: Item, cmdID: string) => Command; ref: SentCommand; source: { operationId: string; index: number } } | null = null;
  private incomingObject: { receiver: LargeObjectReceiver; ref: SentCommand | undefined; cmdRef: string; source: string } | null = null;
  private outcome: ServerSessionResult | null = null;
  private readonly answered = new Set<string>();

  constructor(private readonly options: ServerSessionOptions) {}

  /** The session's state, to continue it elsewhere; call only between messages (events drained). */
  snapshot(): ServerSessionSnapshot {
    if (this.events.length) throw new DmvisorError('snapshot() with undrained events', 'DMV_ERR_SESSION_STATE', 500);
    const s: ServerSessionSnapshot = {
      v: 1, msgID: this.msgID, state: this.state, authenticated: this.authenticated, authFailures: this.authFailures,
      serverCredAccepted: this.serverCredAccepted, clientMaxMsgSize: this.clientMaxMsgSize,
      clientMaxObjSize: Number.isFinite(this.clientMaxObjSize) ? this.clientMaxObjSize : null,
      sessionID: this.sessionID, devId: this.devId, encoding: this.encoding,
      inFlight: [...this.inFlight], sent: [...this.sent], queue: this.queue.map((q) => q.source), queued: this.queued,
      outcome: this.outcome, answered: [...this.answered], operations: this.options.operations,
    };
    if (this.outgoingObject) s.outgoing = { source: this.outgoingObject.source, ref: this.outgoingObject.ref, position: this.outgoingObject.sender.position };
    if (this.incomingObject) {
      s.incoming = { state: this.incomingObject.receiver.state, cmdRef: this.incomingObject.cmdRef, source: this.incomingObject.source };
      if (this.incomingObject.ref) s.incoming.ref = this.incomingObject.ref;
    }
    return s;
  }

  /** Continue a session from its {@link snapshot}, with the device's current credentials in `options`. */
  static fromSnapshot(options: Omit<ServerSessionOptions, 'operations'>, s: ServerSessionSnapshot): ServerSession {
    if (s?.v !== 1) throw new DmvisorError('unknown session snapshot version', 'DMV_ERR_SESSION_STATE', 500);
    const session = new ServerSession({ ...options, operations: s.operations });
    session.msgID = s.msgID;
    session.state = s.state;
    session.authenticated = s.authenticated;
    session.authFailures = s.authFailures;
    session.serverCredAccepted = s.serverCredAccepted;
    session.clientMaxMsgSize = s.clientMaxMsgSize;
    session.clientMaxObjSize = s.clientMaxObjSize ?? Infinity;
    session.sessionID = s.sessionID;
    session.devId = s.devId;
    session.encoding = s.encoding;
    for (const [k, v] of s.inFlight) session.inFlight.set(k, v);
    for (const [k, v] of s.sent) session.sent.set(k, v);
    for (const src of s.queue) session.queue.push(session.entryFor(src));
    session.queued = s.queued;
    session.outcome = s.outcome;
    for (const a of s.answered) session.answered.add(a);
    if (s.outgoing) {
      const c = session.entryFor(s.outgoing.source).command;
      const parts = session.largeObjectParts(c);
      if (!parts) throw new DmvisorError('snapshot names a large object that is not one', 'DMV_ERR_SESSION_STATE', 500);
      const sender = LargeObjectSender.resume(parts.template, parts.payload, session.encoding, s.outgoing.position);
      session.outgoingObject = { sender, make: (chunk, cmdID) => ({ ...c, cmdID, items: [chunk] }) as Command, ref: s.outgoing.ref, source: s.outgoing.source };
    }
    if (s.incoming) {
      session.incomingObject = {
        receiver: LargeObjectReceiver.resume(options.maxObjSize ?? Infinity, s.incoming.state),
        ref: s.incoming.ref, cmdRef: s.incoming.cmdRef, source: s.incoming.source,
      };
    }
    return session;
  }

  /** The queue entry for a command source, rebuilt from the operations. */
  private entryFor(src: QueueSource): QueueEntry {
    const op = this.options.operations.find((o) => o.id === src.operationId);
    if (!op) throw new DmvisorError(`snapshot names unknown operation ${src.operationId}`, 'DMV_ERR_SESSION_STATE', 500);
    if ('atomic' in src) {
      const commands = op.commands.map((c, index) => ({ command: toDmCommand(c, op.id, index), ref: { operationId: op.id, index, verb: c.verb } }));
      return {
        command: { kind: 'Atomic', cmdID: '', commands: commands.map((c) => c.command) },
        refs: commands.map((c, i) => ({ ref: c.ref, path: String(i) })),
        source: src,
      };
    }
    const c = op.commands[src.index];
    if (!c) throw new DmvisorError(`snapshot names unknown command ${src.operationId}#${src.index}`, 'DMV_ERR_SESSION_STATE', 500);
    return { command: toDmCommand(c, op.id, src.index), refs: [{ ref: { operationId: op.id, index: src.index, verb: c.verb }, path: '' }], source: src };
  }

  /** The device id of the session (after the first message). */
  get deviceId(): string {
    return this.devId;
  }

  /** Next event to persist. */
  pollEvent(): ServerSessionEvent | undefined {
    return this.events.shift();
  }

  /** The result once the session is over. */
  get result(): ServerSessionResult | null {
    return this.outcome;
  }

  /** True once the client has authenticated in this session. */
  get isAuthenticated(): boolean {
    return this.authenticated;
  }

  /** True once the last answer asked nothing more of the client. */
  get done(): boolean {
    return this.state === 'done';
  }

  /**
   * Process one client message (decoded by the driver; `bytes` as received,
   * for HMAC) and return the answer.
   */
  receive(msg: SyncMLMessage, bytes: Uint8Array, transport: { encoding: 'xml' | 'wbxml'; hmacHeader?: string }): OutboundMessage {
    if (this.state !== 'open') throw new DmvisorError('receive() after the session ended', 'DMV_ERR_SESSION_STATE', 500);
    this.encoding = transport.encoding;
    if (this.msgID === 0) {
      this.sessionID = msg.header.sessionID;
      this.devId = msg.header.source.locURI;
    } else if (msg.header.sessionID !== this.sessionID || msg.header.source.locURI !== this.devId) {
      return this.fail(msg, 'SessionID or Source changed within the session', 400);
    }
    if (msg.header.meta?.maxMsgSize !== undefined) this.clientMaxMsgSize = msg.header.meta.maxMsgSize;
    if (msg.header.meta?.maxObjSize !== undefined) this.clientMaxObjSize = msg.header.meta.maxObjSize;

    const reply: Command[] = [];
    // 1. The client's credentials.
    const auth = this.authenticate(msg, bytes, transport.hmacHeader);
    reply.push(this.headerStatus(msg, auth));
    if (auth !== 200 && auth !== 212) {
      // Not authenticated: every command gets the header's code, nothing runs (§4.2).
      for (const c of msg.body.commands) if (c.kind !== 'Status' && c.kind !== 'Results') reply.push(status(msg, c, auth));
      if (this.authFailures >= (this.options.maxAuthAttempts ?? 3)) {
        this.events.push({ type: 'auth-failed', devId: this.devId, reason: 'too many failed attempts' });
        return this.finish(msg, reply, 'failed', 'authentication failed');
      }
      return this.compose(msg, reply, true);
    }

    // 2. What the client says about our messages and its own commands.
    let clientAborted = false;
    let nextMessageRequested = false;
    for (const c of msg.body.commands) {
      switch (c.kind) {
        case 'Status': this.onStatus(c); break;
        case 'Results': this.onResults(msg, c, reply); break;
        case 'Alert':
          if (c.data === 1223) clientAborted = true;
          else if (c.data === 1222) nextMessageRequested = true;
          reply.push(status(msg, c, this.onAlert(c)));
          break;
        case 'Replace': {
          const values: Record<string, string> = {};
          for (const it of c.items) {
            const uri = it.source?.locURI ?? it.target?.locURI;
            if (uri && typeof it.data === 'string') values[uri] = it.data;
          }
          this.events.push({ type: 'devinfo', devId: this.devId, values });
          reply.push(status(msg, c, 200));
          break;
        }
        default:
          // A client sends only Alert, Replace (DevInfo), Results and Status (§1.3).
          reply.push(status(msg, c, 405));
      }
    }
    if (clientAborted) return this.finish(msg, reply, 'aborted', 'the client aborted the session (1223)');

    // 3. Operations, once authenticated.
    if (!this.queued) this.queueOperations();
    const waitingOnClient = this.inFlight.size > 0 && !msg.body.final;
    if (!msg.body.final && !nextMessageRequested && !this.incomingObject) {
      // The client's package continues: ask for its next message (§2.2).
      reply.push({ kind: 'Alert', cmdID: '', data: 1222, items: [] });
      return this.compose(msg, reply, false);
    }
    if (this.incomingObject && !msg.body.final) {
      reply.push({ kind: 'Alert', cmdID: '', data: 1222, items: [] });
      return this.compose(msg, reply, false);
    }
    void waitingOnClient;
    return this.compose(msg, reply, true, true);
  }

  // --- authentication -----------------------------------------------------------------------

  /** 200/212 when the client is authenticated, else 401/407. */
  private authenticate(msg: SyncMLMessage, bytes: Uint8Array, hmacHeader: string | undefined): number {
    const d = this.options.device;
    const scheme = d?.client.scheme ?? 'md5';
    if (this.authenticated && scheme !== 'hmac') return 200;
    let ok = false;
    let missing = false;
    if (d && d.devId === msg.header.source.locURI) {
      const secret: Md5Secret = d.client.secretKind === 'md5-hash'
        ? { username: d.client.name, storedHash: d.client.secret }
        : { username: d.client.name, password: d.client.secret };
      if (scheme === 'hmac') {
        if (!hmacHeader) missing = true;
        else {
          try {
            const h = parseHmacHeader(hmacHeader);
            ok = h.username === d.client.name && verifyHmacMac(h.mac, secret, d.client.nonce, bytes);
          } catch {
            ok = false;
          }
        }
      } else {
        const cred = msg.header.cred;
        if (!cred) missing = true;
        else if (scheme === 'basic') ok = (cred.meta?.type ?? AUTH_BASIC) === AUTH_BASIC && verifyBasic(cred.data, secret);
        else ok = cred.meta?.type === AUTH_MD5 && verifyMd5Cred(cred.data, secret, d.client.nonce);
      }
    } else {
      missing = !msg.header.cred && !hmacHeader;
    }
    if (ok) {
      if (!this.authenticated) this.events.push({ type: 'authenticated', devId: this.devId });
      this.authenticated = true;
      return scheme === 'hmac' ? 200 : 212;
    }
    this.authFailures++;
    return missing ? 407 : 401;
  }

  /** Status for the client's SyncHdr, with the Chal the rules call for. */
  private headerStatus(msg: SyncMLMessage, code: number): StatusCommand {
    const s = status(msg, { kind: 'SyncHdr', cmdID: '0' }, code);
    s.targetRefs = [msg.header.target.locURI];
    s.sourceRefs = [msg.header.source.locURI];
    const scheme = this.options.device?.client.scheme ?? 'md5';
    // A fresh nonce: on every challenge, on every HMAC message, and with 212 for the next md5 session.
    const fresh = code === 401 || code === 407 || scheme === 'hmac' || (code === 212 && scheme === 'md5');
    if (fresh && scheme !== 'basic') {
      const nonce = createNonce(this.options.random);
      if (this.options.device && this.authenticated) {
        this.options.device.client.nonce = nonce;
        this.events.push({ type: 'client-nonce', devId: this.devId, nonce });
      } else if (this.options.device && (code === 401 || code === 407)) {
        // Only the device that owns the record may move its nonce; a stranger's challenge changes nothing stored.
        this.options.device.client.nonce = nonce;
        this.events.push({ type: 'client-nonce', devId: this.devId, nonce });
      }
      s.chal = { meta: { type: scheme === 'hmac' ? AUTH_MAC : AUTH_MD5, format: 'b64', nextNonce: encodeBase64(nonce) } };
    } else if (code === 401 || code === 407) {
      s.chal = { meta: { type: AUTH_BASIC, format: 'b64' } };
    }
    return s;
  }

  // --- the client's answers -----------------------------------------------------------------

  private onStatus(s: StatusCommand): void {
    if (s.cmdRef === '0') {
      // The client's verdict on our credentials.
      const chal = s.chal?.meta;
      if (chal?.nextNonce && this.options.device) {
        try {
          const nonce = decodeBase64(chal.nextNonce, 'NextNonce');
          this.options.device.server.nonce = nonce;
          this.events.push({ type: 'server-nonce', devId: this.devId, nonce });
        } catch {
          // A garbled nonce: keep ours.
        }
      }
      if (s.data === 212) this.serverCredAccepted = true;
      if (s.data === 401 || s.data === 407) {
        this.serverCredAccepted = false;
        // The commands of that message were not executed: send them again.
        this.requeueMessage(s.msgRef);
      }
      return;
    }
    const key = `${s.msgRef}/${s.cmdRef}`;
    const ref = this.inFlight.get(key);
    if (!ref) return;
    if (s.data === 213) { this.inFlight.delete(key); return; } // a chunk accepted: the next goes out
    if (s.data === 401 || s.data === 407) return; // resent by requeueMessage
    this.inFlight.delete(key);
    this.answered.add(ref.operationId + '/' + ref.index);
    this.events.push({ type: 'command-result', operationId: ref.operationId, index: ref.index, status: s.data });
  }

  private onResults(msg: SyncMLMessage, r: Command & { kind: 'Results' }, reply: Command[]): void {
    const key = `${r.msgRef ?? ''}/${r.cmdRef}`;
    const ref = this.sent.get(key) ?? this.incomingObject?.ref;
    const items: Item[] = [];
    for (const it of r.items) {
      if (it.moreData || this.incomingObject) {
        // A chunk of a large Results (§2.3).
        if (!this.incomingObject) {
          this.incomingObject = { receiver: new LargeObjectReceiver(this.options.maxObjSize ?? Infinity), ref, cmdRef: r.cmdRef, source: it.source?.locURI ?? '' };
        }
        const outcome = this.incomingObject.receiver.accept({ ...it, meta: { ...r.meta, ...it.meta } });
        if (outcome.state === 'more') { reply.push(status(msg, r, 213)); continue; }
        this.incomingObject = null;
        if (outcome.state === 'failed') { reply.push(status(msg, r, outcome.status)); continue; }
        const whole: Item = { ...it, data: outcome.value };
        delete whole.moreData;
        if (whole.meta) { whole.meta = { ...whole.meta }; delete whole.meta.size; }
        items.push(whole);
        continue;
      }
      items.push(it);
    }
    if (ref && items.length) this.events.push({ type: 'command-result', operationId: ref.operationId, index: ref.index, status: 200, results: items });
  }

  private onAlert(a: AlertCommand): number {
    switch (a.data) {
      case 1200: case 1201: case 1222: case 1223: return 200;
      case 1224:
        this.events.push({ type: 'client-event', devId: this.devId, items: a.items });
        return 200;
      case 1226: {
        const e: ServerSessionEvent = { type: 'generic-alert', devId: this.devId, items: a.items };
        if (a.correlator !== undefined) e.correlator = a.correlator;
        this.events.push(e);
        return 200;
      }
      case 1225:
        // The client broke off our large object: drop it; its command fails.
        if (this.outgoingObject) {
          const ref = this.outgoingObject.ref;
          this.outgoingObject = null;
          this.events.push({ type: 'command-result', operationId: ref.operationId, index: ref.index, status: 500 });
        }
        return 200;
      default:
        return 406;
    }
  }

  // --- operations ---------------------------------------------------------------------------

  private queueOperations(): void {
    this.queued = true;
    for (const op of this.options.operations) {
      if (op.atomic && op.commands.length > 0) this.queue.push(this.entryFor({ operationId: op.id, atomic: true }));
      else op.commands.forEach((_, index) => this.queue.push(this.entryFor({ operationId: op.id, index })));
    }
  }

  /** Put back the commands of a message whose Statuses were all refused for our credentials. */
  private requeueMessage(msgRef: string): void {
    const again: SentCommand[] = [];
    for (const [key, ref] of this.inFlight) {
      if (key.startsWith(`${msgRef}/`)) { again.push(ref); this.inFlight.delete(key); }
    }
    for (const ref of again.reverse()) {
      const op = this.options.operations.find((o) => o.id === ref.operationId);
      if (op?.commands[ref.index]) this.queue.unshift(this.entryFor({ operationId: ref.operationId, index: ref.index }));
    }
  }

  // --- composing ----------------------------------------------------------------------------

  private header(msg: SyncMLMessage): SyncHdr {
    this.msgID++;
    const h: SyncHdr = {
      verDTD: msg.header.verDTD === '1.1' ? '1.1' : '1.2', verProto: msg.header.verProto || 'DM/1.2',
      sessionID: this.sessionID, msgID: String(this.msgID),
      target: { locURI: this.devId }, source: { locURI: this.options.serverUri },
      meta: { maxMsgSize: this.options.maxMsgSize ?? 65536, maxObjSize: this.options.maxObjSize ?? 4 * 1024 * 1024 },
    };
    if (this.options.respURI) h.respURI = this.options.respURI;
    const d = this.options.device;
    if (d && this.authenticated && !this.serverCredAccepted) {
      const secret = { username: this.options.serverId, password: d.server.secret };
      if (d.server.scheme === 'basic') h.cred = { meta: { type: AUTH_BASIC, format: 'b64' }, data: encodeBasicCred(this.options.serverId, d.server.secret) };
      else if (d.server.scheme === 'md5') h.cred = { meta: { type: AUTH_MD5, format: 'b64' }, data: computeMd5Cred(secret, d.server.nonce) };
      if (d.server.scheme === 'md5' || d.server.scheme === 'hmac') h.source.locName = this.options.serverId;
    }
    return h;
  }

  /**
   * Build the answer: the owed Statuses first, then (when `withOperations`)
   * as many queued commands as fit. Final unless a large object is under way
   * or the client's package continues.
   */
  private compose(msg: SyncMLMessage, owed: Command[], final: boolean, withOperations = false): OutboundMessage {
    const header = this.header(msg);
    const assembler = new MessageAssembler({ encoding: this.encoding, header, maxMsgSize: this.clientMaxMsgSize, ...(msg.version === '1.1' ? { version: '1.1' as const } : {}) });
    let cmdID = 0;
    for (const c of owed) {
      const numbered = { ...c, cmdID: String(++cmdID) } as Command;
      if (!assembler.tryAdd(numbered)) throw new DmvisorError(`the Statuses owed do not fit the client's MaxMsgSize ${this.clientMaxMsgSize}`, 'DMV_ERR_MSG_SIZE', 413);
    }
    let sentCommands = 0;
    let objectInProgress = false;
    // New commands only once the client has answered the previous ones (§2.2).
    const mayAddCommands = withOperations && final && this.inFlight.size === 0 && this.authenticated && !this.incomingObject;
    if (withOperations && this.outgoingObject && this.authenticated) {
      const o = this.outgoingObject;
      const id = String(cmdID + 1);
      if (o.sender.fill(assembler, (item) => o.make(item, id))) {
        cmdID++;
        this.inFlight.set(`${this.msgID}/${id}`, o.ref);
        this.sent.set(`${this.msgID}/${id}`, o.ref);
        sentCommands++;
        if (o.sender.done) this.outgoingObject = null;
      }
      objectInProgress = this.outgoingObject !== null;
    } else if (mayAddCommands) {
      while (this.queue.length) {
        const next = this.queue[0];
        const mark = cmdID;
        const numbered = renumber(next.command, () => String(++cmdID));
        if (assembler.tryAdd(numbered.command)) {
          this.queue.shift();
          for (const r of next.refs) {
            const id = numbered.ids.get(r.path)!;
            this.inFlight.set(`${this.msgID}/${id}`, r.ref);
            this.sent.set(`${this.msgID}/${id}`, r.ref);
            this.events.push({ type: 'command-sent', operationId: r.ref.operationId, index: r.ref.index });
          }
          sentCommands++;
          continue;
        }
        cmdID = mark;
        // Too large for any message: a single-item Add/Replace goes as a large object.
        if (sentCommands === 0 && this.startLargeObject(next, assembler, () => String(++cmdID))) {
          this.queue.shift();
          sentCommands++;
          objectInProgress = this.outgoingObject !== null;
        } else if (sentCommands === 0) {
          // Nothing will ever fit: fail the command rather than loop.
          this.queue.shift();
          for (const r of next.refs) this.events.push({ type: 'command-result', operationId: r.ref.operationId, index: r.ref.index, status: 413 });
          continue;
        }
        break;
      }
    }
    const askedSomething = sentCommands > 0 || owed.some((c) => c.kind === 'Alert');
    const isFinal = final && !objectInProgress;
    const bytes = assembler.build({ final: isFinal });
    const message: SyncMLMessage = { version: msg.version, header, body: { commands: [...assembler.commands], final: isFinal } };
    const out: OutboundMessage = { url: this.options.respURI ?? '', message, bytes, contentType: dmMediaTypeFor(this.encoding) };
    const d = this.options.device;
    if (d && this.authenticated && d.server.scheme === 'hmac') {
      const mac = computeHmacMac({ username: this.options.serverId, password: d.server.secret }, d.server.nonce, bytes);
      out.hmacHeader = `algorithm=MD5, username="${this.options.serverId.replace(/["\\]/g, '\\$&')}", mac=${mac}`;
    }
    // A message that asks nothing (no command, no challenge answerable) ends the session once the client closed its package.
    const challenged = owed.some((c) => c.kind === 'Status' && c.cmdRef === '0' && (c.data === 401 || c.data === 407));
    if (!askedSomething && isFinal && msg.body.final && !challenged && this.queue.length === 0 && !this.outgoingObject) {
      this.finishQuietly('completed');
    }
    return out;
  }

  /** The item template and the value to chunk of a single-item Add/Replace; undefined for any other command. */
  private largeObjectParts(c: Command): { template: Item; payload: string | Uint8Array } | undefined {
    if ((c.kind !== 'Add' && c.kind !== 'Replace') || c.items.length !== 1) return undefined;
    const item = c.items[0];
    const value = item.data;
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) return undefined;
    const template: Item = { ...item };
    delete template.data;
    const payload = this.encoding === 'xml' && value instanceof Uint8Array ? encodeBase64(value) : value;
    if (this.encoding === 'xml' && value instanceof Uint8Array) template.meta = { ...template.meta, format: 'b64' };
    return { template, payload };
  }

  private startLargeObject(next: QueueEntry, assembler: MessageAssembler, nextId: () => string): boolean {
    const c = next.command;
    const parts = this.largeObjectParts(c);
    if (!parts || 'atomic' in next.source) return false;
    const { template, payload } = parts;
    const sender = new LargeObjectSender(template, payload, this.encoding);
    if (sender.totalSize > this.clientMaxObjSize) {
      for (const r of next.refs) this.events.push({ type: 'command-result', operationId: r.ref.operationId, index: r.ref.index, status: 413 });
      return true;
    }
    const ref = next.refs[0].ref;
    const make = (chunk: Item, cmdID: string): Command => ({ ...c, cmdID, items: [chunk] }) as Command;
    const id = nextId();
    if (!sender.fill(assembler, (chunk) => make(chunk, id))) return false;
    this.inFlight.set(`${this.msgID}/${id}`, ref);
    this.sent.set(`${this.msgID}/${id}`, ref);
    this.events.push({ type: 'command-sent', operationId: ref.operationId, index: ref.index });
    this.outgoingObject = sender.done ? null : { sender, make, ref, source: next.source };
    return true;
  }

  private finish(msg: SyncMLMessage, owed: Command[], state: ServerSessionResult['state'], reason: string): OutboundMessage {
    const out = this.compose(msg, owed, true);
    this.finishQuietly(state, reason);
    return out;
  }

  private fail(msg: SyncMLMessage, reason: string, code: number): OutboundMessage {
    const owed: Command[] = [status(msg, { kind: 'SyncHdr', cmdID: '0' }, code)];
    return this.finish(msg, owed, 'failed', reason);
  }

  private finishQuietly(state: ServerSessionResult['state'], reason?: string): void {
    if (this.state === 'done') return;
    this.state = 'done';
    const unfinished = new Set<string>();
    for (const ref of this.inFlight.values()) unfinished.add(ref.operationId);
    for (const q of this.queue) for (const r of q.refs) unfinished.add(r.ref.operationId);
    if (this.outgoingObject) unfinished.add(this.outgoingObject.ref.operationId);
    if (!this.authenticated) for (const op of this.options.operations) unfinished.add(op.id);
    this.outcome = { state, ...(reason ? { reason } : {}), unfinishedOperations: [...unfinished] };
  }
}

/** Basic credentials against a password or a stored md5 hash of `name:password`. */
function verifyBasic(data: string, secret: Md5Secret): boolean {
  if ('password' in secret) return verifyBasicCred(data, secret.username, secret.password);
  try {
    const b = decodeBasicCred(data);
    return constantTimeEqual(b.username, secret.username) && constantTimeEqual(md5CredentialHash(b.username, b.password), secret.storedHash);
  } catch {
    return false;
  }
}

function status(msg: SyncMLMessage, c: { kind: string; cmdID: string }, code: number): StatusCommand {
  return { kind: 'Status', cmdID: '', msgRef: msg.header.msgID, cmdRef: c.cmdID, cmd: c.kind, targetRefs: [], sourceRefs: [], data: code, items: [] };
}

/** The DM command for one operation command. Exec carries a Correlator naming the operation command. */
function toDmCommand(c: OperationCommand, operationId: string, index: number): Command {
  const meta: Meta = {};
  if (c.format !== undefined) meta.format = c.format;
  if (c.type !== undefined) meta.type = c.type;
  const item: Item = { target: { locURI: c.target } };
  if (Object.keys(meta).length) item.meta = meta;
  if (c.data !== undefined) item.data = c.data;
  switch (c.verb) {
    case 'Get': return { kind: 'Get', cmdID: '', items: [{ target: { locURI: c.target } }] };
    case 'Delete': return { kind: 'Delete', cmdID: '', items: [{ target: { locURI: c.target } }] };
    case 'Copy': return { kind: 'Copy', cmdID: '', items: [{ target: { locURI: c.target }, source: { locURI: c.source ?? '' } }] };
    case 'Exec': return { kind: 'Exec', cmdID: '', correlator: `${operationId}.${index}`, item };
    case 'Add': return { kind: 'Add', cmdID: '', items: [item] };
    case 'Replace': return { kind: 'Replace', cmdID: '', items: [item] };
  }
}

/** Give a command (and an Atomic's members) CmdIDs; `ids` maps member index ('' for the command itself, '0', '1'… for Atomic members) to CmdID. */
function renumber(c: Command, next: () => string): { command: Command; ids: Map<string, string> } {
  const ids = new Map<string, string>();
  if (c.kind === 'Atomic') {
    const outer = next();
    const commands = c.commands.map((m, i) => {
      const id = next();
      ids.set(String(i), id);
      return { ...m, cmdID: id } as Command;
    });
    return { command: { ...c, cmdID: outer, commands }, ids };
  }
  const id = next();
  ids.set('', id);
  return { command: { ...c, cmdID: id } as Command, ids };
}
