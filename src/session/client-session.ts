/**
 * `ClientSession` — the client side of one OMA DM session as a pure state
 * machine (shared/spec §2, §4): no sockets, no timers, no clock. A driver
 * calls {@link ClientSession.start} for package 1 and then feeds every server
 * response to {@link ClientSession.receive}, which returns the next message to
 * send or `null` when the session is over; {@link ClientSession.pollEvent}
 * yields what the driver must persist (new nonces, delivered alerts).
 *
 * Invariants:
 * - Every message carries a Status for the server's SyncHdr and for each
 *   server command; Results follow the Status of their Get.
 * - A reply that would hold nothing but the SyncHdr Status is not sent when
 *   the server closed its package: that is how a session ends.
 * - Our package is closed (Final) only after the server closed its own; when
 *   the server's message had no Final we ask for the next one with 1222.
 * - Replies never exceed the server's MaxMsgSize: what does not fit waits for
 *   the next message; a value too large for one message goes as a large
 *   object (MoreData chunks, Meta Size on the first).
 * - Authentication: the client sends credentials per the account's scheme
 *   (Cred in the header, or the `x-syncml-hmac` transport header), retries on
 *   401/407 with the challenge's scheme and nonce, stops sending Cred after
 *   212, and verifies the server's credentials when the account requires it,
 *   challenging it (401/407 + Chal with a fresh nonce) otherwise.
 */
import {
  computeHmacMac, computeMd5Cred, createNonce, decodeBasicCred, decodeBase64, encodeBase64, encodeBasicCred,
  parseHmacHeader, verifyHmacMac, verifyMd5Cred, constantTimeEqual, type RandomSource, AUTH_BASIC, AUTH_MD5, AUTH_MAC,
} from '../security/index.js';
import {
  decodeMessage, dmMediaTypeFor, MessageAssembler, LargeObjectReceiver, LargeObjectSender, encodedCommandSize, transferSize,
  type AlertCommand, type Command, type Cred, type Item, type ResultsCommand, type StatusCommand, type SyncHdr, type SyncMLMessage,
} from '../syncml/index.js';
import { DecodeError, DmvisorError } from '../errors.js';
import type { ManagementTree } from '../tree/management-tree.js';
import type { AuthScheme, ClientAccount } from './client-account.js';
import { CommandExecutor, type UiHandler } from './command-executor.js';

/** A Generic Alert (1226) the device wants to report, e.g. the result of an asynchronous Exec. */
export interface GenericAlert {
  /** Address of the MO the alert is about (Item Source). */
  sourceUri?: string;
  /** Meta Type, e.g. `Reversed-Domain-Name: org.openmobilealliance.dm.firmwareupdate.DownloadAndUpdate`. */
  type: string;
  /** Meta Format, e.g. `chr`, `int`, `xml`. */
  format: string;
  mark?: string;
  data: string;
  /** The Exec's Correlator, for an asynchronous result. */
  correlator?: string;
}

/** A message to send. */
export interface OutboundMessage {
  /** Where to send it: the account's server URI, or the server's last RespURI. */
  url: string;
  message: SyncMLMessage;
  bytes: Uint8Array;
  contentType: string;
  /** Value of the `x-syncml-hmac` header, when HMAC authentication is in use. */
  hmacHeader?: string;
}

/** What the driver must act on. */
export type ClientSessionEvent =
  | { type: 'client-nonce'; nonce: Uint8Array }
  | { type: 'server-nonce'; nonce: Uint8Array }
  | { type: 'generic-alert-delivered'; alert: GenericAlert; status: number }
  | { type: 'server-authenticated' };

/** How a session ended. */
export interface ClientSessionResult {
  state: 'completed' | 'aborted' | 'failed';
  reason?: string;
  /** Generic Alerts the server never acknowledged: queue them for the next session. */
  undeliveredAlerts: GenericAlert[];
  /** Messages sent and received. */
  messagesSent: number;
  messagesReceived: number;
}

