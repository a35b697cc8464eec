/**
 * SyncML status codes and OMA DM alert codes: the one table of these numbers
 * in dmvisor.
 *
 * Everything else in this module is derived from the two `as const` tables
 * below — the named constants (`StatusCode.NOT_FOUND`, `AlertCode.GENERIC_ALERT`),
 * the name and description look-ups, and the per-command sets of status codes
 * a peer may legitimately answer with. A number that is not in a table is
 * still a valid status on the wire (peers invent codes), it just has no name:
 * {@link statusDescription} then falls back to the code's class.
 *
 * Sources: shared/spec/oma-dm-facts.md §2.5 (alerts), §2.6 (Generic Alert),
 * §3 (status codes and the per-command tables of the DM 1.2.1 RepPro), §4.2
 * (SyncHdr statuses during authentication).
 *
 * Pure data: no I/O, no clock, no randomness.
 */

// ---------------------------------------------------------------------------
// Status codes
// ---------------------------------------------------------------------------

/**
 * How sure we are that a table entry is right.
 *
 * - `confirmed` — meaning found in the DM 1.2.1 text or the SyncML RepPro
 *   meanings the facts sheet cites.
 * - `unverified` — the facts sheet marks the code as unconfirmed or as a
 *   DM 1.3 addition whose details could not be read (217, 515). Do not rely on
 *   these when talking to DM 1.2 peers.
 */
export type CodeConfidence = 'confirmed' | 'unverified';

/**
 * Every SyncML status code dmvisor knows by name, in numeric order.
 *
 * Each entry: `code` (the 3-digit value carried in `Status/Data`), `name`
 * (constant-style, used for {@link StatusCode}), `description` (the short
 * reason an operator sees), `confidence` (see {@link CodeConfidence}).
 */
