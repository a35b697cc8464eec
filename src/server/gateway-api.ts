/**
 * The server's side of GwMO: which devices are reached through a gateway and
 * how, and the admin API around it.
 *
 * A device's management link — `{ via, mode, node }` — is kept in the store's
 * settings (`gw:link:<devId>`, and `gw:members:<gateway>` listing a gateway's
 * end devices): no schema change. Modes:
 * - `direct`: the server notifies the device itself;
 * - `transparent`: to notify the VM, the server queues on its gateway an Exec
 *   of the end-device trigger with the VM's package #0 as Data, and notifies
 *   the gateway; the VM then opens its own session;
 * - `proxy`: the VM's operations are claimed by its gateway's sessions with
 *   their targets under the VM's prefix (src/server/dm-endpoint.ts
 *   `GatewayRouting`); statuses, results and alerts come back to the VM's
 *   own records. `POST /api/devices/{devId}/operations` is the same for all.
 *
 * Routes (bearer token, like the rest of /api):
 * - `GET  /api/devices/{devId}/management` → `{ devId, via, mode, prefix }`
 * - `PUT  /api/devices/{devId}/management` `{ mode }` → switch direct ↔ transparent
 *   (proxy is chosen when the VM is created: its client's account names the gateway)
 * - `GET  /api/gateways/{devId}/inventory` → the gateway's Device Inventory, read
 *   with a Get in a session with it (`?wait=SECONDS`, default 20), links refreshed
 * - `POST /api/fanout` `{ host? | devices?, commands, notify? }` → one operation per end device
 * - `GET  /api/fanout/{id}` → per-device state and results, and the aggregated status
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Operation, Store } from '../store/index.js';
import { GWMO_ALERT, GWMO_NODES as N, GWMO_ROOTS, GW_MODES, inventoryUri, proxyPrefix, triggerUri, type GwMode } from '../mo/gwmo.js';
import { ApiError, readJson, send } from './admin-api.js';
import type { EndDeviceRoute, GatewayRouting } from './dm-endpoint.js';

/** How a device is managed. */
export interface ManagementLink {
  /** The gateway (host) DevId; absent for a device managed directly with no gateway. */
  via?: string;
  mode: GwMode;
  /** Its record's node name in the gateway's Device Inventory. */
  node?: string;
}

const linkKey = (devId: string) => `gw:link:${devId}`;
const membersKey = (gw: string) => `gw:members:${gw}`;
const fanoutKey = (id: string) => `gw:fanout:${id}`;

async function json<T>(store: Store, key: string, dflt: T): Promise<T> {
  const v = await store.getSetting(key);
  return v === undefined ? dflt : (JSON.parse(v) as T);
}

/** The device's link (direct when none is recorded). */
export async function managementOf(store: Store, devId: string): Promise<ManagementLink> {
  return json<ManagementLink>(store, linkKey(devId), { mode: 'direct' });
}

/** Record how a device is managed (and list it under its gateway). */
export async function setManagement(store: Store, devId: string, link: ManagementLink): Promise<void> {
  await store.setSetting(linkKey(devId), JSON.stringify(link));
  if (link.via) {
    const members = await json<string[]>(store, membersKey(link.via), []);
    if (!members.includes(devId)) await store.setSetting(membersKey(link.via), JSON.stringify([...members, devId]));
  }
}

/** Forget a device's link. */
export async function clearManagement(store: Store, devId: string): Promise<void> {
  const link = await managementOf(store, devId);
  await store.deleteSetting(linkKey(devId)).catch(() => false);
  if (link.via) {
    const members = await json<string[]>(store, membersKey(link.via), []);
    await store.setSetting(membersKey(link.via), JSON.stringify(members.filter((m) => m !== devId)));
  }
}

/** The end devices recorded behind a gateway. */
export async function membersOf(store: Store, gateway: string): Promise<string[]> {
  return json<string[]>(store, membersKey(gateway), []);
}

