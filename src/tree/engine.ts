/**
 * The tree's internal engine: node storage, look-up, effective ACLs, access
 * types, and the few primitives every change goes through (so the undo log
 * sees every change). Not exported from the package: `DmTree` is the face.
 *
 * Invariants:
 * - the root is interior, permanent, and always has a non-empty ACL;
 * - a node's `children` map keys equal the children's `name`s, in creation
 *   order, and each child's `parent` is the node;
 * - every mutation is preceded by `touch()` of each node whose fields change.
 */
import { aclGrants, parseAcl, type AclCommand } from './acl.js';
import type { AccessType, NodeDescription } from './description.js';
import type { GenericAlert, NodeValue } from './hooks.js';
import { TreeNode, segmentsOf } from './node.js';
import { UndoLog } from './undo-log.js';
import { formatDmUri, resolveUriLimits, type UriLimits } from './uri.js';
import type { TreeOutcome } from './management-tree.js';

/** Options of a {@link TreeEngine} / `DmTree`. */
export interface DmTreeOptions {
  /** Clock for TStamp, in ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** URI limits (each default in DEFAULT_URI_LIMITS; 0 = unlimited). */
  uriLimits?: Partial<UriLimits>;
  /** ACL of the root node. Default `Add=*&Get=*` (the spec's recommended default, §5.4). */
  rootAcl?: string;
  /** Add creates missing interior ancestors of its target (the spec's MAY, §5.2). Default true. */
  createAncestors?: boolean;
  /** Largest leaf value a server may write, in bytes; beyond → 413. Default 0 (unlimited). */
  maxValueSize?: number;
  /** Finds an MO root description by MO identifier, to rebind descriptions when loading a snapshot. */
  resolveMo?: (moId: string) => NodeDescription | undefined;
  /** Called whenever a Generic Alert is queued (e.g. to wake the DM client). */
  onGenericAlert?: (alert: GenericAlert) => void;
}

/** The root ACL used unless `rootAcl` is given. */
export const DEFAULT_ROOT_ACL = 'Add=*&Get=*';

/** A status outcome. */
export function outcome(status: number, reason?: string): TreeOutcome {
  return reason === undefined ? { status } : { status, reason };
}

/** True for statuses that mean the command was carried out (200, 202). */
export function succeeded(status: number): boolean {
  return status === 200 || status === 202;
}

/** See the module comment. */
export class TreeEngine {
  readonly root: TreeNode;
  readonly uriLimits: UriLimits;
  readonly now: () => number;
  readonly createAncestors: boolean;
  readonly maxValueSize: number;
  readonly resolveMo: ((moId: string) => NodeDescription | undefined) | undefined;
  readonly onGenericAlert: ((alert: GenericAlert) => void) | undefined;
  /** Open undo log (an Atomic or one command), or null. */
  log: UndoLog | null = null;
  /** True while an Atomic scope is open. */
  atomicOpen = false;
  /** Incremented on every change (including rollbacks): owners save when it moves. */
  revision = 0;
  /** Queued Generic Alerts. */
  readonly alerts: GenericAlert[] = [];

  constructor(options: DmTreeOptions = {}) {
    // The one clock default of the tree: owners (and tests) pass their own.
    // eslint-disable-next-line no-restricted-properties
    this.now = options.now ?? Date.now;
    this.uriLimits = resolveUriLimits(options.uriLimits);
    this.createAncestors = options.createAncestors ?? true;
    this.maxValueSize = options.maxValueSize ?? 0;
    this.resolveMo = options.resolveMo;
    this.onGenericAlert = options.onGenericAlert;
    const rootAcl = options.rootAcl ?? DEFAULT_ROOT_ACL;
    if (parseAcl(rootAcl).length === 0) throw new RangeError('the root ACL cannot be empty');
    this.root = new TreeNode('', null, true, 'node', '', this.now());
    this.root.acl = rootAcl;
    this.root.permanent = true;
  }

  // --- look-up ------------------------------------------------------------

  /** The node at `segments`, or undefined. */
  find(segments: readonly string[]): TreeNode | undefined {
    let n: TreeNode | undefined = this.root;
    for (const s of segments) {
      n = n.children?.get(s);
      if (n === undefined) return undefined;
    }
    return n;
  }

  /** Canonical URI of a node. */
  uriOf(n: TreeNode): string {
    return formatDmUri(segmentsOf(n));
  }