/** Options of one session. */
export interface ClientSessionOptions {
  tree: ManagementTree;
  account: ClientAccount;
  /** ./DevInfo/DevId: the SyncHdr Source of every message. */
  deviceId: string;
  /** DevInfo leaves sent in package 1 (`./DevInfo/Man`, …), in order. */
  devInfo: { uri: string; value: string }[];
  /** SessionID: the package #0's session id in hex for a server-initiated session, else any value unique to the client. */
  sessionId: string;
  /** 1200 (answering a package #0) or 1201. */
  initiator: 'server' | 'client';
  /** Largest message this client accepts (SyncHdr Meta MaxMsgSize). */
  maxMsgSize?: number;
  /** Largest object this client accepts (SyncHdr Meta MaxObjSize). */
  maxObjSize?: number;
  /** Generic Alerts to report in this session. */
  genericAlerts?: GenericAlert[];
  /** Called after each server message to collect alerts raised since (e.g. asynchronous Exec results). */
  pollGenericAlerts?: () => GenericAlert[];
  ui?: UiHandler;
  random?: RandomSource;
  /** Authentication attempts before the session fails. Default 3. */
  maxAuthAttempts?: number;
  /** Largest MaxMsgSize assumed when the server announces none. Default 64 KiB. */
  defaultServerMaxMsgSize?: number;
}

type State = 'idle' | 'open' | 'done';

/** Misuse of the engine by its driver (not a protocol error by the server). */
export class ClientSessionStateError extends DmvisorError {
  constructor(message: string) {
    super(message, 'DMV_ERR_SESSION_STATE', 500);
  }
}

/** The client side of one DM session. */
export class ClientSession {
  private state: State = 'idle';
  private msgID = 0;
  private url: string;
  private readonly events: ClientSessionEvent[] = [];
  private readonly executor: CommandExecutor;
  private readonly random: RandomSource | undefined;
  /** Commands waiting for room in a message (Statuses, Results, Alerts), in order. */
  private queue: Command[] = [];
  /** Package-1 content, resent on an authentication challenge. */
  private readonly setupCommands: Command[];
  private clientNonce: Uint8Array;
  private serverNonce: Uint8Array;
  /** Set while the header Status carrying a new server nonce is queued but not yet sent. */
  private unsentServerNonce: { previous: Uint8Array } | undefined;
  private clientScheme: AuthScheme;
  /** Cred no longer needed: the server answered 212. */
  private clientAuthenticatedForSession = false;
  private serverAuthenticated = false;
  private acknowledgedServerAuth = false;
  private authAttempts = 0;
  private serverAuthFailures = 0;
  private serverMaxMsgSize: number;
  private serverMaxObjSize = Infinity;
  /** Generic Alerts sent and awaiting a Status, by (msgID, cmdID). */
  private readonly alertsInFlight = new Map<string, GenericAlert>();
  private readonly pendingAlerts: GenericAlert[];
  /** Generic Alerts the server refused: not resent this session, handed back as undelivered. */
  private readonly refusedAlerts: GenericAlert[] = [];
  private outgoingObject: { sender: LargeObjectSender; results: Omit<ResultsCommand, 'cmdID' | 'items'>; template: Item } | null = null;
  private incomingObject: { receiver: LargeObjectReceiver; command: Command; item: Item } | null = null;
  private lastSentHadFinal = false;
  private outcome: ClientSessionResult | null = null;
  private messagesSent = 0;
  private messagesReceived = 0;

  constructor(private readonly options: ClientSessionOptions) {
    this.url = options.account.serverUri;
    this.random = options.random;
    this.executor = new CommandExecutor(options.tree, options.account.serverId, options.ui);
    this.clientNonce = options.account.client.nonce;
    this.serverNonce = options.account.server.nonce;
    this.clientScheme = options.account.client.scheme;
    this.serverMaxMsgSize = options.defaultServerMaxMsgSize ?? 65536;
    this.pendingAlerts = [...(options.genericAlerts ?? [])];
    const alert: AlertCommand = { kind: 'Alert', cmdID: '', data: options.initiator === 'server' ? 1200 : 1201, items: [] };
    const devInfo: Command = {
      kind: 'Replace', cmdID: '',
      items: options.devInfo.map((d) => ({ source: { locURI: d.uri }, meta: { format: 'chr', type: 'text/plain' }, data: d.value })),
    };
    this.setupCommands = devInfo.kind === 'Replace' && devInfo.items.length ? [alert, devInfo] : [alert];
  }

