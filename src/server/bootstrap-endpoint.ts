/**
 * The bootstrap server (client-initiated bootstrap): a DM endpoint of its
 * own, at `/bootstrap` by default, in the same process as the DM server.
 *
 * A device that holds only a bootstrap-server account opens a normal DM
 * session here. Its credentials name a pre-shared enrollment secret (the
 * AAuthName of that account; basic or md5) — or a per-device one bound to
 * its DevId. The engine is the ordinary {@link ServerSession}; its only
 * operation is the Add of a DMAcc account for the real DM server with fresh
 * per-device credentials, which are registered in the store (bootstrap
 * method `client-initiated`) the moment the device has authenticated —
 * before the answer carrying the Add leaves.
 *
 * Storms: one bootstrap session per DevId at a time (a second one gets 409
 * until the first ends), so each device ends with exactly one account. A
 * DevId already registered by an operator is refused (403); one that was
 * itself bootstrapped gets new credentials (the device lost its state).
 * An unknown enrollment name, or a wrong secret, gets the engine's
 * challenge and, after the allowed attempts, 401 — nothing is registered.
 */
import { randomBytes } from 'node:crypto';
import { decodeMessage, classifyDmContentType, dmMediaTypeFor, encodeEmbeddedXml, type SyncMLMessage } from '../syncml/index.js';
import { ServerSession, type PendingOperation } from '../session/server-session.js';
import { decodeBasicCred, verifyBasicCred, verifyMd5Cred } from '../security/index.js';
import { DecodeError, DmvisorError } from '../errors.js';
import type { DmAccount } from '../mo/dmacc.js';
import { dmAccountsTnds } from '../bootstrap/dm-profile.js';
import type { BootstrapService, EnrollmentSecret } from './bootstrap-service.js';
import type { DmRequest, DmResponse } from './dm-endpoint.js';

/** Options of the bootstrap endpoint. */
export interface BootstrapEndpointOptions {
  service: BootstrapService;
  /** ServerID of the bootstrap server (what the device's bootstrap account names). Default `dmvisor-bootstrap`. */
  serverId?: string;
  /** Public URL of this endpoint (RespURI base). */
  publicUrl: string;
  sessionIdleMs?: number;
  /** Told about every bootstrap (logs, metrics). */
  onEvent?: (e: { event: 'enrolled' | 'refused' | 'session-end'; devId: string; reason?: string; enrollment?: string; state?: string }) => void;
}

interface Live {
  token: string;
  devId: string;
  engine: ServerSession;
  enrollment: EnrollmentSecret | undefined;
  /** The account issued (registered) for the device; undefined when it did not authenticate. */
  account: DmAccount | undefined;
  lastActivity: number;
}

/** Serves client-initiated bootstrap sessions. */
export class BootstrapEndpoint {
  private readonly sessions = new Map<string, Live>();
  /** DevIds with a bootstrap session in progress. */
  private readonly busy = new Set<string>();

  constructor(private readonly options: BootstrapEndpointOptions) {}

  get serverId(): string {
    return this.options.serverId ?? 'dmvisor-bootstrap';
  }

  /** Handle one client message. Never throws for bad input. */
  async handle(req: DmRequest): Promise<DmResponse> {
    let encoding: 'xml' | 'wbxml';
    let msg: SyncMLMessage;
    try {
      encoding = classifyDmContentType(req.contentType).encoding;
      msg = decodeMessage(req.body, encoding);
    } catch (e) {
      if (e instanceof DecodeError) return plain(e.statusHint === 415 ? 415 : 400, e.message);
      throw e;
    }
    this.reap();
    const devId = msg.header.source.locURI;
    let live = req.token ? this.sessions.get(req.token) : undefined;
    if (live && live.devId !== devId) live = undefined;
    if (!live) {
      if (this.busy.has(devId)) {
        this.options.onEvent?.({ event: 'refused', devId, reason: 'a bootstrap session for this device is in progress' });
        return plain(409, `a bootstrap session for ${devId} is in progress`);
      }
      const opened = await this.open(msg);
      if (!('engine' in opened)) return opened;
      live = opened;
    }
    live.lastActivity = Date.now();
    const out = live.engine.receive(msg, req.body, { encoding, ...(req.hmacHeader ? { hmacHeader: req.hmacHeader } : {}) });
    for (let e = live.engine.pollEvent(); e; e = live.engine.pollEvent()) {
      if (e.type === 'auth-failed') this.options.onEvent?.({ event: 'refused', devId, reason: `authentication failed${live.enrollment ? '' : ' (unknown enrollment or wrong secret)'}` });
    }
    if (live.engine.done) {
      this.end(live);
      this.options.onEvent?.({ event: 'session-end', devId, state: live.engine.result?.state ?? 'failed' });
      if (!live.account) return { status: 401, body: out.bytes, contentType: dmMediaTypeFor(encoding) };
    }
    const res: DmResponse = { status: 200, body: out.bytes, contentType: dmMediaTypeFor(encoding) };
    if (out.hmacHeader) res.hmacHeader = out.hmacHeader;
    return res;
  }

