/**
 * Run-time properties: `<node-uri>?prop=<Name>` (shared/spec/oma-dm-facts.md §5.3).
 *
 * | Property | Get | Replace | Notes |
 * |---|---|---|---|
 * | ACL    | yes | yes | who may replace: §5.4, see {@link replaceProperty} |
 * | Format | yes | 405 | set by Add/Replace Meta Format |
 * | Name   | yes | yes | rename; not the root, not permanent nodes, not literal MO names; sibling collision → 418 |
 * | Size   | leaves (interior → 406) | 405 | bytes of the raw value |
 * | Title  | yes | yes | ≤ 255 bytes (→ 413) |
 * | TStamp | yes | 405 | ISO 8601 basic UTC |
 * | Type   | yes | 405 | MIME (leaf) / MO identifier (interior) |
 * | VerNo  | yes | 405 | 16-bit change counter |
 *
 * Any other name → 406. Values travel without Meta (Meta on property values is
 * NOT RECOMMENDED). A Get of an empty (inherited) ACL returns empty Data with
 * 200 (DM 1.2; DM 1.3's 217 is not used).
 */
import { parseAcl } from './acl.js';
import { findChildDescription, isPlaceholder } from './description.js';
import { outcome, type TreeEngine } from './engine.js';
import type { GetOutcome, TreeOutcome } from './management-tree.js';
import { formatTStamp, valueSize, type TreeNode } from './node.js';
import { badNodeName, childUri } from './uri.js';
import { checkUri } from './write-ops.js';

/** Property names a tree supports. */
export const PROPERTY_NAMES = Object.freeze(['ACL', 'Format', 'Name', 'Size', 'Title', 'TStamp', 'Type', 'VerNo'] as const);
/** One supported property name. */
export type PropertyName = (typeof PROPERTY_NAMES)[number];

const SUPPORTED = new Set<string>(PROPERTY_NAMES);
const REPLACEABLE = new Set<string>(['ACL', 'Name', 'Title']);

/** Read a property value (no checks). Undefined when the property does not apply (Size of an interior node). */
export function propertyValue(e: TreeEngine, node: TreeNode, name: PropertyName): string | undefined {
  switch (name) {
    case 'ACL': return node.acl;
    case 'Format': return node.format;
    case 'Name': return node.name;
    case 'Size': return node.interior ? undefined : String(valueSize(e.readValue(node)));
    case 'Title': return node.title ?? '';
    case 'TStamp': return formatTStamp(node.tstamp);
    case 'Type': return node.type;
    case 'VerNo': return String(node.verNo);
  }
}

/** Get `?prop=name` of `node` for `serverId`; `rawUri` is echoed as the item's Source. */
export function getProperty(e: TreeEngine, node: TreeNode, name: string, rawUri: string, serverId: string): GetOutcome {
  const uri = e.uriOf(node);
  if (!SUPPORTED.has(name)) return outcome(406, `property ${name} is not supported`);
  if (!e.accessAllows(node, 'Get')) return outcome(405, `${uri}: AccessType does not allow Get`);
  if (!e.serverMay(node, 'Get', serverId)) return outcome(425, `${uri}: no Get right`);
  let value: string | undefined;
  try {
    value = propertyValue(e, node, name as PropertyName);
  } catch (err) {
    return outcome(500, `${uri}: value provider failed: ${(err as Error).message}`);
  }
  if (value === undefined) return outcome(406, `${uri}: ${name} is not supported on interior nodes`);
  return { status: 200, items: [{ source: { locURI: rawUri }, data: value }] };
}

/** Replace `?prop=name` of `node` for `serverId`. */
export function replaceProperty(e: TreeEngine, node: TreeNode, name: string, data: unknown, serverId: string): TreeOutcome {
  const uri = e.uriOf(node);
  if (!SUPPORTED.has(name)) return outcome(406, `property ${name} is not supported`);
  if (!REPLACEABLE.has(name)) return outcome(405, `property ${name} cannot be replaced`);
  let text: string;
  if (data === undefined) text = '';
  else if (typeof data === 'string') text = data;
  else if (data instanceof Uint8Array) {
    try { text = new TextDecoder('utf-8', { fatal: true }).decode(data); } catch { return outcome(415, 'property values are UTF-8 text'); }
  } else return outcome(415, 'property values are text');
  switch (name) {
    case 'ACL': return replaceAcl(e, node, uri, text.trim(), serverId);
    case 'Name': return rename(e, node, uri, text, serverId);
    default: return replaceTitle(e, node, uri, text, serverId);
  }
}

/**
 * Who may change an ACL (§5.4): a server with Replace on the parent (the
 * "two-step takeover" works on leaves and interior nodes alike); for an
 * interior node, also a server with Replace on the node itself. For the root,
 * Replace on the root. Replace always replaces the whole ACL. The root's ACL
 * can never become empty (405).
 */
function replaceAcl(e: TreeEngine, node: TreeNode, uri: string, text: string, serverId: string): TreeOutcome {
  const parent = node.parent;
  const allowed = parent === null
    ? e.serverMay(node, 'Replace', serverId)
    : e.serverMay(parent, 'Replace', serverId) || (node.interior && e.serverMay(node, 'Replace', serverId));
  if (!allowed) return outcome(425, `${uri}: no right to change the ACL`);
  try { parseAcl(text); } catch (err) { return outcome(400, `${uri}: ${(err as Error).message}`); }
  if (parent === null && text === '') return outcome(405, 'the root ACL cannot be empty');
  e.setAcl(node, text);
  return outcome(200);
}

function rename(e: TreeEngine, node: TreeNode, uri: string, name: string, serverId: string): TreeOutcome {
  const parent = node.parent;
  if (parent === null) return outcome(405, 'the root cannot be renamed');
  if (node.permanent) return outcome(405, `${uri} is permanent`);
  if (node.desc && !isPlaceholder(node.desc.name)) return outcome(405, `${uri}: its name is fixed by the management object`);
  if (!e.accessAllows(node, 'Replace')) return outcome(405, `${uri}: AccessType does not allow Replace`);
  if (!e.serverMay(node, 'Replace', serverId)) return outcome(425, `${uri}: no Replace right`);
  if (name === node.name) return outcome(200);
  const bad = badNodeName(name);
  if (bad !== undefined) return outcome(400, bad);
  const newUri = childUri(e.uriOf(parent), name);
  const uriFail = checkUri(e, newUri);
  if (uriFail) return uriFail;
  if (parent.children!.has(name)) return outcome(418, `${newUri} already exists`);
  if (node.desc && parent.desc && findChildDescription(parent.desc, name) !== node.desc) {
    return outcome(405, `${newUri}: the new name is reserved by the management object`);
  }
  e.rename(node, name);
  return outcome(200);
}

function replaceTitle(e: TreeEngine, node: TreeNode, uri: string, title: string, serverId: string): TreeOutcome {
  if (!e.serverMay(node, 'Replace', serverId)) return outcome(425, `${uri}: no Replace right`);
  if (Buffer.byteLength(title) > 255) return outcome(413, `${uri}: Title longer than 255 bytes`);
  e.setTitle(node, title === '' ? undefined : title);
  return outcome(200);
}
