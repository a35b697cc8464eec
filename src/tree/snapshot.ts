/**
 * Tree snapshots: the persistent form of a DM tree, plain JSON-able data.
 *
 * What is kept: names, formats, types, values (binary as base64), ACLs,
 * titles, TStamps, VerNos, permanence, and the MO identifier of each
 * instantiated MO root (so descriptions are re-bound on load through
 * `DmTreeOptions.resolveMo`). What is not: value providers and Exec handlers
 * (code — the owner attaches them again after loading) and queued Generic
 * Alerts.
 *
 * Loading validates everything before building anything and throws
 * {@link SnapshotCorruptError} on the first problem: a snapshot gives a whole
 * tree or none.
 *
 * Pure: no I/O.
 */
import { isValidAcl } from './acl.js';
import { findChildDescription, type NodeDescription } from './description.js';
import { SnapshotCorruptError } from './errors.js';
import { bindDescriptions, TreeNode } from './node.js';
import { badNodeName } from './uri.js';

/** Identifies the snapshot format. */
export const SNAPSHOT_FORMAT = 'dmvisor-tree';
/** The snapshot version this code writes and reads. */
export const SNAPSHOT_VERSION = 1;

/** One node in a snapshot. Optional fields are absent when they hold their default. */
export interface SnapshotNode {
  readonly name: string;
  /** `node` for interior nodes. */
  readonly format: string;
  readonly type?: string;
  readonly acl?: string;
  readonly title?: string;
  /** TStamp, ms since the epoch. */
  readonly tstamp: number;
  readonly verNo?: number;
  /** Text value. */
  readonly value?: string;
  /** Binary value, base64. */
  readonly valueBase64?: string;
  readonly permanent?: true;
  /** MO identifier, on instantiated MO roots. */
  readonly mo?: string;
  /** Children of an interior node, in order. */
  readonly children?: readonly SnapshotNode[];
}

/** A whole tree. */
export interface TreeSnapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly version: typeof SNAPSHOT_VERSION;
  readonly root: SnapshotNode;
}

/** Snapshot of the tree rooted at `root`. */
export function takeSnapshot(root: TreeNode): TreeSnapshot {
  const conv = (n: TreeNode): SnapshotNode => {
    const s: { -readonly [K in keyof SnapshotNode]: SnapshotNode[K] } = { name: n.name, format: n.format, tstamp: n.tstamp };
    if (n.type !== '') s.type = n.type;
    if (n.acl !== '') s.acl = n.acl;
    if (n.title !== undefined) s.title = n.title;
    if (n.verNo !== 0) s.verNo = n.verNo;
    if (typeof n.value === 'string') s.value = n.value;
    else if (n.value instanceof Uint8Array) s.valueBase64 = Buffer.from(n.value).toString('base64');
    if (n.permanent) s.permanent = true;
    if (n.moId !== undefined) s.mo = n.moId;
    if (n.children) s.children = [...n.children.values()].map(conv);
    return s;
  };
  return { format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, root: conv(root) };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Build a tree from a snapshot (any parsed JSON). `where` names the source in
 * errors; `resolveMo` re-binds MO descriptions.
 * @throws SnapshotCorruptError
 */
export function restoreSnapshot(input: unknown, where: string, resolveMo?: (moId: string) => NodeDescription | undefined): TreeNode {
  const fail = (path: string, reason: string): never => { throw new SnapshotCorruptError(`${where}: ${path}`, reason); };
  if (!isRecord(input)) fail('$', 'not an object');
  const snap = input as Record<string, unknown>;
  if (snap.format !== SNAPSHOT_FORMAT) fail('$.format', `expected ${JSON.stringify(SNAPSHOT_FORMAT)}`);
  if (snap.version !== SNAPSHOT_VERSION) fail('$.version', `unsupported version ${JSON.stringify(snap.version)}`);
  const moRoots: TreeNode[] = [];
  const build = (raw: unknown, parent: TreeNode | null, path: string): TreeNode => {
    if (!isRecord(raw)) return fail(path, 'node is not an object');
    const r = raw as Record<string, unknown>;
    const str = (k: string, optional: boolean): string | undefined => {
      const v = r[k];
      if (v === undefined && optional) return undefined;
      if (typeof v !== 'string') return fail(`${path}.${k}`, 'not a string');
      return v;
    };
    const name = str('name', false)!;
    if (parent === null ? name !== '' : badNodeName(name) !== undefined) fail(`${path}.name`, `bad node name ${JSON.stringify(name)}`);
    const format = str('format', false)!;
    const children = r.children;
    const interior = format === 'node';
    if (interior !== Array.isArray(children)) fail(path, 'interior nodes (format node) and only they have children');
    if (parent === null && !interior) fail(path, 'the root is not interior');
    const tstamp = r.tstamp;
    if (typeof tstamp !== 'number' || !Number.isFinite(tstamp)) fail(`${path}.tstamp`, 'not a number');
    const verNo = r.verNo ?? 0;
    if (typeof verNo !== 'number' || !Number.isInteger(verNo) || verNo < 0 || verNo > 0xffff) fail(`${path}.verNo`, 'not a 16-bit integer');
    const n = new TreeNode(name, parent, interior, format, str('type', true) ?? '', tstamp as number);
    n.verNo = verNo as number;
    const acl = str('acl', true) ?? '';
    if (!isValidAcl(acl)) fail(`${path}.acl`, 'not a valid ACL');
    if (parent === null && acl === '') fail(`${path}.acl`, 'the root ACL is empty');
    n.acl = acl;
    n.title = str('title', true);
    const value = str('value', true);
    const b64 = str('valueBase64', true);
    if (value !== undefined && b64 !== undefined) fail(path, 'both value and valueBase64');
    if ((value !== undefined || b64 !== undefined) && interior) fail(path, 'an interior node with a value');
    if (b64 !== undefined && !BASE64.test(b64)) fail(`${path}.valueBase64`, 'not base64');
    n.value = b64 !== undefined ? new Uint8Array(Buffer.from(b64, 'base64')) : value;
    if (r.permanent !== undefined && r.permanent !== true) fail(`${path}.permanent`, 'not true');
    n.permanent = r.permanent === true || parent === null;
    n.moId = str('mo', true);
    if (n.moId !== undefined) moRoots.push(n);
    if (interior) {
      (children as unknown[]).forEach((c, i) => {
        const child = build(c, n, `${path}.children[${i}]`);
        if (n.children!.has(child.name)) fail(`${path}.children[${i}]`, `duplicate name ${JSON.stringify(child.name)}`);
        n.children!.set(child.name, child);
      });
    }
    return n;
  };
  const root = build(snap.root, null, '$.root');
  if (resolveMo) {
    for (const m of moRoots) {
      const desc = resolveMo(m.moId!);
      if (desc) bindDescriptions(m, desc, findChildDescription);
    }
  }
  return root;
}

function isRecord(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