export const STATUS_CODES = [
  // 1xx — informational
  { code: 101, name: 'IN_PROGRESS', description: 'In progress', confidence: 'confirmed' },

  // 2xx — success (and the "handled, but not applied" outcomes 214–216)
  { code: 200, name: 'OK', description: 'OK', confidence: 'confirmed' },
  { code: 201, name: 'ITEM_ADDED', description: 'Item added', confidence: 'confirmed' },
  { code: 202, name: 'ACCEPTED_FOR_PROCESSING', description: 'Accepted for asynchronous processing', confidence: 'confirmed' },
  { code: 203, name: 'NON_AUTHORITATIVE_RESPONSE', description: 'Non-authoritative response', confidence: 'confirmed' },
  { code: 204, name: 'NO_CONTENT', description: 'No content', confidence: 'confirmed' },
  { code: 205, name: 'RESET_CONTENT', description: 'Reset content', confidence: 'confirmed' },
  { code: 206, name: 'PARTIAL_CONTENT', description: 'Partial content', confidence: 'confirmed' },
  // 207–211 are data-synchronisation outcomes; a DM peer should not send them.
  { code: 207, name: 'CONFLICT_RESOLVED_WITH_MERGE', description: 'Conflict resolved by merging (data sync)', confidence: 'confirmed' },
  { code: 208, name: 'CONFLICT_RESOLVED_CLIENT_WINS', description: "Conflict resolved in favour of the client's command (data sync)", confidence: 'confirmed' },
  { code: 209, name: 'CONFLICT_RESOLVED_WITH_DUPLICATE', description: 'Conflict resolved by creating a duplicate (data sync)', confidence: 'confirmed' },
  { code: 210, name: 'DELETE_WITHOUT_ARCHIVE', description: 'Deleted without archiving (data sync)', confidence: 'confirmed' },
  { code: 211, name: 'ITEM_NOT_DELETED', description: 'Item not deleted, it was not found (data sync)', confidence: 'confirmed' },
  { code: 212, name: 'AUTHENTICATION_ACCEPTED', description: 'Authenticated for the rest of the session', confidence: 'confirmed' },
  { code: 213, name: 'CHUNKED_ITEM_ACCEPTED', description: 'Chunk of a large object accepted and buffered', confidence: 'confirmed' },
  { code: 214, name: 'OPERATION_CANCELLED', description: 'Cancelled by the user', confidence: 'confirmed' },
  { code: 215, name: 'NOT_EXECUTED', description: 'Not executed (user choice or enclosing Atomic/Sequence)', confidence: 'confirmed' },
  { code: 216, name: 'ATOMIC_ROLLBACK_OK', description: 'Rolled back with its Atomic', confidence: 'confirmed' },
  // DM 1.3 only; the exact wording could not be checked against the OMA text.
  { code: 217, name: 'OK_WITH_INHERITED_ACL', description: 'OK, the ACL returned is inherited (DM 1.3)', confidence: 'unverified' },

  // 3xx — redirection
  { code: 300, name: 'MULTIPLE_CHOICES', description: 'Multiple choices', confidence: 'confirmed' },
  { code: 301, name: 'MOVED_PERMANENTLY', description: 'Moved permanently', confidence: 'confirmed' },
  { code: 302, name: 'FOUND', description: 'Found at another address', confidence: 'confirmed' },
  { code: 303, name: 'SEE_OTHER', description: 'See other address', confidence: 'confirmed' },
  // DM reuses 304 as the "No" answer to a Confirm-or-Reject alert.
  { code: 304, name: 'NOT_MODIFIED', description: 'Not modified (DM: the user answered No)', confidence: 'confirmed' },
  { code: 305, name: 'USE_PROXY', description: 'Use proxy', confidence: 'confirmed' },

  // 4xx — the originator of the command got something wrong
  { code: 400, name: 'BAD_REQUEST', description: 'Bad request: malformed command', confidence: 'confirmed' },
  { code: 401, name: 'INVALID_CREDENTIALS', description: 'Invalid credentials or not authorised', confidence: 'confirmed' },
  { code: 402, name: 'PAYMENT_REQUIRED', description: 'Payment required', confidence: 'confirmed' },
  { code: 403, name: 'FORBIDDEN', description: 'Forbidden', confidence: 'confirmed' },
  { code: 404, name: 'NOT_FOUND', description: 'Target not found', confidence: 'confirmed' },
  { code: 405, name: 'COMMAND_NOT_ALLOWED', description: 'Command not allowed on this target', confidence: 'confirmed' },
  { code: 406, name: 'OPTIONAL_FEATURE_NOT_SUPPORTED', description: 'Optional feature not supported', confidence: 'confirmed' },
  { code: 407, name: 'MISSING_CREDENTIALS', description: 'Credentials missing', confidence: 'confirmed' },
  { code: 408, name: 'REQUEST_TIMEOUT', description: 'Timed out (e.g. no user response)', confidence: 'confirmed' },
  { code: 409, name: 'CONFLICT', description: 'Conflict', confidence: 'confirmed' },
  { code: 410, name: 'GONE', description: 'Gone', confidence: 'confirmed' },
  { code: 411, name: 'SIZE_REQUIRED', description: 'Size required', confidence: 'confirmed' },
  { code: 412, name: 'INCOMPLETE_COMMAND', description: 'Incomplete command: required parts missing', confidence: 'confirmed' },
  { code: 413, name: 'REQUEST_ENTITY_TOO_LARGE', description: 'Object too large', confidence: 'confirmed' },
  { code: 414, name: 'URI_TOO_LONG', description: 'URI too long or too deep', confidence: 'confirmed' },
  { code: 415, name: 'UNSUPPORTED_MEDIA_TYPE', description: 'Unsupported media type or format', confidence: 'confirmed' },
  { code: 416, name: 'REQUESTED_SIZE_TOO_BIG', description: 'Requested size too big (DM: alert cannot be displayed)', confidence: 'confirmed' },
  { code: 417, name: 'RETRY_LATER', description: 'Retry later', confidence: 'confirmed' },
  { code: 418, name: 'ALREADY_EXISTS', description: 'Target already exists', confidence: 'confirmed' },
  { code: 419, name: 'CONFLICT_RESOLVED_WITH_SERVER_DATA', description: "Conflict resolved with the server's data (data sync)", confidence: 'confirmed' },
  { code: 420, name: 'DEVICE_FULL', description: 'Device full', confidence: 'confirmed' },
  { code: 421, name: 'UNKNOWN_SEARCH_GRAMMAR', description: 'Unknown search grammar', confidence: 'confirmed' },
  { code: 422, name: 'BAD_CGI_SCRIPT', description: 'Bad CGI script', confidence: 'confirmed' },
  { code: 423, name: 'SOFT_DELETE_CONFLICT', description: 'Soft-delete conflict', confidence: 'confirmed' },
  { code: 424, name: 'SIZE_MISMATCH', description: 'Size mismatch: object size differs from the announced size', confidence: 'confirmed' },
  { code: 425, name: 'PERMISSION_DENIED', description: 'Permission denied by the access control list', confidence: 'confirmed' },
  { code: 426, name: 'PARTIAL_ITEM_NOT_ACCEPTED', description: 'Partial item not accepted', confidence: 'confirmed' },
  { code: 427, name: 'ITEM_NOT_EMPTY', description: 'Item not empty', confidence: 'confirmed' },
  { code: 428, name: 'MOVE_FAILED', description: 'Move failed', confidence: 'confirmed' },

  // 5xx — the recipient of the command failed
  { code: 500, name: 'COMMAND_FAILED', description: 'Command failed', confidence: 'confirmed' },
  { code: 501, name: 'COMMAND_NOT_IMPLEMENTED', description: 'Command not implemented', confidence: 'confirmed' },
  { code: 502, name: 'BAD_GATEWAY', description: 'Bad gateway', confidence: 'confirmed' },
  { code: 503, name: 'SERVICE_UNAVAILABLE', description: 'Service unavailable', confidence: 'confirmed' },
  { code: 504, name: 'GATEWAY_TIMEOUT', description: 'Gateway timeout', confidence: 'confirmed' },
  { code: 505, name: 'DTD_VERSION_NOT_SUPPORTED', description: 'DTD version not supported', confidence: 'confirmed' },
  { code: 506, name: 'PROCESSING_ERROR', description: 'Processing error', confidence: 'confirmed' },
  { code: 507, name: 'ATOMIC_FAILED', description: 'Atomic failed', confidence: 'confirmed' },
  { code: 508, name: 'REFRESH_REQUIRED', description: 'Refresh required (data sync)', confidence: 'confirmed' },
  { code: 509, name: 'RESERVED_509', description: 'Reserved code', confidence: 'confirmed' },
  { code: 510, name: 'DATA_STORE_FAILURE', description: 'Data store failure', confidence: 'confirmed' },
  { code: 511, name: 'SERVER_FAILURE', description: 'Server failure', confidence: 'confirmed' },
  { code: 512, name: 'SYNCHRONIZATION_FAILED', description: 'Synchronisation failed', confidence: 'confirmed' },
  { code: 513, name: 'PROTOCOL_VERSION_NOT_SUPPORTED', description: 'Protocol version not supported', confidence: 'confirmed' },
  { code: 514, name: 'OPERATION_CANCELLED_BEFORE_PROCESSING', description: 'Cancelled before it was processed', confidence: 'confirmed' },
  // No meaning found in any source the facts sheet could read.
  { code: 515, name: 'UNASSIGNED_515', description: 'No known meaning (unassigned in the sources we have)', confidence: 'unverified' },
  { code: 516, name: 'ATOMIC_ROLLBACK_FAILED', description: 'Atomic roll back failed', confidence: 'confirmed' },
  { code: 517, name: 'ATOMIC_RESPONSE_TOO_LARGE', description: 'Atomic responses too large to fit in one message', confidence: 'confirmed' },
] as const satisfies readonly StatusCodeEntry[];

