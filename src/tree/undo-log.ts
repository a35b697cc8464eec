/**
 * The undo log behind Atomic and behind every multi-step command.
 *
 * Copy-on-first-write: before the tree changes a node it calls
 * {@link UndoLog.record}, which saves the node's whole state (fields and the
 * list of its children) the first time the node is touched in the current
 * segment. Rolling back puts saved states back in reverse order, which
 * restores values, properties, ACLs, TStamps, VerNos, child order and
 * parent links exactly. Nodes created after the save simply become
 * unreachable when their parent's child list is restored.
 *
 * Segments: {@link UndoLog.mark} starts a new one (so a failed command inside
 * an open Atomic can be undone alone, leaving the Atomic's earlier commands in
 * place). Effects outside the tree (a provider's `write`, an Exec) are
 * recorded as closures, or as irreversible when there is no way back — then
 * rollback still undoes everything else but reports `false` (→ status 516).
 */
import { restoreState, saveState, type NodeState, type TreeNode } from './node.js';

type Entry =
  | { readonly kind: 'node'; readonly node: TreeNode; readonly state: NodeState }
  | { readonly kind: 'undo'; readonly undo: () => void }
  | { readonly kind: 'irreversible'; readonly what: string };

/** Undo records of one open transaction (an Atomic, or one command). */
export class UndoLog {
  private readonly entries: Entry[] = [];
  private seen = new Set<TreeNode>();

  /** Save `node`'s state unless already saved in this segment. */
  record(node: TreeNode): void {
    if (this.seen.has(node)) return;
    this.seen.add(node);
    this.entries.push({ kind: 'node', node, state: saveState(node) });
  }

  /** Record how to undo an effect outside the tree's nodes. */
  push(undo: () => void): void {
    this.entries.push({ kind: 'undo', undo });
  }

  /** Record an effect that cannot be undone. */
  irreversible(what: string): void {
    this.entries.push({ kind: 'irreversible', what });
  }

  /** Start a segment; returns the position to roll back to. */
  mark(): number {
    this.seen = new Set();
    return this.entries.length;
  }

  /**
   * Undo everything recorded after `mark` (default: everything), newest
   * first. Returns false if some effect could not be undone.
   */
  rollbackTo(mark = 0): boolean {
    let exact = true;
    while (this.entries.length > mark) {
      const e = this.entries.pop()!;
      if (e.kind === 'node') restoreState(e.node, e.state);
      else if (e.kind === 'undo') {
        try { e.undo(); } catch { exact = false; }
      } else exact = false;
    }
    this.seen = new Set();
    return exact;
  }

  /** Number of records (for tests and diagnostics). */
  get size(): number {
    return this.entries.length;
  }
}