  /** Package 1: Alert 1200/1201, the DevInfo Replace, any Generic Alerts. */
  start(): OutboundMessage {
    if (this.state !== 'idle') throw new ClientSessionStateError('start() called twice');
    this.state = 'open';
    this.queue.push(...this.setupCommands.map((c) => ({ ...c })));
    this.queueAlerts();
    return this.compose(undefined, true);
  }

  /** Next event for the driver, or undefined. */
  pollEvent(): ClientSessionEvent | undefined {
    return this.events.shift();
  }

  /** The result once the session is over. */
  get result(): ClientSessionResult | null {
    return this.outcome;
  }

  /**
   * Feed a server message. Returns the next message to send, or null when the
   * session is over (see {@link result}).
   */
  receive(bytes: Uint8Array, transport: { encoding?: 'xml' | 'wbxml'; hmacHeader?: string } = {}): OutboundMessage | null {
    if (this.state !== 'open') throw new ClientSessionStateError(`receive() in state ${this.state}`);
    this.messagesReceived++;
    let msg: SyncMLMessage;
    try {
      msg = decodeMessage(bytes, transport.encoding ?? this.options.account.encoding);
    } catch (e) {
      if (e instanceof DecodeError) return this.finish('failed', `server message could not be decoded: ${e.message}`);
      throw e;
    }
    if (msg.header.sessionID !== this.options.sessionId) {
      return this.finish('failed', `server answered with SessionID ${msg.header.sessionID}, expected ${this.options.sessionId}`);
    }
    if (msg.header.respURI) this.url = msg.header.respURI;
    if (msg.header.meta?.maxMsgSize !== undefined) this.serverMaxMsgSize = msg.header.meta.maxMsgSize;
    if (msg.header.meta?.maxObjSize !== undefined) this.serverMaxObjSize = msg.header.meta.maxObjSize;

    // 1. Our credentials: the Status for our SyncHdr.
    const headerStatus = msg.body.commands.find((c): c is StatusCommand => c.kind === 'Status' && c.cmdRef === '0');
    if (headerStatus) {
      const retry = this.onHeaderStatus(headerStatus);
      if (retry === 'failed') return this.outcome ? null : this.finish('failed', `server refused authentication (${headerStatus.data})`);
      if (retry === 'resend') {
        const serverAuth = this.serverAuthOk(msg, bytes, transport.hmacHeader);
        const code = serverAuth === 'ok' ? this.serverHeaderStatusCode() : serverAuth === 'missing' ? 407 : 401;
        this.queue.unshift(this.headerStatusFor(msg, code));
        return this.compose(msg, true);
      }
    }

    // 2. The server's credentials.
    const serverAuth = this.serverAuthOk(msg, bytes, transport.hmacHeader);
    if (serverAuth !== 'ok') return this.challengeServer(msg, serverAuth);

    // 3. Statuses for what we sent.
    for (const c of msg.body.commands) if (c.kind === 'Status' && c.cmdRef !== '0') this.onStatus(c);

    // 4. The server's commands.
    const header = this.headerStatusFor(msg, this.serverHeaderStatusCode());
    const commands = this.acceptChunks(msg);
    const reply = this.executor.execute(commands, msg.header.msgID);
    if (reply.aborted) return this.finish('aborted', 'the server aborted the session (1223)');
    this.queue.unshift(header);
    for (const owed of reply.commands) this.queueOwed(owed as StatusCommand | ResultsCommand);
    this.queueAlerts();

    const serverHasCommands = commands.some((c) => c.kind !== 'Status' && c.kind !== 'Results');
    // The server asks for the rest of our package (it closed its own before we began).
    if (reply.nextMessageRequested) return this.compose(msg, true);
    if (!msg.body.final) {
      // The server's package continues: ask for its next message, keep ours open.
      if (!this.queue.some((c) => c.kind === 'Results' || c.kind === 'Alert')) {
        this.queue.push({ kind: 'Alert', cmdID: '', data: 1222, items: [] });
      }
      return this.compose(msg, false);
    }
    const onlyHeaderStatus = this.queue.length === 1 && !this.outgoingObject && !serverHasCommands;
    if (onlyHeaderStatus) {
      // The header Status is never sent, so the server cannot learn a new server nonce in its Chal: keep the old one.
      this.dropUnsentServerNonce();
      return this.finish('completed');
    }
    return this.compose(msg, true);
  }

