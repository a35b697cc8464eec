/**
 * Connectionless WSP Push PDUs (WAP-230 §8.2.4), the framing a package #0 or
 * a bootstrap message travels in over SMS or UDP to port 2948
 * (shared/spec/oma-dm-facts.md §7.3, oma-dm-facts-2.md §F).
 *
 * Layout: `TID | PDU type (0x06 Push, 0x07 ConfirmedPush) | HeadersLen
 * (uintvar) | Content-Type | headers | body`. We encode Content-Type in the
 * general form when it has parameters (SEC, MAC) and as a short integer
 * otherwise, and the X-WAP-Application-Id header as a short or long integer.
 */
import { DecodeError, EncodeError } from '../errors.js';

/** WSP well-known content types we use (OMNA wsp_content_type_codes). */
export const WSP_CONTENT_TYPE_CODES: Readonly<Record<string, number>> = Object.freeze({
  'text/vnd.wap.connectivity-xml': 0x35,
  'application/vnd.wap.connectivity-wbxml': 0x36,
  'application/vnd.syncml.dm+wbxml': 0x42,
  'application/vnd.syncml.dm+xml': 0x43,
  'application/vnd.syncml.notification': 0x44,
});

/** Push application ids (OMNA push_application_id). */
export const PushApplicationId = {
  WML_UA: 0x02,
  SYNCML_DS: 0x05,
  SYNCML_DM: 0x07,
  LWM2M_DM: 0x1a,
} as const;

/** A decoded (or to-be-encoded) WSP Push. */
export interface WapPush {
  /** Transaction id. */
  tid: number;
  /** 0x06 Push or 0x07 ConfirmedPush. */
  pduType: 0x06 | 0x07;
  /** Media type, e.g. `application/vnd.syncml.notification`. */
  contentType: string;
  /** Bootstrap security method (SEC): 0 NETWPIN, 1 USERPIN, 2 USERNETWPIN, 3 USERPINMAC. */
  sec?: number;
  /** Bootstrap MAC (hex text). */
  mac?: string;
  /** X-WAP-Application-Id: a registered number, or a text id. */
  applicationId?: number | string;
  body: Uint8Array;
}

const CODE_TO_TYPE = new Map(Object.entries(WSP_CONTENT_TYPE_CODES).map(([t, c]) => [c, t]));

/** Encode a WSP Push PDU. */
export function encodeWapPush(push: WapPush): Uint8Array {
  const headers: number[] = [];
  const code = WSP_CONTENT_TYPE_CODES[push.contentType];
  const media = code !== undefined ? [0x80 | code] : [...ascii(push.contentType, 'content type'), 0];
  const params: number[] = [];
  if (push.sec !== undefined) {
    if (!Number.isInteger(push.sec) || push.sec < 0 || push.sec > 127) throw new EncodeError(`SEC ${push.sec} is not a short integer`);
    params.push(0x91, 0x80 | push.sec);
  }
  if (push.mac !== undefined) params.push(0x92, ...ascii(push.mac, 'MAC'), 0);
  if (params.length === 0 && code !== undefined) headers.push(0x80 | code);
  else {
    const value = [...media, ...params];
    if (value.length <= 30) headers.push(value.length);
    else headers.push(0x1f, ...uintvar(value.length));
    headers.push(...value);
  }
  if (push.applicationId !== undefined) {
    headers.push(0xaf);
    if (typeof push.applicationId === 'number') {
      if (push.applicationId < 0x80) headers.push(0x80 | push.applicationId);
      else headers.push(...longInteger(push.applicationId));
    } else {
      headers.push(...ascii(push.applicationId, 'application id'), 0);
    }
  }
  const out = [push.tid & 0xff, push.pduType, ...uintvar(headers.length), ...headers];
  const bytes = new Uint8Array(out.length + push.body.length);
  bytes.set(out, 0);
  bytes.set(push.body, out.length);
  return bytes;
}