/** Shape of one row of {@link STATUS_CODES}. */
export interface StatusCodeEntry {
  /** The 3-digit value carried in `Status/Data`. */
  readonly code: number;
  /** Constant-style name, e.g. `NOT_FOUND`. */
  readonly name: string;
  /** Short human-readable reason. */
  readonly description: string;
  /** How sure we are about this entry. */
  readonly confidence: CodeConfidence;
}

type StatusRow = (typeof STATUS_CODES)[number];

/** Constant-style name of a known status code, e.g. `'PERMISSION_DENIED'`. */
export type StatusName = StatusRow['name'];

/**
 * Named constants for every status code in {@link STATUS_CODES}:
 * `StatusCode.OK === 200`, `StatusCode.PERMISSION_DENIED === 425`.
 */
export const StatusCode = Object.freeze(
  Object.fromEntries(STATUS_CODES.map((row) => [row.name, row.code])),
) as { readonly [R in StatusRow as R['name']]: R['code'] };

/** A status code value that has a name in the table (a literal union: `200 | 201 | …`). */
export type StatusCode = StatusRow['code'];

const statusByCode: ReadonlyMap<number, StatusCodeEntry> = new Map(STATUS_CODES.map((row) => [row.code, row]));

/**
 * The class of a status code, from its first digit. `undefined` when the
 * number is not an integer in 100–599 and therefore not a status code at all.
 */
