/**
 * Constant-time comparison for credentials, MACs and digests (facts §4:
 * verifying a received secret must not reveal how much of it matched).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const utf8 = new TextEncoder();

function toBytes(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? utf8.encode(value) : value;
}

/**
 * Compare two byte strings (or UTF-8 strings) in time independent of where
 * they differ. Inputs of different lengths are not rejected early: both are
 * first hashed to SHA-256, so the comparison itself always runs over 32 bytes.
 */
export function constantTimeEqual(a: Uint8Array | string, b: Uint8Array | string): boolean {
  const x = toBytes(a);
  const y = toBytes(b);
  const same = timingSafeEqual(createHash('sha256').update(x).digest(), createHash('sha256').update(y).digest());
  return same && x.length === y.length;
}