  // --- authentication -------------------------------------------------------------------------

  private onHeaderStatus(s: StatusCommand): 'ok' | 'resend' | 'failed' {
    const chal = s.chal?.meta;
    if (chal?.nextNonce !== undefined) {
      try {
        this.clientNonce = decodeBase64(chal.nextNonce, 'NextNonce');
        this.events.push({ type: 'client-nonce', nonce: this.clientNonce });
      } catch {
        // A garbled nonce from the server: keep the one we have.
      }
    }
    if (s.data === 212) { this.clientAuthenticatedForSession = true; return 'ok'; }
    if (s.data === 200) return 'ok';
    if (s.data === 401 || s.data === 407) {
      const challenged = schemeOfType(chal?.type);
      if (challenged) this.clientScheme = challenged;
      if (++this.authAttempts >= (this.options.maxAuthAttempts ?? 3)) return 'failed';
      // Resend package-1 content with credentials; alerts sent with it go again too.
      this.pendingAlerts.unshift(...this.alertsInFlight.values());
      this.alertsInFlight.clear();
      this.queue = this.setupCommands.map((c) => ({ ...c }));
      this.queueAlerts();
      return 'resend';
    }
    return 'failed';
  }

  private serverAuthOk(msg: SyncMLMessage, bytes: Uint8Array, hmacHeader: string | undefined): 'ok' | 'missing' | 'invalid' {
    const want = this.options.account.server;
    if (want.scheme === 'none') return 'ok';
    const secret = { username: want.name, password: want.secret };
    if (want.scheme === 'hmac') {
      if (!hmacHeader) return 'missing';
      try {
        const h = parseHmacHeader(hmacHeader);
        if (h.username !== want.name || !verifyHmacMac(h.mac, secret, this.serverNonce, bytes)) return 'invalid';
      } catch {
        return 'invalid';
      }
      this.markServerAuthenticated();
      return 'ok';
    }
    const cred = msg.header.cred;
    if (!cred) return this.serverAuthenticated ? 'ok' : 'missing';
    const ok = verifyServerCred(cred, want.scheme, want.name, want.secret, this.serverNonce);
    if (!ok) return 'invalid';
    this.markServerAuthenticated();
    return 'ok';
  }

  private markServerAuthenticated(): void {
    if (!this.serverAuthenticated) this.events.push({ type: 'server-authenticated' });
    this.serverAuthenticated = true;
  }

  /**
   * Status for the server's header: 212 the first time it authenticates by
   * Cred (no more Cred needed this session), 200 afterwards, under HMAC (a MAC
   * every message) and without server authentication.
   */
  private serverHeaderStatusCode(): number {
    const scheme = this.options.account.server.scheme;
    if ((scheme === 'basic' || scheme === 'md5') && !this.acknowledgedServerAuth) {
      this.acknowledgedServerAuth = true;
      return 212;
    }
    return 200;
  }

  private challengeServer(msg: SyncMLMessage, why: 'missing' | 'invalid'): OutboundMessage | null {
    if (++this.serverAuthFailures >= (this.options.maxAuthAttempts ?? 3)) return this.finish('failed', `server credentials ${why} ${this.serverAuthFailures} times`);
    const code = why === 'missing' ? 407 : 401;
    this.queue = [this.headerStatusFor(msg, code)];
    // The server's commands are not executed; each gets the header's code so the server resends it.
    for (const c of msg.body.commands) {
      if (c.kind === 'Status' || c.kind === 'Results') continue;
      this.queue.push({ kind: 'Status', cmdID: '', msgRef: msg.header.msgID, cmdRef: c.cmdID, cmd: c.kind, targetRefs: [], sourceRefs: [], data: code, items: [] });
    }
    return this.compose(msg, msg.body.final);
  }

