/**
 * TNDS — the serialized DM tree (shared/spec/oma-dm-facts.md §5.6, §5.7):
 * `Get <uri>?list=TNDS[+name…|-name…]` out, Add/Replace with a TNDS payload in.
 *
 * The document is the wire layer's `EmbeddedDocument { kind: 'tnds' }`, a tree
 * of DM DDF 1.2 elements; the XML and WBXML codecs carry it (inline markup, or
 * a nested WBXML document in OPAQUE). A TNDS that arrives as escaped XML text
 * or as raw WBXML bytes is decoded here.
 *
 * Choices (the facts sheet leaves them open — UNVERIFIED):
 * - plain `?list=TNDS` selects every property plus `Value`;
 * - `Type` is always written (encoders MUST), whatever the selection; an
 *   empty (inherited) ACL and an empty Title are left out;
 * - binary leaf values (`bin`) are written and read as base64 text in `Value`;
 * - on import a node without `Format` is interior unless it has a `Value`;
 *   `Name`, `Size`, `TStamp`, `VerNo` and `DFProperties` are ignored on import
 *   (they are the device's to set).
 *
 * Pure: no I/O.
 */
import type { DataValue, EmbeddedDocument, EmbeddedElement, EmbeddedNode } from '../syncml/model.js';
import { isEmbeddedDocument } from '../syncml/model.js';
import { DEFAULT_LIMITS } from '../syncml/raw-element.js';
import { toEmbedded } from '../syncml/message-builder.js';
import { decodeXmlDocument } from '../syncml/xml-decoder.js';
import { decodeWbxmlDocument } from '../syncml/wbxml-decoder.js';
import { DmvisorError } from '../errors.js';
import { TndsError } from './errors.js';
import type { TreeEngine } from './engine.js';
import type { TreeNode } from './node.js';
import { propertyValue, type PropertyName } from './properties.js';

/** Meta Type of a TNDS document in XML. */
export const TNDS_XML_TYPE = 'application/vnd.syncml.dmtnds+xml';
/** Meta Type of a TNDS document in WBXML. */
export const TNDS_WBXML_TYPE = 'application/vnd.syncml.dmtnds+wbxml';

/** What a TNDS selection can name: the run-time properties and `Value`. */
export const TNDS_FIELDS = Object.freeze(['ACL', 'Format', 'Name', 'Size', 'Title', 'TStamp', 'Type', 'VerNo', 'Value'] as const);
/** One selectable TNDS field. */
export type TndsField = (typeof TNDS_FIELDS)[number];

/** True when a Meta Type announces TNDS. */
export function isTndsType(type: string | undefined): boolean {
  if (type === undefined) return false;
  const t = type.trim().toLowerCase();
  return t === TNDS_XML_TYPE || t === TNDS_WBXML_TYPE;
}

/**
 * Parse the `?list=` attribute of a TNDS request: `TNDS`, `TNDS+A+B` (only
 * these), `TNDS-A-B` (all but these). Returns undefined when the attribute is
 * not a TNDS request, or a string reason when it is malformed (→ 406).
 */
export function parseTndsSelection(attribute: string): ReadonlySet<TndsField> | string | undefined {
  if (attribute !== 'TNDS' && !attribute.startsWith('TNDS+') && !attribute.startsWith('TNDS-')) return undefined;
  const rest = attribute.slice(4);
  if (rest === '') return new Set(TNDS_FIELDS);
  const sign = rest[0];
  if ((sign === '+' && rest.includes('-')) || (sign === '-' && rest.includes('+'))) return 'a TNDS selection cannot mix + and -';
  const names = rest.slice(1).split(sign);
  for (const n of names) if (!(TNDS_FIELDS as readonly string[]).includes(n)) return `unknown TNDS field ${JSON.stringify(n)}`;
  const chosen = new Set(names as TndsField[]);
  return sign === '+' ? chosen : new Set(TNDS_FIELDS.filter((f) => !chosen.has(f)));
}

