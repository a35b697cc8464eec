/** A session trace: every message decoded and laid out, auth steps and statuses highlighted, raw bytes on demand. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { AdminApi } from '../api.ts';
import type { SessionWithMessages, TraceMessage } from '../types.ts';
import { routeHash } from '../lib/route.ts';
import { prettyXml, classifyLines, authSteps, base64Bytes, hexDump } from '../lib/trace.ts';
import { ErrorBox, Loading, When, StateBadge } from './common.tsx';

export function SessionPage({ api, id }: { api: AdminApi; id: string }) {
  const [session, setSession] = useState<SessionWithMessages | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    api.session(id).then(setSession, setError);
  }, [api, id]);
  if (error !== undefined) return <><h1>Session</h1><ErrorBox error={error} what="Loading the session" /></>;
  if (!session) return <Loading what="the session trace" />;
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb"><a href="#/">Fleet</a> › <a href={routeHash({ page: 'device', devId: session.devId })}>{session.devId}</a> › <span aria-current="page">session</span></nav>
      <h1>Session trace</h1>
      <dl class="pairs card">
        <dt>Device</dt><dd>{session.devId}</dd>
        <dt>State</dt><dd><StateBadge state={session.state} />{session.reason && ` ${session.reason}`}</dd>
        <dt>Initiator</dt><dd>{session.initiator}</dd>
        <dt>SyncML SessionID</dt><dd>{session.dmSessionId ?? '—'}</dd>
        <dt>Started</dt><dd><When at={session.startedAt} /></dd>
        <dt>Ended</dt><dd><When at={session.endedAt} /></dd>
        <dt>Messages</dt><dd>{session.messageCount}</dd>
      </dl>
      <AuthSummary messages={session.messages} />
      {session.messages.length === 0 && <p class="muted">No message bodies are kept for this session (trace retention or <code>--trace none</code>).</p>}
      <ol class="trace">
        {session.messages.map((m) => <Message key={m.seq} m={m} />)}
      </ol>
    </>
  );
}

function Message({ m }: { m: TraceMessage }) {
  const [raw, setRaw] = useState(false);
  const pretty = useMemo(() => (m.decoded ? prettyXml(m.decoded) : undefined), [m.decoded]);
  const lines = useMemo(() => (pretty ? classifyLines(pretty) : []), [pretty]);
  const steps = useMemo(() => (pretty ? authSteps(pretty) : []), [pretty]);
  const rawText = useMemo(() => (raw && m.bytes ? hexDump(base64Bytes(m.bytes)) : ''), [raw, m.bytes]);
  const rawId = `raw-${m.seq}`;
  return (
    <li class={`card msg msg-${m.direction}`} aria-label={`Message ${m.seq}`}>
      <div class="msg-head">
        <strong>{m.direction === 'in' ? 'Device → server' : 'Server → device'}</strong>
        <span class="badge badge-muted">{m.encoding === 'wbxml' ? 'WBXML (shown decoded)' : m.encoding.toUpperCase()}</span>
        <span class="muted small">{m.size} bytes{m.truncated ? ' (truncated)' : ''} · <When at={m.at} /></span>
        {steps.map((s, i) => <span key={i} class={`badge ${s.kind === 'header-status' ? (s.ok ? 'badge-ok' : 'badge-bad') : 'badge-auth'}`}>{s.detail}</span>)}
      </div>
      {m.error && <p class="error" role="alert">Could not be handled: {m.error}</p>}
      {pretty !== undefined ? (
        <pre class="xml" tabIndex={0} aria-label={`Message ${m.seq} decoded`}>{lines.map((l, i) => <span key={i} class={`ln ln-${l.kind}`}>{l.text + '\n'}</span>)}</pre>
      ) : <p class="muted">No decoded form kept.</p>}
      {m.bytes && (
        <>
          <button type="button" class="small" aria-expanded={raw} aria-controls={rawId} onClick={() => setRaw(!raw)}>{raw ? 'Hide raw bytes' : 'Show raw bytes'}</button>
          {raw && <pre id={rawId} class="hex" tabIndex={0}>{rawText}</pre>}
        </>
      )}
    </li>
  );
}

/** The session's authentication at a glance: each message's credentials, SyncHdr status and challenge. */
function AuthSummary({ messages }: { messages: TraceMessage[] }) {
  const rows = messages.map((m) => ({ m, steps: m.decoded ? authSteps(prettyXml(m.decoded)) : [] })).filter((r) => r.steps.length > 0);
  if (rows.length === 0) return null;
  return (
    <section class="card" aria-labelledby="auth-h">
      <h2 id="auth-h">Authentication</h2>
      <ol class="auth-steps">
        {rows.map(({ m, steps }) => (
          <li key={m.seq}>
            Message {m.seq} ({m.direction === 'in' ? 'device → server' : 'server → device'}):{' '}
            {steps.map((s, i) => <span key={i} class={`badge ${s.kind === 'header-status' ? (s.ok ? 'badge-ok' : 'badge-bad') : 'badge-auth'}`}>{s.detail}</span>)}
          </li>
        ))}
      </ol>
    </section>
  );
}
