/**
 * Add / Replace with a TNDS payload (shared/spec/oma-dm-facts.md §5.6): whole
 * subtrees in one command, one status for all nodes, nothing changed on any
 * failure (the status is what the failing node alone would have got, and
 * `failedUri` names it).
 *
 * Placement: a top `Node`'s parent is its `Path` — absolute when it starts
 * with `.`, else relative to the command's Target — or the Target itself when
 * `Path` is absent. (Fixture 29: Target `./Vendor/Northwind/VMs`, Path the
 * same, NodeName `db02` → `./Vendor/Northwind/VMs/db02`.)
 *
 * Add: each node is created with the same checks as a single Add (MO rules,
 * formats, URI limits); the Add right and the creator fallback are checked on
 * the nodes that existed before the command (a node the document creates is
 * not re-checked against an ACL the same document gives its parent). An
 * interior node that already exists as an interior node is merged into (its
 * children are added); any other existing node → 418.
 * Replace: a top node must exist (404); leaves get the document's value,
 * Title and ACL (with the rights a single Replace of each needs); children
 * missing from the document are deleted (Delete rights, permanence), children
 * new in it are added.
 */
import type { DataValue } from '../syncml/model.js';
import { DmvisorError } from '../errors.js';
import { outcome, type TreeEngine } from './engine.js';
import type { TreeOutcome } from './management-tree.js';
import type { TreeNode } from './node.js';
import { replaceProperty } from './properties.js';
import { parseTnds, tndsRoot, type TndsNode } from './tnds.js';
import { childUri, parseDmUri } from './uri.js';
import { createChild, deleteNode, writeLeaf, type NodeSpec } from './write-ops.js';

/** Apply a TNDS document at `targetUri` (already checked) for `serverId`. */
export function importTnds(e: TreeEngine, targetUri: string, data: DataValue | undefined, mode: 'Add' | 'Replace', serverId: string): TreeOutcome {
  let tops: TndsNode[];
  try {
    tops = parseTnds(tndsRoot(data));
  } catch (err) {
    if (err instanceof DmvisorError) return outcome(err.statusHint, err.message);
    throw err;
  }
  return e.transaction(() => {
    for (const top of tops) {
      const parentUri = top.path === undefined || top.path === '' ? targetUri
        : top.path.startsWith('.') ? top.path : `${targetUri === '.' ? '.' : targetUri}/${top.path}`;
      let segments: readonly string[];
      try {
        segments = parseDmUri(parentUri, e.uriLimits).segments;
      } catch (err) {
        if (err instanceof DmvisorError) return { status: err.statusHint, reason: `${top.where}: ${err.message}`, failedUri: parentUri };
        throw err;
      }
      const parent = mode === 'Add' ? ensureParent(e, segments, serverId) : e.find(segments);
      if (parent === undefined) return { status: 404, reason: `${parentUri} does not exist`, failedUri: parentUri };
      if ('status' in parent) return parent;
      const out = mode === 'Add' ? addNode(e, parent, top, serverId) : replaceNode(e, parent, top, serverId, true);
      if (out.status !== 200) return out;
    }
    return outcome(200);
  });
}

/** The node at `segments`, creating missing interior ancestors when the tree allows it. */
export function ensureParent(e: TreeEngine, segments: readonly string[], serverId: string): TreeNode | TreeOutcome | undefined {
  let n = e.root;
  for (const s of segments) {
    if (!n.children) return { status: 405, reason: `${e.uriOf(n)} is a leaf`, failedUri: e.uriOf(n) };
    const next = n.children.get(s);
    if (next) { n = next; continue; }
    if (!e.createAncestors) return undefined;
    const made = createChild(e, n, s, { interior: true }, serverId);
    if (!made.node) return { ...made, failedUri: childUri(e.uriOf(n), s) };
    n = made.node;
  }
  return n;
}

function specOf(t: TndsNode): NodeSpec {
  return t.format === 'node'
    ? { interior: true, type: t.type, acl: t.acl, title: t.title }
    : { interior: false, format: t.format, type: t.type, value: t.value, acl: t.acl, title: t.title };
}

function failAt(e: TreeEngine, out: TreeOutcome, parent: TreeNode, t: TndsNode): TreeOutcome {
  return { status: out.status, reason: `${t.where}: ${out.reason ?? ''}`, failedUri: out.failedUri ?? childUri(e.uriOf(parent), t.name) };
}

function addNode(e: TreeEngine, parent: TreeNode, t: TndsNode, serverId: string, parentIsNew = false): TreeOutcome {
  let node = parent.children?.get(t.name);
  const isNew = node === undefined;
  if (node) {
    if (!(node.interior && t.format === 'node')) return failAt(e, outcome(418, `${e.uriOf(node)} already exists`), parent, t);
  } else {
    const made = createChild(e, parent, t.name, specOf(t), serverId, parentIsNew);
    if (!made.node) return failAt(e, made, parent, t);
    node = made.node;
  }
  for (const c of t.children) {
    const out = addNode(e, node, c, serverId, isNew);
    if (out.status !== 200) return out;
  }
  return outcome(200);
}

function replaceNode(e: TreeEngine, parent: TreeNode, t: TndsNode, serverId: string, top: boolean): TreeOutcome {
  const node = parent.children?.get(t.name);
  if (!node) {
    if (top) return failAt(e, outcome(404, 'no such node to replace'), parent, t);
    return addNode(e, parent, t, serverId);
  }
  const uri = e.uriOf(node);
  if (node.interior !== (t.format === 'node')) return failAt(e, outcome(415, `${uri}: the document changes leaf/interior`), parent, t);
  if (!node.interior) {
    const out = writeLeaf(e, node, { format: t.format, type: t.type, value: t.value }, serverId);
    if (out.status !== 200) return failAt(e, out, parent, t);
  }
  if (t.acl !== undefined && t.acl !== node.acl) {
    const out = replaceProperty(e, node, 'ACL', t.acl, serverId);
    if (out.status !== 200) return failAt(e, out, parent, t);
  }
  if (t.title !== undefined && t.title !== (node.title ?? '')) {
    const out = replaceProperty(e, node, 'Title', t.title, serverId);
    if (out.status !== 200) return failAt(e, out, parent, t);
  }
  if (node.interior) {
    const keep = new Set(t.children.map((c) => c.name));
    for (const c of [...node.children!.values()]) {
      if (keep.has(c.name)) continue;
      const out = deleteNode(e, c, serverId);
      if (out.status !== 200) return { ...out, failedUri: e.uriOf(c) };
    }
    for (const c of t.children) {
      const out = replaceNode(e, node, c, serverId, false);
      if (out.status !== 200) return out;
    }
  }
  return outcome(200);
}