  /** The Status for the server's SyncHdr, with a Chal carrying a fresh nonce when one is due. */
  private headerStatusFor(msg: SyncMLMessage, code: number): StatusCommand {
    const s: StatusCommand = {
      kind: 'Status', cmdID: '', msgRef: msg.header.msgID, cmdRef: '0', cmd: 'SyncHdr',
      targetRefs: [msg.header.target.locURI], sourceRefs: [msg.header.source.locURI], data: code, items: [],
    };
    const scheme = this.options.account.server.scheme;
    // A new server nonce on every challenge, every HMAC message, and for the next session after md5 succeeds.
    if (scheme === 'md5' || scheme === 'hmac') {
      if (code === 401 || code === 407 || scheme === 'hmac' || code === 212) {
        this.unsentServerNonce = { previous: this.serverNonce };
        this.serverNonce = createNonce(this.random);
        this.events.push({ type: 'server-nonce', nonce: this.serverNonce });
        s.chal = { meta: { type: typeOfScheme(scheme), format: 'b64', nextNonce: encodeBase64(this.serverNonce) } };
      }
    } else if (scheme === 'basic' && (code === 401 || code === 407)) {
      s.chal = { meta: { type: AUTH_BASIC, format: 'b64' } };
    }
    return s;
  }

  /** Undo the server nonce of a header Status that will not be sent (its event is still undrained). */
  private dropUnsentServerNonce(): void {
    if (!this.unsentServerNonce) return;
    for (let i = this.events.length - 1; i >= 0; i--) {
      if (this.events[i].type === 'server-nonce') { this.events.splice(i, 1); break; }
    }
    this.serverNonce = this.unsentServerNonce.previous;
    this.unsentServerNonce = undefined;
  }

  private credentials(): Cred | undefined {
    const c = this.options.account.client;
    if (this.clientAuthenticatedForSession) return undefined;
    switch (this.clientScheme) {
      case 'basic': return { meta: { type: AUTH_BASIC, format: 'b64' }, data: encodeBasicCred(c.name, c.secret) };
      case 'md5': return { meta: { type: AUTH_MD5, format: 'b64' }, data: computeMd5Cred({ username: c.name, password: c.secret }, this.clientNonce) };
      default: return undefined;
    }
  }

  // --- statuses for what we sent ------------------------------------------------------------

  private onStatus(s: StatusCommand): void {
    const key = `${s.msgRef}/${s.cmdRef}`;
    const alert = this.alertsInFlight.get(key);
    if (alert) {
      this.alertsInFlight.delete(key);
      if (s.data === 200 || s.data === 202) this.events.push({ type: 'generic-alert-delivered', alert, status: s.data });
      // Refused (412, 415, 500…, facts §2.6): sending it again in this session would get the same
      // answer and, with a server that only answers Statuses, never end the session. It goes back
      // to the driver for a later session instead. (The spec says nothing on retries: our choice.)
      else this.refusedAlerts.push(alert);
    }
    if (s.data === 213 || s.cmd === 'Results') return;
  }

  private queueAlerts(): void {
    const fresh = this.options.pollGenericAlerts?.() ?? [];
    this.pendingAlerts.push(...fresh);
    while (this.pendingAlerts.length) {
      const a = this.pendingAlerts.shift()!;
      const item: Item = { meta: { type: a.type, format: a.format, ...(a.mark ? { mark: a.mark } : {}) }, data: a.data };
      if (a.sourceUri) item.source = { locURI: a.sourceUri };
      const cmd: AlertCommand & { pendingAlert?: GenericAlert } = { kind: 'Alert', cmdID: '', data: 1226, items: [item] };
      if (a.correlator !== undefined) cmd.correlator = a.correlator;
      cmd.pendingAlert = a;
      this.queue.push(cmd);
    }
  }

  // --- large objects --------------------------------------------------------------------------

