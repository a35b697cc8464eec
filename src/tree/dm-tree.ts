/**
 * `DmTree`: a device's DM tree (shared/spec/oma-dm-facts.md §5).
 *
 * Two faces:
 * - the server-facing {@link ManagementTree} (get/add/replace/delete/copy/
 *   exec/beginAtomic), ACL-checked for a ServerID, answering status codes —
 *   what the DM client session calls;
 * - the owner-facing API (createNode, setValue, setValueProvider,
 *   setExecHandler, bindDescription, snapshot…) used by the device itself,
 *   MO instantiation and bootstrap: no ACL or AccessType checks, and misuse
 *   throws {@link TreeUsageError}.
 *
 * Owner changes made while an Atomic is open are part of it (rolled back with it).
 *
 * Pure: no I/O. The clock is `options.now` (default `Date.now`).
 */
import type { DataValue, Meta } from '../syncml/model.js';
import { parseAcl, removeServerFromAcl } from './acl.js';
import { findChildDescription, storedFormat, type NodeDescription } from './description.js';
import { TreeEngine, type DmTreeOptions } from './engine.js';
import { TreeUsageError } from './errors.js';
import { getCommand } from './get-command.js';
import { toProvider, type ExecHandler, type GenericAlert, type NodeValue, type ValueSource } from './hooks.js';
import type { AtomicScope, ExecOutcome, GetOutcome, ManagementTree, NodeWrite, TreeOutcome } from './management-tree.js';
import { bindDescriptions, formatTStamp, valueSize, type TreeNode } from './node.js';
import { restoreSnapshot, takeSnapshot, type TreeSnapshot } from './snapshot.js';
import { UndoLog } from './undo-log.js';
import { badNodeName, childUri, parseDmUri, type UriLimits } from './uri.js';
import { addCommand, copyCommand, deleteCommand, execCommand, replaceCommand } from './write-commands.js';

/** What the owner creates with {@link DmTree.createNode}. */
export interface NodeInit {
  /** `node` for an interior node; default `chr`. `b64` is stored as `bin`. */
  format?: string;
  /** MIME type (leaf, default `text/plain`) or MO identifier (interior, default ''). */
  type?: string;
  /** Leaf value; default ''. */
  value?: NodeValue;
  /** ACL; default '' (inherit). */
  acl?: string;
  title?: string;
  /** Protect from server Delete and rename. */
  permanent?: boolean;
}

/** A node's properties, for the owner and for tests. */
export interface NodeInfo {
  readonly interior: boolean;
  readonly format: string;
  readonly type: string;
  readonly acl: string;
  readonly title: string | undefined;
  /** TStamp in the property's text form. */
  readonly tstamp: string;
  readonly verNo: number;
  readonly size: number | undefined;
  readonly permanent: boolean;
}

/** See the module comment. */
export class DmTree implements ManagementTree {
  private readonly e: TreeEngine;

  constructor(options: DmTreeOptions = {}) {
    this.e = new TreeEngine(options);
  }

  /**
   * Build a tree from a snapshot (see snapshot.ts); `where` names the source in errors.
   * @throws SnapshotCorruptError — and then no tree is built.
   */
  static fromSnapshot(snapshot: unknown, options: DmTreeOptions = {}, where = 'snapshot'): DmTree {
    const root = restoreSnapshot(snapshot, where, options.resolveMo);
    const tree = new DmTree({ ...options, rootAcl: root.acl });
    const r = tree.e.root;
    r.children = root.children;
    for (const c of r.children!.values()) c.parent = r;
    r.type = root.type; r.title = root.title; r.tstamp = root.tstamp; r.verNo = root.verNo; r.moId = root.moId; r.desc = root.desc;
    return tree;
  }

  /** The persistent form of the whole tree. */
  snapshot(): TreeSnapshot {
    return takeSnapshot(this.e.root);
  }

  /** URI limits in force (what `./DevDetail/URI/*` reports). */
  get uriLimits(): UriLimits {
    return this.e.uriLimits;
  }

  /** Moves on every change: save the tree when it differs from the last saved value. */
  get revision(): number {
    return this.e.revision;
  }

  /** True while an Atomic scope is open. */
  get inAtomic(): boolean {
    return this.e.atomicOpen;
  }

  // --- ManagementTree -----------------------------------------------------

  /** {@inheritDoc ManagementTree.get} */
  get(uri: string, serverId: string, _meta?: Meta): GetOutcome {
    return getCommand(this.e, uri, serverId);
  }

  /** {@inheritDoc ManagementTree.add} */
  add(uri: string, write: NodeWrite, serverId: string): TreeOutcome {
    return addCommand(this.e, uri, write, serverId);
  }

