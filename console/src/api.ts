/**
 * The console's client of the admin API: bearer token on every call, typed
 * answers, and errors that carry the server's code and message so no failure
 * leaves the page blank.
 */
import type {
  BootstrapProfile, Campaign, ManagementLink, ManagementMode, CampaignFilter, CampaignState, CampaignTarget, DeviceDetail, DevicePage, Enrollment, FanoutView, InventoryDevice, Operation, SessionWithMessages, VmActionResult, VmImage, VmInfo,
} from './types.ts';

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

/** `POST /api/devices/{host}/vms` body. */
export interface NewVm {
  name: string;
  kind: 'personal' | 'enterprise';
  image: string;
  withClient?: boolean;
  /** How the VM's client is managed (gateway, issue #7); only with a DM client. */
  mode?: ManagementMode;
}

/** What can be done to an existing VM. */
export type VmAction = 'start' | 'stop' | 'delete' | 'install-client';

/** `POST /api/campaigns` body. */
export interface NewCampaign {
  name: string;
  filter: CampaignFilter;
  commands: CommandInput[];
  atomic?: boolean;
  notify?: boolean;
  batchSize?: number;
  maxFailureRate?: number;
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

  private openApiPaths: Promise<string[]> | undefined;

  /** The paths the server's OpenAPI document lists (asked once; none when it cannot be read). */
  private paths(): Promise<string[]> {
    this.openApiPaths ??= fetch(`${this.base}/api/openapi.json`)
      .then((r) => (r.ok ? r.json() : {}))
      .then((doc: { paths?: Record<string, unknown> }) => Object.keys(doc.paths ?? {}))
      .catch(() => []);
    return this.openApiPaths;
  }

