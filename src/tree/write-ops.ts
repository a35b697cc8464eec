/**
 * The checked building blocks of server changes: create one node, write one
 * leaf, delete one subtree. Add, Replace, Copy and TNDS import are made of
 * these, inside one `TreeEngine.transaction` each.
 *
 * Order of checks, the same everywhere (the first failing one decides the status):
 * 1. structure — a leaf cannot have children, a permanent node or the root
 *    cannot be deleted, the MO's AccessType, occurrence minimum (405);
 * 2. ACL for the server (425);
 * 3. state — the node already exists (418), the MO's occurrence maximum (420);
 * 4. content — format against the MO (415), lexical form of `int`/`bool`
 *    (415), size (413), ACL syntax (400).
 */
import { ACL_COMMANDS, aclServerIds, formatAcl, parseAcl, withGrant, type Acl } from './acl.js';
import { DF_FORMATS, findChildDescription, maxOccurrence, minOccurrence, storedFormat, type NodeDescription } from './description.js';
import { outcome, type TreeEngine } from './engine.js';
import { DmvisorError } from '../errors.js';
import type { NodeValue } from './hooks.js';
import type { TreeOutcome } from './management-tree.js';
import { valueFitsFormat, valueSize, type TreeNode } from './node.js';
import { badNodeName, childUri, parseDmUri } from './uri.js';

const KNOWN_FORMATS = new Set<string>(DF_FORMATS);

/** What to create. */
export type NodeSpec =
  | { readonly interior: true; readonly type?: string; readonly acl?: string; readonly title?: string }
  | { readonly interior: false; readonly format: string; readonly type?: string; readonly value: NodeValue | undefined; readonly acl?: string; readonly title?: string };

/** The outcome of a creation, with the node on success. */
export interface CreateOutcome extends TreeOutcome {
  node?: TreeNode;
}

/** Check a URI against the tree's syntax and limits; an outcome on failure. */
export function checkUri(e: TreeEngine, uri: string): TreeOutcome | undefined {
  try {
    parseDmUri(uri, e.uriLimits);
    return undefined;
  } catch (err) {
    if (err instanceof DmvisorError) return outcome(err.statusHint, err.message);
    throw err;
  }
}

/** Content checks of a leaf value against a format (415, 413). */
export function checkLeafContent(e: TreeEngine, uri: string, value: NodeValue | undefined, format: string): TreeOutcome | undefined {
  if (!KNOWN_FORMATS.has(format)) return outcome(415, `${uri}: unknown format ${JSON.stringify(format)}`);
  if (value !== undefined && !valueFitsFormat(value, format)) return outcome(415, `${uri}: value is not a valid ${format}`);
  if (e.maxValueSize > 0 && valueSize(value) > e.maxValueSize) return outcome(413, `${uri}: value of ${valueSize(value)} bytes exceeds ${e.maxValueSize}`);
  return undefined;
}

/**
 * The creator fallback (§5.4): a server that adds an interior node without
 * having Replace on the parent gets an ACL of its own on the new node, or it
 * could not manage what it created. We grant it Add, Delete, Get and Replace,
 * and keep the Get of whoever could read the parent (libdmclient keeps
 * `Get=*`), so nobody loses read access. Undefined when no fallback applies.
 */
export function creatorAcl(e: TreeEngine, parent: TreeNode, serverId: string): string | undefined {
  if (e.serverMay(parent, 'Replace', serverId)) return undefined;
  let acl: Acl;
  try {
    acl = parseAcl(`Add=${serverId}&Delete=${serverId}&Replace=${serverId}`);
  } catch {
    return undefined; // a server id an ACL cannot name gets no fallback
  }
  const readers = aclServerIds(e.effectiveAcl(parent), 'Get');
  acl = withGrant(acl, 'Get', readers.includes('*') ? ['*'] : [...readers, serverId]);
  const order = new Map<string, number>(ACL_COMMANDS.map((c, i) => [c, i]));
  return formatAcl([...acl].sort((a, b) => order.get(a.command)! - order.get(b.command)!));
}

function countSiblings(parent: TreeNode, desc: NodeDescription): number {
  let n = 0;
  for (const c of parent.children!.values()) if (c.desc === desc) n++;
  return n;
}

/**
 * Create child `name` of `parent` for `serverId`, with every check.
 * `parentIsNew`: the parent was created by this same command (a TNDS
 * subtree) — the Add right was checked once, on the nearest node that existed
 * before the command, and the creator fallback applies only there.
 */
