/**
 * MO descriptions: the DDF-like data type (defined in the tree layer, which
 * enforces it — src/tree/description.ts) plus checks and small builders used
 * to write MO descriptions as data.
 *
 * Pure: no I/O.
 */
import {
  ACCESS_TYPES, DF_FORMATS, OCCURRENCES, isPlaceholder,
  type AccessType, type MoDescription, type NodeDescription,
} from '../tree/description.js';
import { isValidAcl } from '../tree/acl.js';
import { MoDescriptionError } from './errors.js';

/** The description types, defined by the tree layer that enforces them. */
export type { AccessType, DfFormat, MoDescription, NodeDescription, Occurrence } from '../tree/description.js';
/** Description look-ups, from the tree layer. */
export { isPlaceholder, findChildDescription } from '../tree/description.js';

/** A leaf description with the common defaults: `chr`, Get only, occurrence One. */
export function leaf(name: string, props: Partial<Omit<NodeDescription, 'name' | 'children'>> = {}): NodeDescription {
  return { name, format: 'chr', accessTypes: ['Get'], ...props };
}

/** An interior description: Format `node`, Get only, occurrence One. */
export function interior(name: string, children: readonly NodeDescription[] | undefined, props: Partial<Omit<NodeDescription, 'name' | 'children' | 'format'>> = {}): NodeDescription {
  return children === undefined ? { name, format: 'node', accessTypes: ['Get'], ...props } : { name, format: 'node', accessTypes: ['Get'], ...props, children };
}

/**
 * Check an MO description: known formats, access types and occurrences; N in
 * 2..65536 for ZeroOrN/OneOrN; leaves without children; unique child names and
 * at most one placeholder per parent; valid default ACLs; defaults only on leaves.
 * @throws MoDescriptionError
 */
export function validateMoDescription(mo: MoDescription): void {
  if (!/^\S+$/.test(mo.id)) throw new MoDescriptionError(mo.name, 'MO identifier must be a non-empty token');
  if (mo.location !== undefined && !mo.location.startsWith('./')) throw new MoDescriptionError(mo.name, 'location must start with ./');
  if (mo.location === undefined && !isPlaceholder(mo.root.name)) throw new MoDescriptionError(mo.name, 'an MO without a fixed location needs a placeholder root');
  check(mo.root, mo.root.name);
}

function check(d: NodeDescription, where: string): void {
  if (d.name === '' || d.name.includes('/')) throw new MoDescriptionError(where, `bad node name ${JSON.stringify(d.name)}`);
  if (!(DF_FORMATS as readonly string[]).includes(d.format)) throw new MoDescriptionError(where, `unknown format ${d.format}`);
  for (const a of d.accessTypes) if (!(ACCESS_TYPES as readonly AccessType[]).includes(a)) throw new MoDescriptionError(where, `unknown access type ${a}`);
  for (const a of d.descendantAccessTypes ?? []) if (!(ACCESS_TYPES as readonly AccessType[]).includes(a)) throw new MoDescriptionError(where, `unknown access type ${a}`);
  if (new Set(d.accessTypes).size !== d.accessTypes.length) throw new MoDescriptionError(where, 'duplicate access type');
  const occ = d.occurrence ?? 'One';
  if (!(OCCURRENCES as readonly string[]).includes(occ)) throw new MoDescriptionError(where, `unknown occurrence ${occ}`);
  const hasN = occ === 'ZeroOrN' || occ === 'OneOrN';
  if (hasN !== (d.maxOccurrence !== undefined)) throw new MoDescriptionError(where, 'maxOccurrence goes with ZeroOrN / OneOrN, and only with them');
  if (hasN && (!Number.isInteger(d.maxOccurrence) || d.maxOccurrence! < 2 || d.maxOccurrence! > 65536)) throw new MoDescriptionError(where, 'N must be 2..65536');
  if (d.acl !== undefined && !isValidAcl(d.acl)) throw new MoDescriptionError(where, `invalid ACL ${JSON.stringify(d.acl)}`);
  if (d.format !== 'node') {
    if (d.children !== undefined) throw new MoDescriptionError(where, 'a leaf cannot have children');
    if (d.descendantAccessTypes !== undefined) throw new MoDescriptionError(where, 'a leaf has no descendants');
    return;
  }
  if (d.defaultValue !== undefined) throw new MoDescriptionError(where, 'an interior node has no default value');
  const names = new Set<string>();
  let placeholders = 0;
  for (const c of d.children ?? []) {
    if (names.has(c.name)) throw new MoDescriptionError(`${where}/${c.name}`, 'duplicate child name');
    names.add(c.name);
    if (isPlaceholder(c.name) && ++placeholders > 1) throw new MoDescriptionError(`${where}/${c.name}`, 'more than one placeholder child');
    check(c, `${where}/${c.name}`);
  }
}

