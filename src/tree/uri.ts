/**
 * DM tree URIs (shared/spec/oma-dm-facts.md §5.1, §5.3, §5.6).
 *
 * Grammar accepted:
 * ```
 * uri      = node-uri [ "?prop=" name | "?list=" attribute ]
 * node-uri = "." | [ "./" ] segment *( "/" segment )
 * ```
 * - The root is `.`; `./A/B` and `A/B` name the same node. No trailing `/`,
 *   no empty segment, no `.` or `..` segment (not even percent-escaped).
 * - A segment may hold `%hh` escapes; they are decoded (as UTF-8) into the
 *   node name, so a name may contain any character except control characters.
 *   Unescaped, a segment may hold any character except `/`, `?` and control
 *   characters: the spec's RFC 2396 `pchar` set plus raw UTF-8 and the few
 *   ASCII punctuation marks real clients send unescaped (lenient on input).
 * - On output ({@link escapeSegment}) we escape only what would change the
 *   meaning or is invisible: `%`, `/`, `?`, `#`, space, control characters and
 *   DEL. Non-ASCII stays as UTF-8 text.
 *
 * Limits (`./DevDetail/URI/MaxDepth|MaxTotLen|MaxSegLen`, 0 = unlimited) are
 * measured on the canonical form of the node URI — `./` + escaped segments,
 * without any `?prop=`/`?list=` suffix — so `A/B` and `./A/B` count the same:
 * depth = number of segments below the root; segment length and total length
 * in characters (UTF-16 code units of the escaped text). Exceeding one → 414.
 *
 * Pure: no I/O.
 */
import { UriSyntaxError, UriTooLongError } from './errors.js';

/** URI limits of a tree, as reported in `./DevDetail/URI`. `0` means unlimited. */
export interface UriLimits {
  /** Most segments below the root. */
  readonly maxDepth: number;
  /** Longest canonical node URI, in characters. */
  readonly maxTotLen: number;
  /** Longest escaped segment, in characters. */
  readonly maxSegLen: number;
}

/**
 * Default limits: depth 32, total 1024 characters, segment 128 characters.
 * Chosen to leave room for a gateway prefix in front of a VM's URIs
 * (shared/design.md, "Addressing end devices") and for 64-character hex node
 * names (Windows names DMAcc accounts by a SHA-256), while keeping a hostile
 * URI's cost small. All three fit the 16-bit fields DevDetail reports them in.
 */
export const DEFAULT_URI_LIMITS: UriLimits = Object.freeze({ maxDepth: 32, maxTotLen: 1024, maxSegLen: 128 });

/** The query part of a URI: a property (`?prop=`) or a tree listing (`?list=`). */
export type UriQuery =
  | { readonly kind: 'prop'; readonly name: string }
  | { readonly kind: 'list'; readonly attribute: string };

/** A parsed DM URI. */
export interface DmUri {
  /** Decoded node names below the root; empty for the root itself. */
  readonly segments: readonly string[];
  /** Canonical node URI: `.` or `./` + escaped segments joined by `/`. */
  readonly path: string;
  /** `?prop=` / `?list=` suffix, if any. */
  readonly query?: UriQuery;
}

const HEX = /^[0-9A-Fa-f]{2}$/;
// eslint-disable-next-line no-control-regex -- control characters are what we refuse
const CONTROL = /[\u0000-\u001f\u007f]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parse and check a DM URI.
 * @throws UriSyntaxError (400) for a malformed URI, UriTooLongError (414) when a limit is exceeded.
 */
export function parseDmUri(uri: string, limits: UriLimits = DEFAULT_URI_LIMITS): DmUri {
  if (uri === '') throw new UriSyntaxError(uri, 'empty URI');
  // A cheap bound before any work: an escaped character is at most 3 characters written, 12 as UTF-8 %hh.
  if (limits.maxTotLen > 0 && uri.length > limits.maxTotLen * 12 + 256) {
    throw new UriTooLongError(uri, 'MaxTotLen', `${uri.length} characters written, limit ${limits.maxTotLen}`);
  }
  const q = uri.indexOf('?');
  const pathPart = q < 0 ? uri : uri.slice(0, q);
  const query = q < 0 ? undefined : parseQuery(uri, uri.slice(q + 1));
  const segments = parsePath(uri, pathPart);
  const escaped = segments.map(escapeSegment);
  const path = escaped.length === 0 ? '.' : './' + escaped.join('/');
  checkLimits(uri, escaped, path, limits);
  return query ? { segments, path, query } : { segments, path };
}

