/**
 * `syncml:auth-md5` credentials (facts §4.1):
 * `Cred/Data = B64(MD5(B64(MD5(username ":" password)) ":" nonce))`,
 * where `nonce` is the raw bytes of the last NextNonce (base64-decoded).
 */
import { decodeBase64, encodeBase64 } from './base64.js';
import { constantTimeEqual } from './constant-time.js';
import { md5NonceDigest, type Md5Secret } from './md5-digest.js';

/**
 * Build the `Cred/Data` of an auth-md5 credential (facts §4.1) from a
 * password or from the stored hash `B64(MD5(user:pass))`.
 * @param nonce raw nonce bytes, not their base64 text.
 * @throws AuthError (statusHint 500) if a stored hash is malformed.
 */
export function computeMd5Cred(secret: Md5Secret, nonce: Uint8Array): string {
  return encodeBase64(md5NonceDigest(secret, nonce));
}

/**
 * Check a received auth-md5 `Cred/Data` (facts §4.1) in constant time.
 * Malformed data is a failed check, not an exception.
 * @throws AuthError (statusHint 500) if a stored hash is malformed.
 */
export function verifyMd5Cred(data: string, secret: Md5Secret, nonce: Uint8Array): boolean {
  const expected = md5NonceDigest(secret, nonce);
  let received: Uint8Array;
  try {
    received = decodeBase64(data, 'auth-md5');
  } catch {
    return false;
  }
  return constantTimeEqual(received, expected);
}