export type StatusClass = 'informational' | 'success' | 'redirection' | 'originator-error' | 'recipient-error';

const classDescriptions: Readonly<Record<StatusClass, string>> = {
  informational: 'informational',
  success: 'success',
  redirection: 'redirection',
  'originator-error': 'originator error',
  'recipient-error': 'recipient error',
};

/** True when `code` is an integer in 100–599, the range SyncML status codes live in. */
export function isValidStatusCode(code: number): boolean {
  return Number.isInteger(code) && code >= 100 && code <= 599;
}

/** The class of `code` from its hundreds digit, or `undefined` if it is not a valid status code. */
export function statusClass(code: number): StatusClass | undefined {
  if (!isValidStatusCode(code)) return undefined;
  switch (Math.floor(code / 100)) {
    case 1: return 'informational';
    case 2: return 'success';
    case 3: return 'redirection';
    case 4: return 'originator-error';
    default: return 'recipient-error';
  }
}

/** The table row for `code`, or `undefined` if the code has no name. */
export function statusInfo(code: number): StatusCodeEntry | undefined {
  return statusByCode.get(code);
}

/** True when `code` has a row in {@link STATUS_CODES}. */
export function isKnownStatus(code: number): code is StatusCode {
  return statusByCode.has(code);
}

/** Constant-style name of `code` (`404` → `'NOT_FOUND'`), or `undefined` for a code not in the table. */
export function statusName(code: number): StatusName | undefined {
  return statusByCode.get(code)?.name as StatusName | undefined;
}

/**
 * A human-readable reason for `code`, always non-empty. Known codes give their
 * table description; other codes in 100–599 give their class, e.g.
 * `'Unrecognised status 250 (success)'`; anything else says it is not a status.
 */
export function statusDescription(code: number): string {
  const row = statusByCode.get(code);
  if (row) return row.description;
  const cls = statusClass(code);
  if (cls === undefined) return `Not a valid status code (${String(code)})`;
  return `Unrecognised status ${code} (${classDescriptions[cls]})`;
}

/**
 * Codes in the 2xx class that report a command as handled but NOT carried
 * out: the user cancelled (214), it was skipped (215), or it was undone with
 * its Atomic (216). {@link isSuccessStatus} treats them as failures.
 */
export const NOT_APPLIED_STATUSES: readonly StatusCode[] = Object.freeze([
  StatusCode.OPERATION_CANCELLED,
  StatusCode.NOT_EXECUTED,
  StatusCode.ATOMIC_ROLLBACK_OK,
]);

/**
 * True when `code` means the command took effect or was accepted: any 2xx
 * code (including 202 accepted-for-later and 213 chunk-buffered) except the
 * {@link NOT_APPLIED_STATUSES} 214, 215 and 216. Use {@link statusClass} for
 * the plain class test.
 */
export function isSuccessStatus(code: number): boolean {
  return statusClass(code) === 'success' && !(NOT_APPLIED_STATUSES as readonly number[]).includes(code);
}

// ---------------------------------------------------------------------------
// Alert codes
// ---------------------------------------------------------------------------

/**
 * The OMA DM alert codes (the `Data` of an `Alert` command), facts §2.5.
 * 1105–1199, 1202–1220 and 1227–1299 are reserved; 1221 is absent from the
 * DM 1.2.1 table.
 */