  /**
   * Feeds chunked items to the receiver. Returns the commands to execute: the
   * message's commands with a completed object's command restored to full
   * data, chunk-carrying commands removed (they are answered 213 here).
   */
  private acceptChunks(msg: SyncMLMessage): Command[] {
    const out: Command[] = [];
    for (const c of msg.body.commands) {
      if (c.kind !== 'Add' && c.kind !== 'Replace') {
        if (this.incomingObject && c.kind !== 'Status' && c.kind !== 'Results' && !(c.kind === 'Alert' && c.data === 1222)) this.abandonIncoming(msg);
        out.push(c);
        continue;
      }
      const item = c.items[c.items.length - 1];
      // A chunk for another node while an object is under way is a new object: the old one is broken (facts §2.3).
      if (this.incomingObject && !sameTarget(this.incomingObject.item, item)) this.abandonIncoming(msg);
      const chunked = item.moreData || this.incomingObject !== null;
      if (!chunked) {
        out.push(c);
        continue;
      }
      // Only the last Item of a command can be a chunk: the ones before it run as usual.
      if (c.items.length > 1) out.push({ ...c, items: c.items.slice(0, -1) } as Command);
      if (!this.incomingObject) {
        const meta = { ...c.meta, ...item.meta };
        this.incomingObject = { receiver: new LargeObjectReceiver(this.options.maxObjSize ?? Infinity), command: c, item: { ...item, meta } };
      }
      const r = this.incomingObject.receiver.accept({ ...item, meta: { ...c.meta, ...item.meta } });
      const targetRefs = item.target ? [item.target.locURI] : [];
      if (r.state === 'more') {
        this.queueOwed({ kind: 'Status', msgRef: msg.header.msgID, cmdRef: c.cmdID, cmd: c.kind, targetRefs, sourceRefs: [], data: 213, items: [] });
        continue;
      }
      const first = this.incomingObject;
      this.incomingObject = null;
      if (r.state === 'failed') {
        this.queueOwed({ kind: 'Status', msgRef: msg.header.msgID, cmdRef: c.cmdID, cmd: c.kind, targetRefs, sourceRefs: [], data: r.status, items: [] });
        continue;
      }
      const whole: Item = { ...first.item, data: r.value };
      delete whole.moreData;
      if (whole.meta) { whole.meta = { ...whole.meta }; delete whole.meta.size; }
      out.push({ ...c, items: [whole] } as Command);
    }
    return out;
  }

  private abandonIncoming(msg: SyncMLMessage): void {
    const o = this.incomingObject!;
    this.incomingObject = null;
    const item: Item = {};
    if (o.item.target) item.target = o.item.target;
    if (o.item.source) item.source = o.item.source;
    this.queue.push({ kind: 'Alert', cmdID: '', data: 1225, items: [item] });
    void msg;
  }

  // --- composing messages -------------------------------------------------------------------

  private queueOwed(c: Omit<StatusCommand, 'cmdID'> | Omit<ResultsCommand, 'cmdID'>): void {
    if (c.kind === 'Results') {
      const xml = this.options.account.encoding === 'xml';
      // XML has no raw bytes: binary values travel as base64 text, labelled Format b64 (facts §1.6).
      c = { ...c, items: c.items.map((item) => (xml && item.data instanceof Uint8Array && item.meta?.format === 'bin' ? { ...item, meta: { ...item.meta, format: 'b64' } } : item)) };
      for (const item of c.items) {
        const d = item.data;
        if (typeof d !== 'string' && !(d instanceof Uint8Array)) continue;
        // MaxObjSize bounds the transferred object (facts §1.2, §2.3): base64 text for bytes in XML.
        const size = typeof d === 'string' ? transferSize(d) : xml ? 4 * Math.ceil(d.length / 3) : d.length;
        if (size > this.serverMaxObjSize) {
          // Too large for the server at all: replace the owed 200 by 413 and send no Results.
          const s = [...this.queue].reverse().find((q): q is StatusCommand => q.kind === 'Status' && q.cmdRef === c.cmdRef && q.msgRef === c.msgRef);
          if (s) s.data = 413;
          return;
        }
      }
    }
    this.queue.push({ ...c, cmdID: '' } as Command);
  }

