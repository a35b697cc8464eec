/**
 * Instantiate an MO description into a `DmTree` (as the tree's owner: no ACL
 * checks). Afterwards the tree enforces the description on server commands
 * (access types, formats, occurrences, scope — src/tree/description.ts).
 *
 * What gets created, below the MO root at `options.at` (default the MO's
 * location; required for placeholder roots):
 * - nodes named in `options.values` (nested objects for interior nodes,
 *   strings or bytes for leaves; a key that matches no literal child name is
 *   an instance of the placeholder child, e.g. `DMAcc/<x>`);
 * - required nodes (occurrence One, OneOrMore, OneOrN) with literal names,
 *   leaves valued from `values`, else `defaultValue`, else '';
 * - nodes that `providers` / `execHandlers` (keyed by path relative to the
 *   MO root, e.g. `URI/MaxDepth`) attach to.
 * Optional nodes without values are left out. Open subtrees (no `children`)
 * take any values, as undescribed `chr`/`bin` leaves and interior nodes.
 *
 * All or nothing: on a MoInstanceError the tree is left as it was.
 * Idempotent: existing nodes are kept (leaf values given in `values` are
 * written), descriptions re-bound, providers and handlers re-attached — so the
 * same call wires live code to a tree loaded from a snapshot.
 */
import { isPlaceholder, minOccurrence, storedFormat, type MoDescription, type NodeDescription } from '../tree/description.js';
import type { DmTree } from '../tree/dm-tree.js';
import type { ExecHandler, ValueSource } from '../tree/hooks.js';
import { valueFitsFormat } from '../tree/node.js';
import { childUri, formatDmUri, parseDmUri } from '../tree/uri.js';
import { DmvisorError } from '../errors.js';
import { MoInstanceError } from './errors.js';

/** A value for one node: a leaf value, or the values of an interior node's children. */
export type MoValue = string | Uint8Array | MoValues;
/** Values of an interior node's children, by name. */
export interface MoValues {
  readonly [name: string]: MoValue;
}

/** Options of {@link instantiateMo}. */
export interface MoInstanceOptions {
  /** URI of the MO root; default `mo.location`. */
  at?: string;
  /** Values, nested like the tree. */
  values?: MoValues;
  /** Live leaf values, by path relative to the MO root. */
  providers?: Readonly<Record<string, ValueSource>>;
  /** Exec handlers, by path relative to the MO root. */
  execHandlers?: Readonly<Record<string, ExecHandler>>;
  /** ACL of the MO root node (overrides the description's `acl`). */
  acl?: string;
  /** Remember the MO identifier on the root so snapshots re-bind it (default true). */
  recordMoId?: boolean;
}

function isValues(v: MoValue | undefined): v is MoValues {
  return typeof v === 'object' && !(v instanceof Uint8Array);
}

/**
 * See the module comment.
 * @throws MoInstanceError for a bad location or values that do not fit the description.
 */
export function instantiateMo(tree: DmTree, mo: MoDescription, options: MoInstanceOptions = {}): void {
  const at = options.at ?? mo.location;
  if (at === undefined) throw new MoInstanceError(`${mo.name}: the MO has no fixed location; give options.at`);
  let segments: readonly string[];
  try {
    segments = parseDmUri(at, tree.uriLimits).segments;
  } catch (err) {
    throw new MoInstanceError(`${mo.name}: bad location ${JSON.stringify(at)}: ${(err as DmvisorError).message}`);
  }
  if (segments.length === 0) throw new MoInstanceError(`${mo.name}: an MO cannot be instantiated at the root`);
  const rootName = segments[segments.length - 1];
  if (!isPlaceholder(mo.root.name) && rootName !== mo.root.name) {
    throw new MoInstanceError(`${mo.name}: its root is named ${mo.root.name}, not ${rootName}`);
  }
  const bound = new Set([...Object.keys(options.providers ?? {}), ...Object.keys(options.execHandlers ?? {})]);
  const needed = (rel: string): boolean => [...bound].some((b) => b === rel || b.startsWith(rel + '/'));
  const rootUri = formatDmUri(segments);
  const parentUri = formatDmUri(segments.slice(0, -1));
  // All or nothing: a failure half-way leaves the tree as it was (unless the
  // caller already holds an Atomic open, which cannot nest).
  const scope = tree.inAtomic ? undefined : tree.beginAtomic();
  try {
    if (parentUri !== '.') tree.ensureInterior(parentUri);
    build(tree, rootUri, mo.root, options.values, '', needed, options.acl);
    tree.bindDescription(rootUri, mo.root, options.recordMoId === false ? undefined : mo.id);
    for (const [rel, source] of Object.entries(options.providers ?? {})) tree.setValueProvider(join(rootUri, rel), source);
    for (const [rel, handler] of Object.entries(options.execHandlers ?? {})) tree.setExecHandler(join(rootUri, rel), handler);
    scope?.commit();
  } catch (err) {
    scope?.rollback();
    if (err instanceof MoInstanceError) throw err;
    throw new MoInstanceError(`${mo.name} at ${rootUri}: ${(err as Error).message}`);
  }
}

