/**
 * The last-known DM tree as an ARIA tree: arrow keys move and open/close,
 * Enter/Space selects. The selected node's properties sit beside it with
 * "Refresh this subtree" (queues a Get).
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import type { TreeNode } from '../types.ts';
import { buildTree, visibleUris, parentUri, refreshTarget, type TreeItem } from '../lib/tree.ts';
import { When } from './common.tsx';

export function TreeView({ nodes, onRefresh, canNotify }: { nodes: TreeNode[]; onRefresh: (uri: string, notify: boolean) => Promise<boolean>; canNotify: boolean }) {
  const root = useMemo(() => buildTree(nodes), [nodes]);
  const index = useMemo(() => {
    const m = new Map<string, TreeItem>();
    const walk = (t: TreeItem) => { m.set(t.uri, t); t.children.forEach(walk); };
    walk(root);
    return m;
  }, [root]);
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set(['.', ...root.children.map((c) => c.uri)]));
  const [selected, setSelected] = useState('.');
  const [focused, setFocused] = useState('.');
  const [notifyNow, setNotifyNow] = useState(false);
  const [busy, setBusy] = useState(false);
  const treeRef = useRef<HTMLUListElement>(null);
  const order = visibleUris(root, expanded);

  const focus = (uri: string) => {
    setFocused(uri);
    requestAnimationFrame(() => treeRef.current?.querySelector<HTMLElement>(`[data-uri="${CSS.escape(uri)}"]`)?.focus());
  };
  const toggle = (uri: string, open?: boolean) => {
    const next = new Set(expanded);
    if (open ?? !next.has(uri)) next.add(uri); else next.delete(uri);
    setExpanded(next);
  };
  const onKey = (e: KeyboardEvent, item: TreeItem) => {
    const i = order.indexOf(item.uri);
    switch (e.key) {
      case 'ArrowDown': if (i + 1 < order.length) focus(order[i + 1]); break;
      case 'ArrowUp': if (i > 0) focus(order[i - 1]); break;
      case 'ArrowRight':
        if (item.children.length > 0 && !expanded.has(item.uri)) toggle(item.uri, true);
        else if (item.children.length > 0) focus(item.children[0].uri);
        break;
      case 'ArrowLeft': {
        if (expanded.has(item.uri) && item.children.length > 0) toggle(item.uri, false);
        else { const p = parentUri(item.uri); if (p) focus(p); }
        break;
      }
      case 'Home': focus(order[0]); break;
      case 'End': focus(order[order.length - 1]); break;
      case 'Enter': case ' ': setSelected(item.uri); break;
      default: return;
    }
    e.preventDefault();
  };
  const render = (t: TreeItem, level: number) => {
    const open = expanded.has(t.uri);
    return (
      <li key={t.uri} role="none">
        <div
          role="treeitem" data-uri={t.uri} aria-level={level} aria-selected={selected === t.uri}
          aria-expanded={t.children.length > 0 ? open : undefined} tabIndex={focused === t.uri ? 0 : -1}
          class={`tree-item ${selected === t.uri ? 'selected' : ''}`}
          onClick={() => { setSelected(t.uri); setFocused(t.uri); if (t.children.length > 0) toggle(t.uri); }}
          onKeyDown={(e) => onKey(e, t)}
        >
          <span class="twisty" aria-hidden="true">{t.children.length > 0 ? (open ? '▾' : '▸') : '·'}</span>
          <span class="node-name">{t.name}</span>
          {t.node?.value !== undefined && <span class="node-value"> = {t.node.value.length > 60 ? t.node.value.slice(0, 60) + '…' : t.node.value}</span>}
        </div>
        {open && t.children.length > 0 && <ul role="group">{t.children.map((c) => render(c, level + 1))}</ul>}
      </li>
    );
  };
  const sel = index.get(selected) ?? root;
  const refresh = async () => { setBusy(true); try { await onRefresh(refreshTarget(sel), notifyNow); } finally { setBusy(false); } };
  return (
    <div class="tree-layout">
      <div class="card tree-box">
        {nodes.length === 0 && <p class="muted">Nothing read from this device yet: select <code>.</code> and refresh, or queue a Get.</p>}
        <ul role="tree" aria-label="DM tree" ref={treeRef} class="tree">{render(root, 1)}</ul>
      </div>
      <section class="card props" aria-label="Selected node">
        <h3><code>{sel.uri}</code></h3>
        <dl class="pairs">
          <dt>Value</dt><dd class="value">{sel.node?.value ?? <span class="muted">{sel.children.length > 0 ? 'interior node' : 'not read'}</span>}</dd>
          <dt>Format</dt><dd>{sel.node?.format ?? '—'}</dd>
          <dt>Type</dt><dd>{sel.node?.type ?? '—'}</dd>
          <dt>Children</dt><dd>{sel.children.length}</dd>
          <dt>Read</dt><dd>{sel.node ? <When at={sel.node.updatedAt} /> : '—'}</dd>
        </dl>
        <div class="actions">
          <button type="button" onClick={() => void refresh()} disabled={busy}>Refresh this subtree</button>
          <label class="inline"><input type="checkbox" checked={notifyNow} disabled={!canNotify} onChange={(e) => setNotifyNow((e.target as HTMLInputElement).checked)} /> notify the device now</label>
        </div>
        <p class="muted small">Queues a Get of <code>{refreshTarget(sel)}</code>; the new values show after the device's next session.</p>
      </section>
    </div>
  );
}
