/**
 * `syncml:auth-basic` credentials: `Cred/Data = B64(username ":" password)`
 * (facts §4.1). Strings are UTF-8 on the wire.
 */
import { AuthError, EncodeError } from '../errors.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import { constantTimeEqual } from './constant-time.js';

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Username and password carried by a Basic credential. */
export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Build the `Cred/Data` of a Basic credential, `B64(username ":" password)`
 * (facts §4.1).
 * @throws EncodeError if the username contains `:` — the receiver splits at the first one.
 */
export function encodeBasicCred(username: string, password: string): string {
  if (username.includes(':')) throw new EncodeError('auth-basic: username must not contain ":"');
  return encodeBase64(utf8.encode(`${username}:${password}`));
}

/**
 * Decode a received Basic `Cred/Data` to username and password (facts §4.1),
 * splitting at the first `:`.
 * @throws AuthError if the data is not base64, not UTF-8, or has no `:`.
 */
export function decodeBasicCred(data: string): BasicCredentials {
  let text: string;
  try {
    text = strictUtf8.decode(decodeBase64(data, 'auth-basic'));
  } catch (err) {
    throw new AuthError(`auth-basic: malformed credential data: ${err instanceof Error ? err.message : String(err)}`);
  }
  const colon = text.indexOf(':');
  if (colon < 0) throw new AuthError('auth-basic: credential data has no ":" between username and password');
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/**
 * Check a received Basic `Cred/Data` against the expected username and
 * password (facts §4.1), comparing the decoded bytes in constant time so
 * equivalent base64 spellings (line breaks) are accepted alike.
 * Malformed data is simply a failed check.
 */
export function verifyBasicCred(data: string, username: string, password: string): boolean {
  let received: Uint8Array;
  try {
    received = decodeBase64(data, 'auth-basic');
  } catch {
    return false;
  }
  return constantTimeEqual(received, utf8.encode(`${username}:${password}`));
}