/** Put a command address of an end device under its prefix. */
function prefixed(prefix: string, uri: string): string {
  if (uri === '.' || uri === './') return prefix;
  return uri.startsWith('./') ? `${prefix}/${uri.slice(2)}` : `${prefix}/${uri}`;
}

/** Proxy mode for the DM endpoint: a gateway's sessions carry its proxied end devices' operations. */
export function gatewayRouting(): GatewayRouting {
  return {
    async claim(store, devId, sessionId) {
      const operations: Operation[] = [];
      const endDevices: EndDeviceRoute[] = [];
      for (const member of await membersOf(store, devId)) {
        const link = await managementOf(store, member);
        if (link.mode !== 'proxy' || link.via !== devId || !link.node) continue;
        const prefix = proxyPrefix(link.node);
        endDevices.push({ devId: member, prefix });
        if (!(await store.getDevice(member))) continue;
        for (const op of await store.claimPending(member, sessionId)) {
          operations.push({
            ...op,
            commands: op.commands.map((c) => ({ ...c, target: prefixed(prefix, c.target), ...(c.source !== undefined ? { source: prefixed(prefix, c.source) } : {}) })),
          });
        }
      }
      return { operations, endDevices };
    },
  };
}

type Notify = (devId: string) => Promise<{ sessionId: string; address: string }>;
/** The server's notification of one device, optionally carried by someone else than its own address. */
export type NotifyDirect = (devId: string, carry?: (package0: Uint8Array) => Promise<string>) => Promise<{ sessionId: string; address: string }>;

/**
 * Notification that follows the device's mode: direct to the device; in
 * transparent mode through its gateway's end-device trigger; in proxy mode a
 * notification of the gateway (whose session carries the VM's work).
 */
export function notifyThroughGateways(store: Store, direct: NotifyDirect): Notify {
  return async (devId) => {
    const link = await managementOf(store, devId);
    if (!link.via || link.mode === 'direct' || !link.node) return direct(devId);
    const gateway = link.via;
    const node = link.node;
    if (link.mode === 'proxy') {
      const n = await direct(gateway);
      return { sessionId: n.sessionId, address: `proxied by ${gateway} (${n.address})` };
    }
    return direct(devId, async (pkg) => {
      await store.createOperation(gateway, { commands: [{ verb: 'Exec', target: triggerUri(node), data: Buffer.from(pkg).toString('base64'), format: 'chr' }] });
      const n = await direct(gateway);
      return `trigger on ${gateway} (${n.address})`;
    });
  };
}

/** The `via`/`mode` fields shown on a device. */
export async function deviceManagementFields(store: Store, devId: string): Promise<Record<string, unknown>> {
  const link = await managementOf(store, devId);
  return { mode: link.mode, ...(link.via ? { via: link.via } : {}) };
}

/** What the routes need. */
export interface GatewayApiContext {
  store: Store;
  notify: Notify;
  maxBodyBytes: number;
  authorize(): void;
}

const FINAL = ['succeeded', 'failed', 'cancelled', 'expired'];