  /** The ACL in force on `n`: its own, else the nearest ancestor's (whole-ACL inheritance). */
  effectiveAcl(n: TreeNode): string {
    for (let c: TreeNode | null = n; c !== null; c = c.parent) if (c.acl !== '') return c.acl;
    return this.root.acl;
  }

  /** Does the effective ACL of `n` grant `cmd` to `serverId`? */
  serverMay(n: TreeNode, cmd: AclCommand, serverId: string): boolean {
    return aclGrants(this.effectiveAcl(n), cmd, serverId);
  }

  /** Does the node's MO description (or its open ancestor's) allow `cmd`? Undescribed nodes allow everything. */
  accessAllows(n: TreeNode, cmd: AccessType): boolean {
    if (n.desc) return n.desc.accessTypes.includes(cmd);
    return this.descendantAllows(n.parent, cmd);
  }

  /** Access allowed for an undescribed node below `from` (inclusive). */
  descendantAllows(from: TreeNode | null, cmd: AccessType): boolean {
    for (let p = from; p !== null; p = p.parent) {
      if (p.desc) return p.desc.descendantAccessTypes ? p.desc.descendantAccessTypes.includes(cmd) : true;
    }
    return true;
  }

  /** A leaf's current value: from its provider if it has one (may throw), else stored. */
  readValue(n: TreeNode): NodeValue | undefined {
    const p = n.hooks?.provider;
    return p ? p.read() : n.value;
  }

  // --- primitives ---------------------------------------------------------

  /** Record `n` in the undo log before it changes. */
  touch(n: TreeNode): void {
    this.log?.record(n);
    this.revision++;
  }

  /** Stamp a change: TStamp = now, VerNo + 1 (16-bit wrap). Call after touch(). */
  stamp(n: TreeNode): void {
    n.tstamp = this.now();
    n.verNo = (n.verNo + 1) & 0xffff;
  }

  /** Create a child node. */
  attach(parent: TreeNode, name: string, interior: boolean, format: string, type: string): TreeNode {
    this.touch(parent);
    const n = new TreeNode(name, parent, interior, format, type, this.now());
    parent.children!.set(name, n);
    this.stamp(parent);
    return n;
  }

  /** Remove a node (and so its subtree) from its parent. */
  detach(n: TreeNode): void {
    const parent = n.parent!;
    this.touch(parent);
    this.touch(n);
    parent.children!.delete(n.name);
    n.parent = null;
    this.stamp(parent);
  }

  /** Rename a node, keeping its place among its siblings. */
  rename(n: TreeNode, name: string): void {
    const parent = n.parent!;
    this.touch(parent);
    this.touch(n);
    parent.children = new Map([...parent.children!].map(([k, v]) => (v === n ? [name, n] : [k, v])));
    n.name = name;
    this.stamp(n);
    this.stamp(parent);
  }

  /** Set a leaf's stored value, format and type. */
  setLeaf(n: TreeNode, value: NodeValue | undefined, format: string, type: string): void {
    this.touch(n);
    n.value = value;
    n.format = format;
    n.type = type;
    this.stamp(n);
  }

  /** Set the ACL property. */
  setAcl(n: TreeNode, acl: string): void {
    this.touch(n);
    n.acl = acl;
    this.stamp(n);
  }

  /** Set the Title property. */
  setTitle(n: TreeNode, title: string | undefined): void {
    this.touch(n);
    n.title = title;
    this.stamp(n);
  }

  // --- transactions -------------------------------------------------------

  /**
   * Run one command all-or-nothing: on a failure status (or a throw, → 500)
   * every change it made is undone, inside or outside an open Atomic.
   */
  transaction(fn: () => TreeOutcome): TreeOutcome {
    const own = this.log === null;
    const log = this.log ?? (this.log = new UndoLog());
    const mark = log.mark();
    let out: TreeOutcome;
    try {
      out = fn();
    } catch (err) {
      out = outcome(500, `internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!succeeded(out.status)) {
      log.rollbackTo(mark);
      this.revision++;
    }
    if (own) this.log = null;
    return out;
  }

  /** Queue a Generic Alert and tell the listener. */
  queueAlert(alert: GenericAlert): void {
    this.alerts.push(alert);
    this.onGenericAlert?.(alert);
  }
}