  /** Build the next message from the queue, as full as the server's MaxMsgSize allows. */
  private compose(replyTo: SyncMLMessage | undefined, serverClosedPackage: boolean): OutboundMessage {
    const account = this.options.account;
    this.unsentServerNonce = undefined; // whatever nonce the queue carries goes out now
    this.msgID++;
    const header: SyncHdr = {
      verDTD: '1.2', verProto: 'DM/1.2', sessionID: this.options.sessionId, msgID: String(this.msgID),
      target: { locURI: account.serverUri }, source: { locURI: this.options.deviceId },
      meta: { maxMsgSize: this.options.maxMsgSize ?? 65536, maxObjSize: this.options.maxObjSize ?? 1048576 },
    };
    if (this.clientScheme === 'md5' || this.clientScheme === 'hmac') header.source.locName = account.client.name;
    const cred = this.credentials();
    if (cred) header.cred = cred;
    const assembler = new MessageAssembler({ encoding: account.encoding, header, maxMsgSize: this.serverMaxMsgSize });
    let cmdID = 0;
    const next = () => String(++cmdID);
    // A large object's chunk is built more than once while sizing it: it takes the next CmdID only once it is in.
    const chunkIds = { peek: () => String(cmdID + 1), take: () => { cmdID++; } };
    const remaining: Command[] = [];
    let full = false;
    const pending = [...this.queue];
    for (let i = 0; i < pending.length; i++) {
      const c = pending[i];
      // While a large object is under way only Statuses may come between its chunks.
      if (full || (this.outgoingObject && c.kind !== 'Status')) { remaining.push(c); continue; }
      const numbered = { ...c, cmdID: next() } as Command & { pendingAlert?: GenericAlert };
      const alert = numbered.pendingAlert;
      delete numbered.pendingAlert;
      if (assembler.tryAdd(numbered)) {
        if (alert) this.alertsInFlight.set(`${this.msgID}/${numbered.cmdID}`, alert);
        continue;
      }
      cmdID--;
      if (numbered.kind === 'Results' && numbered.items.length > 1 && !this.fitsOwnMessage(numbered, header, assembler)) {
        // A Results whose items (e.g. ?list=StructData) fit no message together: one Results per
        // item, same MsgRef/CmdRef, each sent whole or as a large object. Without this it would wait
        // for a message big enough forever. (Our choice: the spec only bounds single objects, §2.2–§2.3.)
        const r = c as ResultsCommand;
        pending.splice(i, 1, ...r.items.map((item) => ({ ...r, items: [item] })));
        i--;
        continue;
      }
      // Objects that fit in one message MUST NOT be chunked (facts §2.3): a Results that would fit
      // a message of its own waits for the next message, unless this one holds nothing but our
      // Status for the server's SyncHdr (then waiting gains nothing).
      const chunk = numbered.kind === 'Results' && !this.outgoingObject
        && (assembler.commands.length <= 1 || !this.fitsOwnMessage(numbered, header, assembler));
      if (chunk && this.startOutgoingObject(numbered as ResultsCommand, assembler, chunkIds)) {
        full = true;
        continue;
      }
      if (assembler.commands.length === 0) throw new DmvisorError(`a ${c.kind} does not fit in the server's MaxMsgSize ${this.serverMaxMsgSize}`, 'DMV_ERR_MSG_SIZE', 413);
      full = true;
      remaining.push(c);
    }
    if (this.outgoingObject && !full) {
      // Continue a large object already under way.
      const o = this.outgoingObject;
      const id = chunkIds.peek();
      if (o.sender.fill(assembler, (item) => ({ ...o.results, cmdID: id, items: [item] }) as ResultsCommand)) chunkIds.take();
      if (o.sender.done) this.outgoingObject = null;
    }
    this.queue = remaining;
    const more = this.queue.length > 0 || this.outgoingObject !== null;
    const final = serverClosedPackage && !more;
    void replyTo;
    const bytes = assembler.build({ final });
    this.lastSentHadFinal = final;
    const message: SyncMLMessage = { version: '1.2', header, body: { commands: [...assembler.commands], final } };
    const out: OutboundMessage = { url: this.url, message, bytes, contentType: dmMediaTypeFor(account.encoding) };
    if (this.clientScheme === 'hmac') {
      const c = account.client;
      const mac = computeHmacMac({ username: c.name, password: c.secret }, this.clientNonce, bytes);
      out.hmacHeader = `algorithm=MD5, username="${c.name.replace(/["\\]/g, '\\$&')}", mac=${mac}`;
    }
    this.messagesSent++;
    return out;
  }

