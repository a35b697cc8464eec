/**
 * Reading the server's /metrics (Prometheus text format 0.0.4) in the
 * browser, and turning successive scrapes into the console's chart series.
 */

/** One sample: metric name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parse the exposition text; comment lines and malformed lines are skipped. */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/.exec(line);
    if (!m) continue;
    const value = parseValue(m[4]);
    if (value === undefined) continue;
    out.push({ name: m[1], labels: m[3] ? parseLabels(m[3]) : {}, value });
  }
  return out;
}

function parseValue(s: string): number | undefined {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  const n = Number(s);
  return Number.isNaN(n) ? undefined : n;
}

function parseLabels(s: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    labels[m[1]] = m[2].replace(/\\(.)/g, (_all, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** Sum of a metric's samples, optionally only those whose labels match. */
export function total(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(where).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

/** A metric's values by one label. */
export function byLabel(samples: readonly Sample[], name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== name) continue;
    const k = s.labels[label] ?? '';
    out[k] = (out[k] ?? 0) + s.value;
  }
  return out;
}

/** What one scrape says, reduced to the counters the charts use. */
export interface MetricsSnapshot {
  /** Milliseconds (the browser's clock at the scrape). */
  at: number;
  sessions: number;
  authFailures: number;
  operationsByState: Record<string, number>;
  openSessions: number;
}

export function snapshot(text: string, at: number): MetricsSnapshot {
  const s = parsePrometheus(text);
  return {
    at,
    sessions: total(s, 'dmvisor_sessions_total'),
    authFailures: total(s, 'dmvisor_auth_failures_total'),
    operationsByState: byLabel(s, 'dmvisor_operations_total', 'state'),
    openSessions: total(s, 'dmvisor_open_sessions'),
  };
}

/** A point of a rate series. */
export interface RatePoint {
  at: number;
  sessionsPerSecond: number;
  authFailures: number;
}

/**
 * Rates between consecutive snapshots. A counter that went down means the
 * server restarted: that interval counts from zero.
 */
export function rates(snaps: readonly MetricsSnapshot[]): RatePoint[] {
  const out: RatePoint[] = [];
  for (let i = 1; i < snaps.length; i++) {
    const a = snaps[i - 1];
    const b = snaps[i];
    const dt = (b.at - a.at) / 1000;
    if (dt <= 0) continue;
    const ds = b.sessions >= a.sessions ? b.sessions - a.sessions : b.sessions;
    const df = b.authFailures >= a.authFailures ? b.authFailures - a.authFailures : b.authFailures;
    out.push({ at: b.at, sessionsPerSecond: ds / dt, authFailures: df });
  }
  return out;
}

/** SVG polyline points for values in a width×height box (0 at the bottom). */
export function sparkline(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return '';
  const max = Math.max(...values.filter(Number.isFinite), 0) || 1;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((v, i) => `${(i * step).toFixed(1)},${(height - (Number.isFinite(v) ? v / max : 0) * height).toFixed(1)}`)
    .join(' ');
}
