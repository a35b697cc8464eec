/**
 * Media types of OMA DM, and a small, strict parser for `Content-Type`
 * header values.
 *
 * A DM endpoint decides how to decode a body from its Content-Type: XML or
 * WBXML. Besides the DM 1.2 names (`application/vnd.syncml.dm+xml|+wbxml`,
 * facts §1.1) real clients still send the older SyncML names
 * (`application/vnd.syncml+xml|+wbxml`); {@link classifyDmContentType} accepts
 * both and reports which one it saw. Bootstrap messages carry their security
 * method and MAC as `SEC` and `MAC` parameters of the same header (facts
 * §8.3), so parameters are kept, with their names lower-cased: read them as
 * `params.sec`, `params.mac`, `params.charset`.
 *
 * The header is untrusted input. The parser bounds its length, accepts only
 * the RFC 9110 grammar (tokens, quoted strings, optional whitespace), refuses
 * duplicate parameters and parameter names that could pollute an object
 * prototype, and stores parameters in a null-prototype object. Every failure
 * is a {@link DecodeError} with `what = 'content-type'` and `where = 'header'`.
 *
 * Pure code: no I/O, no clock, no randomness.
 */
import { DecodeError, EncodeError, LimitExceededError } from '../errors.js';

/** The media types dmvisor recognises, by role. All values are lower case. */
export const MediaType = Object.freeze({
  /** DM message, clear-text XML (DM 1.2). */
  DM_XML: 'application/vnd.syncml.dm+xml',
  /** DM message, WBXML (DM 1.2). */
  DM_WBXML: 'application/vnd.syncml.dm+wbxml',
  /** Older SyncML name for an XML message; still sent by real DM clients. */
  LEGACY_SYNCML_XML: 'application/vnd.syncml+xml',
  /** Older SyncML name for a WBXML message; still sent by real DM clients. */
  LEGACY_SYNCML_WBXML: 'application/vnd.syncml+wbxml',
  /** DM notification (package #0), facts §7.3. */
  NOTIFICATION: 'application/vnd.syncml.notification',
  /** Serialized DM subtree (TNDS), XML. */
  TNDS_XML: 'application/vnd.syncml.dmtnds+xml',
  /** Serialized DM subtree (TNDS), WBXML. */
  TNDS_WBXML: 'application/vnd.syncml.dmtnds+wbxml',
  /** Device Description Framework document, XML. */
  DDF_XML: 'application/vnd.syncml.dmddf+xml',
  /** Device Description Framework document, WBXML. */
  DDF_WBXML: 'application/vnd.syncml.dmddf+wbxml',
  /** SyncML device information, XML. */
  DEVINF_XML: 'application/vnd.syncml-devinf+xml',
  /** SyncML device information, WBXML. */
  DEVINF_WBXML: 'application/vnd.syncml-devinf+wbxml',
  /** OMA Client Provisioning document, WBXML (CP bootstrap profile). */
  CONNECTIVITY_WBXML: 'application/vnd.wap.connectivity-wbxml',
  /** OMA Client Provisioning document, XML. */
  CONNECTIVITY_XML: 'text/vnd.wap.connectivity-xml',
} as const);

/** One of the {@link MediaType} values. */
export type MediaType = (typeof MediaType)[keyof typeof MediaType];

/** How a DM message body is encoded. */
export type DmEncoding = 'xml' | 'wbxml';

/**
 * WSP well-known content-type numbers (facts §7.3, facts-2 §F.1). On the wire
 * WSP sends them as a short integer, i.e. with the top bit set (`0x44` → `0xC4`).
 */
export const WSP_CONTENT_TYPES = Object.freeze([
  { code: 0x35, mediaType: MediaType.CONNECTIVITY_XML },
  { code: 0x36, mediaType: MediaType.CONNECTIVITY_WBXML },
  { code: 0x42, mediaType: MediaType.DM_WBXML },
  { code: 0x43, mediaType: MediaType.DM_XML },
  { code: 0x44, mediaType: MediaType.NOTIFICATION },
] as const);

/** The WSP well-known number for `mediaType` (case-insensitive), or `undefined` if it has none. */
export function wspContentTypeCode(mediaType: string): number | undefined {
  const wanted = mediaType.trim().toLowerCase();
  return WSP_CONTENT_TYPES.find((row) => row.mediaType === wanted)?.code;
}