/** Decode a WSP Push PDU. Unknown headers after Content-Type are skipped when their length can be told. */
export function decodeWapPush(bytes: Uint8Array, maxSize = 64 * 1024): WapPush {
  const fail = (at: number, reason: string): never => {
    throw new DecodeError('wap-push', `byte ${at}`, reason);
  };
  if (bytes.length > maxSize) fail(0, `PDU of ${bytes.length} bytes exceeds ${maxSize}`);
  if (bytes.length < 4) fail(0, 'truncated PDU');
  const tid = bytes[0];
  const pduType = bytes[1];
  if (pduType !== 0x06 && pduType !== 0x07) fail(1, `PDU type 0x${pduType.toString(16)} is not Push`);
  let p = 2;
  const readUintvar = (): number => {
    const start = p;
    let v = 0;
    for (let i = 0; i < 5; i++) {
      if (p >= bytes.length) fail(start, 'truncated uintvar');
      const b = bytes[p++];
      v = v * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) return v;
    }
    return fail(start, 'uintvar longer than 5 bytes');
  };
  const headersLen = readUintvar();
  const headersEnd = p + headersLen;
  if (headersEnd > bytes.length) fail(p, `headers of ${headersLen} bytes run past the end`);
  const readText = (): string => {
    const end = bytes.indexOf(0, p);
    if (end < 0 || end >= headersEnd) fail(p, 'unterminated text');
    const s = String.fromCharCode(...bytes.subarray(p, end));
    p = end + 1;
    return s;
  };
  const push: WapPush = { tid, pduType: pduType as 0x06 | 0x07, contentType: '', body: new Uint8Array(0) };

  // Content-Type: short integer, text, or general form.
  const first = bytes[p];
  if (first >= 0x80) {
    p++;
    push.contentType = CODE_TO_TYPE.get(first & 0x7f) ?? `x-wsp-content-type-0x${(first & 0x7f).toString(16)}`;
  } else if (first >= 0x20) {
    push.contentType = readText();
  } else {
    let len: number;
    if (first === 0x1f) { p++; len = readUintvar(); } else { len = first; p++; }
    const end = p + len;
    if (end > headersEnd) fail(p, 'Content-Type value runs past the headers');
    const media = bytes[p];
    if (media >= 0x80) { p++; push.contentType = CODE_TO_TYPE.get(media & 0x7f) ?? `x-wsp-content-type-0x${(media & 0x7f).toString(16)}`; }
    else push.contentType = readText();
    while (p < end) {
      const param = bytes[p++];
      if (param === 0x91) {
        const v = bytes[p++];
        if (v === undefined || v < 0x80) fail(p - 1, 'SEC is not a short integer');
        push.sec = v & 0x7f;
      } else if (param === 0x92) {
        push.mac = readText();
      } else if (param >= 0x80) {
        // Another well-known parameter: its value is a short integer or text.
        if (bytes[p] >= 0x80) p++;
        else readText();
      } else {
        readText(); // untyped parameter name …
        if (bytes[p] >= 0x80) p++; else readText(); // … and value
      }
    }
    if (p !== end) fail(p, 'Content-Type parameters overrun their length');
  }

  // Remaining headers: we need X-WAP-Application-Id; skip others.
  while (p < headersEnd) {
    const field = bytes[p++];
    if (field === 0xaf) {
      const v = bytes[p];
      if (v >= 0x80) { push.applicationId = v & 0x7f; p++; }
      else if (v > 0 && v <= 30) {
        p++;
        let n = 0;
        for (let i = 0; i < v; i++) n = n * 256 + bytes[p++];
        push.applicationId = n;
      } else push.applicationId = readText();
    } else if (field >= 0x80) {
      const v = bytes[p];
      if (v >= 0x80) p++;
      else if (v <= 30) p += 1 + v;
      else if (v === 0x1f) { p++; p += readUintvar(); }
      else readText();
    } else {
      p--;
      readText();
      readText();
    }
    if (p > headersEnd) fail(headersEnd, 'a header runs past the headers');
  }
  push.body = bytes.slice(headersEnd);
  return push;
}

function uintvar(n: number): number[] {
  const out = [n & 0x7f];
  n = Math.floor(n / 128);
  while (n > 0) { out.unshift(0x80 | (n & 0x7f)); n = Math.floor(n / 128); }
  return out;
}

function longInteger(n: number): number[] {
  const bytes: number[] = [];
  while (n > 0) { bytes.unshift(n & 0xff); n = Math.floor(n / 256); }
  return [bytes.length, ...bytes];
}

function ascii(s: string, what: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new EncodeError(`${what} must be printable ASCII`);
    out.push(c);
  }
  return out;
}
