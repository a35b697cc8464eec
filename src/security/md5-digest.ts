/**
 * The MD5 chain shared by auth-md5, HMAC and the package #0 digest
 * (facts §4.1, §4.3, §7.2). All three start from `H = B64(MD5(user ":" pass))`,
 * which is also the form an authenticator may store instead of the password.
 */
import { createHash } from 'node:crypto';
import { AuthError } from '../errors.js';
import { decodeBase64, encodeBase64 } from './base64.js';

const utf8 = new TextEncoder();
const COLON = utf8.encode(':');

/**
 * The secret side of an MD5-based credential: either the clear password, or
 * the stored hash `B64(MD5(username ":" password))` (facts §4.1, "servers may
 * store only that"). `username` is kept in both forms because callers need it
 * for `LocName` and the HMAC header; the hash already binds it.
 */
export type Md5Secret =
  | { readonly username: string; readonly password: string }
  | { readonly username: string; readonly storedHash: string };

function md5(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/**
 * `B64(MD5(username ":" password))` — the storable form of an MD5 credential
 * (facts §4.1). Strings are hashed as UTF-8.
 */
export function md5CredentialHash(username: string, password: string): string {
  return encodeBase64(md5(utf8.encode(`${username}:${password}`)));
}

/** The ASCII bytes of `H`, checked when it comes from storage. */
export function credentialHashBytes(secret: Md5Secret): Uint8Array {
  if ('password' in secret) return utf8.encode(md5CredentialHash(secret.username, secret.password));
  let raw: Uint8Array | undefined;
  try {
    raw = decodeBase64(secret.storedHash, 'stored credential hash');
  } catch {
    raw = undefined;
  }
  // A malformed stored hash would make every check fail quietly: a config bug, not a bad peer.
  if (raw?.length !== 16) {
    throw new AuthError('stored credential hash is not B64(MD5(user:pass)) (16 bytes)', 'DMV_ERR_AUTH_CONFIG', 500);
  }
  return utf8.encode(encodeBase64(raw));
}

/** `MD5(H ":" nonce)` — auth-md5 (facts §4.1). */
export function md5NonceDigest(secret: Md5Secret, nonce: Uint8Array): Uint8Array {
  return md5(credentialHashBytes(secret), COLON, nonce);
}

/**
 * `MD5(H ":" nonce ":" B64(MD5(body)))` — raw 16 bytes. This is the HMAC of
 * facts §4.3 before its final B64, and the package #0 digest of facts §7.2
 * with `H` built from server id and server password.
 */
export function md5BodyDigest(secret: Md5Secret, nonce: Uint8Array, body: Uint8Array): Uint8Array {
  const bodyHash = utf8.encode(encodeBase64(md5(body)));
  return md5(credentialHashBytes(secret), COLON, nonce, COLON, bodyHash);
}

/**
 * Package #0 digest (facts §7.2):
 * `MD5(B64(MD5(serverId ":" serverPassword)) ":" nonce ":" B64(MD5(trigger)))`,
 * returned raw (16 bytes) as it sits at offset 0 of the notification.
 * `trigger` is everything after the digest.
 */
export function computePackage0Digest(
  serverId: string,
  serverPassword: string,
  nonce: Uint8Array,
  trigger: Uint8Array,
): Uint8Array {
  return md5BodyDigest({ username: serverId, password: serverPassword }, nonce, trigger);
}
