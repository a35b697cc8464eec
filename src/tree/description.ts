/**
 * DDF-like descriptions of management objects (shared/spec/oma-dm-facts.md §5.7):
 * the data the tree enforces on server commands, and that `src/mo` renders as
 * DDF XML and instantiates.
 *
 * A description is plain, shareable, immutable data. Every tree node created
 * from (or matched to) a description keeps a reference to it, so a thousand
 * trees share one copy of each MO's metadata.
 *
 * Enforcement on server commands (see dm-tree.ts):
 * - a command whose name is missing from the node's `accessTypes` → 405;
 * - Add/Replace with a Meta Format other than `format` → 415 (`b64` and `bin`
 *   are the same stored format);
 * - Add of a child that matches no child description (when `children` is
 *   given) → 405; beyond `maxOccurrence` → 420; Delete of the last of a
 *   required occurrence (One, OneOrMore, OneOrN) → 405;
 * - `scope: 'Permanent'` → Delete and rename → 405.
 *
 * Pure data and pure functions: no I/O.
 */

/** DDF AccessType values. */
export const ACCESS_TYPES = Object.freeze(['Add', 'Copy', 'Delete', 'Exec', 'Get', 'Replace'] as const);
/** One DDF AccessType value. */
export type AccessType = (typeof ACCESS_TYPES)[number];

/** DDF DFFormat / Meta Format values (§5.5). */
export const DF_FORMATS = Object.freeze(['b64', 'bin', 'bool', 'chr', 'int', 'node', 'null', 'xml', 'date', 'time', 'float'] as const);
/** One DFFormat value. */
export type DfFormat = (typeof DF_FORMATS)[number];

/** DDF Occurrence values; `ZeroOrN` / `OneOrN` take their N from `maxOccurrence`. */
export const OCCURRENCES = Object.freeze(['One', 'ZeroOrOne', 'ZeroOrMore', 'OneOrMore', 'ZeroOrN', 'OneOrN'] as const);
/** One Occurrence value. */
export type Occurrence = (typeof OCCURRENCES)[number];

/** The description of one node of a management object (DDF `Node` + `DFProperties`). */
export interface NodeDescription {
  /** Node name, or a placeholder in angle brackets (`<x>`) for a name chosen at creation (an empty DDF NodeName). */
  readonly name: string;
  /** DFFormat. `node` for an interior node. */
  readonly format: DfFormat;
  /** Commands allowed on this node (DDF AccessType). */
  readonly accessTypes: readonly AccessType[];
  /** How many such nodes a parent may hold. Default `One`. */
  readonly occurrence?: Occurrence;
  /** N of `ZeroOrN` / `OneOrN` (2..65536). */
  readonly maxOccurrence?: number;
  /** `Permanent` nodes cannot be deleted or renamed by a server. Default `Dynamic`. */
  readonly scope?: 'Permanent' | 'Dynamic';
  /** DDF DefaultValue: the value a leaf gets when instantiated without one. */
  readonly defaultValue?: string;
  /** DDF Description: human-readable text. */
  readonly description?: string;
  /** DDF DFTitle. */
  readonly title?: string;
  /** DDF DFType: a MIME type for a leaf (default `text/plain`), a DDFName (MO identifier, may be '') for an interior node. */
  readonly dfType?: string;
  /** DDF CaseSense. Informative: dmvisor trees are always case-sensitive. */
  readonly caseSense?: 'CS' | 'CIS';
  /** ACL given to the node when the MO is instantiated by the tree owner ('' or absent: inherit). */
  readonly acl?: string;
  /**
   * Child descriptions of an interior node. When given, a server may only add
   * children that match one (by name, else a placeholder). When absent, the
   * subtree is open: any children, with no description of their own.
   */
  readonly children?: readonly NodeDescription[];
  /**
   * Access types of the undescribed nodes of an open subtree below this node
   * (e.g. `./Inbox`: Add only, so Get anywhere below → 405). Absent: no constraint.
   */
  readonly descendantAccessTypes?: readonly AccessType[];
}

/** A management object: the description of its root node plus identification. */
export interface MoDescription {
  /** MO identifier (DDF DFType DDFName of the MO root), e.g. `urn:oma:mo:oma-dm-devinfo:1.0`. */
  readonly id: string;
  /** Short name for registries and the CLI, e.g. `DevInfo`. */
  readonly name: string;
  /** Where the MO root lives when the spec fixes it (`./DevInfo`); absent when the device chooses (placeholder root). */
  readonly location?: string;
  /** DDF `Man` / `Mod` of the description document. */
  readonly man?: string;
  readonly mod?: string;
  /** Free text about the MO (docs, CLI). */
  readonly description?: string;
  /** The MO root node. */
  readonly root: NodeDescription;
}

/** True for a placeholder name such as `<x>`. */
export function isPlaceholder(name: string): boolean {
  return name.length >= 3 && name.startsWith('<') && name.endsWith('>');
}

/** The description matching child `name` of a node described by `parent`: a literal name first, then a placeholder. */
export function findChildDescription(parent: NodeDescription, name: string): NodeDescription | undefined {
  const children = parent.children;
  if (!children) return undefined;
  let placeholder: NodeDescription | undefined;
  for (const c of children) {
    if (c.name === name) return c;
    if (placeholder === undefined && isPlaceholder(c.name)) placeholder = c;
  }
  return placeholder;
}

/** Smallest number of nodes a parent must hold for this occurrence. */
export function minOccurrence(desc: NodeDescription): number {
  const o = desc.occurrence ?? 'One';
  return o === 'One' || o === 'OneOrMore' || o === 'OneOrN' ? 1 : 0;
}

/** Largest number of nodes a parent may hold for this description (Infinity when unbounded). */
export function maxOccurrence(desc: NodeDescription): number {
  switch (desc.occurrence ?? 'One') {
    case 'One': case 'ZeroOrOne': return 1;
    case 'ZeroOrMore': case 'OneOrMore': return Infinity;
    default: return desc.maxOccurrence ?? Infinity;
  }
}

/** Canonical stored form of a Meta/DF format: lower case, `b64` stored as `bin` (§1.6: the node's Format is `bin` regardless). */
export function storedFormat(format: string): string {
  const f = format.trim().toLowerCase();
  return f === 'b64' ? 'bin' : f;
}
