/**
 * `syncml:auth-MAC` message integrity (facts §4.3):
 * `mac = B64(MD5(B64(MD5(username ":" password)) ":" nonce ":" B64(MD5(body))))`
 * over the body bytes exactly as sent (XML text or WBXML), carried in the
 * transport header `x-syncml-hmac`.
 */
import { encodeBase64, decodeBase64 } from './base64.js';
import { constantTimeEqual } from './constant-time.js';
import { md5BodyDigest, type Md5Secret } from './md5-digest.js';
import { formatHmacHeader } from './hmac-header.js';

/**
 * Compute the HMAC of a message body (facts §4.3).
 * @param nonce raw nonce bytes, not their base64 text.
 * @param body the exact bytes transmitted.
 * @throws AuthError (statusHint 500) if a stored hash is malformed.
 */
export function computeHmacMac(secret: Md5Secret, nonce: Uint8Array, body: Uint8Array): string {
  return encodeBase64(md5BodyDigest(secret, nonce, body));
}

/**
 * Check a received `mac` (from `parseHmacHeader`) against the body
 * (facts §4.3), in constant time. A malformed mac is a failed check.
 * @throws AuthError (statusHint 500) if a stored hash is malformed.
 */
export function verifyHmacMac(mac: string, secret: Md5Secret, nonce: Uint8Array, body: Uint8Array): boolean {
  const expected = md5BodyDigest(secret, nonce, body);
  let received: Uint8Array;
  try {
    received = decodeBase64(mac, 'mac');
  } catch {
    return false;
  }
  return constantTimeEqual(received, expected);
}

/**
 * Build the whole `x-syncml-hmac` header value for a message (facts §4.3):
 * `algorithm=MD5, username="…", mac=…`.
 */
export function createHmacHeader(secret: Md5Secret, nonce: Uint8Array, body: Uint8Array): string {
  return formatHmacHeader({ username: secret.username, mac: computeHmacMac(secret, nonce, body) });
}