/** The media type for WSP well-known number `code` (without the short-integer top bit), or `undefined`. */
export function wspMediaType(code: number): MediaType | undefined {
  return WSP_CONTENT_TYPES.find((row) => row.code === code)?.mediaType;
}

/** The DM message media types, mapped to their encoding and whether the name is the legacy one. */
const DM_MESSAGE_TYPES: ReadonlyMap<string, { readonly encoding: DmEncoding; readonly legacy: boolean }> = new Map([
  [MediaType.DM_XML, { encoding: 'xml', legacy: false }],
  [MediaType.DM_WBXML, { encoding: 'wbxml', legacy: false }],
  [MediaType.LEGACY_SYNCML_XML, { encoding: 'xml', legacy: true }],
  [MediaType.LEGACY_SYNCML_WBXML, { encoding: 'wbxml', legacy: true }],
]);

/** True when `mediaType` (a bare `type/subtype`, any case) names a DM message, current or legacy. */
export function isDmMessageMediaType(mediaType: string): boolean {
  return DM_MESSAGE_TYPES.has(mediaType.trim().toLowerCase());
}

/** The DM 1.2 media type to send for a message in `encoding`. */
export function dmMediaTypeFor(encoding: DmEncoding): MediaType {
  return encoding === 'wbxml' ? MediaType.DM_WBXML : MediaType.DM_XML;
}

// ---------------------------------------------------------------------------
// Content-Type parsing
// ---------------------------------------------------------------------------

/** Longest Content-Type header value {@link parseContentType} will look at, in characters. */
export const MAX_CONTENT_TYPE_LENGTH = 1024;

/** A parsed Content-Type header value. */
export interface ParsedContentType {
  /** `type/subtype`, lower-cased, without parameters. */
  readonly mediaType: string;
  /**
   * Parameters by lower-cased name, values as sent (quotes and escapes
   * removed, case kept). A frozen object with no prototype: look keys up with
   * `params.sec` or `Object.hasOwn(params, 'sec')`, never via `in`.
   */
  readonly params: Readonly<Record<string, string>>;
}

/** A Content-Type that names a DM message. */
export interface DmContentType extends ParsedContentType {
  /** How the body is encoded. */
  readonly encoding: DmEncoding;
  /** True for the older `application/vnd.syncml+xml|+wbxml` names. */
  readonly legacy: boolean;
}

/** Parameter names refused because they are object-prototype keys. */
const FORBIDDEN_PARAM_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function fail(reason: string, statusHint = 400): never {
  throw new DecodeError('content-type', 'header', reason, 'DMV_ERR_DECODE', statusHint);
}