export function createChild(e: TreeEngine, parent: TreeNode, name: string, spec: NodeSpec, serverId: string, parentIsNew = false): CreateOutcome {
  const parentUri = e.uriOf(parent);
  if (!parent.interior) return outcome(405, `${parentUri} is a leaf: it cannot have children`);
  const bad = badNodeName(name);
  if (bad !== undefined) return outcome(400, bad);
  const uri = childUri(parentUri, name);
  const uriFail = checkUri(e, uri);
  if (uriFail) return uriFail;
  const desc = parent.desc ? findChildDescription(parent.desc, name) : undefined;
  if (parent.desc?.children && !desc) return outcome(405, `${uri}: the management object has no such node`);
  if (desc ? !desc.accessTypes.includes('Add') : !e.descendantAllows(parent, 'Add')) return outcome(405, `${uri}: AccessType does not allow Add`);
  if (!parentIsNew && !e.serverMay(parent, 'Add', serverId)) return outcome(425, `${uri}: no Add right on ${parentUri}`);
  if (parent.children!.has(name)) return outcome(418, `${uri} already exists`);
  if (desc) {
    const max = maxOccurrence(desc);
    if (countSiblings(parent, desc) >= max) return outcome(420, `${uri}: at most ${max} such node(s)`);
    const want = storedFormat(desc.format);
    const got = spec.interior ? 'node' : storedFormat(spec.format);
    if (want !== got) return outcome(415, `${uri}: format ${got} where the management object says ${want}`);
  }
  const format = spec.interior ? 'node' : storedFormat(spec.format);
  if (!spec.interior) {
    const fail = checkLeafContent(e, uri, spec.value, format);
    if (fail) return fail;
  }
  if (spec.acl !== undefined && spec.acl !== '') {
    try { parseAcl(spec.acl); } catch (err) { return outcome(400, `${uri}: ${(err as Error).message}`); }
  }
  if (spec.title !== undefined && Buffer.byteLength(spec.title) > 255) return outcome(413, `${uri}: Title longer than 255 bytes`);
  const type = spec.type ?? desc?.dfType ?? (spec.interior ? '' : 'text/plain');
  const fallback = spec.interior && !parentIsNew && (spec.acl === undefined || spec.acl === '') ? creatorAcl(e, parent, serverId) : undefined;
  // The node is new: changing it after attach() needs no undo record (rollback drops it with the parent's child list).
  const node = e.attach(parent, name, spec.interior, format, type);
  if (!spec.interior) node.value = spec.value;
  node.desc = desc;
  node.permanent = desc?.scope === 'Permanent';
  node.acl = spec.acl || fallback || '';
  node.title = spec.title;
  return { status: 200, node };
}

/** A leaf write. `format`/`type` absent: keep the node's. */
export interface LeafWrite {
  readonly format?: string;
  readonly type?: string;
  readonly value: NodeValue | undefined;
}

/** Replace a leaf's value for `serverId`, with every check. */
export function writeLeaf(e: TreeEngine, node: TreeNode, w: LeafWrite, serverId: string): TreeOutcome {
  const uri = e.uriOf(node);
  if (node.interior) return outcome(405, `${uri} is an interior node: it has no value to replace`);
  if (!e.accessAllows(node, 'Replace')) return outcome(405, `${uri}: AccessType does not allow Replace`);
  const provider = node.hooks?.provider;
  if (provider && !provider.write) return outcome(405, `${uri} is read-only`);
  if (!e.serverMay(node, 'Replace', serverId)) return outcome(425, `${uri}: no Replace right`);
  const format = w.format === undefined ? node.format : storedFormat(w.format);
  if (format === 'node') return outcome(415, `${uri} is a leaf: format node is not allowed`);
  if (node.desc && storedFormat(node.desc.format) !== format) return outcome(415, `${uri}: format ${format} where the management object says ${storedFormat(node.desc.format)}`);
  const fail = checkLeafContent(e, uri, w.value, format);
  if (fail) return fail;
  const type = w.type ?? node.type;
  if (!provider) {
    e.setLeaf(node, w.value, format, type);
    return outcome(200);
  }
  let old: NodeValue | undefined;
  let canUndo = true;
  try { old = provider.read(); } catch { canUndo = false; }
  const status = provider.write!(w.value ?? '', { uri, serverId, format }) ?? 200;
  if (status !== 200) return outcome(status, `${uri}: the value provider refused the write`);
  const log = e.log;
  if (log) {
    if (canUndo) log.push(() => { provider.write!(old ?? '', { uri, serverId: undefined, format: node.format }); });
    else log.irreversible(`value provider of ${uri}`);
  }
  e.setLeaf(node, node.value, format, type);
  return outcome(200);
}

function hasPermanentBelow(n: TreeNode): TreeNode | undefined {
  if (!n.children) return undefined;
  for (const c of n.children.values()) {
    if (c.permanent) return c;
    const deep = hasPermanentBelow(c);
    if (deep) return deep;
  }
  return undefined;
}

/** Delete a node and its subtree for `serverId`, with every check. */
export function deleteNode(e: TreeEngine, node: TreeNode, serverId: string): TreeOutcome {
  const uri = e.uriOf(node);
  if (node.parent === null) return outcome(405, 'the root cannot be deleted');
  if (node.permanent) return outcome(405, `${uri} is permanent`);
  if (!e.accessAllows(node, 'Delete')) return outcome(405, `${uri}: AccessType does not allow Delete`);
  if (node.desc && countSiblings(node.parent, node.desc) <= minOccurrence(node.desc)) {
    return outcome(405, `${uri}: the management object requires at least ${minOccurrence(node.desc)} such node(s)`);
  }
  const perm = hasPermanentBelow(node);
  if (perm) return outcome(405, `${uri} holds a permanent node (${e.uriOf(perm)})`);
  if (!e.serverMay(node, 'Delete', serverId)) return outcome(425, `${uri}: no Delete right`);
  e.detach(node);
  return outcome(200);
}