  /** {@inheritDoc ManagementTree.replace} */
  replace(uri: string, write: NodeWrite, serverId: string): TreeOutcome {
    return replaceCommand(this.e, uri, write, serverId);
  }

  /** {@inheritDoc ManagementTree.delete} */
  delete(uri: string, serverId: string): TreeOutcome {
    return deleteCommand(this.e, uri, serverId);
  }

  /** {@inheritDoc ManagementTree.copy} */
  copy(targetUri: string, sourceUri: string, serverId: string): TreeOutcome {
    return copyCommand(this.e, targetUri, sourceUri, serverId);
  }

  /** {@inheritDoc ManagementTree.exec} */
  exec(uri: string, data: DataValue | undefined, serverId: string, correlator?: string): ExecOutcome {
    return execCommand(this.e, uri, data, serverId, correlator);
  }

  /**
   * {@inheritDoc ManagementTree.beginAtomic}
   * @throws TreeUsageError if an Atomic is already open (nesting is the session's 500).
   */
  beginAtomic(): AtomicScope {
    const e = this.e;
    if (e.atomicOpen) throw new TreeUsageError('an Atomic is already open', 500);
    const log = new UndoLog();
    e.log = log;
    e.atomicOpen = true;
    let open = true;
    const close = (): void => {
      if (!open) throw new TreeUsageError('this Atomic is already closed');
      open = false;
      e.log = null;
      e.atomicOpen = false;
    };
    return {
      commit: () => close(),
      rollback: () => {
        close();
        const exact = log.rollbackTo(0);
        e.revision++;
        return exact;
      },
    };
  }

  // --- owner API ----------------------------------------------------------

  private node(uri: string): TreeNode {
    const p = parseDmUri(uri, this.e.uriLimits);
    if (p.query) throw new TreeUsageError(`${uri}: the owner API takes node URIs, not ?prop= or ?list=`, 400);
    const n = this.e.find(p.segments);
    if (!n) throw new TreeUsageError(`${p.path} does not exist`, 404);
    return n;
  }

  /** True when a node exists at `uri`. */
  exists(uri: string): boolean {
    const p = parseDmUri(uri, this.e.uriLimits);
    return this.e.find(p.segments) !== undefined;
  }

  /**
   * Create one node; its parent must exist and be interior. Children of a
   * described parent get their matching description.
   * @throws TreeUsageError (404 parent missing, 405 parent is a leaf, 418 exists, 400 bad ACL/format).
   */
  createNode(uri: string, init: NodeInit = {}): void {
    const p = parseDmUri(uri, this.e.uriLimits);
    if (p.segments.length === 0) throw new TreeUsageError('the root always exists', 418);
    const parent = this.e.find(p.segments.slice(0, -1));
    if (!parent) throw new TreeUsageError(`the parent of ${p.path} does not exist`, 404);
    const name = p.segments[p.segments.length - 1];
    const bad = badNodeName(name);
    if (bad) throw new TreeUsageError(bad, 400);
    if (!parent.children) throw new TreeUsageError(`${this.e.uriOf(parent)} is a leaf`, 405);
    if (parent.children.has(name)) throw new TreeUsageError(`${p.path} already exists`, 418);
    if (init.acl) parseAcl(init.acl);
    const format = storedFormat(init.format ?? 'chr');
    const interior = format === 'node';
    const desc = parent.desc ? findChildDescription(parent.desc, name) : undefined;
    const n = this.e.attach(parent, name, interior, format, init.type ?? desc?.dfType ?? (interior ? '' : 'text/plain'));
    if (!interior) n.value = format === 'null' ? undefined : init.value ?? '';
    n.acl = init.acl ?? '';
    n.title = init.title;
    n.desc = desc;
    n.permanent = init.permanent ?? desc?.scope === 'Permanent';
  }

  /** Create the interior nodes missing along `uri` (an existing leaf on the way → TreeUsageError 405). */
  ensureInterior(uri: string, init: Omit<NodeInit, 'format' | 'value'> = {}): void {
    const p = parseDmUri(uri, this.e.uriLimits);
    let n = this.e.root;
    let path = '.';
    for (const s of p.segments) {
      if (!n.children) throw new TreeUsageError(`${path} is a leaf`, 405);
      path = childUri(path, s);
      if (!n.children.has(s)) this.createNode(path, { ...init, format: 'node' });
      n = n.children.get(s)!;
    }
    if (!n.children) throw new TreeUsageError(`${path} is a leaf`, 405);
  }

