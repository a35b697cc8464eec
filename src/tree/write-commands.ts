/**
 * Add, Replace, Delete, Copy and Exec as a server sends them (shared/spec/
 * oma-dm-facts.md §5.2–§5.6): URI parsing, dispatch to properties and TNDS,
 * and one transaction per command, so a refused command leaves the tree
 * exactly as it was.
 *
 * Value rules for Add/Replace:
 * - Meta Format absent: Replace keeps the node's format; Add takes the MO's
 *   DFFormat, else `chr` (the MetInf default — UNVERIFIED, §1.6); an Add whose
 *   MO description says `node` is interior even without Meta Format.
 * - Meta Format must be one of the DDF formats (else 415); `b64` Data is
 *   decoded and stored as `bin` bytes (§1.6); `bin` text is stored as its
 *   UTF-8 bytes.
 * - Meta Type absent: the node keeps its Type (Replace), or gets the MO's
 *   DFType, else `text/plain` (leaf) / '' (interior).
 */
import type { DataValue } from '../syncml/model.js';
import { isEmbeddedDocument } from '../syncml/model.js';
import { DmvisorError } from '../errors.js';
import { DF_FORMATS, findChildDescription, storedFormat } from './description.js';
import { outcome, succeeded, type TreeEngine } from './engine.js';
import type { ExecContext, ExecResult, NodeValue } from './hooks.js';
import type { ExecOutcome, NodeWrite, TreeOutcome } from './management-tree.js';
import type { TreeNode } from './node.js';
import { replaceProperty } from './properties.js';
import { isTndsType } from './tnds.js';
import { ensureParent, importTnds } from './tnds-import.js';
import { parseDmUri, type DmUri } from './uri.js';
import { createChild, deleteNode, writeLeaf, type LeafWrite } from './write-ops.js';

const KNOWN_FORMATS = new Set<string>(DF_FORMATS);

function parse(e: TreeEngine, uri: string): DmUri | TreeOutcome {
  try {
    return parseDmUri(uri, e.uriLimits);
  } catch (err) {
    if (err instanceof DmvisorError) return outcome(err.statusHint, err.message);
    throw err;
  }
}

/** An outcome without internal extras (the created node). */
function bare(o: TreeOutcome & { node?: unknown }): TreeOutcome {
  const out: TreeOutcome = { status: o.status };
  if (o.reason !== undefined) out.reason = o.reason;
  if (o.failedUri !== undefined) out.failedUri = o.failedUri;
  return out;
}

function isTnds(w: NodeWrite): boolean {
  return isTndsType(w.meta?.type) || (isEmbeddedDocument(w.data) && w.data.kind === 'tnds');
}

/** Turn Data + format into a stored leaf value, or an outcome when they do not fit. */
export function leafValue(data: DataValue | undefined, format: string): NodeValue | undefined | TreeOutcome {
  if (isEmbeddedDocument(data)) return outcome(415, `a ${data.kind} document is not a ${format} value`);
  if (format === 'null') return undefined;
  if (data === undefined) return '';
  const raw = format.trim().toLowerCase();
  if (raw === 'b64' && typeof data === 'string') {
    if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(data)) return outcome(415, 'Data is not base64');
    return new Uint8Array(Buffer.from(data, 'base64'));
  }
  if (raw === 'bin' && typeof data === 'string') return new TextEncoder().encode(data);
  return data;
}

function checkFormat(format: string | undefined): TreeOutcome | undefined {
  if (format === undefined || KNOWN_FORMATS.has(format.trim().toLowerCase())) return undefined;
  return outcome(415, `unknown format ${JSON.stringify(format)}`);
}

/** Add. */
export function addCommand(e: TreeEngine, uri: string, w: NodeWrite, serverId: string): TreeOutcome {
  const p = parse(e, uri);
  if ('status' in p) return p;
  if (p.query) return outcome(405, 'Add cannot target a property or a listing');
  if (isTnds(w)) return importTnds(e, p.path, w.data, 'Add', serverId);
  const fmtFail = checkFormat(w.meta?.format);
  if (fmtFail) return fmtFail;
  if (p.segments.length === 0) return outcome(418, 'the root always exists');
  return e.transaction(() => {
    const parent = ensureParent(e, p.segments.slice(0, -1), serverId);
    if (parent === undefined) return outcome(404, `the parent of ${p.path} does not exist`);
    if ('status' in parent) return parent;
    const name = p.segments[p.segments.length - 1];
    const desc = parent.desc ? findChildDescription(parent.desc, name) : undefined;
    const format = w.meta?.format ?? desc?.format ?? 'chr';
    if (storedFormat(format) === 'node') return bare(createChild(e, parent, name, { interior: true, type: w.meta?.type }, serverId));
    const value = leafValue(w.data, format);
    if (typeof value === 'object' && 'status' in value) return value;
    return bare(createChild(e, parent, name, { interior: false, format, type: w.meta?.type, value }, serverId));
  });
}

/** Replace. */
export function replaceCommand(e: TreeEngine, uri: string, w: NodeWrite, serverId: string): TreeOutcome {
  const p = parse(e, uri);
  if ('status' in p) return p;
  if (p.query?.kind === 'list') return outcome(405, 'Replace cannot target a listing');
  if (!p.query && isTnds(w)) return importTnds(e, p.path, w.data, 'Replace', serverId);
  const node = e.find(p.segments);
  if (!node) return outcome(404, `${p.path} does not exist`);
  const prop = p.query?.name;
  if (prop !== undefined) return e.transaction(() => replaceProperty(e, node, prop, w.data, serverId));
  const fmtFail = checkFormat(w.meta?.format);
  if (fmtFail) return fmtFail;
  if (node.interior) return outcome(405, `${p.path} is an interior node: it has no value to replace`);
  const value = leafValue(w.data, w.meta?.format ?? node.format);
  if (typeof value === 'object' && 'status' in value) return value;
  const lw: LeafWrite = { format: w.meta?.format, type: w.meta?.type, value };
  return e.transaction(() => writeLeaf(e, node, lw, serverId));
}