/** Printable form of the character at `i` for error messages (never echoes control bytes). */
function describeChar(s: string, i: number): string {
  if (i >= s.length) return 'end of header';
  const c = s.charCodeAt(i);
  const shown = c > 0x20 && c < 0x7f ? `'${s[i]}'` : `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return `${shown} at char ${i}`;
}

/**
 * Parse a Content-Type header value: `type/subtype *( OWS ";" OWS [name=value] )`
 * where a value is a token or a quoted string (RFC 9110 §8.3, §5.6.6). Type,
 * subtype and parameter names are case-insensitive and come back lower-cased;
 * whitespace around `;` and `=` is tolerated, as are empty parameters (`;;`).
 *
 * @throws DecodeError when the header is missing, longer than
 *   {@link MAX_CONTENT_TYPE_LENGTH} (as its subclass `LimitExceededError`),
 *   malformed, repeats a parameter name, or uses `__proto__`, `constructor`
 *   or `prototype` as a parameter name.
 */
export function parseContentType(header: string | undefined): ParsedContentType {
  if (typeof header !== 'string') fail('header missing');
  if (header.length > MAX_CONTENT_TYPE_LENGTH) {
    throw new LimitExceededError(
      'content-type',
      'header',
      `header is ${header.length} characters, limit is ${MAX_CONTENT_TYPE_LENGTH}`,
    );
  }

  const s = header;
  let i = 0;
  const skipOws = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const readToken = (what: string): string => {
    const start = i;
    while (i < s.length && TCHAR.test(s[i] as string)) i++;
    if (i === start) fail(`expected ${what}, found ${describeChar(s, i)}`);
    return s.slice(start, i);
  };
  const readQuoted = (): string => {
    i++; // opening quote
    let out = '';
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return out;
      }
      if (c === 0x5c) {
        // quoted-pair: backslash then HTAB / SP / VCHAR / obs-text
        i++;
        if (i >= s.length) break;
        const e = s.charCodeAt(i);
        if (!(e === 0x09 || (e >= 0x20 && e !== 0x7f && e <= 0xff))) {
          fail(`bad escaped character ${describeChar(s, i)} in quoted value`);
        }
        out += s[i];
        i++;
        continue;
      }
      // qdtext: HTAB / SP / visible ASCII except '"' and '\' / obs-text
      if (!(c === 0x09 || (c >= 0x20 && c !== 0x7f && c <= 0xff))) {
        fail(`bad character ${describeChar(s, i)} in quoted value`);
      }
      out += s[i];
      i++;
    }
    return fail('unterminated quoted value');
  };

  skipOws();
  const type = readToken('media type');
  if (s[i] !== '/') fail(`expected '/' after media type, found ${describeChar(s, i)}`);
  i++;
  const subtype = readToken('media subtype');
  const mediaType = `${type}/${subtype}`.toLowerCase();

  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  skipOws();
  while (i < s.length) {
    if (s[i] !== ';') fail(`expected ';' or end of header, found ${describeChar(s, i)}`);
    i++;
    skipOws();
    if (i >= s.length || s[i] === ';') continue; // empty parameter
    const name = readToken('parameter name').toLowerCase();
    skipOws();
    if (s[i] !== '=') fail(`expected '=' after parameter '${name}', found ${describeChar(s, i)}`);
    i++;
    skipOws();
    const value = s[i] === '"' ? readQuoted() : readToken(`value for parameter '${name}'`);
    if (FORBIDDEN_PARAM_NAMES.has(name)) fail(`parameter name '${name}' is not allowed`);
    if (Object.hasOwn(params, name)) fail(`parameter '${name}' given more than once`);
    params[name] = value;
    skipOws();
  }

  return Object.freeze({ mediaType, params: Object.freeze(params) });
}

/**
 * Parse a Content-Type header and check that it names a DM message: the DM 1.2
 * types or the legacy SyncML ones, XML or WBXML. Parameters (`charset`, and
 * `sec` / `mac` on a bootstrap) are passed through.
 *
 * @throws DecodeError (`what = 'content-type'`, `where = 'header'`) for any
 *   header {@link parseContentType} rejects, and — with `statusHint` 415 — for
 *   a well-formed header naming any other media type.
 */
export function classifyDmContentType(header: string | undefined): DmContentType {
  const parsed = parseContentType(header);
  const kind = DM_MESSAGE_TYPES.get(parsed.mediaType);
  if (kind === undefined) fail(`'${parsed.mediaType}' is not a DM message media type`, 415);
  return Object.freeze({ ...parsed, encoding: kind.encoding, legacy: kind.legacy });
}

/**
 * Build a Content-Type header value: `mediaType` followed by `; name=value`
 * for each parameter in insertion order, quoting values that are not tokens.
 * Names are written as given (bootstrap peers expect `SEC` and `MAC` in upper
 * case).
 *
 * @throws EncodeError when the media type or a parameter name is not a valid
 *   token, or a value holds a character a quoted string cannot carry.
 */
export function formatContentType(mediaType: string, params: Readonly<Record<string, string>> = {}): string {
  const slash = mediaType.indexOf('/');
  if (slash < 0 || !TOKEN.test(mediaType.slice(0, slash)) || !TOKEN.test(mediaType.slice(slash + 1))) {
    throw new EncodeError(`content-type: invalid media type '${mediaType}'`);
  }
  let out = mediaType;
  for (const [name, value] of Object.entries(params)) {
    if (!TOKEN.test(name) || FORBIDDEN_PARAM_NAMES.has(name.toLowerCase())) {
      throw new EncodeError(`content-type: invalid parameter name '${name}'`);
    }
    if (TOKEN.test(value)) {
      out += `; ${name}=${value}`;
      continue;
    }
    for (let k = 0; k < value.length; k++) {
      const c = value.charCodeAt(k);
      if (!(c === 0x09 || (c >= 0x20 && c !== 0x7f && c <= 0xff))) {
        throw new EncodeError(`content-type: parameter '${name}' holds an unencodable character at ${k}`);
      }
    }
    out += `; ${name}="${value.replace(/["\\]/g, '\\$&')}"`;
  }
  return out;
}
