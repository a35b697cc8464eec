/**
 * Strict Base64 (RFC 4648 §4, standard alphabet, padded) for the `b64`
 * Format of SyncML: credentials, NextNonce and MACs travel in it (facts §4).
 *
 * Node's own base64 decoder skips anything it does not understand, so a
 * corrupted nonce would silently turn into other bytes; this one refuses.
 */
import { DecodeError } from '../errors.js';

const ALPHABET = /^[A-Za-z0-9+/]$/;

/** Encode bytes as padded standard Base64 (the SyncML `b64` format). */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Decode padded standard Base64 (the SyncML `b64` format) to raw bytes.
 *
 * ASCII whitespace (space, tab, CR, LF) is skipped, because XML encoders
 * may wrap or indent element text. Anything else outside the alphabet,
 * misplaced or missing padding, and non-zero pad bits are refused.
 *
 * @param what names the input in the error, e.g. `NextNonce`.
 * @throws DecodeError with `where` = `char N` (offset in `text`).
 */
export function decodeBase64(text: string, what = 'base64'): Uint8Array {
  let clean = '';
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') continue;
    if (c === '=') {
      if (++padding > 2) throw new DecodeError(what, `char ${i}`, 'more than two "=" padding characters');
    } else if (padding > 0) {
      throw new DecodeError(what, `char ${i}`, 'data after "=" padding');
    } else if (!ALPHABET.test(c)) {
      throw new DecodeError(what, `char ${i}`, `invalid base64 character ${JSON.stringify(c)}`);
    }
    clean += c;
  }
  if (clean.length % 4 !== 0) {
    throw new DecodeError(what, `char ${text.length}`, `base64 length ${clean.length} is not a multiple of 4`);
  }
  const bytes = Buffer.from(clean, 'base64');
  // Re-encoding catches non-zero pad bits, which make two texts decode alike.
  if (bytes.toString('base64') !== clean) {
    throw new DecodeError(what, `char ${text.length}`, 'non-canonical base64 (non-zero pad bits)');
  }
  return new Uint8Array(bytes);
}