/** Delete. */
export function deleteCommand(e: TreeEngine, uri: string, serverId: string): TreeOutcome {
  const p = parse(e, uri);
  if ('status' in p) return p;
  if (p.query) return outcome(405, 'Delete cannot target a property or a listing');
  const node = e.find(p.segments);
  if (!node) return outcome(404, `${p.path} does not exist`);
  return e.transaction(() => deleteNode(e, node, serverId));
}

function isInside(n: TreeNode, ancestor: TreeNode): boolean {
  for (let c: TreeNode | null = n; c !== null; c = c.parent) if (c === ancestor) return true;
  return false;
}

/**
 * Copy (§5.2). A leaf source overwrites an existing leaf target (Replace
 * rights on it) or creates it (Add rights on its parent, missing ancestors as
 * for Add). Beyond DM 1.2's leaf-only rule we also copy an interior source to
 * a target that does not exist yet, as a deep copy (every source node must be
 * readable, every created node passes the Add checks). Interior source onto an
 * existing node, or into its own subtree → 403; leaf onto interior → 405.
 * Rights: Get on every source node; the source's AccessType must allow Copy.
 */
export function copyCommand(e: TreeEngine, targetUri: string, sourceUri: string, serverId: string): TreeOutcome {
  const t = parse(e, targetUri);
  if ('status' in t) return t;
  const s = parse(e, sourceUri);
  if ('status' in s) return s;
  if (t.query || s.query) return outcome(405, 'Copy cannot involve a property or a listing');
  const src = e.find(s.segments);
  if (!src) return outcome(404, `${s.path} does not exist`);
  if (!e.accessAllows(src, 'Copy')) return outcome(405, `${s.path}: AccessType does not allow Copy`);
  if (!e.serverMay(src, 'Get', serverId)) return outcome(425, `${s.path}: no Get right`);
  const existing = e.find(t.segments);
  if (existing) {
    if (src.interior) return outcome(403, `${t.path} exists: an interior node cannot be copied onto it`);
    if (existing.interior) return outcome(405, `${t.path} is an interior node`);
    return e.transaction(() => writeLeaf(e, existing, { format: src.format, type: src.type, value: e.readValue(src) }, serverId));
  }
  if (t.segments.length === 0) return outcome(403, 'cannot copy onto the root');
  return e.transaction(() => {
    const parent = ensureParent(e, t.segments.slice(0, -1), serverId);
    if (parent === undefined) return outcome(404, `the parent of ${t.path} does not exist`);
    if ('status' in parent) return parent;
    if (isInside(parent, src)) return outcome(403, `${t.path} is inside ${s.path}`);
    return bare(copyInto(e, src, parent, t.segments[t.segments.length - 1], serverId));
  });
}

function copyInto(e: TreeEngine, src: TreeNode, parent: TreeNode, name: string, serverId: string): TreeOutcome {
  if (!e.serverMay(src, 'Get', serverId)) return outcome(425, `${e.uriOf(src)}: no Get right`);
  const made = src.children
    ? createChild(e, parent, name, { interior: true, type: src.type }, serverId)
    : createChild(e, parent, name, { interior: false, format: src.format, type: src.type, value: e.readValue(src) }, serverId);
  if (!made.node) return made;
  if (src.children) {
    for (const c of [...src.children.values()]) {
      const out = copyInto(e, c, made.node, c.name, serverId);
      if (out.status !== 200) return out;
    }
  }
  return outcome(200);
}

/**
 * Exec (§2.6, oma-dm-facts-2 §G.1). The node must exist (404), its AccessType
 * allow Exec (405), the server hold Exec (425), and an Exec handler be
 * attached (405 otherwise: not an executable node). The handler answers 200
 * (done), 202 (accepted; it reports later through `ctx.report`, which queues a
 * Generic Alert with the correlator) or an error status; a throw → 500.
 */
export function execCommand(e: TreeEngine, uri: string, data: DataValue | undefined, serverId: string, correlator?: string): ExecOutcome {
  const p = parse(e, uri);
  if ('status' in p) return p;
  if (p.query) return outcome(405, 'Exec cannot target a property or a listing');
  const node = e.find(p.segments);
  if (!node) return outcome(404, `${p.path} does not exist`);
  if (!e.accessAllows(node, 'Exec')) return outcome(405, `${p.path}: AccessType does not allow Exec`);
  if (!e.serverMay(node, 'Exec', serverId)) return outcome(425, `${p.path}: no Exec right`);
  const handler = node.hooks?.exec;
  if (!handler) return outcome(405, `${p.path} is not executable`);
  if (isEmbeddedDocument(data)) return outcome(415, 'Exec data cannot be an embedded document');
  const path = p.path;
  const ctx: ExecContext = {
    uri: path, data, serverId, correlator, inAtomic: e.atomicOpen,
    report: (r) => e.queueAlert({
      sourceUri: r.sourceUri ?? path, type: r.type, format: r.format ?? 'chr', data: r.data, serverId,
      ...(r.mark !== undefined ? { mark: r.mark } : {}), ...(correlator !== undefined ? { correlator } : {}),
    }),
  };
  return e.transaction(() => {
    const raw = handler(ctx);
    const result: ExecResult = typeof raw === 'number' ? { status: raw } : raw;
    if (succeeded(result.status) && e.atomicOpen && e.log) {
      if (result.undo) e.log.push(result.undo);
      else e.log.irreversible(`Exec of ${path}`);
    }
    return outcome(result.status, result.reason);
  });
}
