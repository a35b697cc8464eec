/**
 * Package #0, the General Notification Initiated Session Alert (facts §7):
 * the binary message a DM server pushes to make a device open a session.
 *
 * Layout (big-endian, bit-packed; facts §7.1):
 *
 *     offset  bits  field
 *      0      128   digest (raw MD5, see §7.2)
 *     16       10   version (× 10: 11 means "1.1")
 *               2   ui-mode
 *               1   initiator
 *              27   future-use
 *     21       16   session id
 *     23        8   length of server identifier
 *     24    8×len   server identifier (ASCII)
 *   24+len   rest   vendor-specific
 *
 * The "trigger" (what the digest covers) is everything from offset 16 on.
 * This module is pure: no I/O, no clock, MD5 comes from src/security.
 */
import { DecodeError, EncodeError, LimitExceededError } from '../errors.js';
import { computePackage0Digest } from '../security/index.js';

/** MIME type of package #0 (facts §1.1, §7.3). */
export const PACKAGE0_CONTENT_TYPE = 'application/vnd.syncml.notification';

/** Notification version this stack emits: 11, i.e. "1.1", as DM 1.2.1 requires (facts §7.1). */
export const PACKAGE0_VERSION = 11;

/** Default for {@link Package0DecodeOptions.maxSize}, in bytes. */
export const PACKAGE0_DEFAULT_MAX_SIZE = 1024;

/** Offset of the 8-byte header that follows the digest (facts §7.1). */
const HEADER_AT = 16;
/** Offset of the server identifier (facts §7.1; MediaTek constants agree). */
const SERVER_ID_AT = 24;

/** `ui-mode` values (facts §7.1). */
export const UI_MODE = {
  NOT_SPECIFIED: 0,
  BACKGROUND: 1,
  INFORMATIVE: 2,
  USER_INTERACTION: 3,
} as const;
/** A 2-bit `ui-mode` value (facts §7.1). */
export type UiMode = (typeof UI_MODE)[keyof typeof UI_MODE];

/** `initiator` values (facts §7.1). */
export const INITIATOR = { CLIENT: 0, SERVER: 1 } as const;
/** A 1-bit `initiator` value (facts §7.1). */
export type Initiator = (typeof INITIATOR)[keyof typeof INITIATOR];

/** What a server chooses when it builds a package #0 (facts §7.1). */
export interface Package0Fields {
  /** Notification version × 10, 0..1023; default {@link PACKAGE0_VERSION}. */
  readonly version?: number;
  readonly uiMode: UiMode;
  readonly initiator: Initiator;
  /** 1..0xFFFF; the client echoes it as SyncHdr SessionID (see `sessionIdToHeader`). */
  readonly sessionId: number;
  /** The server's ServerID, printable ASCII, 1..255 bytes. */
  readonly serverId: string;
  /** Optional vendor-specific body appended after the server identifier. */
  readonly vendorSpecific?: Uint8Array;
}

/**
 * The server→client credential set the digest is keyed with (facts §7.2):
 * DMAcc `AppAuth` with `AAuthLevel=SRVCRED` — its secret and its nonce (raw bytes).
 */
export interface Package0Secret {
  readonly serverPassword: string;
  readonly nonce: Uint8Array;
}

/** A decoded package #0 (facts §7.1). Byte arrays are copies of the input. */
export interface Package0 {
  /** The 16 digest bytes as received; check with `verifyPackage0Digest`. */
  readonly digest: Uint8Array;
  /** Notification version × 10 as received (11 = "1.1", 10 = "1.0"). */
  readonly version: number;
  readonly uiMode: UiMode;
  readonly initiator: Initiator;
  /** The 27 future-use bits as received (0 from a conforming server). */
  readonly futureUse: number;
  readonly sessionId: number;
  readonly serverId: string;
  /** Bytes after the server identifier; empty when there are none. */
  readonly vendorSpecific: Uint8Array;
  /** Everything after the digest: the bytes the digest covers (facts §7.2). */
  readonly trigger: Uint8Array;
}

/** Bounds and strictness for {@link decodePackage0}. */
export interface Package0DecodeOptions {
  /** Largest input accepted, in bytes; default {@link PACKAGE0_DEFAULT_MAX_SIZE}. */
  readonly maxSize?: number;
  /**
   * Refuse versions other than 10 and 11. Default `false`: the version is
   * reported and the caller decides (libdmclient accepts only 11; DM 1.3's
   * value is unverified, facts §7.1).
   */
  readonly strictVersion?: boolean;
  /**
   * Refuse non-zero future-use bits. Default `false`: they are reported in
   * `futureUse`, since bits reserved for later versions should not make
   * today's client drop a notification whose digest verifies.
   */
  readonly strictFutureUse?: boolean;
}

function isPrintableAscii(code: number): boolean {
  return code >= 0x20 && code <= 0x7e;
}