export const ALERT_CODES = [
  { code: 1100, name: 'DISPLAY', description: 'Display a message to the user', userInteraction: true },
  { code: 1101, name: 'CONFIRM_OR_REJECT', description: 'Ask the user to confirm or reject', userInteraction: true },
  { code: 1102, name: 'TEXT_INPUT', description: 'Ask the user for text', userInteraction: true },
  { code: 1103, name: 'SINGLE_CHOICE', description: 'Ask the user to pick one option', userInteraction: true },
  { code: 1104, name: 'MULTIPLE_CHOICE', description: 'Ask the user to pick several options', userInteraction: true },
  { code: 1200, name: 'SERVER_INITIATED_MGMT', description: 'Server-initiated management session', userInteraction: false },
  { code: 1201, name: 'CLIENT_INITIATED_MGMT', description: 'Client-initiated management session', userInteraction: false },
  { code: 1222, name: 'NEXT_MESSAGE', description: 'Send the next message of the package', userInteraction: false },
  { code: 1223, name: 'SESSION_ABORT', description: 'Session aborted', userInteraction: false },
  { code: 1224, name: 'CLIENT_EVENT', description: 'Client event', userInteraction: false },
  { code: 1225, name: 'NO_END_OF_DATA', description: 'Large object not completed', userInteraction: false },
  { code: 1226, name: 'GENERIC_ALERT', description: 'Generic alert', userInteraction: false },
] as const satisfies readonly AlertCodeEntry[];

/** Shape of one row of {@link ALERT_CODES}. */
export interface AlertCodeEntry {
  /** The 4-digit alert code carried in `Alert/Data`. */
  readonly code: number;
  /** Constant-style name, e.g. `GENERIC_ALERT`. */
  readonly name: string;
  /** Short human-readable meaning. */
  readonly description: string;
  /** True for the user-interaction alerts 1100–1104 (server → client only). */
  readonly userInteraction: boolean;
}

type AlertRow = (typeof ALERT_CODES)[number];

/** Constant-style name of a known alert code, e.g. `'SESSION_ABORT'`. */
export type AlertName = AlertRow['name'];

/** Named constants for every alert code: `AlertCode.GENERIC_ALERT === 1226`. */
export const AlertCode = Object.freeze(
  Object.fromEntries(ALERT_CODES.map((row) => [row.name, row.code])),
) as { readonly [R in AlertRow as R['name']]: R['code'] };

/** An alert code value that has a name in the table (`1100 | 1101 | …`). */
export type AlertCode = AlertRow['code'];

const alertByCode: ReadonlyMap<number, AlertCodeEntry> = new Map(ALERT_CODES.map((row) => [row.code, row]));

/** The table row for alert `code`, or `undefined` if it is not a known DM alert. */
export function alertInfo(code: number): AlertCodeEntry | undefined {
  return alertByCode.get(code);
}

/** True when `code` is one of the DM alert codes in {@link ALERT_CODES}. */
export function isKnownAlert(code: number): code is AlertCode {
  return alertByCode.has(code);
}

/** Constant-style name of alert `code` (`1223` → `'SESSION_ABORT'`), or `undefined` if unknown. */
export function alertName(code: number): AlertName | undefined {
  return alertByCode.get(code)?.name as AlertName | undefined;
}

/**
 * True for the user-interaction alerts 1100–1104 (display, confirm, text
 * input, single and multiple choice). Only a server may send these.
 */
export function isUserInteractionAlert(code: number): boolean {
  return alertByCode.get(code)?.userInteraction === true;
}

// ---------------------------------------------------------------------------
// Generic Alert (1226) importance marks, facts §2.6
// ---------------------------------------------------------------------------

/** The `Meta/Mark` importance values a Generic Alert item may carry, most severe first. */
export const GENERIC_ALERT_MARKS = Object.freeze([
  'fatal',
  'critical',
  'minor',
  'warning',
  'informational',
  'harmless',
  'indeterminate',
] as const);

/** One Generic Alert importance value. */
export type GenericAlertMark = (typeof GENERIC_ALERT_MARKS)[number];

/** The importance assumed when a Generic Alert item has no `Meta/Mark`. */
export const DEFAULT_GENERIC_ALERT_MARK: GenericAlertMark = 'informational';

/** True when `value` is exactly one of {@link GENERIC_ALERT_MARKS} (case-sensitive, as emitted). */
export function isGenericAlertMark(value: string): value is GenericAlertMark {
  return (GENERIC_ALERT_MARKS as readonly string[]).includes(value);
}

/**
 * Read a received `Meta/Mark` leniently: absent or blank gives the default
 * (`informational`); otherwise surrounding whitespace and case are ignored.
 * Returns `undefined` for a value that is not a known mark.
 */
