/**
 * Randomness for nonces, as an injectable source (shared/style.md §7.2):
 * tests pass a deterministic source, production uses the OS CSPRNG.
 */
import { randomBytes } from 'node:crypto';
import { DmvisorError } from '../errors.js';

/** A source of `n` unpredictable bytes. Injected wherever dmvisor needs randomness. */
export type RandomSource = (n: number) => Uint8Array;

/** The default {@link RandomSource}: node:crypto `randomBytes` (OS CSPRNG). */
export const defaultRandomSource: RandomSource = (n) => new Uint8Array(randomBytes(n));

/**
 * Nonce length in bytes. OMA DM 1.2 Security recommends nonces of at least
 * 128 bits (facts §4.1).
 */
export const NONCE_LENGTH = 16;

/**
 * Create a fresh authentication nonce of {@link NONCE_LENGTH} random bytes,
 * for a `Chal`'s NextNonce (facts §4.2) or a package #0 nonce (facts §7.2).
 * Send it with `encodeBase64`; keep the raw bytes for the digest.
 */
export function createNonce(random: RandomSource = defaultRandomSource): Uint8Array {
  const bytes = random(NONCE_LENGTH);
  // A short read from a custom source would silently weaken every digest.
  if (!(bytes instanceof Uint8Array) || bytes.length !== NONCE_LENGTH) {
    throw new DmvisorError(
      `random source returned ${bytes instanceof Uint8Array ? bytes.length : typeof bytes} bytes, wanted ${NONCE_LENGTH}`,
      'DMV_ERR_RANDOM',
      500,
    );
  }
  return new Uint8Array(bytes);
}