function parseQuery(uri: string, q: string): UriQuery {
  if (q.startsWith('prop=')) {
    const name = q.slice(5);
    if (name === '') throw new UriSyntaxError(uri, 'empty property name after ?prop=');
    return { kind: 'prop', name };
  }
  if (q.startsWith('list=')) {
    const attribute = q.slice(5);
    if (attribute === '') throw new UriSyntaxError(uri, 'empty attribute after ?list=');
    return { kind: 'list', attribute };
  }
  throw new UriSyntaxError(uri, `unknown query ${JSON.stringify('?' + q)} (only ?prop= and ?list=)`);
}

function parsePath(uri: string, p: string): string[] {
  if (p === '.') return [];
  if (p === '') throw new UriSyntaxError(uri, 'empty node URI');
  if (p.startsWith('/')) throw new UriSyntaxError(uri, 'absolute paths are not DM URIs (use ./)');
  const rest = p.startsWith('./') ? p.slice(2) : p;
  if (rest === '') throw new UriSyntaxError(uri, 'trailing /');
  const raw = rest.split('/');
  const out: string[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const seg = raw[i];
    if (seg === '') throw new UriSyntaxError(uri, i === raw.length - 1 ? 'trailing /' : 'empty segment');
    const name = decodeSegment(uri, seg);
    if (name === '.' || name === '..') throw new UriSyntaxError(uri, `"${seg}" segment`);
    out[i] = name;
  }
  return out;
}

function decodeSegment(uri: string, seg: string): string {
  if (CONTROL.test(seg)) throw new UriSyntaxError(uri, 'control character in a segment');
  if (!seg.includes('%')) return seg;
  let out = '';
  let i = 0;
  while (i < seg.length) {
    if (seg[i] !== '%') { out += seg[i++]; continue; }
    const bytes: number[] = [];
    while (i < seg.length && seg[i] === '%') {
      const hex = seg.slice(i + 1, i + 3);
      if (!HEX.test(hex)) throw new UriSyntaxError(uri, `bad escape ${JSON.stringify(seg.slice(i, i + 3))}`);
      bytes.push(parseInt(hex, 16));
      i += 3;
    }
    try {
      out += utf8.decode(new Uint8Array(bytes));
    } catch {
      throw new UriSyntaxError(uri, 'escaped bytes are not UTF-8');
    }
  }
  if (CONTROL.test(out)) throw new UriSyntaxError(uri, 'escaped control character in a segment');
  return out;
}

function checkLimits(uri: string, escaped: readonly string[], path: string, limits: UriLimits): void {
  if (limits.maxDepth > 0 && escaped.length > limits.maxDepth) {
    throw new UriTooLongError(uri, 'MaxDepth', `${escaped.length} segments, limit ${limits.maxDepth}`);
  }
  if (limits.maxSegLen > 0) {
    for (const s of escaped) {
      if (s.length > limits.maxSegLen) throw new UriTooLongError(uri, 'MaxSegLen', `segment of ${s.length} characters, limit ${limits.maxSegLen}`);
    }
  }
  if (limits.maxTotLen > 0 && path.length > limits.maxTotLen) {
    throw new UriTooLongError(uri, 'MaxTotLen', `${path.length} characters, limit ${limits.maxTotLen}`);
  }
}

// eslint-disable-next-line no-control-regex -- control characters are escaped
const NEEDS_ESCAPE = /[\u0000-\u0020%/?#\u007f]/g;

/** Escape a node name for use as a URI segment (see the module comment for the set). */
export function escapeSegment(name: string): string {
  return name.replace(NEEDS_ESCAPE, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

/** The canonical URI of a node from its decoded names: `.` for none. */
export function formatDmUri(segments: readonly string[]): string {
  return segments.length === 0 ? '.' : './' + segments.map(escapeSegment).join('/');
}

/** The canonical URI of child `name` of the node at canonical URI `parent`. */
export function childUri(parent: string, name: string): string {
  return (parent === '.' ? './' : parent + '/') + escapeSegment(name);
}

/** Check a node name for creation: non-empty, not `.`/`..`, no control characters. Returns the reason it is bad, or undefined. */
export function badNodeName(name: string): string | undefined {
  if (name === '') return 'empty node name';
  if (name === '.' || name === '..') return `node name ${JSON.stringify(name)}`;
  if (CONTROL.test(name)) return 'control character in a node name';
  return undefined;
}

/** Resolve the limits a caller configured: each missing field takes its default. */
export function resolveUriLimits(limits: Partial<UriLimits> | undefined): UriLimits {
  const r = { ...DEFAULT_URI_LIMITS, ...limits };
  for (const k of ['maxDepth', 'maxTotLen', 'maxSegLen'] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 0 || r[k] > 0xffff) throw new RangeError(`${k} must be an integer in 0..65535 (0 = unlimited), got ${r[k]}`);
  }
  return Object.freeze(r);
}
