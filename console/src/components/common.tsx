/** Small pieces shared by the pages. Everything from the server is rendered as text. */
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api.ts';

/** An error box that says what failed and why; never a blank page. */
export function ErrorBox({ error, what }: { error: unknown; what: string }) {
  const msg = error instanceof ApiError ? `${error.message} (HTTP ${error.status}, ${error.code}${error.field ? `, field ${error.field}` : ''})` : error instanceof Error ? error.message : String(error);
  return <div class="error" role="alert"><strong>{what} failed:</strong> {msg}</div>;
}

export function Loading({ what }: { what: string }) {
  return <p class="muted" role="status">Loading {what}…</p>;
}

/** A definition list of key/value pairs; nothing when empty. */
export function Pairs({ title, values }: { title: string; values: Record<string, string> | undefined }) {
  const entries = Object.entries(values ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return (
    <section class="card">
      <h3>{title}</h3>
      {entries.length === 0 ? <p class="muted">Not reported yet.</p> : (
        <dl class="pairs">
          {entries.map(([k, v]) => <><dt>{k}</dt><dd>{v}</dd></>)}
        </dl>
      )}
    </section>
  );
}

export function Badge({ kind, children }: { kind: string; children: ComponentChildren }) {
  return <span class={`badge badge-${kind}`}>{children}</span>;
}

/** A time as the operator's locale shows it, with the ISO form on hover. */
export function When({ at }: { at: string | undefined }) {
  if (!at) return <span class="muted">never</span>;
  const d = new Date(at);
  return <time dateTime={at} title={at}>{Number.isNaN(d.getTime()) ? at : d.toLocaleString()}</time>;
}

/** Operation and session states as badges. */
export function StateBadge({ state }: { state: string }) {
  const kind = ['succeeded', 'completed'].includes(state) ? 'ok' : ['failed', 'aborted', 'expired'].includes(state) ? 'bad' : ['cancelled'].includes(state) ? 'muted' : 'pending';
  return <Badge kind={kind}>{state}</Badge>;
}
