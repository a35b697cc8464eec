/**
 * Get (shared/spec/oma-dm-facts.md §5.2, §5.3, §5.6): a leaf's value, an
 * interior node's child names, a property (`?prop=`), or a subtree
 * (`?list=Struct`, `?list=StructData`, `?list=TNDS…`).
 *
 * - Leaf: Data = value, Meta Format (stored format; binary values are bytes
 *   with Format `bin` — in XML the session writes them as base64 with Format
 *   `b64`) and Type when not empty; Format `null` leaves have no Data.
 * - Interior: Data = child names (escaped segments) joined by `/`, Format
 *   `node`, Type when the node has an MO identifier; no children → ''.
 * - The target item's Source echoes the URI as the server wrote it; listed
 *   nodes carry canonical `./…` URIs.
 * - Listings keep only nodes the server may Get (ACL); a node whose AccessType
 *   lacks Get (e.g. `AAuthSecret`) is listed without its value. Unknown
 *   `?list=` attributes → 406.
 */
import type { Item, Meta } from '../syncml/model.js';
import { outcome, type TreeEngine } from './engine.js';
import type { GetOutcome } from './management-tree.js';
import type { TreeNode } from './node.js';
import { getProperty } from './properties.js';
import { exportTnds, parseTndsSelection, TNDS_XML_TYPE } from './tnds.js';
import { escapeSegment, parseDmUri, type DmUri } from './uri.js';
import { DmvisorError } from '../errors.js';

/** Run a Get for `serverId`. */
export function getCommand(e: TreeEngine, uri: string, serverId: string): GetOutcome {
  let parsed: DmUri;
  try {
    parsed = parseDmUri(uri, e.uriLimits);
  } catch (err) {
    if (err instanceof DmvisorError) return outcome(err.statusHint, err.message);
    throw err;
  }
  const node = e.find(parsed.segments);
  if (!node) return outcome(404, `${parsed.path} does not exist`);
  try {
    if (parsed.query?.kind === 'prop') return getProperty(e, node, parsed.query.name, uri, serverId);
    if (!e.accessAllows(node, 'Get')) return outcome(405, `${parsed.path}: AccessType does not allow Get`);
    if (!e.serverMay(node, 'Get', serverId)) return outcome(425, `${parsed.path}: no Get right`);
    if (parsed.query?.kind === 'list') return list(e, node, parsed.query.attribute, uri, serverId);
    return { status: 200, items: [nodeItem(e, node, uri, true)] };
  } catch (err) {
    return outcome(500, `${parsed.path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** One Results item for a node: Source, Meta Format/Type, and Data when asked. */
function nodeItem(e: TreeEngine, n: TreeNode, locURI: string, withData: boolean): Item {
  const meta: Meta = { format: n.format };
  if (n.type !== '') meta.type = n.type;
  const item: Item = { source: { locURI }, meta };
  if (!withData) return item;
  if (n.children) item.data = [...n.children.keys()].map(escapeSegment).join('/');
  else if (n.format !== 'null') item.data = e.readValue(n) ?? '';
  return item;
}

function list(e: TreeEngine, node: TreeNode, attribute: string, rawUri: string, serverId: string): GetOutcome {
  const readable = (n: TreeNode): boolean => e.serverMay(n, 'Get', serverId);
  const valueVisible = (n: TreeNode): boolean => e.accessAllows(n, 'Get');
  if (attribute === 'Struct' || attribute === 'StructData') {
    const withData = attribute === 'StructData';
    const items: Item[] = [];
    const walk = (n: TreeNode, uri: string): void => {
      if (n === node || readable(n)) items.push(nodeItem(e, n, uri, withData && !n.children && valueVisible(n)));
      if (!n.children || !valueVisible(n)) return;
      for (const c of n.children.values()) walk(c, (uri === '.' ? './' : uri + '/') + escapeSegment(c.name));
    };
    walk(node, e.uriOf(node));
    return { status: 200, items };
  }
  const sel = parseTndsSelection(attribute);
  if (sel === undefined) return outcome(406, `?list=${attribute} is not supported (Struct, StructData, TNDS)`);
  if (typeof sel === 'string') return outcome(406, sel);
  const doc = exportTnds(e, node, sel, readable, valueVisible);
  return { status: 200, items: [{ source: { locURI: rawUri }, meta: { format: 'xml', type: TNDS_XML_TYPE }, data: doc }] };
}
