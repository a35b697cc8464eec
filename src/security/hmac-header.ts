/**
 * The `x-syncml-hmac` transport header (facts §4.3): a comma-separated list
 * of `name=value` parameters — `algorithm=MD5` (optional, MD5 by default),
 * `username="<quoted>"` and `mac=<base64>` (both required).
 *
 * Parsing is tolerant of what peers vary on (parameter order, spaces,
 * parameter-name case, quoting of any value, empty list elements, unknown
 * extra parameters, which are ignored) and strict on what could be abused
 * (duplicates, control characters, length). Since a bad header is an
 * authentication failure (facts §4.3), its DecodeErrors carry statusHint 401.
 */
import { DecodeError, EncodeError, LimitExceededError } from '../errors.js';
import { decodeBase64 } from './base64.js';

/** Name of the HTTP / WSP / OBEX header carrying the HMAC (facts §4.3). */
export const HMAC_HEADER_NAME = 'x-syncml-hmac';

/** Longest `x-syncml-hmac` value accepted; a real one is under 100 characters. */
export const HMAC_HEADER_MAX_LENGTH = 1024;

/** A parsed `x-syncml-hmac` header value (facts §4.3). */
export interface HmacHeader {
  /** Only MD5 is defined by OMA DM 1.2. */
  readonly algorithm: 'MD5';
  /** Equals the message's SyncHdr `Source/LocName`. */
  readonly username: string;
  /** Base64 of the 16-byte MD5 MAC, as received. */
  readonly mac: string;
}

const WHAT = 'x-syncml-hmac';
const NAME_CHAR = /^[A-Za-z0-9_-]$/;

function fail(at: number, reason: string): never {
  throw new DecodeError(WHAT, `char ${at}`, reason, 'DMV_ERR_DECODE', 401);
}

function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09) || code === 0x7f;
}

/**
 * Parse an `x-syncml-hmac` header value (facts §4.3).
 * @throws LimitExceededError if longer than {@link HMAC_HEADER_MAX_LENGTH}.
 * @throws DecodeError (statusHint 401) on bad syntax, a duplicate parameter,
 *   a missing or empty `username` or `mac`, a `mac` that is not base64 of 16
 *   bytes, or an algorithm other than MD5.
 */
export function parseHmacHeader(value: string): HmacHeader {
  if (value.length > HMAC_HEADER_MAX_LENGTH) {
    throw new LimitExceededError(WHAT, `char ${HMAC_HEADER_MAX_LENGTH}`, `header is ${value.length} characters, limit ${HMAC_HEADER_MAX_LENGTH}`);
  }
  const params = new Map<string, { value: string; at: number }>();
  const n = value.length;
  let i = 0;
  const skipSpace = (): void => {
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
  };

  while (true) {
    skipSpace();
    if (i >= n) break;
    if (value[i] === ',') {
      i++;
      continue;
    }
    const nameAt = i;
    while (i < n && NAME_CHAR.test(value[i])) i++;
    if (i === nameAt) fail(i, `expected a parameter name, found ${JSON.stringify(value[i])}`);
    const name = value.slice(nameAt, i).toLowerCase();
    skipSpace();
    if (value[i] !== '=') fail(i, `expected "=" after parameter "${name}"`);
    i++;
    skipSpace();

    let param = '';
    const valueAt = i;
    if (value[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = value[i];
        if (isControl(c.charCodeAt(0))) fail(i, 'control character in quoted string');
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\\') {
          i++;
          if (i >= n) break;
          if (isControl(value.charCodeAt(i))) fail(i, 'control character in quoted string');
        }
        param += value[i];
        i++;
      }
      if (!closed) fail(valueAt, 'unterminated quoted string');
    } else {
      while (i < n && value[i] !== ',' && value[i] !== ' ' && value[i] !== '\t') {
        if (value[i] === '"' || isControl(value.charCodeAt(i))) fail(i, `unexpected ${JSON.stringify(value[i])} in value of "${name}"`);
        param += value[i];
        i++;
      }
      if (param === '') fail(i, `empty value for parameter "${name}"`);
    }
    skipSpace();
    if (i < n && value[i] !== ',') fail(i, `expected "," after parameter "${name}"`);
    // A second username or mac could make two components read different values.
    if (params.has(name)) fail(nameAt, `duplicate parameter "${name}"`);
    params.set(name, { value: param, at: valueAt });
  }

  const algorithm = params.get('algorithm');
  if (algorithm && algorithm.value.toUpperCase() !== 'MD5') {
    fail(algorithm.at, `unsupported algorithm ${JSON.stringify(algorithm.value)}`);
  }
  const username = params.get('username');
  if (!username) fail(n, 'missing username parameter');
  if (username.value === '') fail(username.at, 'empty username');
  const mac = params.get('mac');
  if (!mac) fail(n, 'missing mac parameter');
  let macBytes: Uint8Array | undefined;
  try {
    macBytes = decodeBase64(mac.value, WHAT);
  } catch {
    macBytes = undefined;
  }
  if (macBytes?.length !== 16) fail(mac.at, 'mac is not base64 of a 16-byte MD5 digest');
  return { algorithm: 'MD5', username: username.value, mac: mac.value };
}

/**
 * Format an `x-syncml-hmac` header value (facts §4.3):
 * `algorithm=MD5, username="<escaped>", mac=<base64>`.
 * @throws EncodeError if the username is empty or has control characters
 *   (header injection), the mac is not base64, or the result would exceed
 *   {@link HMAC_HEADER_MAX_LENGTH} (so that {@link parseHmacHeader} accepts it).
 */
export function formatHmacHeader(header: { readonly username: string; readonly mac: string; readonly algorithm?: 'MD5' }): string {
  const { username, mac } = header;
  if (username === '') throw new EncodeError(`${WHAT}: empty username`);
  for (let k = 0; k < username.length; k++) {
    if (isControl(username.charCodeAt(k))) throw new EncodeError(`${WHAT}: control character in username`);
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(mac)) throw new EncodeError(`${WHAT}: mac is not base64`);
  const quoted = username.replace(/["\\]/g, (c) => `\\${c}`);
  const value = `algorithm=${header.algorithm ?? 'MD5'}, username="${quoted}", mac=${mac}`;
  if (value.length > HMAC_HEADER_MAX_LENGTH) throw new EncodeError(`${WHAT}: header would exceed ${HMAC_HEADER_MAX_LENGTH} characters`);
  return value;
}