  /** Delete a node and its subtree (permanence does not stop the owner; the root cannot go). */
  deleteNode(uri: string): void {
    const n = this.node(uri);
    if (!n.parent) throw new TreeUsageError('the root cannot be deleted', 405);
    this.e.detach(n);
  }

  /** A leaf's current value (from its provider when it has one). */
  readValue(uri: string): NodeValue | undefined {
    const n = this.node(uri);
    if (n.children) throw new TreeUsageError(`${uri} is an interior node`, 405);
    return this.e.readValue(n);
  }

  /** Set a leaf's stored value (and optionally format / type). */
  setValue(uri: string, value: NodeValue, opts: { format?: string; type?: string } = {}): void {
    const n = this.node(uri);
    if (n.children) throw new TreeUsageError(`${uri} is an interior node`, 405);
    const format = opts.format === undefined ? n.format : storedFormat(opts.format);
    if (format === 'node') throw new TreeUsageError(`${uri} is a leaf`, 415);
    this.e.setLeaf(n, value, format, opts.type ?? n.type);
  }

  /** Names of an interior node's children, in order. */
  childNames(uri: string): string[] {
    const n = this.node(uri);
    if (!n.children) throw new TreeUsageError(`${uri} is a leaf`, 405);
    return [...n.children.keys()];
  }

  /** A node's properties. */
  info(uri: string): NodeInfo {
    const n = this.node(uri);
    return {
      interior: n.interior, format: n.format, type: n.type, acl: n.acl, title: n.title, tstamp: formatTStamp(n.tstamp),
      verNo: n.verNo, size: n.children ? undefined : valueSize(this.e.readValue(n)), permanent: n.permanent,
    };
  }

  /** Set a node's ACL ('' to inherit; the root's cannot be empty). @throws AclSyntaxError */
  setAcl(uri: string, acl: string): void {
    const n = this.node(uri);
    parseAcl(acl);
    if (!n.parent && acl === '') throw new TreeUsageError('the root ACL cannot be empty', 405);
    this.e.setAcl(n, acl);
  }

  /** The ACL in force on a node (its own or inherited). */
  effectiveAcl(uri: string): string {
    return this.e.effectiveAcl(this.node(uri));
  }

  /** Attach (or with `undefined` detach) a value provider to a leaf. */
  setValueProvider(uri: string, source: ValueSource | undefined): void {
    const n = this.node(uri);
    if (n.children) throw new TreeUsageError(`${uri} is an interior node`, 405);
    this.e.touch(n);
    const exec = n.hooks?.exec;
    n.hooks = source || exec ? { provider: source ? toProvider(source) : undefined, exec } : undefined;
  }

  /** Attach (or with `undefined` detach) an Exec handler. */
  setExecHandler(uri: string, handler: ExecHandler | undefined): void {
    const n = this.node(uri);
    this.e.touch(n);
    const provider = n.hooks?.provider;
    n.hooks = handler || provider ? { provider, exec: handler } : undefined;
  }

  /**
   * Attach an MO description to the node at `uri` and its subtree; with
   * `moId`, remember it so a snapshot re-binds it on load (`resolveMo`).
   */
  bindDescription(uri: string, desc: NodeDescription, moId?: string): void {
    const n = this.node(uri);
    bindDescriptions(n, desc, findChildDescription, (x) => this.e.touch(x));
    if (moId !== undefined) n.moId = moId;
  }

  /** The MO description bound to a node, if any. */
  description(uri: string): NodeDescription | undefined {
    return this.node(uri).desc;
  }

  /**
   * Remove a ServerID from every ACL (its DMAcc account was deleted, §5.4).
   * A root ACL left empty falls back to `rootFallback` (default `Get=*`).
   * Returns the number of ACLs changed.
   */
  scrubServerId(serverId: string, rootFallback = 'Get=*'): number {
    let changed = 0;
    const walk = (n: TreeNode): void => {
      if (n.acl !== '') {
        let acl = removeServerFromAcl(n.acl, serverId);
        if (!n.parent && acl === '') acl = rootFallback;
        if (acl !== n.acl) { this.e.setAcl(n, acl); changed++; }
      }
      if (n.children) for (const c of n.children.values()) walk(c);
    };
    walk(this.e.root);
    return changed;
  }

  /** Queue a Generic Alert (not tied to an Exec) for the next session. */
  queueGenericAlert(alert: GenericAlert): void {
    this.e.queueAlert(alert);
  }

  /** Take (and clear) the queued Generic Alerts, oldest first. */
  takeGenericAlerts(): GenericAlert[] {
    return this.e.alerts.splice(0);
  }

  /** The queued Generic Alerts, without taking them. */
  get pendingGenericAlerts(): readonly GenericAlert[] {
    return this.e.alerts;
  }
}
