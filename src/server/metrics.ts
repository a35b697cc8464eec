/**
 * Prometheus metrics of the DM server, served at /metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's metrics. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly sessions = new Counter({ name: 'dmvisor_sessions_total', help: 'DM sessions ended, by final state', labelNames: ['state'] as const, registers: [this.registry] });
  readonly authFailures = new Counter({ name: 'dmvisor_auth_failures_total', help: 'Client messages that failed authentication', registers: [this.registry] });
  readonly sessionSeconds = new Histogram({
    name: 'dmvisor_session_duration_seconds', help: 'Wall time of a DM session, first message to last answer',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry],
  });
  readonly messages = new Counter({ name: 'dmvisor_messages_total', help: 'DM messages received, by encoding and HTTP answer', labelNames: ['encoding', 'status'] as const, registers: [this.registry] });
  readonly operations = new Counter({ name: 'dmvisor_operations_total', help: 'Operations by transition: created, succeeded, failed, cancelled', labelNames: ['state'] as const, registers: [this.registry] });
  readonly shed = new Counter({ name: 'dmvisor_messages_shed_total', help: 'DM messages answered 503 (overload: too many messages or sessions at once)', registers: [this.registry] });
  readonly rateLimited = new Counter({ name: 'dmvisor_rate_limited_total', help: 'New DM sessions refused (429) after too many failed authentications from their source or device id', registers: [this.registry] });
  readonly openSessions = new Gauge({ name: 'dmvisor_open_sessions', help: 'DM sessions in progress on this node', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'dmvisor_process_' });
  }

  /** The exposition text. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
