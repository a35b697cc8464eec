/** Small live charts from /metrics, scraped every few seconds while shown. */
import { useEffect, useState } from 'preact/hooks';
import type { AdminApi } from '../api.ts';
import { snapshot, rates, sparkline, type MetricsSnapshot } from '../lib/prometheus.ts';

const KEEP = 60;

export function Charts({ api, large = false }: { api: AdminApi; large?: boolean }) {
  const [snaps, setSnaps] = useState<MetricsSnapshot[]>([]);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let stopped = false;
    const scrape = async () => {
      try {
        const s = snapshot(await api.metricsText(), Date.now());
        if (!stopped) { setSnaps((list) => [...list, s].slice(-KEEP)); setError(undefined); }
      } catch (e) {
        if (!stopped) setError(e instanceof Error ? e.message : String(e));
      }
    };
    void scrape();
    const t = setInterval(() => void scrape(), large ? 2000 : 5000);
    return () => { stopped = true; clearInterval(t); };
  }, [api, large]);

  const series = rates(snaps);
  const last = snaps[snaps.length - 1];
  const w = large ? 420 : 200;
  const h = large ? 90 : 40;
  const ops = Object.entries(last?.operationsByState ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  const maxOps = Math.max(1, ...ops.map(([, v]) => v));
  const sps = series.map((p) => p.sessionsPerSecond);
  const af = series.map((p) => p.authFailures);
  return (
    <section class={`charts ${large ? 'charts-large' : ''}`} aria-label="Server metrics">
      {large && <h1>Metrics</h1>}
      {error && <p class="error" role="alert">Metrics unavailable: {error}</p>}
      <figure class="chart">
        <figcaption>Sessions per second <strong>{(sps[sps.length - 1] ?? 0).toFixed(2)}</strong></figcaption>
        <svg viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={`Sessions per second over the last ${sps.length} samples; latest ${(sps[sps.length - 1] ?? 0).toFixed(2)}`}>
          <rect x="0" y="0" width={w} height={h} class="chart-bg" />
          <polyline points={sparkline(sps, w, h - 2)} class="line line-sessions" />
        </svg>
      </figure>
      <figure class="chart">
        <figcaption>Auth failures per interval <strong>{last ? last.authFailures : 0}</strong> total</figcaption>
        <svg viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={`Authentication failures per scrape interval; ${last ? last.authFailures : 0} since the server started`}>
          <rect x="0" y="0" width={w} height={h} class="chart-bg" />
          <polyline points={sparkline(af, w, h - 2)} class="line line-auth" />
        </svg>
      </figure>
      <figure class="chart">
        <figcaption>Operations by state (since start)</figcaption>
        {ops.length === 0 ? <p class="muted small">none yet</p> : (
          <svg viewBox={`0 0 ${w} ${ops.length * 16}`} width={w} height={ops.length * 16} role="img" aria-label={ops.map(([k, v]) => `${k} ${v}`).join(', ')}>
            {ops.map(([state, v], i) => (
              <g key={state}>
                <text x="0" y={i * 16 + 12} class="bar-label">{state}</text>
                <rect x="80" y={i * 16 + 3} height="10" width={Math.max(1, ((w - 120) * v) / maxOps)} class={`bar bar-${state}`} />
                <text x={84 + ((w - 120) * v) / maxOps} y={i * 16 + 12} class="bar-label">{v}</text>
              </g>
            ))}
          </svg>
        )}
      </figure>
      {large && last && <p>Sessions open now: {last.openSessions}. Sessions ended since start: {last.sessions}.</p>}
    </section>
  );
}
