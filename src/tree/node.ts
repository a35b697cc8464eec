/**
 * One node of the DM tree, and the small value helpers around it.
 *
 * Memory matters (a host runs a tree per VM): a node is one flat object with
 * a fixed shape; leaves have no children map; strings that come from MO
 * descriptions (names, formats, types) are shared, not copied; the parsed ACL
 * is not stored (acl.ts caches the few distinct values).
 *
 * Fields are mutated only by the tree (tree-core.ts), always after recording
 * the node's previous state in the undo log, so Atomic rollback is exact.
 */
import type { NodeDescription } from './description.js';
import type { NodeHooks, NodeValue } from './hooks.js';

/** A DM tree node: interior when `children` is a map, leaf otherwise. */
export class TreeNode {
  /** Decoded node name ('' for the root). */
  name: string;
  parent: TreeNode | null;
  /** Children by name, in creation order; `null` for a leaf. */
  children: Map<string, TreeNode> | null;
  /** Leaf value (ignored when a provider is attached); `undefined` for interior nodes. */
  value: NodeValue | undefined;
  /** Format property: `node` for interior nodes, else the stored leaf format. */
  format: string;
  /** Type property: a MIME type (leaf) or an MO identifier (interior, may be ''). */
  type: string;
  /** ACL property as written; '' inherits. */
  acl: string;
  /** Title property. */
  title: string | undefined;
  /** TStamp property: last change, ms since the epoch. */
  tstamp: number;
  /** VerNo property: 16-bit change counter. */
  verNo: number;
  /** Permanent nodes cannot be deleted or renamed by a server. */
  permanent: boolean;
  /** The MO description this node was created from or matched to. */
  desc: NodeDescription | undefined;
  /** MO identifier when this node is the root of an instantiated MO (persisted, to rebind descriptions on load). */
  moId: string | undefined;
  /** Value provider / Exec handler. */
  hooks: NodeHooks | undefined;

  constructor(name: string, parent: TreeNode | null, interior: boolean, format: string, type: string, tstamp: number) {
    this.name = name;
    this.parent = parent;
    this.children = interior ? new Map() : null;
    this.value = undefined;
    this.format = format;
    this.type = type;
    this.acl = '';
    this.title = undefined;
    this.tstamp = tstamp;
    this.verNo = 0;
    this.permanent = false;
    this.desc = undefined;
    this.moId = undefined;
    this.hooks = undefined;
  }

  /** True for an interior node. */
  get interior(): boolean {
    return this.children !== null;
  }
}

/** Everything about a node that a command can change: what the undo log saves. */
export interface NodeState {
  name: string;
  parent: TreeNode | null;
  children: [string, TreeNode][] | null;
  value: NodeValue | undefined;
  format: string;
  type: string;
  acl: string;
  title: string | undefined;
  tstamp: number;
  verNo: number;
  permanent: boolean;
  desc: NodeDescription | undefined;
  moId: string | undefined;
  hooks: NodeHooks | undefined;
}

/** Capture a node's state. */
export function saveState(n: TreeNode): NodeState {
  return {
    name: n.name, parent: n.parent, children: n.children ? [...n.children] : null, value: n.value,
    format: n.format, type: n.type, acl: n.acl, title: n.title, tstamp: n.tstamp, verNo: n.verNo,
    permanent: n.permanent, desc: n.desc, moId: n.moId, hooks: n.hooks,
  };
}

/** Put a captured state back. */
export function restoreState(n: TreeNode, s: NodeState): void {
  n.name = s.name; n.parent = s.parent; n.children = s.children ? new Map(s.children) : null; n.value = s.value;
  n.format = s.format; n.type = s.type; n.acl = s.acl; n.title = s.title; n.tstamp = s.tstamp; n.verNo = s.verNo;
  n.permanent = s.permanent; n.desc = s.desc; n.moId = s.moId; n.hooks = s.hooks;
}

/** The names from the root down to `n` (empty for the root). */
export function segmentsOf(n: TreeNode): string[] {
  const out: string[] = [];
  for (let c: TreeNode | null = n; c !== null && c.parent !== null; c = c.parent) out.push(c.name);
  return out.reverse();
}

const utf8 = new TextEncoder();

/** Size property: bytes of the raw value (UTF-8 for text). */
export function valueSize(v: NodeValue | undefined): number {
  if (v === undefined) return 0;
  return typeof v === 'string' ? utf8.encode(v).length : v.length;
}

/** TStamp property text: ISO 8601 basic format, UTC, e.g. `20010711T163817Z`. */
export function formatTStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

const INT = /^[+-]?\d{1,10}$/;

/**
 * Does `value` fit the lexical form of `format`? Checked for `int` (32-bit
 * signed decimal) and `bool` (`true` / `false`, any case — the exact lexical
 * rule is UNVERIFIED in the facts sheet, §5.5); every other format accepts any value.
 */
export function valueFitsFormat(value: NodeValue, format: string): boolean {
  if (format === 'int') {
    if (typeof value !== 'string' || !INT.test(value.trim())) return false;
    const n = Number(value.trim());
    return n >= -0x80000000 && n <= 0x7fffffff;
  }
  if (format === 'bool') {
    if (typeof value !== 'string') return false;
    const v = value.trim().toLowerCase();
    return v === 'true' || v === 'false';
  }
  return true;
}

/** Equality of two values (bytes compared by content). */
export function sameValue(a: NodeValue | undefined, b: NodeValue | undefined): boolean {
  if (typeof a === 'string' || typeof b === 'string' || a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Attach `desc` to `n` and, recursively, the matching child descriptions to
 * its children (by name, else placeholder). Children matching nothing keep no
 * description. Permanence follows the description's Scope.
 */
export function bindDescriptions(
  n: TreeNode, desc: NodeDescription,
  find: (parent: NodeDescription, name: string) => NodeDescription | undefined, touch?: (n: TreeNode) => void,
): void {
  touch?.(n);
  n.desc = desc;
  if (desc.scope === 'Permanent') n.permanent = true;
  if (!n.children) return;
  for (const c of n.children.values()) {
    const d = find(desc, c.name);
    if (d) bindDescriptions(c, d, find, touch);
  }
}