async function waitFinal(store: Store, id: string, ms: number): Promise<Operation> {
  const until = Date.now() + ms;
  for (;;) {
    const op = await store.getOperation(id);
    if (!op) throw new ApiError(404, 'not_found', `operation ${id} vanished`);
    if (FINAL.includes(op.state) || Date.now() >= until) return op;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Handle the gateway routes; false when the path is not one of them. */
export async function handleGatewayApi(req: IncomingMessage, res: ServerResponse, ctx: GatewayApiContext): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://x');
  const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
  const route = `${req.method} ${parts.map((p, i) => (i % 2 === 1 ? '{}' : p)).join('/')}`;
  const { store } = ctx;
  switch (route) {
    case 'GET devices/{}/management': {
      ctx.authorize();
      const d = await store.getDevice(parts[1]);
      if (!d) throw new ApiError(404, 'not_found', `no device ${JSON.stringify(parts[1])}`);
      const link = await managementOf(store, d.devId);
      send(res, 200, { devId: d.devId, mode: link.mode, ...(link.via ? { via: link.via } : {}), ...(link.node && link.mode === 'proxy' ? { prefix: proxyPrefix(link.node) } : {}) });
      return true;
    }
    case 'PUT devices/{}/management': {
      ctx.authorize();
      const d = await store.getDevice(parts[1]);
      if (!d) throw new ApiError(404, 'not_found', `no device ${JSON.stringify(parts[1])}`);
      const body = await readJson(req, ctx.maxBodyBytes);
      const mode = body.mode;
      if (typeof mode !== 'string' || !(GW_MODES as readonly string[]).includes(mode)) throw new ApiError(400, 'invalid', `mode must be one of ${GW_MODES.join(', ')}`, 'mode');
      const link = await managementOf(store, d.devId);
      if (link.mode === mode) { send(res, 200, { devId: d.devId, mode, ...(link.via ? { via: link.via } : {}) }); return true; }
      if (mode === 'proxy' || link.mode === 'proxy') {
        throw new ApiError(409, 'conflict', 'proxy mode is chosen when the VM is created (POST /api/devices/{host}/vms with "mode": "proxy"): its client\'s account names the gateway, and its DevId is local');
      }
      if (mode === 'transparent' && (!link.via || !link.node)) throw new ApiError(409, 'conflict', `device ${d.devId} is not known behind a gateway (read the gateway's inventory first)`);
      await setManagement(store, d.devId, { ...link, mode: mode as GwMode });
      // Keep the gateway's inventory in step (its record's Mode).
      let operationId: string | undefined;
      if (link.via && link.node) {
        const op = await store.createOperation(link.via, { commands: [{ verb: 'Replace', target: `${inventoryUri(link.node)}/${N.mode}`, data: mode, format: 'chr' }] });
        operationId = op.id;
        await ctx.notify(link.via).catch(() => undefined);
      }
      send(res, 200, { devId: d.devId, mode, ...(link.via ? { via: link.via } : {}), ...(operationId ? { gatewayOperationId: operationId } : {}) });
      return true;
    }
    case 'GET gateways/{}/inventory': {
      ctx.authorize();
      const gw = await store.getDevice(parts[1]);
      if (!gw) throw new ApiError(404, 'not_found', `no device ${JSON.stringify(parts[1])}`);
      const wait = Number(url.searchParams.get('wait') ?? 20);
      if (!Number.isFinite(wait) || wait < 0 || wait > 300) throw new ApiError(400, 'invalid', 'wait must be 0–300 seconds', 'wait');
      const op = await store.createOperation(gw.devId, { commands: [{ verb: 'Get', target: `${GWMO_ROOTS.deviceInventory}?list=StructData` }] });
      let notifyError: string | undefined;
      await ctx.notify(gw.devId).catch((e: unknown) => { notifyError = (e as Error).message; });
      const done = await waitFinal(store, op.id, wait * 1000);
      if (done.state !== 'succeeded') {
        send(res, 504, { error: { code: 'timeout', message: `the gateway did not answer (${done.state}${notifyError ? `; ${notifyError}` : ''})` }, operationId: op.id });
        return true;
      }
      const devices = parseInventory(done.commands[0]?.results ?? []);
      for (const dev of devices) {
        if (!dev.deviceId) continue;
        const prev = await managementOf(store, dev.deviceId);
        if (prev.via !== gw.devId || prev.mode !== dev.mode || prev.node !== dev.node) await setManagement(store, dev.deviceId, { via: gw.devId, mode: dev.mode as GwMode, node: dev.node });
      }
      send(res, 200, { gateway: gw.devId, devices });
      return true;
    }
    case 'POST fanout': {
      ctx.authorize();
      const body = await readJson(req, ctx.maxBodyBytes);
      let targets: string[];
      if (typeof body.host === 'string' && body.through === 'gateway') targets = [];
      else if (typeof body.host === 'string') targets = await membersOf(store, body.host);
      else if (Array.isArray(body.devices) && body.devices.length > 0 && body.devices.length <= 10000 && body.devices.every((d) => typeof d === 'string' && d.length <= 512)) targets = body.devices as string[];
      else throw new ApiError(400, 'invalid', 'give host (a gateway DevId) or devices (an array of DevIds)', 'devices');
      if (targets.length === 0 && body.through !== 'gateway') throw new ApiError(404, 'not_found', 'no end devices to fan out to');
      const commands = body.commands;
      if (!Array.isArray(commands) || commands.length === 0 || commands.length > 100) throw new ApiError(400, 'invalid', 'commands must be an array of 1–100 commands', 'commands');
      const parsed = commands.map((c: unknown, i: number) => {
        const o = c as Record<string, unknown>;
        if (typeof o !== 'object' || o === null || !['Get', 'Replace', 'Add', 'Delete', 'Exec'].includes(o.verb as string) || typeof o.target !== 'string' || o.target.length > 1024) throw new ApiError(400, 'invalid', `commands[${i}] needs verb (Get Replace Add Delete Exec) and target`, `commands[${i}]`);
        if (o.data !== undefined && typeof o.data !== 'string') throw new ApiError(400, 'invalid', `commands[${i}].data must be a string`, `commands[${i}].data`);
        if (o.format !== undefined && typeof o.format !== 'string') throw new ApiError(400, 'invalid', `commands[${i}].format must be a string`, `commands[${i}].format`);
        return { verb: o.verb as 'Get', target: o.target, ...(o.data !== undefined ? { data: o.data as string } : {}), ...(o.format !== undefined ? { format: o.format as string } : {}) };
      });
      const id = randomBytes(9).toString('hex');
      if (body.through === 'gateway') {
        // GwMO Fanout: one job on the gateway, which runs it on its proxy-mode VMs and reports the aggregate.
        if (typeof body.host !== 'string' || !(await store.getDevice(body.host))) throw new ApiError(400, 'invalid', 'through: gateway needs host (a gateway DevId)', 'host');
        const base = `${GWMO_ROOTS.fanout}/${id}`;
        const op = await store.createOperation(body.host, {
          commands: [
            { verb: 'Add', target: base, format: 'node' },
            { verb: 'Add', target: `${base}/${N.targets}`, data: Array.isArray(body.devices) ? (body.devices as string[]).join(',') : '*', format: 'chr' },
            { verb: 'Add', target: `${base}/${N.commands}`, data: JSON.stringify(parsed), format: 'chr' },
            { verb: 'Exec', target: `${base}/${N.run}` },
          ],
        });
        await store.setSetting(fanoutKey(id), JSON.stringify({ id, createdAt: new Date().toISOString(), gateway: body.host, operationId: op.id, ops: [] }));
        if (body.notify !== false) await ctx.notify(body.host).catch(() => undefined);
        send(res, 201, { id, through: 'gateway', gateway: body.host, operationId: op.id });
        return true;
      }
      for (const t of targets) if (!(await store.getDevice(t))) throw new ApiError(404, 'not_found', `no device ${JSON.stringify(t)}`, 'devices');
      const ops: { devId: string; operationId: string }[] = [];
      for (const devId of targets) ops.push({ devId, operationId: (await store.createOperation(devId, { commands: parsed })).id });
      await store.setSetting(fanoutKey(id), JSON.stringify({ id, createdAt: new Date().toISOString(), ops }));
      if (body.notify !== false) {
        // One notification per gateway (its session carries every proxied VM), one per other device.
        const woken = new Set<string>();
        for (const devId of targets) {
          const link = await managementOf(store, devId);
          const key = link.mode === 'proxy' && link.via ? link.via : devId;
          if (woken.has(key)) continue;
          woken.add(key);
          await ctx.notify(devId).catch(() => undefined);
        }
      }
      send(res, 201, { id, devices: ops.length, operations: ops });
      return true;
    }
    case 'GET fanout/{}': {
      ctx.authorize();
      const rec = await json<{ id: string; createdAt: string; gateway?: string; operationId?: string; ops: { devId: string; operationId: string }[] } | undefined>(store, fanoutKey(parts[1]), undefined);
      if (!rec) throw new ApiError(404, 'not_found', `no fan-out ${JSON.stringify(parts[1])}`);
      if (rec.gateway && rec.operationId) {
        send(res, 200, await gatewayFanoutView(store, rec.id, rec.gateway, rec.operationId, rec.createdAt));
        return true;
      }
      const devices = [];
      const counts: Record<string, number> = {};
      for (const o of rec.ops) {
        const op = await store.getOperation(o.operationId);
        const state = op?.state ?? 'missing';
        counts[state] = (counts[state] ?? 0) + 1;
        devices.push({ devId: o.devId, operationId: o.operationId, state, commands: op?.commands.map((c) => ({ verb: c.verb, target: c.target, status: c.status, results: c.results })) ?? [] });
      }
      const done = rec.ops.length - (counts.pending ?? 0) - (counts.sent ?? 0) - (counts.accepted ?? 0);
      const state = done < rec.ops.length ? 'running' : (counts.succeeded ?? 0) === rec.ops.length ? 'succeeded' : 'failed';
      send(res, 200, { id: rec.id, createdAt: rec.createdAt, state, total: rec.ops.length, counts, devices });
      return true;
    }
    default:
      return false;
  }
}

/** A fan-out the gateway ran: the Run Exec's state, the aggregate from its resultaggregation alert. */
async function gatewayFanoutView(store: Store, id: string, gateway: string, operationId: string, createdAt: string): Promise<Record<string, unknown>> {
  const op = await store.getOperation(operationId);
  const source = `${GWMO_ROOTS.fanout}/${id}`;
  const alerts = await store.listAlerts(gateway, { limit: 500 });
  // The gateway sends the per-device results in several resultaggregation alerts (listed newest first).
  let devices: { deviceId: string; status: number; commands: unknown[] }[] = [];
  for (const agg of alerts.filter((a) => a.type === GWMO_ALERT.resultAggregation && a.sourceUri === source).reverse()) {
    try { devices = devices.concat(JSON.parse(agg.data ?? '[]') as typeof devices); } catch { /* a part that does not parse is left out */ }
  }
  const run = op?.commands[3];
  const final = op !== undefined && FINAL.includes(op.state);
  const counts: Record<string, number> = {};
  for (const d of devices) { const k = d.status >= 200 && d.status < 300 ? 'succeeded' : 'failed'; counts[k] = (counts[k] ?? 0) + 1; }
  return {
    id, through: 'gateway', gateway, createdAt, operationId,
    state: !final ? 'running' : op.state === 'succeeded' ? 'succeeded' : 'failed',
    completion: run?.results?.[0]?.data ?? run?.status, total: devices.length, counts, devices,
  };
}

/** One Device Inventory record as read from the gateway. */
export interface InventoryEntry {
  node: string;
  deviceId?: string;
  localId?: string;
  mode?: string;
  prefix?: string;
  reachable?: boolean;
  lastContact?: string;
  vmName?: string;
}

/** Turn the Results of `Get <DevInv>?list=StructData` into records. */
export function parseInventory(results: { source?: string; data?: string | Uint8Array }[]): InventoryEntry[] {
  const root = `${GWMO_ROOTS.deviceInventory}/`;
  const byNode = new Map<string, InventoryEntry>();
  for (const r of results) {
    if (!r.source?.startsWith(root)) continue;
    const [node, leaf, ...rest] = r.source.slice(root.length).split('/');
    if (!node || !leaf || rest.length) continue;
    let e = byNode.get(node);
    if (!e) byNode.set(node, (e = { node }));
    const v = typeof r.data === 'string' ? r.data : r.data ? Buffer.from(r.data).toString('utf8') : '';
    switch (leaf) {
      case N.deviceId: e.deviceId = v; break;
      case N.localId: e.localId = v; break;
      case N.mode: e.mode = v; break;
      case N.prefix: e.prefix = v; break;
      case N.reachable: e.reachable = v === 'true'; break;
      case N.lastContact: e.lastContact = v; break;
      case N.vmName: e.vmName = v; break;
    }
  }
  return [...byNode.values()];
}
