import { describe, it, expect } from 'vitest';
import { parsePrometheus, snapshot, rates, sparkline, total } from './prometheus.ts';

const TEXT = `# HELP dmvisor_sessions_total DM sessions ended, by final state
# TYPE dmvisor_sessions_total counter
dmvisor_sessions_total{state="completed"} 4
dmvisor_sessions_total{state="failed"} 1
dmvisor_auth_failures_total 2
dmvisor_operations_total{state="created"} 5
dmvisor_operations_total{state="failed"} 3
dmvisor_open_sessions 1
dmvisor_session_duration_seconds_bucket{le="+Inf"} 5
weird{label="a \\"quoted\\" value",other="x"} 1.5e2 1700000000000
garbage line here
`;

describe('prometheus text', () => {
  it('parses samples with labels, escapes, +Inf and timestamps; skips junk', () => {
    const s = parsePrometheus(TEXT);
    expect(total(s, 'dmvisor_sessions_total')).toBe(5);
    expect(total(s, 'dmvisor_sessions_total', { state: 'failed' })).toBe(1);
    const weird = s.find((x) => x.name === 'weird');
    expect(weird?.labels).toEqual({ label: 'a "quoted" value', other: 'x' });
    expect(weird?.value).toBe(150);
    expect(s.some((x) => x.name === 'garbage')).toBe(false);
  });

  it('reduces a scrape to the chart counters', () => {
    expect(snapshot(TEXT, 1000)).toEqual({ at: 1000, sessions: 5, authFailures: 2, operationsByState: { created: 5, failed: 3 }, openSessions: 1 });
  });

  it('computes rates between scrapes; a restart (counter going down) counts from zero', () => {
    const a = { at: 0, sessions: 10, authFailures: 1, operationsByState: {}, openSessions: 0 };
    const b = { at: 2000, sessions: 14, authFailures: 3, operationsByState: {}, openSessions: 0 };
    const c = { at: 4000, sessions: 2, authFailures: 0, operationsByState: {}, openSessions: 0 };
    expect(rates([a, b, c])).toEqual([{ at: 2000, sessionsPerSecond: 2, authFailures: 2 }, { at: 4000, sessionsPerSecond: 1, authFailures: 0 }]);
  });

  it('draws sparklines scaled to the box', () => {
    expect(sparkline([0, 2, 1], 100, 10)).toBe('0.0,10.0 50.0,0.0 100.0,5.0');
    expect(sparkline([], 100, 10)).toBe('');
    expect(sparkline([0, 0], 10, 10)).toBe('0.0,10.0 10.0,10.0');
  });
});
