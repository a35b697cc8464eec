/**
 * Typed errors of the DM tree.
 *
 * Server-facing tree operations never throw for a peer's mistake: they answer
 * with a status code (see management-tree.ts). These classes are for the
 * places where a value has to be *parsed* (a URI, an ACL, a TNDS document, a
 * stored snapshot) and for misuse of the owner-facing API; each carries the
 * SyncML status a DM endpoint would answer with (`statusHint`).
 */
import { DmvisorError } from '../errors.js';

/** A URI that is not a valid DM tree URI (shared/spec/oma-dm-facts.md §5.1). Maps to 400. */
export class UriSyntaxError extends DmvisorError {
  /** The offending URI, as given. */
  readonly uri: string;

  constructor(uri: string, reason: string) {
    super(`invalid DM URI ${JSON.stringify(uri)}: ${reason}`, 'DMV_ERR_URI', 400);
    this.uri = uri;
  }
}

/** A URI beyond the tree's MaxDepth / MaxTotLen / MaxSegLen. Maps to 414. */
export class UriTooLongError extends DmvisorError {
  /** The offending URI, as given. */
  readonly uri: string;
  /** Which limit: `MaxDepth`, `MaxTotLen` or `MaxSegLen`. */
  readonly limit: 'MaxDepth' | 'MaxTotLen' | 'MaxSegLen';

  constructor(uri: string, limit: 'MaxDepth' | 'MaxTotLen' | 'MaxSegLen', reason: string) {
    super(`DM URI ${JSON.stringify(uri.length > 80 ? uri.slice(0, 80) + '…' : uri)} exceeds ${limit}: ${reason}`, 'DMV_ERR_URI_TOO_LONG', 414);
    this.uri = uri;
    this.limit = limit;
  }
}

/** An ACL value that does not follow the ACL grammar (§5.4). Maps to 400. */
export class AclSyntaxError extends DmvisorError {
  /** The offending ACL text. */
  readonly acl: string;
  /** Character offset of the problem in `acl`. */
  readonly position: number;

  constructor(acl: string, position: number, reason: string) {
    super(`invalid ACL at offset ${position}: ${reason}`, 'DMV_ERR_ACL_SYNTAX', 400);
    this.acl = acl;
    this.position = position;
  }
}

/** A TNDS document that cannot be imported (structure, missing elements, bad values). Maps to 400 by default. */
export class TndsError extends DmvisorError {
  /** Element path of the problem, e.g. `MgmtTree/Node[2]/RTProperties`. */
  readonly where: string;

  constructor(where: string, reason: string, statusHint = 400) {
    super(`TNDS: ${reason} (at ${where})`, 'DMV_ERR_TNDS', statusHint);
    this.where = where;
  }
}

/**
 * The tree owner's API (not the server-facing one) was used wrongly: a node
 * that must exist is missing, a node is created twice, an Atomic is nested…
 * `statusHint` says what the equivalent server command would have got.
 */
export class TreeUsageError extends DmvisorError {
  constructor(message: string, statusHint = 500) {
    super(message, 'DMV_ERR_TREE_USAGE', statusHint);
  }
}

/** A stored tree snapshot is unreadable or inconsistent. Loading it yields no tree at all. Maps to 510. */
export class SnapshotCorruptError extends DmvisorError {
  /** Where the snapshot came from (a file path, `memory`, …) and where in it the problem is. */
  readonly where: string;

  constructor(where: string, reason: string) {
    super(`tree snapshot is corrupt: ${reason} (at ${where})`, 'DMV_ERR_SNAPSHOT_CORRUPT', 510);
    this.where = where;
  }
}

/** A tree store failed to read or write (I/O error other than corruption). Maps to 510. */
export class TreeStoreError extends DmvisorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'DMV_ERR_TREE_STORE', 510);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}