function checkFields(fields: Package0Fields): { version: number; id: Uint8Array } {
  const version = fields.version ?? PACKAGE0_VERSION;
  if (!Number.isInteger(version) || version < 0 || version > 0x3ff) {
    throw new EncodeError(`package0: version ${version} does not fit 10 bits`);
  }
  if (!Number.isInteger(fields.uiMode) || fields.uiMode < 0 || fields.uiMode > 3) {
    throw new EncodeError(`package0: uiMode ${fields.uiMode} is not 0..3`);
  }
  if (fields.initiator !== 0 && fields.initiator !== 1) {
    throw new EncodeError(`package0: initiator ${fields.initiator} is not 0 or 1`);
  }
  if (!Number.isInteger(fields.sessionId) || fields.sessionId < 1 || fields.sessionId > 0xffff) {
    throw new EncodeError(`package0: sessionId ${fields.sessionId} is not 1..0xFFFF`);
  }
  const serverId = fields.serverId;
  if (typeof serverId !== 'string' || serverId.length < 1 || serverId.length > 255) {
    throw new EncodeError('package0: serverId must be 1..255 ASCII characters');
  }
  const id = new Uint8Array(serverId.length);
  for (let k = 0; k < serverId.length; k++) {
    const code = serverId.charCodeAt(k);
    if (!isPrintableAscii(code)) throw new EncodeError(`package0: serverId character ${k} is not printable ASCII`);
    id[k] = code;
  }
  if (fields.vendorSpecific !== undefined && !(fields.vendorSpecific instanceof Uint8Array)) {
    throw new EncodeError('package0: vendorSpecific must be a Uint8Array');
  }
  return { version, id };
}

/**
 * Build a package #0 (facts §7.1) and sign it with the digest of facts §7.2.
 * Future-use bits are always written as zero. No size limit is applied here;
 * keep vendor-specific data small, since decoders (this one included, by
 * default) refuse notifications over 1024 bytes and SMS carries far less.
 * @throws EncodeError on a field out of range or a non-ASCII server id.
 */
export function encodePackage0(fields: Package0Fields, secret: Package0Secret): Uint8Array {
  const { version, id } = checkFields(fields);
  if (!(secret.nonce instanceof Uint8Array) || typeof secret.serverPassword !== 'string') {
    throw new EncodeError('package0: secret needs a serverPassword string and a nonce Uint8Array');
  }
  const vendor = fields.vendorSpecific ?? new Uint8Array(0);
  const out = new Uint8Array(SERVER_ID_AT + id.length + vendor.length);
  const view = new DataView(out.buffer);
  // version(10) | ui-mode(2) | initiator(1) | 19 of the 27 future-use bits; byte 20 holds the other 8.
  view.setUint32(HEADER_AT, ((version << 22) | (fields.uiMode << 20) | (fields.initiator << 19)) >>> 0);
  view.setUint16(21, fields.sessionId);
  out[23] = id.length;
  out.set(id, SERVER_ID_AT);
  out.set(vendor, SERVER_ID_AT + id.length);
  out.set(computePackage0Digest(fields.serverId, secret.serverPassword, secret.nonce, out.subarray(HEADER_AT)), 0);
  return out;
}

/**
 * Decode a package #0 (facts §7.1). The digest is returned, not checked:
 * see `verifyPackage0Digest`.
 *
 * Vendor-specific bytes run to the end of the input, so a truncation inside
 * them is only detectable by the digest.
 *
 * @throws LimitExceededError if the input exceeds `maxSize`.
 * @throws DecodeError (`what` = `package0`, `where` = `byte N`) on truncation,
 *   a zero or overlong server-id length, a server id that is not printable
 *   ASCII, session id 0, and — when asked for — an unknown version or
 *   non-zero future-use bits.
 */
export function decodePackage0(bytes: Uint8Array, limits: Package0DecodeOptions = {}): Package0 {
  const maxSize = limits.maxSize ?? PACKAGE0_DEFAULT_MAX_SIZE;
  if (bytes.length > maxSize) {
    throw new LimitExceededError('package0', `byte ${maxSize}`, `notification is ${bytes.length} bytes, limit ${maxSize}`);
  }
  if (bytes.length < SERVER_ID_AT) {
    throw new DecodeError('package0', `byte ${bytes.length}`, `truncated: digest and header need ${SERVER_ID_AT} bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const word = view.getUint32(HEADER_AT);
  const version = word >>> 22;
  const uiMode = ((word >>> 20) & 0x3) as UiMode;
  const initiator = ((word >>> 19) & 0x1) as Initiator;
  const futureUse = (word & 0x7ffff) * 256 + bytes[20];
  const sessionId = view.getUint16(21);
  const idLength = bytes[23];

  if (limits.strictVersion && version !== 10 && version !== 11) {
    throw new DecodeError('package0', `byte ${HEADER_AT}`, `unsupported notification version ${version} (expected 10 or 11)`);
  }
  if (limits.strictFutureUse && futureUse !== 0) {
    throw new DecodeError('package0', 'byte 17', `future-use bits are not zero (0x${futureUse.toString(16)})`);
  }
  if (sessionId === 0) {
    throw new DecodeError('package0', 'byte 21', 'session id 0 is not allowed (range 1..0xFFFF)');
  }
  if (idLength === 0) {
    throw new DecodeError('package0', 'byte 23', 'server identifier length is zero');
  }
  const idEnd = SERVER_ID_AT + idLength;
  if (idEnd > bytes.length) {
    throw new DecodeError('package0', 'byte 23', `server identifier length ${idLength} exceeds the ${bytes.length - SERVER_ID_AT} bytes left`);
  }
  let serverId = '';
  for (let k = SERVER_ID_AT; k < idEnd; k++) {
    // Control bytes in a ServerID would reach logs, trees and URLs unescaped.
    if (!isPrintableAscii(bytes[k])) {
      throw new DecodeError('package0', `byte ${k}`, `server identifier byte 0x${bytes[k].toString(16).padStart(2, '0')} is not printable ASCII`);
    }
    serverId += String.fromCharCode(bytes[k]);
  }
  const copy = (from: number, to?: number): Uint8Array => new Uint8Array(bytes.subarray(from, to));
  return {
    digest: copy(0, HEADER_AT),
    version,
    uiMode,
    initiator,
    futureUse,
    sessionId,
    serverId,
    vendorSpecific: copy(idEnd),
    trigger: copy(HEADER_AT),
  };
}
