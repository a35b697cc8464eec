/**
 * Decides what a client does with a package #0 (shared/spec §7): decode it,
 * find the account of its server id, verify the digest with that server's
 * credentials (with the nonce-resync rule when allowed), drop duplicates of a
 * session already started, and honour the UI mode (ask the user before a
 * "user interaction" session). Pure: the caller passes the time.
 */
import { decodePackage0, verifyPackage0Digest, sessionIdToHeader, type ResetNonceForm } from '../notification/index.js';
import { DecodeError } from '../errors.js';
import type { ClientAccount } from './client-account.js';

/** Options of a {@link NotificationGate}. */
export interface NotificationGateOptions {
  /** Accept a digest made with the reset nonce when the stored one fails. Default false. */
  allowNonceResync?: boolean;
  /** Form of the reset nonce (the spec is ambiguous). Default `'zero-bytes'`. */
  resetNonce?: ResetNonceForm;
  /** A second notification with the same server and session id within this window is a duplicate. Default 10 min. */
  duplicateWindowMs?: number;
  /** Asked for UI mode 3 (user interaction): start the session? Without it, such notifications are accepted. */
  askUser?: (serverId: string) => boolean;
  /** Told about UI mode 2 (informative). */
  inform?: (serverId: string) => void;
}

/** The gate's verdict. */
export type NotificationVerdict =
  | { kind: 'start'; account: ClientAccount; sessionId: string; uiMode: number; nonce: 'stored' | 'reset' }
  | { kind: 'rejected'; reason: string; serverId?: string };

/** Filters notifications before they start sessions. */
export class NotificationGate {
  private readonly seen = new Map<string, number>();

  constructor(private readonly accountFor: (serverId: string) => ClientAccount | undefined, private readonly options: NotificationGateOptions = {}) {}

  /** Judge one package #0 received at `now` (ms). */
  accept(bytes: Uint8Array, now: number): NotificationVerdict {
    let p;
    try {
      p = decodePackage0(bytes);
    } catch (e) {
      if (e instanceof DecodeError) return { kind: 'rejected', reason: e.message };
      throw e;
    }
    const account = this.accountFor(p.serverId);
    if (!account) return { kind: 'rejected', reason: `no account for server id ${JSON.stringify(p.serverId)}`, serverId: p.serverId };
    if (p.version !== 11 && p.version !== 10) return { kind: 'rejected', reason: `unsupported notification version ${p.version}`, serverId: p.serverId };
    const match = verifyPackage0Digest(p, {
      serverPassword: account.server.secret,
      nonce: account.server.nonce,
      allowNonceResync: this.options.allowNonceResync ?? false,
      ...(this.options.resetNonce ? { resetNonce: this.options.resetNonce } : {}),
    });
    if (match === null) return { kind: 'rejected', reason: 'digest does not verify', serverId: p.serverId };

    const window = this.options.duplicateWindowMs ?? 600_000;
    for (const [k, t] of this.seen) if (now - t > window) this.seen.delete(k);
    const key = `${p.serverId}\u0000${p.sessionId}`;
    if (this.seen.has(key)) return { kind: 'rejected', reason: `duplicate notification for session ${p.sessionId}`, serverId: p.serverId };
    this.seen.set(key, now);

    if (p.uiMode === 3 && this.options.askUser && !this.options.askUser(p.serverId)) {
      return { kind: 'rejected', reason: 'the user declined the session', serverId: p.serverId };
    }
    if (p.uiMode === 2) this.options.inform?.(p.serverId);
    return { kind: 'start', account, sessionId: sessionIdToHeader(p.sessionId), uiMode: p.uiMode, nonce: match };
  }
}
