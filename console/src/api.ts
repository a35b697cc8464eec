/**
 * The console's client of the admin API: bearer token on every call, typed
 * answers, and errors that carry the server's code and message so no failure
 * leaves the page blank.
 */
import type { DeviceDetail, DevicePage, Operation, SessionWithMessages, VmInfo } from './types.ts';

/** A failed API call: HTTP status plus the server's `{ error: { code, message, field } }`. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string) {
    super(message);
  }
}

/** A command as the composer queues it. */
export interface CommandInput {
  verb: 'Get' | 'Replace' | 'Add' | 'Delete' | 'Exec' | 'Copy';
  target: string;
  source?: string;
  data?: string;
  format?: string;
  type?: string;
}

/** The admin API with one token. */
export class AdminApi {
  constructor(private readonly token: string, private readonly base = '') {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      throw new ApiError(0, 'network', `the server did not answer (${e instanceof Error ? e.message : String(e)})`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiError(res.status, 'bad_answer', `the server answered ${res.status} with something that is not JSON`);
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
      throw new ApiError(res.status, err?.code ?? 'http_' + res.status, err?.message ?? `HTTP ${res.status}`, err?.field);
    }
    return json as T;
  }

  listDevices(opts: { limit?: number; after?: string; search?: string } = {}): Promise<DevicePage> {
    const q = new URLSearchParams();
    if (opts.limit) q.set('limit', String(opts.limit));
    if (opts.after) q.set('after', opts.after);
    if (opts.search) q.set('search', opts.search);
    const qs = q.toString();
    return this.call('GET', `/api/devices${qs ? '?' + qs : ''}`);
  }

  /** Every device, page by page (the fleet view filters and nests client-side). */
  async allDevices(max = 5000): Promise<DevicePage['devices']> {
    const all: DevicePage['devices'] = [];
    let after: string | undefined;
    do {
      const page = await this.listDevices({ limit: 500, ...(after ? { after } : {}) });
      all.push(...page.devices);
      after = page.next;
    } while (after && all.length < max);
    return all;
  }

  device(devId: string): Promise<DeviceDetail> {
    return this.call('GET', `/api/devices/${encodeURIComponent(devId)}`);
  }

  /** Set once the server answered that it has no VM route (then nobody asks again). */
  private vmRouteMissing = false;
  private vmRouteListed: Promise<boolean> | undefined;

  /** Whether the server's OpenAPI document lists the VM route (issue #6); asked once. */
  private hasVmRoute(): Promise<boolean> {
    this.vmRouteListed ??= fetch(`${this.base}/api/openapi.json`)
      .then((r) => (r.ok ? r.json() : {}))
      .then((doc: { paths?: Record<string, unknown> }) => Object.keys(doc.paths ?? {}).some((p) => /^\/api\/devices\/\{[^}]+\}\/vms$/.test(p)))
      .catch(() => false);
    return this.vmRouteListed;
  }

  /**
   * A host's VMs, or undefined when this server has no VM API yet (its
   * OpenAPI document does not list it, or it answers 404 "no route") or the
   * device is not a host.
   */
  async vms(devId: string): Promise<VmInfo[] | undefined> {
    if (this.vmRouteMissing || !(await this.hasVmRoute())) return undefined;
    try {
      const r = await this.call<{ vms?: VmInfo[] } | VmInfo[]>('GET', `/api/devices/${encodeURIComponent(devId)}/vms`);
      const list = Array.isArray(r) ? r : r.vms;
      return Array.isArray(list) ? list : undefined;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404 && /^no route/.test(e.message)) this.vmRouteMissing = true;
      if (e instanceof ApiError && (e.status === 404 || e.status === 409 || e.status === 405)) return undefined;
      throw e;
    }
  }

  queueOperation(devId: string, commands: CommandInput[], opts: { atomic?: boolean; notify?: boolean } = {}): Promise<Operation> {
    return this.call('POST', `/api/devices/${encodeURIComponent(devId)}/operations`, { commands, ...opts });
  }

  cancelOperation(id: string): Promise<Operation> {
    return this.call('DELETE', `/api/operations/${encodeURIComponent(id)}`);
  }

  notify(devId: string): Promise<{ sessionId: string; address: string }> {
    return this.call('POST', `/api/devices/${encodeURIComponent(devId)}/notify`);
  }

  session(id: string): Promise<SessionWithMessages> {
    return this.call('GET', `/api/sessions/${encodeURIComponent(id)}`);
  }

  /** A single-use ticket for the event stream (EventSource cannot send the bearer header). */
  eventTicket(): Promise<{ ticket: string; expiresInSeconds: number }> {
    return this.call('POST', '/api/events/ticket');
  }

  /** The Prometheus exposition text (unauthenticated, like any scrape). */
  async metricsText(): Promise<string> {
    const res = await fetch(`${this.base}/metrics`);
    if (!res.ok) throw new ApiError(res.status, 'metrics', `GET /metrics answered ${res.status}`);
    return res.text();
  }
}
