/**
 * Persistence port of the DM tree.
 *
 * The tree never does I/O. Its owner saves `tree.snapshot()` through a
 * {@link TreeStore} (e.g. after each DM session, when `tree.revision` moved)
 * and builds the tree from `store.load()` at start. Implementations:
 * {@link InMemoryTreeStore} here, `FileTreeStore` (file-store.ts) for a
 * crash-safe file.
 */
import type { DmTreeOptions } from './engine.js';
import { DmTree } from './dm-tree.js';
import type { TreeSnapshot } from './snapshot.js';

/** Where a tree's snapshot is kept. */
export interface TreeStore {
  /** The last saved snapshot, or undefined when nothing was ever saved. @throws SnapshotCorruptError, TreeStoreError */
  load(): Promise<TreeSnapshot | undefined>;
  /** Replace the saved snapshot, atomically: a crash leaves the old or the new one. @throws TreeStoreError */
  save(snapshot: TreeSnapshot): Promise<void>;
}

/** A store in memory (tests, ephemeral devices). Keeps its own deep copy. */
export class InMemoryTreeStore implements TreeStore {
  private saved: string | undefined;

  /** @param initial a snapshot to start with. */
  constructor(initial?: TreeSnapshot) {
    this.saved = initial === undefined ? undefined : JSON.stringify(initial);
  }

  /** {@inheritDoc TreeStore.load} */
  async load(): Promise<TreeSnapshot | undefined> {
    return this.saved === undefined ? undefined : (JSON.parse(this.saved) as TreeSnapshot);
  }

  /** {@inheritDoc TreeStore.save} */
  async save(snapshot: TreeSnapshot): Promise<void> {
    this.saved = JSON.stringify(snapshot);
  }
}

/**
 * Load a tree from a store: the saved tree, or undefined when the store is
 * empty (the owner then builds the factory tree).
 * @throws SnapshotCorruptError (no partial tree is ever returned), TreeStoreError
 */
export async function loadTree(store: TreeStore, options: DmTreeOptions = {}, where = 'store'): Promise<DmTree | undefined> {
  const snap = await store.load();
  return snap === undefined ? undefined : DmTree.fromSnapshot(snap, options, where);
}
