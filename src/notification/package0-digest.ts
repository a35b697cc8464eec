/**
 * Client-side check of the package #0 digest (facts §7.2), including the
 * optional nonce resynchronisation: when the stored nonce fails, a client
 * may retry with a well-known "reset" nonce that a server falls back to when
 * it believes the two sides disagree.
 */
import { computePackage0Digest, constantTimeEqual } from '../security/index.js';
import type { Package0 } from './package0.js';

/**
 * The two readings of the reset nonce "0x00000000" (facts §7.2):
 * - `'zero-bytes'` — four 0x00 bytes, the literal reading of the spec;
 * - `'ascii-hex'` — the 10 ASCII characters `0x00000000`, as libdmclient does.
 * Which one a device uses is unverified; make it per-device configuration.
 */
export type ResetNonceForm = 'zero-bytes' | 'ascii-hex';

/** Default {@link ResetNonceForm}: the literal reading of the spec. */
export const DEFAULT_RESET_NONCE_FORM: ResetNonceForm = 'zero-bytes';

/**
 * The reset nonce bytes in the given form (facts §7.2); a server uses this to
 * build a package #0 when it has lost nonce synchronisation with a device.
 */
export function resetNonce(form: ResetNonceForm = DEFAULT_RESET_NONCE_FORM): Uint8Array {
  return form === 'ascii-hex' ? new TextEncoder().encode('0x00000000') : new Uint8Array(4);
}

/** Inputs to {@link verifyPackage0Digest}: the SRVCRED set (facts §7.2) and the resync policy. */
export interface Package0VerifyOptions {
  /** The server's password (DMAcc SRVCRED `AAuthSecret`). */
  readonly serverPassword: string;
  /** The stored server nonce, raw bytes (DMAcc SRVCRED `AAuthData`). */
  readonly nonce: Uint8Array;
  /** Retry with the reset nonce when the stored one fails. Default `false`: not all servers support it. */
  readonly allowNonceResync?: boolean;
  /** Which reset nonce to retry with; default {@link DEFAULT_RESET_NONCE_FORM}. */
  readonly resetNonce?: ResetNonceForm;
}

/** Which nonce made a package #0 digest verify: the stored one, the reset one, or none. */
export type Package0NonceMatch = 'stored' | 'reset' | null;

/**
 * Verify a decoded package #0's digest (facts §7.2) in constant time.
 * Returns `'reset'` only when resync is allowed and the stored nonce failed;
 * the caller then authenticates the session with the reset nonce and expects
 * the server to issue fresh nonces.
 */
export function verifyPackage0Digest(
  decoded: Pick<Package0, 'digest' | 'serverId' | 'trigger'>,
  options: Package0VerifyOptions,
): Package0NonceMatch {
  const matches = (nonce: Uint8Array): boolean =>
    constantTimeEqual(decoded.digest, computePackage0Digest(decoded.serverId, options.serverPassword, nonce, decoded.trigger));
  if (matches(options.nonce)) return 'stored';
  if (options.allowNonceResync && matches(resetNonce(options.resetNonce))) return 'reset';
  return null;
}
