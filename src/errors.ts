/**
 * The error classes of dmvisor.
 *
 * Every failure that crosses a module boundary is one of these: it has a
 * stable `code` (`DMV_ERR_*`) that callers and logs can match on, a `name`,
 * and where it maps to a SyncML status a `statusHint` — the status a DM
 * endpoint should answer with (e.g. 400 for a malformed message, 401 for bad
 * credentials). Peer outcomes (a device answering 404) are values, not errors.
 */
export class DmvisorError extends Error {
  /** Stable machine-readable code, `DMV_ERR_*`. */
  readonly code: string;
  /** SyncML status code this failure maps to when answered on the wire. */
  readonly statusHint: number;

  constructor(message: string, code = 'DMV_ERR', statusHint = 500) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.statusHint = statusHint;
  }
}

/**
 * A decoder rejected its input: malformed, truncated, oversized or hostile.
 * `where` names the place — a byte offset (`byte 17`) or an element path
 * (`SyncML/SyncBody/Add[2]/Item/Meta`) — and `what` the kind of input.
 */
export class DecodeError extends DmvisorError {
  /** What was being decoded: `xml`, `wbxml`, `syncml`, `package0`, … */
  readonly what: string;
  /** Where in the input: a byte offset, a line:column, or an element path. */
  readonly where: string;

  constructor(what: string, where: string, reason: string, code = 'DMV_ERR_DECODE', statusHint = 400) {
    super(`${what}: ${reason} (at ${where})`, code, statusHint);
    this.what = what;
    this.where = where;
  }
}

/** A decoder limit (size, depth, count) was exceeded. Maps to 413. */
export class LimitExceededError extends DecodeError {
  constructor(what: string, where: string, reason: string) {
    super(what, where, reason, 'DMV_ERR_LIMIT', 413);
  }
}

/** An encoder was asked to write something its format cannot carry. */
export class EncodeError extends DmvisorError {
  constructor(message: string) {
    super(message, 'DMV_ERR_ENCODE', 500);
  }
}

/** Credentials or a MAC/digest did not verify. Maps to 401. */
export class AuthError extends DmvisorError {
  constructor(message: string, code = 'DMV_ERR_AUTH', statusHint = 401) {
    super(message, code, statusHint);
  }
}
