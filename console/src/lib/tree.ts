/**
 * The last-known DM tree as nested nodes, from the flat list of URIs the API
 * returns. Interior nodes missing from the list (never read themselves) are
 * filled in so every leaf has a path to the root.
 */
import type { TreeNode } from '../types.ts';

export interface TreeItem {
  /** Absolute URI, e.g. `./DevDetail/FwV`. */
  uri: string;
  name: string;
  node?: TreeNode;
  children: TreeItem[];
}

/** Split `./A/B` into `['.', 'A', 'B']`; tolerates a missing `./`. */
export function uriSegments(uri: string): string[] {
  const parts = uri.split('/').filter((p) => p !== '');
  return parts[0] === '.' ? parts : ['.', ...parts];
}

/** Build the tree rooted at `.`; children sorted by name. */
export function buildTree(nodes: readonly TreeNode[]): TreeItem {
  const root: TreeItem = { uri: '.', name: '.', children: [] };
  const index = new Map<string, TreeItem>([['.', root]]);
  for (const n of nodes) {
    const segs = uriSegments(n.uri);
    let parent = root;
    for (let i = 1; i < segs.length; i++) {
      const uri = segs.slice(0, i + 1).join('/');
      let item = index.get(uri);
      if (!item) {
        item = { uri, name: segs[i], children: [] };
        index.set(uri, item);
        parent.children.push(item);
      }
      parent = item;
    }
    parent.node = n;
  }
  const sort = (t: TreeItem) => { t.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); t.children.forEach(sort); };
  sort(root);
  return root;
}

/** The URIs in display order, honouring which are expanded (keyboard navigation walks this list). */
export function visibleUris(root: TreeItem, expanded: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const walk = (t: TreeItem) => {
    out.push(t.uri);
    if (expanded.has(t.uri)) t.children.forEach(walk);
  };
  walk(root);
  return out;
}

/** The parent URI of `uri`, or undefined for the root. */
export function parentUri(uri: string): string | undefined {
  const segs = uriSegments(uri);
  return segs.length <= 1 ? undefined : segs.slice(0, -1).join('/');
}

/**
 * What "refresh this subtree" asks for: a leaf's value, or an interior
 * node's whole subtree with values (`?list=StructData`, DM 1.2 Get).
 */
export function refreshTarget(item: TreeItem): string {
  const interior = item.children.length > 0 || item.node?.format === 'node' || item.uri === '.';
  return interior ? `${item.uri}?list=StructData` : item.uri;
}
