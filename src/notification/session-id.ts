/**
 * The package #0 session id as it appears in the client's SyncHdr SessionID
 * (facts §7.1): 1–4 uppercase hex digits without leading zeros
 * (0x1234 → `1234`, 0x00AB → `AB`).
 */
import { DecodeError, EncodeError } from '../errors.js';

const CANONICAL = /^[1-9A-F][0-9A-F]{0,3}$/;

/**
 * Format a package #0 session id for SyncHdr SessionID (facts §7.1).
 * @throws EncodeError unless `n` is an integer in 1..0xFFFF.
 */
export function sessionIdToHeader(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 0xffff) throw new EncodeError(`session id ${n} is not 1..0xFFFF`);
  return n.toString(16).toUpperCase();
}

/**
 * Parse a SyncHdr SessionID written from a package #0 session id (facts §7.1).
 * Only the canonical form is accepted, so a session id has exactly one
 * spelling and string comparison of SessionIDs stays meaningful.
 * @throws DecodeError (`what` = `SessionID`) on anything else: empty, longer
 *   than 4 digits, lowercase, leading zeros, non-hex characters.
 */
export function parseSessionIdHeader(text: string): number {
  if (!CANONICAL.test(text)) {
    let at = 0;
    if (text.length > 4) at = 4;
    else if (text.startsWith('0')) at = 0;
    else while (at < text.length && /[0-9A-F]/.test(text[at])) at++;
    throw new DecodeError('SessionID', `char ${at}`, `${JSON.stringify(text.slice(0, 16))} is not 1-4 uppercase hex digits without leading zeros`);
  }
  return Number.parseInt(text, 16);
}