export function parseGenericAlertMark(value: string | undefined): GenericAlertMark | undefined {
  if (value === undefined) return DEFAULT_GENERIC_ALERT_MARK;
  const v = value.trim().toLowerCase();
  if (v === '') return DEFAULT_GENERIC_ALERT_MARK;
  return isGenericAlertMark(v) ? v : undefined;
}

// ---------------------------------------------------------------------------
// Allowed status codes per command
// ---------------------------------------------------------------------------

/** The elements a Status can answer (its `Cmd`) for which an allowed set is defined. */
export type StatusTargetCommand =
  | 'SyncHdr'
  | 'Add'
  | 'Replace'
  | 'Delete'
  | 'Copy'
  | 'Exec'
  | 'Get'
  | 'Atomic'
  | 'Sequence'
  | 'Alert';

const S = StatusCode;

/**
 * Status codes a peer may use to answer each command. Command sets come from
 * the DM 1.2.1 RepPro per-command tables (facts §3); Alert from facts §2.5.
 */
const ALLOWED: Readonly<Record<StatusTargetCommand, readonly StatusCode[]>> = {
  SyncHdr: [
    // [spec] facts §4.2: authentication outcomes of the header.
    S.OK, S.AUTHENTICATION_ACCEPTED, S.INVALID_CREDENTIALS, S.MISSING_CREDENTIALS,
    // [our choice] The RepPro has no per-header table; these are the codes whose
    // meaning applies to a message as a whole:
    S.BAD_REQUEST, //                    malformed header
    S.FORBIDDEN, //                      sender refused outright
    S.NOT_FOUND, //                      header Target is not this server/device
    S.COMMAND_NOT_ALLOWED, //            message not acceptable in this session state
    S.OPTIONAL_FEATURE_NOT_SUPPORTED, // header asks for an unsupported feature
    S.COMMAND_FAILED, //                 generic failure of the recipient
    S.DTD_VERSION_NOT_SUPPORTED, //      VerDTD not supported
    S.SERVER_FAILURE, //                 recipient could not process the message
    S.PROTOCOL_VERSION_NOT_SUPPORTED, // VerProto not supported
  ],
  Add: [
    S.OK, S.CHUNKED_ITEM_ACCEPTED, S.NOT_EXECUTED, S.ATOMIC_ROLLBACK_OK, S.INVALID_CREDENTIALS,
    S.NOT_FOUND, S.COMMAND_NOT_ALLOWED, S.MISSING_CREDENTIALS, S.REQUEST_ENTITY_TOO_LARGE, S.URI_TOO_LONG,
    S.UNSUPPORTED_MEDIA_TYPE, S.ALREADY_EXISTS, S.DEVICE_FULL, S.SIZE_MISMATCH, S.PERMISSION_DENIED,
    S.COMMAND_FAILED, S.ATOMIC_ROLLBACK_FAILED,
  ],
  Replace: [
    S.OK, S.CHUNKED_ITEM_ACCEPTED, S.NOT_EXECUTED, S.INVALID_CREDENTIALS, S.FORBIDDEN,
    S.NOT_FOUND, S.COMMAND_NOT_ALLOWED, S.MISSING_CREDENTIALS, S.REQUEST_ENTITY_TOO_LARGE, S.URI_TOO_LONG,
    S.UNSUPPORTED_MEDIA_TYPE, S.ALREADY_EXISTS, S.DEVICE_FULL, S.SIZE_MISMATCH, S.PERMISSION_DENIED,
    S.COMMAND_FAILED, S.ATOMIC_ROLLBACK_FAILED,
  ],
  Delete: [
    S.OK, S.NOT_EXECUTED, S.ATOMIC_ROLLBACK_OK, S.INVALID_CREDENTIALS, S.FORBIDDEN,
    S.NOT_FOUND, S.COMMAND_NOT_ALLOWED, S.MISSING_CREDENTIALS, S.URI_TOO_LONG, S.PERMISSION_DENIED,
    S.ATOMIC_ROLLBACK_FAILED,
  ],
  Copy: [
    S.OK, S.NOT_EXECUTED, S.ATOMIC_ROLLBACK_OK, S.INVALID_CREDENTIALS, S.FORBIDDEN,
    S.COMMAND_NOT_ALLOWED, S.OPTIONAL_FEATURE_NOT_SUPPORTED, S.MISSING_CREDENTIALS, S.URI_TOO_LONG,
    S.ALREADY_EXISTS, S.DEVICE_FULL, S.PERMISSION_DENIED, S.COMMAND_FAILED, S.DATA_STORE_FAILURE,
    S.ATOMIC_ROLLBACK_FAILED,
  ],
  Exec: [
    S.OK, S.ACCEPTED_FOR_PROCESSING, S.INVALID_CREDENTIALS, S.FORBIDDEN, S.NOT_FOUND,
    S.COMMAND_NOT_ALLOWED, S.OPTIONAL_FEATURE_NOT_SUPPORTED, S.MISSING_CREDENTIALS, S.URI_TOO_LONG,
    S.DEVICE_FULL, S.PERMISSION_DENIED, S.COMMAND_FAILED, S.DATA_STORE_FAILURE,
  ],
  Get: [
    S.OK, S.NOT_EXECUTED, S.INVALID_CREDENTIALS, S.NOT_FOUND, S.OPTIONAL_FEATURE_NOT_SUPPORTED,
    S.MISSING_CREDENTIALS, S.REQUEST_ENTITY_TOO_LARGE, S.URI_TOO_LONG, S.UNSUPPORTED_MEDIA_TYPE,
    S.PERMISSION_DENIED, S.COMMAND_FAILED,
  ],
  Atomic: [
    S.OK, S.NOT_EXECUTED, S.INVALID_CREDENTIALS, S.OPTIONAL_FEATURE_NOT_SUPPORTED,
    S.MISSING_CREDENTIALS, S.COMMAND_FAILED, S.ATOMIC_FAILED, S.ATOMIC_RESPONSE_TOO_LARGE,
  ],
  Sequence: [S.OK, S.INVALID_CREDENTIALS, S.MISSING_CREDENTIALS, S.COMMAND_FAILED],
  Alert: [
    // [spec] facts §2.5, the Alert status list.
    S.OK, S.ACCEPTED_FOR_PROCESSING, S.OPERATION_CANCELLED, S.NOT_EXECUTED, S.ATOMIC_ROLLBACK_OK,
    S.INVALID_CREDENTIALS, S.COMMAND_NOT_ALLOWED, S.OPTIONAL_FEATURE_NOT_SUPPORTED, S.REQUEST_TIMEOUT,
    S.INCOMPLETE_COMMAND, S.UNSUPPORTED_MEDIA_TYPE, S.REQUESTED_SIZE_TOO_BIG, S.COMMAND_FAILED,
    S.ATOMIC_ROLLBACK_FAILED,
    // [spec] facts §2.6: a server may answer a Generic Alert with 407, which
    // §2.5's list lacks; added so such answers validate.
    S.MISSING_CREDENTIALS,
    // The UI "No" answer to Confirm-or-Reject (1101) is 304 (facts §2.5 table).
    S.NOT_MODIFIED,
  ],
};

