/**
 * Render an MO description as a DDF document (DM DDF DTD 1.2 vocabulary,
 * shared/spec/oma-dm-facts.md §5.7) — what `dmvisor tree ddf <mo>` prints.
 *
 * ```
 * MgmtTree     = VerDTD, Man?, Mod?, Node+
 * Node         = NodeName, Path?, DFProperties, Node*
 * DFProperties = AccessType, DefaultValue?, Description?, DFFormat,
 *                Occurrence?, Scope?, DFTitle?, DFType, CaseSense?
 * ```
 * A placeholder (`<x>`) is written as an empty NodeName, its placeholder text
 * going to DFTitle when the description has no title. The MO root's `Path` is
 * the parent of the MO's location (`.` for `./DevInfo`); a placeholder root has
 * no Path. Leaves' DFType is `MIME` (default `text/plain`), interior nodes'
 * `DDFName` (may be empty). Occurrence and Scope are always written.
 *
 * Pure: no I/O.
 */
import { escapeXmlText } from '../syncml/xml-encoder.js';
import { isPlaceholder, type MoDescription, type NodeDescription } from '../tree/description.js';

/** Options of {@link renderDdfXml}. */
export interface DdfRenderOptions {
  /** DDF `Man`; default `mo.man`, else `dmvisor`. */
  man?: string;
  /** DDF `Mod`; default `mo.mod`, else omitted. */
  mod?: string;
  /** Spaces per nesting level; default 2. */
  indent?: number;
  /** Write the XML declaration and DOCTYPE line. Default true. */
  prolog?: boolean;
}

/** The DDF 1.2 formal public identifier. */
export const DDF_PUBLIC_ID = '-//OMA//DTD-DM-DDF 1.2//EN';
/** The DDF 1.2 DTD location. */
export const DDF_SYSTEM_ID = 'http://www.openmobilealliance.org/tech/DTD/DM_DDF-V1_2.dtd';

/** See the module comment. */
export function renderDdfXml(mo: MoDescription, options: DdfRenderOptions = {}): string {
  const step = ' '.repeat(options.indent ?? 2);
  const lines: string[] = [];
  if (options.prolog ?? true) {
    lines.push('<?xml version="1.0" encoding="UTF-8"?>');
    lines.push(`<!DOCTYPE MgmtTree PUBLIC "${DDF_PUBLIC_ID}" "${DDF_SYSTEM_ID}">`);
  }
  const text = (depth: number, name: string, value: string): void => {
    lines.push(value === '' ? `${step.repeat(depth)}<${name}/>` : `${step.repeat(depth)}<${name}>${escapeXmlText(value)}</${name}>`);
  };
  const wrap = (depth: number, name: string, inner: string): void => {
    lines.push(`${step.repeat(depth)}<${name}>${inner}</${name}>`);
  };
  lines.push('<MgmtTree xmlns="syncml:dmddf1.2">');
  text(1, 'VerDTD', '1.2');
  text(1, 'Man', options.man ?? mo.man ?? 'dmvisor');
  const mod = options.mod ?? mo.mod;
  if (mod !== undefined) text(1, 'Mod', mod);
  const node = (d: NodeDescription, depth: number, path: string | undefined): void => {
    const pad = step.repeat(depth);
    const placeholder = isPlaceholder(d.name);
    lines.push(`${pad}<Node>`);
    text(depth + 1, 'NodeName', placeholder ? '' : d.name);
    if (path !== undefined) text(depth + 1, 'Path', path);
    lines.push(`${pad}${step}<DFProperties>`);
    const p = depth + 2;
    wrap(p, 'AccessType', d.accessTypes.map((a) => `<${a}/>`).join(''));
    if (d.defaultValue !== undefined) text(p, 'DefaultValue', d.defaultValue);
    if (d.description !== undefined) text(p, 'Description', d.description);
    wrap(p, 'DFFormat', `<${d.format}/>`);
    const occ = d.occurrence ?? 'One';
    wrap(p, 'Occurrence', occ === 'ZeroOrN' || occ === 'OneOrN' ? `<${occ}>${d.maxOccurrence}</${occ}>` : `<${occ}/>`);
    wrap(p, 'Scope', `<${d.scope ?? 'Dynamic'}/>`);
    const title = d.title ?? (placeholder ? d.name : undefined);
    if (title !== undefined) text(p, 'DFTitle', title);
    const dfType = d.dfType ?? (d.format === 'node' ? '' : 'text/plain');
    const typeEl = d.format === 'node' ? 'DDFName' : 'MIME';
    wrap(p, 'DFType', dfType === '' ? `<${typeEl}/>` : `<${typeEl}>${escapeXmlText(dfType)}</${typeEl}>`);
    if (d.caseSense !== undefined) wrap(p, 'CaseSense', `<${d.caseSense}/>`);
    lines.push(`${pad}${step}</DFProperties>`);
    for (const c of d.children ?? []) node(c, depth + 1, undefined);
    lines.push(`${pad}</Node>`);
  };
  const loc = mo.location;
  node(mo.root, 1, loc === undefined ? undefined : loc.lastIndexOf('/') <= 1 ? '.' : loc.slice(0, loc.lastIndexOf('/')));
  lines.push('</MgmtTree>');
  return lines.join('\n') + '\n';
}
