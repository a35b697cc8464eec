/**
 * What a DM session needs from a device's management tree: the server-facing
 * operations of the DM protocol, each checked against ACLs for the calling
 * server and answered with a SyncML status code. Peer errors are values (a
 * status), never exceptions.
 *
 * `src/session/ClientSession` drives this; `DmTree` implements it.
 */
import type { Item, Meta } from '../syncml/model.js';

/** The outcome of one operation on one node. */
export interface TreeOutcome {
  /** SyncML status code: 200, 404, 405, 418, 425, … */
  status: number;
  /** Why, for logs and the server's operation record, when not a success. */
  reason?: string;
  /**
   * URI of the node the failure is about when it is not the command's target:
   * an implicitly created parent of an Add, or a node inside a TNDS document
   * (the spec's SHOULD: the Status then carries an Item with this Target).
   */
  failedUri?: string;
}

/** The outcome of a Get: on success, the Results items (node URI in Source, Meta Format/Type, Data). */
export interface GetOutcome extends TreeOutcome {
  items?: Item[];
}

/** The outcome of an Exec. 202 means accepted: the result arrives later as a Generic Alert. */
export type ExecOutcome = TreeOutcome;

/** A value written by Add or Replace: the Item's Data with its effective Meta (command Meta merged under item Meta). */
export interface NodeWrite {
  meta?: Meta;
  /** Absent for an interior node (Format `node`). */
  data?: Item['data'];
}

/** Server-facing DM tree operations, each ACL-checked for `serverId`. */
export interface ManagementTree {
  /** Get a node value, an interior node's child list, a property (`?prop=`), or a subtree (`?list=Struct|StructData|TNDS`). */
  get(uri: string, serverId: string, meta?: Meta): GetOutcome;
  /** Add a node (interior when Format is `node`), or a subtree from a TNDS document. */
  add(uri: string, write: NodeWrite, serverId: string): TreeOutcome;
  /** Replace a leaf value or a property (`?prop=ACL|Name|Title`). */
  replace(uri: string, write: NodeWrite, serverId: string): TreeOutcome;
  /** Delete a node and its subtree. */
  delete(uri: string, serverId: string): TreeOutcome;
  /** Copy `sourceUri` (and subtree) to `targetUri`. */
  copy(targetUri: string, sourceUri: string, serverId: string): TreeOutcome;
  /** Run an executable node. `correlator` is echoed in the Generic Alert of an asynchronous result. */
  exec(uri: string, data: Item['data'], serverId: string, correlator?: string): ExecOutcome;
  /**
   * Start an all-or-nothing group (SyncML Atomic). Operations after this are
   * undone by `rollback()`; `commit()` keeps them. Nested calls are not made.
   */
  beginAtomic(): AtomicScope;
}

/** An open Atomic group. */
export interface AtomicScope {
  commit(): void;
  /** Undo every change since `beginAtomic()`. Returns false if some change could not be undone (→ status 516). */
  rollback(): boolean;
}