  /**
   * Would `c` fit in a message holding only the header and a SyncHdr Status
   * like the one opening this message (the next message's shape)?
   */
  private fitsOwnMessage(c: Command, header: SyncHdr, assembler: MessageAssembler): boolean {
    const encoding = this.options.account.encoding;
    const bare = new MessageAssembler({ encoding, header, maxMsgSize: Infinity });
    const first = assembler.commands[0];
    if (first && first.kind === 'Status' && first.cmdRef === '0') bare.add(first);
    return encodedCommandSize(c, encoding) <= this.serverMaxMsgSize - bare.size(true);
  }

  /** Start sending an oversized Results item as a large object; true if its first chunk went in. */
  private startOutgoingObject(results: ResultsCommand, assembler: MessageAssembler, ids: { peek(): string; take(): void }): boolean {
    if (results.items.length !== 1) return false;
    const item = results.items[0];
    const value = item.data;
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) return false;
    const template: Item = { ...item };
    delete template.data;
    const { items: _items, cmdID: _cmdID, ...rest } = results;
    const sender = new LargeObjectSender(template, this.options.account.encoding === 'xml' && value instanceof Uint8Array ? encodeBase64(value) : value, this.options.account.encoding);
    const o = { sender, results: rest, template };
    const id = ids.peek();
    const ok = sender.fill(assembler, (chunk) => ({ ...rest, cmdID: id, items: [chunk] }) as ResultsCommand);
    if (!ok) return false;
    ids.take();
    this.outgoingObject = sender.done ? null : o;
    return true;
  }

  private finish(state: ClientSessionResult['state'], reason?: string): null {
    this.state = 'done';
    const undelivered = [...this.alertsInFlight.values(), ...this.pendingAlerts, ...this.refusedAlerts];
    for (const c of this.queue) {
      const a = (c as { pendingAlert?: GenericAlert }).pendingAlert;
      if (a && !undelivered.includes(a)) undelivered.push(a);
    }
    this.outcome = { state, ...(reason ? { reason } : {}), undeliveredAlerts: undelivered, messagesSent: this.messagesSent, messagesReceived: this.messagesReceived };
    return null;
  }

  /** Whether the last message sent closed our package. */
  get lastMessageFinal(): boolean {
    return this.lastSentHadFinal;
  }
}

function schemeOfType(type: string | undefined): AuthScheme | undefined {
  switch (type) {
    case AUTH_BASIC: return 'basic';
    case AUTH_MD5: return 'md5';
    case AUTH_MAC: return 'hmac';
    default: return undefined;
  }
}

function typeOfScheme(scheme: AuthScheme): string {
  return scheme === 'basic' ? AUTH_BASIC : scheme === 'md5' ? AUTH_MD5 : AUTH_MAC;
}

function verifyServerCred(cred: Cred, scheme: AuthScheme, name: string, secret: string, nonce: Uint8Array): boolean {
  const type = cred.meta?.type ?? AUTH_BASIC;
  if (scheme === 'basic') {
    if (type !== AUTH_BASIC) return false;
    try {
      const b = decodeBasicCred(cred.data);
      return constantTimeEqual(b.username, name) && constantTimeEqual(b.password, secret);
    } catch {
      return false;
    }
  }
  if (scheme === 'md5') return type === AUTH_MD5 && verifyMd5Cred(cred.data, { username: name, password: secret }, nonce);
  return false;
}

function sameTarget(a: Item, b: Item): boolean {
  return (a.target?.locURI ?? a.source?.locURI) === (b.target?.locURI ?? b.source?.locURI);
}

/** Bytes a command adds in the given encoding (re-exported for drivers that pre-size). */
export { encodedCommandSize };