function el(name: string, ...children: EmbeddedNode[]): EmbeddedElement {
  return { name, children };
}

const PROPERTY_ORDER: readonly PropertyName[] = ['ACL', 'Format', 'Name', 'Size', 'Title', 'TStamp', 'Type', 'VerNo'];

/**
 * Serialize the subtree at `node` as a TNDS document, keeping only nodes that
 * `include` accepts (the caller's ACL filter: a refused node is left out with
 * its subtree) and values that `valueVisible` accepts. The top node carries
 * its parent's URI in `Path`; for the root, its children are the top nodes.
 */
export function exportTnds(
  e: TreeEngine, node: TreeNode, sel: ReadonlySet<TndsField>,
  include: (n: TreeNode) => boolean, valueVisible: (n: TreeNode) => boolean,
): EmbeddedDocument {
  const nodeEl = (n: TreeNode, path: string | undefined): EmbeddedElement => {
    const kids: EmbeddedNode[] = [el('NodeName', n.name)];
    if (path !== undefined) kids.push(el('Path', path));
    const props: EmbeddedElement[] = [];
    for (const p of PROPERTY_ORDER) {
      if (p !== 'Type' && !sel.has(p)) continue;
      if (p === 'Format') { props.push(el('Format', el(n.format))); continue; }
      if (p === 'Type') { props.push(el('Type', n.interior ? el('DDFName', ...text(n.type)) : el('MIME', ...text(n.type)))); continue; }
      const v = propertyValue(e, n, p);
      // An empty ACL (inherited) or Title is left out rather than written empty.
      if (v !== undefined && !(v === '' && (p === 'ACL' || p === 'Title'))) props.push(el(p, ...text(v)));
    }
    kids.push(el('RTProperties', ...props));
    if (n.children) {
      for (const c of n.children.values()) if (include(c)) kids.push(nodeEl(c, undefined));
    } else if (sel.has('Value') && valueVisible(n)) {
      const v = e.readValue(n);
      if (v !== undefined) kids.push(el('Value', ...text(typeof v === 'string' ? v : Buffer.from(v).toString('base64'))));
    }
    return el('Node', ...kids);
  };
  const top: EmbeddedElement[] = node.parent === null
    ? [...node.children!.values()].filter(include).map((c) => nodeEl(c, '.'))
    : [nodeEl(node, e.uriOf(node.parent))];
  return { kind: 'tnds', root: el('MgmtTree', el('VerDTD', '1.2'), ...top) };
}

function text(s: string): EmbeddedNode[] {
  return s === '' ? [] : [s];
}

/** One node of an imported TNDS document. */
export interface TndsNode {
  readonly name: string;
  /** `Path` as written (top nodes only, in practice). */
  readonly path?: string;
  /** Format token, lower case (`node` for interior). */
  readonly format: string;
  readonly type?: string;
  readonly acl?: string;
  readonly title?: string;
  /** Leaf value (base64-decoded for `bin`/`b64`). */
  readonly value?: string | Uint8Array;
  readonly children: readonly TndsNode[];
  /** Element path, for error messages. */
  readonly where: string;
}

/** Turn the Data of an Add/Replace into a TNDS root element (decoding escaped XML text or raw WBXML). */
export function tndsRoot(data: DataValue | undefined): EmbeddedElement {
  if (data === undefined) throw new TndsError('Data', 'no TNDS document');
  if (isEmbeddedDocument(data)) {
    if (data.kind !== 'tnds') throw new TndsError('Data', `a ${data.kind} document is not TNDS`, 415);
    return data.root;
  }
  try {
    if (typeof data === 'string') return toEmbedded(decodeXmlDocument(data, DEFAULT_LIMITS).root);
    const doc = decodeWbxmlDocument(data, DEFAULT_LIMITS);
    if (doc.vocabulary !== 'dmddf') throw new TndsError('Data', `WBXML document is ${doc.vocabulary}, not TNDS`);
    return toEmbedded(doc.root);
  } catch (err) {
    if (err instanceof TndsError) throw err;
    if (err instanceof DmvisorError) throw new TndsError('Data', err.message);
    throw err;
  }
}