  /**
   * Start a session. The credential is checked here first (basic, or md5
   * with the initial empty nonce), so the account can be registered and its
   * Add queued before the engine runs; the engine then checks it again as
   * for any session. A device without a valid credential gets an engine
   * without a device record: only challenges, nothing registered.
   */
  private async open(msg: SyncMLMessage): Promise<Live | DmResponse> {
    const devId = msg.header.source.locURI;
    const name = credentialName(msg);
    let enrollment = name === undefined ? undefined : await this.options.service.enrollment(name);
    if (enrollment?.devId !== undefined && enrollment.devId !== devId) enrollment = undefined;
    const scheme = msg.header.cred?.meta?.type === 'syncml:auth-md5' ? 'md5' as const : 'basic' as const;
    const cred = msg.header.cred?.data;
    const valid = enrollment !== undefined && cred !== undefined && (scheme === 'basic'
      ? verifyBasicCred(cred, enrollment.name, enrollment.secret)
      : verifyMd5Cred(cred, { username: enrollment.name, password: enrollment.secret }, new Uint8Array(0)));
    const token = randomBytes(18).toString('base64url');
    const operations: PendingOperation[] = [];
    let account: DmAccount | undefined;
    if (valid && enrollment) {
      this.busy.add(devId);
      try {
        const issued = await this.options.service.issueAccount(devId, 'client-initiated', enrollment.profile, { replace: true });
        account = issued.account;
      } catch (err) {
        this.busy.delete(devId);
        if (!(err instanceof DmvisorError)) throw err;
        this.options.onEvent?.({ event: 'refused', devId, reason: err.message });
        return plain(err.statusHint === 409 ? 403 : err.statusHint, err.message);
      }
      this.options.onEvent?.({ event: 'enrolled', devId, enrollment: enrollment.name });
      const node = this.options.service.serverId.replace(/[^A-Za-z0-9._~-]/g, '_') || 'dmvisor';
      operations.push({ id: `bootstrap-${token}`, commands: addCommands(node, account) });
    }
    const engine = new ServerSession({
      serverUri: this.options.publicUrl,
      serverId: this.serverId,
      device: valid && enrollment ? {
        devId,
        client: { scheme, name: enrollment.name, secret: enrollment.secret, nonce: new Uint8Array(0) },
        server: { scheme: 'none', name: '', secret: '', nonce: new Uint8Array(0) },
      } : undefined,
      operations,
      respURI: `${this.options.publicUrl}?s=${token}`,
      maxAuthAttempts: 1,
    });
    const live: Live = { token, devId, engine, enrollment, account, lastActivity: Date.now() };
    this.sessions.set(token, live);
    this.busy.add(devId);
    return live;
  }

  private end(live: Live): void {
    this.sessions.delete(live.token);
    this.busy.delete(live.devId);
  }

  private reap(): void {
    const idle = this.options.sessionIdleMs ?? 60_000;
    const now = Date.now();
    for (const live of this.sessions.values()) if (now - live.lastActivity > idle) this.end(live);
  }
}

/** The enrollment name a device presents: the basic credential's user, or the md5/HMAC LocName. */
function credentialName(msg: SyncMLMessage): string | undefined {
  const cred = msg.header.cred;
  if (cred?.meta?.type === 'syncml:auth-basic') {
    try { return decodeBasicCred(cred.data).username; } catch { return undefined; }
  }
  return msg.header.source.locName;
}

/**
 * The account as one Add of a TNDS object to ./DMAcc (its `<x>` node with
 * the standard ACL): one command instead of one per node.
 */
function addCommands(node: string, account: DmAccount): PendingOperation['commands'] {
  const data = encodeEmbeddedXml({ kind: 'tnds', root: dmAccountsTnds([{ node, account }]) });
  return [{ verb: 'Add', target: './DMAcc', data, format: 'xml', type: 'application/vnd.syncml.dmtnds+xml' }];
}

function plain(status: number, text: string): DmResponse {
  return { status, body: new TextEncoder().encode(text + '\n'), contentType: 'text/plain; charset=utf-8' };
}