  /** Whether the server's OpenAPI document lists the VM route (issue #6). */
  private async hasVmRoute(): Promise<boolean> {
    return (await this.paths()).some((p) => /^\/api\/devices\/\{[^}]+\}\/vms$/.test(p));
  }

  /** Whether the server has the gateway's management route (issue #7). */
  async hasManagementRoute(): Promise<boolean> {
    return (await this.paths()).some((p) => /^\/api\/devices\/\{[^}]+\}\/management$/.test(p));
  }

  /** How a device is managed (direct, transparent, proxy) and through which gateway. */
  management(devId: string): Promise<ManagementLink> {
    return this.call('GET', `/api/devices/${encodeURIComponent(devId)}/management`);
  }

  /** Switch a VM between direct and transparent management (proxy is chosen at creation). */
  setManagement(devId: string, mode: ManagementMode): Promise<ManagementLink> {
    return this.call('PUT', `/api/devices/${encodeURIComponent(devId)}/management`, { mode });
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

  operation(id: string): Promise<Operation> {
    return this.call('GET', `/api/operations/${encodeURIComponent(id)}`);
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

  // ── VMs of a host (issue #6: src/server/vm-api.ts) ──

  /** The images a VM can be created from. */
  async images(): Promise<VmImage[]> {
    return (await this.call<{ images: VmImage[] }>('GET', '/api/images')).images;
  }

  /** Create a VM on a host: queues the host's Create Exec; the answer carries the operation id. */
  createVm(host: string, body: NewVm): Promise<VmActionResult> {
    return this.call('POST', `/api/devices/${encodeURIComponent(host)}/vms`, body);
  }

  /** Start, stop, delete a VM or install its DM client (an Exec queued on the host). */
  vmAction(host: string, name: string, action: VmAction): Promise<VmActionResult> {
    return this.call('POST', `/api/devices/${encodeURIComponent(host)}/vms/${encodeURIComponent(name)}/${action}`);
  }

  // ── a gateway's inventory and fan-outs (issue #7: src/server/gateway-api.ts) ──

  /** Whether the server has the gateway's inventory and fan-out routes. */
  async hasGatewayRoutes(): Promise<boolean> {
    const paths = await this.paths();
    return paths.some((p) => /^\/api\/gateways\/\{[^}]+\}\/inventory$/.test(p)) && paths.includes('/api/fanout') && paths.some((p) => /^\/api\/fanout\/\{[^}]+\}$/.test(p));
  }

  /** The gateway's Device Inventory, read with a Get in a session with it (the server waits up to `wait` s). */
  async inventory(gateway: string, wait = 20): Promise<InventoryDevice[]> {
    return (await this.call<{ devices: InventoryDevice[] }>('GET', `/api/gateways/${encodeURIComponent(gateway)}/inventory?wait=${wait}`)).devices;
  }

  /** One command set to every end device of a host, or to the chosen devices: one operation each. */
  fanout(body: ({ host: string } | { devices: string[] }) & { commands: CommandInput[]; notify?: boolean }): Promise<{ id: string; devices: number }> {
    return this.call('POST', '/api/fanout', body);
  }

  fanoutView(id: string): Promise<FanoutView> {
    return this.call('GET', `/api/fanout/${encodeURIComponent(id)}`);
  }

  // ── campaigns (src/server/campaign-api.ts) ──

  async campaigns(state?: CampaignState): Promise<Campaign[]> {
    return (await this.call<{ campaigns: Campaign[] }>('GET', `/api/campaigns${state ? `?state=${state}` : ''}`)).campaigns;
  }

  campaign(id: string): Promise<Campaign> {
    return this.call('GET', `/api/campaigns/${encodeURIComponent(id)}`);
  }

  createCampaign(body: NewCampaign): Promise<Campaign> {
    return this.call('POST', '/api/campaigns', body);
  }

  campaignTargets(id: string, opts: { limit?: number; after?: string } = {}): Promise<{ targets: CampaignTarget[]; next?: string }> {
    const q = new URLSearchParams();
    if (opts.limit) q.set('limit', String(opts.limit));
    if (opts.after) q.set('after', opts.after);
    const qs = q.toString();
    return this.call('GET', `/api/campaigns/${encodeURIComponent(id)}/targets${qs ? '?' + qs : ''}`);
  }

  campaignAction(id: string, action: 'pause' | 'resume' | 'cancel'): Promise<Campaign> {
    return this.call('POST', `/api/campaigns/${encodeURIComponent(id)}/${action}`);
  }

  // ── bootstrap (src/server/bootstrap-api.ts) ──

  async bootstrapProfiles(): Promise<BootstrapProfile[]> {
    return (await this.call<{ profiles: BootstrapProfile[] }>('GET', '/api/bootstrap/profiles')).profiles;
  }

  /** Create or replace a profile. */
  putBootstrapProfile(p: BootstrapProfile): Promise<BootstrapProfile> {
    const { name, ...rest } = p;
    return this.call('PUT', `/api/bootstrap/profiles/${encodeURIComponent(name)}`, rest);
  }

  async deleteBootstrapProfile(name: string): Promise<void> {
    await this.call('DELETE', `/api/bootstrap/profiles/${encodeURIComponent(name)}`);
  }

  async enrollments(): Promise<Enrollment[]> {
    return (await this.call<{ enrollments: Enrollment[] }>('GET', '/api/bootstrap/enrollments')).enrollments;
  }

  /** Create an enrollment secret; the answer holds the secret, the only time the server shows it. */
  createEnrollment(body: { name?: string; secret?: string; profile?: string; devId?: string }): Promise<Enrollment & { secret: string }> {
    return this.call('POST', '/api/bootstrap/enrollments', body);
  }

  async deleteEnrollment(name: string): Promise<void> {
    await this.call('DELETE', `/api/bootstrap/enrollments/${encodeURIComponent(name)}`);
  }

  /** The Prometheus exposition text (unauthenticated, like any scrape). */
  async metricsText(): Promise<string> {
    const res = await fetch(`${this.base}/metrics`);
    if (!res.ok) throw new ApiError(res.status, 'metrics', `GET /metrics answered ${res.status}`);
    return res.text();
  }
}