function textOf(e: EmbeddedElement, where: string): string {
  let s = '';
  for (const c of e.children) {
    if (typeof c !== 'string') throw new TndsError(`${where}/${e.name}`, `unexpected <${c.name}> in a text element`);
    s += c;
  }
  return s;
}

function elements(e: EmbeddedElement): EmbeddedElement[] {
  return e.children.filter((c): c is EmbeddedElement => typeof c !== 'string');
}

/** Parse a TNDS `MgmtTree` into its top nodes. */
export function parseTnds(root: EmbeddedElement): TndsNode[] {
  if (root.name !== 'MgmtTree') throw new TndsError(root.name, `root element is <${root.name}>, not <MgmtTree>`);
  const nodes: TndsNode[] = [];
  let i = 0;
  for (const c of elements(root)) {
    if (c.name === 'Node') nodes.push(parseNode(c, `MgmtTree/Node[${++i}]`));
    else if (c.name !== 'VerDTD' && c.name !== 'Man' && c.name !== 'Mod') throw new TndsError('MgmtTree', `unexpected <${c.name}>`);
  }
  if (nodes.length === 0) throw new TndsError('MgmtTree', 'no Node');
  return nodes;
}

function parseNode(n: EmbeddedElement, where: string): TndsNode {
  let name: string | undefined;
  let path: string | undefined;
  let format: string | undefined;
  let type: string | undefined;
  let acl: string | undefined;
  let title: string | undefined;
  let value: string | undefined;
  const children: TndsNode[] = [];
  for (const c of elements(n)) {
    switch (c.name) {
      case 'NodeName': name = textOf(c, where).trim(); break;
      case 'Path': path = textOf(c, where).trim(); break;
      case 'Value': value = textOf(c, where); break;
      case 'DFProperties': break;
      case 'Node': children.push(parseNode(c, `${where}/Node[${children.length + 1}]`)); break;
      case 'RTProperties':
        for (const p of elements(c)) {
          switch (p.name) {
            case 'ACL': acl = textOf(p, where).trim(); break;
            case 'Title': title = textOf(p, where); break;
            case 'Format': {
              const f = elements(p);
              if (f.length !== 1) throw new TndsError(`${where}/RTProperties/Format`, 'Format must hold one format element');
              format = f[0].name.toLowerCase();
              break;
            }
            case 'Type': {
              const t = elements(p);
              if (t.length === 0) { type = textOf(p, where).trim(); break; }
              if (t.length !== 1 || (t[0].name !== 'MIME' && t[0].name !== 'DDFName')) throw new TndsError(`${where}/RTProperties/Type`, 'Type must hold MIME or DDFName');
              type = textOf(t[0], where).trim();
              break;
            }
            default: break; // Name, Size, TStamp, VerNo: the device's to set
          }
        }
        break;
      default: throw new TndsError(where, `unexpected <${c.name}>`);
    }
  }
  if (name === undefined || name === '') throw new TndsError(where, 'missing or empty NodeName');
  if (value !== undefined && children.length > 0) throw new TndsError(where, 'a node cannot have both a Value and child nodes');
  const fmt = format ?? (value !== undefined ? 'chr' : 'node');
  if (fmt === 'node' && value !== undefined) throw new TndsError(where, 'an interior node cannot have a Value');
  if (fmt !== 'node' && children.length > 0) throw new TndsError(where, `a ${fmt} leaf cannot have child nodes`);
  let v: string | Uint8Array | undefined = value;
  if (value !== undefined && (fmt === 'bin' || fmt === 'b64')) {
    if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(value)) throw new TndsError(where, 'binary Value is not base64');
    v = new Uint8Array(Buffer.from(value, 'base64'));
  }
  return { name, path, format: fmt === 'b64' ? 'bin' : fmt, type, acl, title, value: fmt === 'node' || fmt === 'null' ? undefined : (v ?? ''), children, where };
}