function join(root: string, rel: string): string {
  return rel.split('/').reduce((uri, name) => childUri(uri, name), root);
}

function build(
  tree: DmTree, uri: string, d: NodeDescription, value: MoValue | undefined, rel: string,
  needed: (rel: string) => boolean, aclOverride?: string,
): void {
  const isInterior = d.format === 'node';
  if (isInterior && value !== undefined && !isValues(value)) throw new MoInstanceError(`${uri}: an interior node takes an object of child values`);
  if (!isInterior && isValues(value)) throw new MoInstanceError(`${uri}: a ${d.format} leaf takes a string or bytes`);
  const acl = aclOverride ?? d.acl;
  if (tree.exists(uri)) {
    if (tree.info(uri).interior !== isInterior) throw new MoInstanceError(`${uri} exists as ${isInterior ? 'a leaf' : 'an interior node'}`);
    if (!isInterior && value !== undefined) tree.setValue(uri, checked(uri, d, value as string | Uint8Array), { format: d.format });
    if (aclOverride !== undefined) tree.setAcl(uri, aclOverride);
  } else if (isInterior) {
    tree.createNode(uri, { format: 'node', type: d.dfType ?? '', acl, title: d.title, permanent: d.scope === 'Permanent' });
  } else {
    const v = checked(uri, d, (value as string | Uint8Array | undefined) ?? d.defaultValue ?? '');
    tree.createNode(uri, { format: d.format, type: d.dfType ?? 'text/plain', value: v, acl, title: d.title, permanent: d.scope === 'Permanent' });
  }
  if (!isInterior) return;
  const values = (value ?? {}) as MoValues;
  if (!d.children) {
    for (const [name, v] of Object.entries(values)) buildOpen(tree, childUri(uri, name), v);
    return;
  }
  const literal = d.children.filter((c) => !isPlaceholder(c.name));
  const placeholder = d.children.find((c) => isPlaceholder(c.name));
  for (const c of literal) {
    const r = rel === '' ? c.name : `${rel}/${c.name}`;
    const v = values[c.name];
    if (v !== undefined || minOccurrence(c) > 0 || needed(r)) build(tree, childUri(uri, c.name), c, v, r, needed);
  }
  for (const [name, v] of Object.entries(values)) {
    if (literal.some((c) => c.name === name)) continue;
    if (!placeholder) throw new MoInstanceError(`${childUri(uri, name)}: the management object has no such node`);
    build(tree, childUri(uri, name), placeholder, v, rel === '' ? name : `${rel}/${name}`, needed);
  }
}

function checked(uri: string, d: NodeDescription, v: string | Uint8Array): string | Uint8Array {
  const f = storedFormat(d.format);
  if (f === 'bin' && typeof v === 'string' && d.format === 'b64') return new Uint8Array(Buffer.from(v, 'base64'));
  if (!valueFitsFormat(v, f)) throw new MoInstanceError(`${uri}: ${JSON.stringify(typeof v === 'string' ? v : '<bytes>')} is not a valid ${f}`);
  return v;
}

function buildOpen(tree: DmTree, uri: string, v: MoValue): void {
  if (isValues(v)) {
    if (!tree.exists(uri)) tree.createNode(uri, { format: 'node' });
    for (const [name, c] of Object.entries(v)) buildOpen(tree, childUri(uri, name), c);
  } else if (tree.exists(uri)) {
    tree.setValue(uri, v);
  } else {
    tree.createNode(uri, { format: typeof v === 'string' ? 'chr' : 'bin', value: v });
  }
}