const allowedLists: Readonly<Record<StatusTargetCommand, readonly StatusCode[]>> = Object.freeze(
  Object.fromEntries(
    Object.entries(ALLOWED).map(([cmd, codes]) => [cmd, Object.freeze([...codes].sort((a, b) => a - b))]),
  ) as Record<StatusTargetCommand, readonly StatusCode[]>,
);

const allowedSets: ReadonlyMap<string, ReadonlySet<number>> = new Map(
  Object.entries(ALLOWED).map(([cmd, codes]) => [cmd, new Set<number>(codes)]),
);

/** Every command name that {@link allowedStatuses} knows. */
export const STATUS_TARGET_COMMANDS: readonly StatusTargetCommand[] = Object.freeze(
  Object.keys(ALLOWED) as StatusTargetCommand[],
);

/**
 * The status codes a peer may answer `cmd` (a {@link StatusTargetCommand},
 * case-sensitive as in `Status/Cmd`) with, ascending and frozen. Returns an
 * empty list for a command with no defined set (e.g. `Results`).
 */
export function allowedStatuses(cmd: string): readonly StatusCode[] {
  return Object.hasOwn(allowedLists, cmd) ? allowedLists[cmd as StatusTargetCommand] : [];
}

/**
 * True when `code` is in the allowed set for `cmd`. False for a command with
 * no defined set, so callers can decide how lenient to be with those.
 */
export function isAllowedStatus(cmd: string, code: number): boolean {
  return allowedSets.get(cmd)?.has(code) === true;
}
