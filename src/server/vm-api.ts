/**
 * The admin API's virtualization routes: VM images and the VMs of a host.
 *
 * - `POST /api/images` (body: an image bundle) stores an image; `GET /api/images`,
 *   `GET /api/images/{name}` describe them (with their `sha256:` digest);
 *   `GET /api/image-blobs/{token}` serves the bundle bytes to hosts — no bearer
 *   token there: the unguessable token is the capability, and it reaches a
 *   host only inside an authenticated DM session (the Create Exec).
 * - `POST /api/devices/{host}/vms` `{ name, kind, image, withClient?, managers?, memoryMB?, vcpus? }`
 *   queues an Exec of the host's `./Virt/Operations/Create`;
 *   `POST /api/devices/{host}/vms/{name}/{start|stop|delete|install-client}`
 *   Execs the VM's operation node. Each answers 202 with the operation id;
 *   the operation completes when the host's Generic Alert arrives.
 * - `GET /api/devices/{host}/vms[/{name}]`: the VMs with their state, last
 *   operation (state, reason) and the VM's own device when it has a client.
 *
 * A VM with a client becomes a device of its own, registered here with
 * `parentDevId` = the host, DevId `<host>:vm:<name>`; its credentials are the
 * image's ready account (customized bootstrap) or fresh ones sent to the host
 * in the Exec (host-provisioned), or — with `bootstrap` in the create request
 * — what the bootstrap role issues for one of the four bootstrap methods
 * (document, smartcard, server-initiated, client-initiated; docs/virt.md).
 * Records live in the settings table
 * (`virt:images`, `virt:image:<name>`, `virt:vms:<host>`): no schema change.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { ClientAuthType, Operation, Store } from '../store/index.js';
import { DeviceExistsError } from '../store/index.js';
import { VIRT_ALERT, VIRT_NODES as N } from '../mo/virt.js';
import { decodeImage, imageAccount, imageDigest, isValidName, ImageError } from '../virt/image.js';
import { CREATE_URI, vmOpUri, vmUri } from '../virt/vm-tree.js';
import { managementOf, setManagement } from './gateway-api.js';
import { GW_MODES, type GwMode } from '../mo/gwmo.js';
import { ApiError, readBody, readJson, send } from './admin-api.js';
import { BootstrapServiceError, securityOf, type BootstrapService } from './bootstrap-service.js';
import { encodeCardImage, OID_CP_BOOTSTRAP, OID_DM_BOOTSTRAP } from '../bootstrap/virtual-card.js';
import { CP_WBXML_TYPE } from '../bootstrap/cp-document.js';

/** What the VM routes need. */
export interface VmApiContext {
  store: Store;
  authorize(): void;
  notify(devId: string): Promise<{ sessionId: string; address: string }>;
  maxBodyBytes: number;
  /** ServerID the server presents (host-provisioned VM accounts name it). */
  serverId?: string;
  /** The bootstrap role: issues a VM's bootstrap (`bootstrap: "document" | "smartcard" | "server-initiated" | "client-initiated"`). */
  bootstrap?: { service: BootstrapService; endpoint?: { url: string; serverId: string } };
}

interface ImageRecord { name: string; kind: string; withClient: boolean; digest: string; size: number; token: string; account: boolean; bootstrap?: string; storedAt: string }
interface VmOpRef { op: string; operationId: string }
interface VmRecord {
  name: string; kind: string; image: string; digest: string; withClient: boolean;
  /** The VM's own device, when it has (or gets) a client. */
  devId?: string;
  /** Last state the host reported (creating until the Create finishes). */
  state: string;
  /** The operation in flight, if any. */
  pending?: string;
  reason?: string;
  createdAt: string;
  /** Operations in order; the last is the current one. */
  ops: VmOpRef[];
  /** Last alert id already applied (crash reports). */
  seenAlert?: number;
  /** How the VM's client was asked to bootstrap (the create request's `bootstrap`). */
  bootstrap?: VmBootstrapMethod;
  /** Server-initiated: the PIN of the push still to send once the host reports the VM's push address. */
  pendingPush?: { pin: string };
  /** Client-initiated with a per-VM enrollment secret: removed once the VM has enrolled. */
  enrollment?: string;
}

/** The create request's `bootstrap` values: how a VM with no account gets one. */
export const VM_BOOTSTRAP_METHODS = ['document', 'smartcard', 'server-initiated', 'client-initiated'] as const;
export type VmBootstrapMethod = typeof VM_BOOTSTRAP_METHODS[number];

const IMAGES_KEY = 'virt:images';
const imageKey = (name: string) => `virt:image:${name}`;
const blobKey = (name: string) => `virt:image-blob:${name}`;
const vmsKey = (host: string) => `virt:vms:${host}`;
const OPS: Record<string, string> = { start: N.start, stop: N.stop, delete: N.delete, 'install-client': N.installClient };
const AUTH_TYPE: Record<string, ClientAuthType> = { BASIC: 'basic', DIGEST: 'md5', HMAC: 'hmac' };

/** Hosts with VM operations in flight, per store: only their session ends trigger a sync (a Set lookup for every other session). */
const hostsInFlight = new WeakMap<Store, Set<string>>();

/**
 * Call when a device's DM session ends: if it is a host with VM operations in
 * flight, apply what finished (VM state, the VM device's notification
 * address) right away, so the VM can be reached without listing VMs first.
 */
export function onVmHostSessionEnd(store: Store, devId: string, bootstrap?: BootstrapService): void {
  if (!hostsInFlight.get(store)?.has(devId)) return;
  void syncVms(store, devId, bootstrap).catch(() => undefined);
}

async function getJson<T>(store: Store, key: string, dflt: T): Promise<T> {
  const v = await store.getSetting(key);
  return v === undefined ? dflt : (JSON.parse(v) as T);
}

/** Handle a virtualization route; false when the path is not one. */
export async function handleVmApi(req: IncomingMessage, res: ServerResponse, ctx: VmApiContext): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://x');
  const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
  const isImages = parts[0] === 'images' || parts[0] === 'image-blobs';
  const isVms = parts[0] === 'devices' && parts[2] === 'vms';
  if (!isImages && !isVms) return false;
  try {
    if (parts[0] === 'image-blobs' && parts.length === 2 && req.method === 'GET') {
      await serveBlob(res, ctx.store, parts[1]);
      return true;
    }
    ctx.authorize();
    const route = `${req.method} ${parts.map((p, i) => (i % 2 === 1 ? '{}' : p)).join('/')}`;
    switch (route) {
      case 'POST images': await uploadImage(req, res, ctx); return true;
      case 'GET images': {
        const names = await getJson<string[]>(ctx.store, IMAGES_KEY, []);
        const all = await Promise.all(names.map((n) => getJson<ImageRecord | undefined>(ctx.store, imageKey(n), undefined)));
        send(res, 200, { images: all.filter((x) => x !== undefined).map(publicImage) });
        return true;
      }
      case 'GET images/{}': {
        const img = await getJson<ImageRecord | undefined>(ctx.store, imageKey(parts[1]), undefined);
        if (!img) throw new ApiError(404, 'not_found', `no image ${JSON.stringify(parts[1])}`);
        send(res, 200, publicImage(img));
        return true;
      }
      case 'POST devices/{}/vms': await createVm(req, res, ctx, parts[1]); return true;
      case 'GET devices/{}/vms': {
        const host = await requireHost(ctx.store, parts[1]);
        const vms = await syncVms(ctx.store, host, ctx.bootstrap?.service);
        const tree = await ctx.store.getTree(host, `./${N.root}/${N.hypervisor}`);
        const hv = (leaf: string) => tree.find((n) => n.uri === `./${N.root}/${N.hypervisor}/${leaf}`)?.value;
        // Devices registered as this host's VMs by other means (no VM record here) are VMs of the host too.
        const known = new Set(vms.map((v) => v.devId).filter((d) => d !== undefined));
        const children = (await ctx.store.listDevices({ parentDevId: host, limit: 1000 })).devices.filter((d) => !known.has(d.devId));
        send(res, 200, {
          host: { devId: host, virtualization: hv(N.virtualization), driver: hv(N.driver) },
          vms: [
            ...await Promise.all(vms.map((v) => withManagement(ctx.store, publicVm(v)))),
            ...await Promise.all(children.map((d) => withManagement(ctx.store, { name: d.devId, devId: d.devId, state: 'unknown', clientInstalled: true, managementMode: 'direct', registeredOnly: true }))),
          ],
        });
        return true;
      }
      case 'GET devices/{}/vms/{}': {
        const host = await requireHost(ctx.store, parts[1]);
        const vm = (await syncVms(ctx.store, host, ctx.bootstrap?.service)).find((v) => v.name === parts[3]);
        if (!vm) throw new ApiError(404, 'not_found', `host ${host} has no VM ${JSON.stringify(parts[3])}`);
        send(res, 200, await withManagement(ctx.store, publicVm(vm)));
        return true;
      }
      default:
        if (req.method === 'POST' && isVms && parts.length === 5 && Object.hasOwn(OPS, parts[4])) { await vmOperation(req, res, ctx, parts[1], parts[3], parts[4]); return true; }
        throw new ApiError(404, 'not_found', `no route ${req.method} ${url.pathname}`);
    }
  } catch (e) {
    if (e instanceof ApiError) send(res, e.status, { error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } });
    else if (e instanceof ImageError) send(res, 400, { error: { code: 'invalid_image', message: e.message } });
    else if (e instanceof BootstrapServiceError) send(res, e.statusHint >= 400 && e.statusHint < 500 ? e.statusHint : 500, { error: { code: e.statusHint === 409 ? 'exists' : 'bootstrap_refused', message: e.message } });
    else throw e;
    return true;
  }
}

// ───────────── images ─────────────


async function uploadImage(req: IncomingMessage, res: ServerResponse, ctx: VmApiContext): Promise<void> {
  const bytes = await readBody(req, ctx.maxBodyBytes);
  const image = decodeImage(bytes);
  const m = image.manifest;
  const rec: ImageRecord = {
    name: m.name, kind: m.kind, withClient: m.withClient, digest: imageDigest(bytes), size: bytes.length,
    token: randomBytes(24).toString('base64url'), account: imageAccount(image) !== undefined, storedAt: new Date().toISOString(),
    ...(m.bootstrap ? { bootstrap: m.bootstrap.method } : {}),
  };
  await ctx.store.setSetting(blobKey(m.name), Buffer.from(bytes).toString('base64'));
  await ctx.store.setSetting(imageKey(m.name), JSON.stringify(rec));
  const names = await getJson<string[]>(ctx.store, IMAGES_KEY, []);
  if (!names.includes(m.name)) await ctx.store.setSetting(IMAGES_KEY, JSON.stringify([...names, m.name]));
  send(res, 201, publicImage(rec));
}

function publicImage(r: ImageRecord): Record<string, unknown> {
  const { token: _t, ...rest } = r;
  return rest;
}

async function serveBlob(res: ServerResponse, store: Store, token: string): Promise<void> {
  const names = await getJson<string[]>(store, IMAGES_KEY, []);
  for (const n of names) {
    const rec = await getJson<ImageRecord | undefined>(store, imageKey(n), undefined);
    if (!rec || rec.token !== token) continue;
    const b64 = await store.getSetting(blobKey(n));
    if (b64 === undefined) break;
    const bytes = Buffer.from(b64, 'base64');
    res.writeHead(200, { 'content-type': 'application/vnd.dmvisor.image+json', 'content-length': bytes.length, 'x-dmvisor-digest': rec.digest, 'cache-control': 'no-store' });
    res.end(bytes);
    return;
  }
  throw new ApiError(404, 'not_found', 'no such image');
}

/** The absolute URL hosts download an image from. */
function blobUrl(req: IncomingMessage, token: string): string {
  const proto = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return `${proto}://${req.headers.host ?? '127.0.0.1'}/api/image-blobs/${token}`;
}

// ───────────── VMs ─────────────

async function requireHost(store: Store, devId: string): Promise<string> {
  const d = await store.getDevice(devId);
  if (!d) throw new ApiError(404, 'not_found', `no device ${JSON.stringify(devId)}`);
  return d.devId;
}

async function saveVms(store: Store, host: string, vms: VmRecord[]): Promise<void> {
  await store.setSetting(vmsKey(host), JSON.stringify(vms));
}

function bodyStr(o: Record<string, unknown>, field: string, max = 256): string {
  const v = o[field];
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new ApiError(400, 'invalid', `${field} must be a string of 1–${max} characters`, field);
  return v;
}

/** Fresh client credentials for a VM whose image carries no account; sent to the host in the Exec. */
function provisionAccount(ctx: VmApiContext, req: IncomingMessage): { account: Record<string, unknown>; secret: string; name: string } {
  const secret = randomBytes(18).toString('base64url');
  const name = `vm-${randomBytes(6).toString('hex')}`;
  const proto = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return {
    secret, name,
    account: { serverId: ctx.serverId ?? 'dmvisor', serverUri: `${proto}://${req.headers.host ?? '127.0.0.1'}/dm`, encoding: 'xml', clientAuth: { type: 'DIGEST', name, secret } },
  };
}

/** Register (or re-key) the VM's device, linked to its host. */
async function registerVmDevice(store: Store, host: string, devId: string, auth: { type: ClientAuthType; name: string; secret: string }): Promise<void> {
  try {
    await store.registerDevice({ devId, clientAuth: auth, parentDevId: host });
  } catch (e) {
    if (!(e instanceof DeviceExistsError)) throw e;
    const d = await store.getDevice(devId);
    if (d?.parentDevId !== host) throw new ApiError(409, 'exists', `device ${devId} exists and is not a VM of ${host}`);
    await store.updateDevice(devId, { clientAuth: auth, parentDevId: host });
  }
}

async function queueOnHost(ctx: VmApiContext, host: string, commands: Parameters<Store['createOperation']>[1]['commands']): Promise<{ op: Operation; notifyError?: string }> {
  let set = hostsInFlight.get(ctx.store);
  if (!set) hostsInFlight.set(ctx.store, (set = new Set()));
  set.add(host);
  const d = await ctx.store.getDevice(host);
  const op = await ctx.store.createOperation(host, { commands, notify: d?.notifyAddress !== undefined });
  if (!d?.notifyAddress) return { op, notifyError: 'the host has no notification address; the operation waits for its next session' };
  try {
    await ctx.notify(host);
    await ctx.store.markNotified(op.id);
    return { op };
  } catch (e) {
    return { op, notifyError: (e as Error).message };
  }
}

async function createVm(req: IncomingMessage, res: ServerResponse, ctx: VmApiContext, hostId: string): Promise<void> {
  const host = await requireHost(ctx.store, hostId);
  const body = await readJson(req, 64 * 1024);
  const name = bodyStr(body, 'name', 64);
  if (!isValidName(name)) throw new ApiError(400, 'invalid', 'name must be 1–64 of letters, digits, . _ - (not starting with . _ -)', 'name');
  const kindRaw = bodyStr(body, 'kind', 16).toLowerCase();
  if (kindRaw !== 'personal' && kindRaw !== 'enterprise') throw new ApiError(400, 'invalid', 'kind must be personal or enterprise', 'kind');
  const kind = kindRaw === 'personal' ? 'Personal' : 'Enterprise';
  const imageName = bodyStr(body, 'image', 64);
  if (body.withClient !== undefined && typeof body.withClient !== 'boolean') throw new ApiError(400, 'invalid', 'withClient must be true or false', 'withClient');
  const extra: Record<string, unknown> = {};
  if (body.managers !== undefined) {
    if (!Array.isArray(body.managers) || body.managers.length > 16 || !body.managers.every((m) => typeof m === 'string' && /^[^\s=&*+]{1,128}$/.test(m))) throw new ApiError(400, 'invalid', 'managers must be an array of server ids', 'managers');
    extra.managers = body.managers;
  }
  for (const k of ['memoryMB', 'vcpus'] as const) {
    if (body[k] === undefined) continue;
    if (!Number.isInteger(body[k]) || (body[k] as number) < 1 || (body[k] as number) > 1 << 20) throw new ApiError(400, 'invalid', `${k} must be a positive integer`, k);
    extra[k] = body[k];
  }
  if (body.bootstrap !== undefined) {
    if (!(VM_BOOTSTRAP_METHODS as readonly unknown[]).includes(body.bootstrap)) throw new ApiError(400, 'invalid', `bootstrap must be one of ${VM_BOOTSTRAP_METHODS.join(', ')} (default: the image's account or a host-provisioned one)`, 'bootstrap');
    if (!ctx.bootstrap) throw new ApiError(400, 'invalid', 'this server has no bootstrap role', 'bootstrap');
    if (body.withClient === false) throw new ApiError(400, 'invalid', 'a bootstrap needs a VM with a client', 'bootstrap');
    extra.bootstrapMethod = body.bootstrap;
  }
  if (body.enrollment !== undefined) {
    if (body.bootstrap !== 'client-initiated') throw new ApiError(400, 'invalid', 'enrollment applies to bootstrap "client-initiated"', 'enrollment');
    extra.enrollment = bodyStr(body, 'enrollment', 64);
  }
  if (body.mode !== undefined) {
    if (!(GW_MODES as readonly unknown[]).includes(body.mode)) throw new ApiError(400, 'invalid', `mode must be one of ${GW_MODES.join(', ')}`, 'mode');
    extra.mode = body.mode;
  }
  const img = await getJson<ImageRecord | undefined>(ctx.store, imageKey(imageName), undefined);
  if (!img) throw new ApiError(404, 'unknown_image', `unknown image ${JSON.stringify(imageName)}`, 'image');
  await withHostLock(ctx.store, host, () => createVmLocked(req, res, ctx, host, { name, kind, imageName, img, withClient: body.withClient as boolean | undefined, extra }));
}

async function createVmLocked(req: IncomingMessage, res: ServerResponse, ctx: VmApiContext, host: string, a: { name: string; kind: string; imageName: string; img: ImageRecord; withClient: boolean | undefined; extra: Record<string, unknown> }): Promise<void> {
  const { name, kind, imageName, img, extra } = a;
  const vms = await syncVmsLocked(ctx.store, host, ctx.bootstrap?.service);
  const existing = vms.find((v) => v.name === name);
  if (existing && existing.state !== 'failed' && existing.state !== 'deleted') throw new ApiError(409, 'exists', `host ${host} already has a VM named ${name} (${existing.state})`, 'name');
  const boot = extra.bootstrapMethod as VmBootstrapMethod | undefined;
  const enrollmentName = extra.enrollment as string | undefined;
  delete extra.bootstrapMethod;
  delete extra.enrollment;
  const wantDocument = boot === 'document';
  const withClient = boot !== undefined || (a.withClient ?? img.withClient);
  const mode = extra.mode as GwMode | undefined;
  if (mode && !withClient) throw new ApiError(400, 'invalid', 'mode applies to a VM with a DM client', 'mode');
  if (mode === 'proxy' && boot) throw new ApiError(400, 'invalid', 'a proxy-mode VM gets its account from its gateway, not from a bootstrap', 'mode');
  // Proxy mode (GwMO): the VM's DevId is local to its host; the server knows it as <host>/<name>.
  const devId = withClient ? (mode === 'proxy' ? `${host}/${name}` : `${host}:vm:${name}`) : undefined;
  const data: Record<string, unknown> = { name, kind, image: imageName, imageUrl: blobUrl(req, img.token), digest: img.digest, withClient, ...extra };
  const pendingRec: Pick<VmRecord, 'pendingPush' | 'enrollment'> = {};
  if (devId && boot) await clearForBootstrap(ctx.store, host, devId);
  if (devId && mode) await setManagement(ctx.store, devId, { via: host, mode, node: name });
  if (devId && mode === 'proxy') {
    // It never authenticates to the server: credentials nobody holds.
    await registerVmDevice(ctx.store, host, devId, { type: 'md5', name: devId, secret: randomBytes(24).toString('base64url') });
  } else if (devId && wantDocument) {
    // Customized bootstrap proper: a bootstrap document issued for this VM (USERPIN, a fresh PIN), written into the VM by its host.
    data.devId = devId;
    const pin = freshPin();
    const doc = await ctx.bootstrap!.service.issue(devId, 'customized', undefined, securityOf({ sec: 'USERPIN', pin }), { replace: true });
    await ctx.store.updateDevice(devId, { parentDevId: host });
    data.bootstrap = { method: 'document', data: Buffer.from(doc.bytes).toString('base64'), ...(doc.sec ? { sec: doc.sec } : {}), ...(doc.mac ? { mac: doc.mac } : {}), pin };
  } else if (devId && boot && boot !== 'document') {
    data.devId = devId;
    Object.assign(pendingRec, await prepareVmBootstrap(ctx, host, devId, name, boot, enrollmentName, data));
  } else if (devId) {
    data.devId = devId;
    const blob = await ctx.store.getSetting(blobKey(imageName));
    const account = blob ? imageAccount(decodeImage(new Uint8Array(Buffer.from(blob, 'base64')))) : undefined;
    if (account) {
      // Customized bootstrap: the image's ready account; the server must accept its credentials for this DevId.
      const ca = account.clientAuth as { type?: string; name?: string; secret?: string } | undefined;
      const type = AUTH_TYPE[String(ca?.type ?? '').toUpperCase()];
      if (!type || !ca?.name || !ca.secret) throw new ApiError(400, 'invalid_image', `image ${imageName}: account.json needs clientAuth {type BASIC|DIGEST|HMAC, name, secret}`);
      await registerVmDevice(ctx.store, host, devId, { type, name: ca.name, secret: ca.secret });
    } else if (img.bootstrap === undefined) {
      const p = provisionAccount(ctx, req);
      await registerVmDevice(ctx.store, host, devId, { type: 'md5', name: p.name, secret: p.secret });
      data.account = p.account;
    }
  }
  const { op, notifyError } = await queueOnHost(ctx, host, [
    { verb: 'Exec', target: CREATE_URI, data: JSON.stringify(data), format: 'chr', type: 'application/json' },
    { verb: 'Get', target: `./${N.root}/${N.hypervisor}/${N.virtualization}` },
    { verb: 'Get', target: `./${N.root}/${N.hypervisor}/${N.driver}` },
  ]);
  const rec: VmRecord = {
    name, kind, image: imageName, digest: img.digest, withClient, state: 'creating', createdAt: new Date().toISOString(),
    ops: [{ op: 'create', operationId: op.id }], ...(devId ? { devId } : {}), ...(boot ? { bootstrap: boot } : {}), ...pendingRec,
  };
  await saveVms(ctx.store, host, [...vms.filter((v) => v.name !== name), rec]);
  send(res, 202, { ...publicVm(rec), operationId: op.id, ...(notifyError ? { notifyError } : {}) });
}

/**
 * Before a bootstrap for `devId`: a device left by an earlier VM of this name
 * on this host without a bootstrap (host-provisioned) is removed so the
 * bootstrap can register it afresh; a device that is not this host's VM is
 * never taken over (409).
 */
async function clearForBootstrap(store: Store, host: string, devId: string): Promise<void> {
  const existing = await store.getDevice(devId);
  if (!existing) return;
  const ours = existing.parentDevId === host || (existing.parentDevId === undefined && existing.bootstrapMethod !== undefined);
  if (!ours) throw new ApiError(409, 'exists', `device ${devId} is registered and is not a VM of ${host}; a bootstrap may not take it over`, 'name');
  if (!existing.bootstrapMethod) await store.deleteDevice(devId);
}

/** A fresh 6-digit PIN (USERPIN) for one VM's bootstrap. */
function freshPin(): string {
  return String(100000 + (randomBytes(4).readUInt32BE(0) % 900000));
}

/**
 * The other three bootstrap methods for a VM (`document` is inline above):
 * what goes to the host in the Create (`data.bootstrap`) and what the VM
 * record keeps until the VM has bootstrapped.
 * - smartcard: a per-VM virtual card (the bootstrap document, USERPIN) the
 *   host hands to the VM; the device is registered now, `smartcard`.
 * - server-initiated: only a PIN; the VM listens, and once the host reports
 *   its push address the server pushes the bootstrap (WSP push, SEC/MAC).
 * - client-initiated: an account for the bootstrap server with an enrollment
 *   secret — a named pre-shared one, or one issued for this VM only (removed
 *   once it has enrolled).
 */
async function prepareVmBootstrap(ctx: VmApiContext, host: string, devId: string, name: string, boot: Exclude<VmBootstrapMethod, 'document'>, enrollmentName: string | undefined, data: Record<string, unknown>): Promise<Pick<VmRecord, 'pendingPush' | 'enrollment'>> {
  const service = ctx.bootstrap!.service;
  if (boot === 'smartcard') {
    const pin = freshPin();
    const doc = await service.issue(devId, 'smartcard', undefined, securityOf({ sec: 'USERPIN', pin }), { replace: true });
    await ctx.store.updateDevice(devId, { parentDevId: host });
    const card = encodeCardImage({
      cardId: `vm-${name}-${randomBytes(4).toString('hex')}`,
      files: [{ oid: doc.contentType === CP_WBXML_TYPE ? OID_CP_BOOTSTRAP : OID_DM_BOOTSTRAP, contentType: doc.contentType, ...(doc.sec ? { sec: doc.sec, mac: doc.mac } : {}), data: doc.bytes }],
    });
    data.bootstrap = { method: 'smartcard', data: Buffer.from(card).toString('base64'), pin };
    return {};
  }
  if (boot === 'server-initiated') {
    const pin = freshPin();
    data.bootstrap = { method: 'server-initiated', pin };
    return { pendingPush: { pin } };
  }
  const endpoint = ctx.bootstrap!.endpoint;
  if (!endpoint) throw new ApiError(400, 'invalid', 'this server has no bootstrap server role', 'bootstrap');
  let enrollment;
  if (enrollmentName !== undefined) {
    enrollment = await service.enrollment(enrollmentName);
    if (!enrollment) throw new ApiError(404, 'not_found', `no enrollment secret ${JSON.stringify(enrollmentName)}`, 'enrollment');
    if (enrollment.devId !== undefined && enrollment.devId !== devId) throw new ApiError(400, 'invalid', `enrollment ${enrollmentName} is bound to another device`, 'enrollment');
  } else {
    enrollment = await service.createEnrollment({ name: `vm-${randomBytes(8).toString('hex')}`, devId });
  }
  data.bootstrap = {
    method: 'client-initiated',
    account: { serverId: endpoint.serverId, serverUri: endpoint.url, encoding: 'xml', clientAuth: { type: 'BASIC', name: enrollment.name, secret: enrollment.secret } },
  };
  return enrollmentName === undefined ? { enrollment: enrollment.name } : {};
}

async function vmOperation(req: IncomingMessage, res: ServerResponse, ctx: VmApiContext, hostId: string, name: string, opName: string): Promise<void> {
  const host = await requireHost(ctx.store, hostId);
  await withHostLock(ctx.store, host, () => vmOperationLocked(req, res, ctx, host, name, opName));
}

async function vmOperationLocked(req: IncomingMessage, res: ServerResponse, ctx: VmApiContext, host: string, name: string, opName: string): Promise<void> {
  const vms = await syncVmsLocked(ctx.store, host, ctx.bootstrap?.service);
  const vm = vms.find((v) => v.name === name && v.state !== 'deleted' && v.state !== 'failed');
  if (!vm) throw new ApiError(404, 'not_found', `host ${host} has no VM ${JSON.stringify(name)}`);
  let data: string | undefined;
  if (opName === 'install-client') {
    if (vm.withClient) throw new ApiError(409, 'conflict', `VM ${name} already has a DM client${vm.devId ? ` (${vm.devId})` : ''}`);
    const devId = `${host}:vm:${name}`;
    const p = provisionAccount(ctx, req);
    await registerVmDevice(ctx.store, host, devId, { type: 'md5', name: p.name, secret: p.secret });
    vm.devId = devId;
    data = JSON.stringify({ devId, account: p.account });
  }
  const { op, notifyError } = await queueOnHost(ctx, host, [{ verb: 'Exec', target: vmOpUri(name, OPS[opName]), ...(data ? { data, format: 'chr', type: 'application/json' } : {}) }]);
  vm.ops.push({ op: opName, operationId: op.id });
  await saveVms(ctx.store, host, vms);
  send(res, 202, { ...publicVm(vm), operationId: op.id, ...(notifyError ? { notifyError } : {}) });
}

/** Parse the alert detail a finished VM operation carries: `<code> <json|reason>`. */
function detailOf(op: Operation): { status?: number; json?: Record<string, unknown>; text?: string } {
  const c = op.commands[0];
  const raw = c?.results?.[0]?.data;
  const data = raw === undefined ? '' : typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
  const m = /^\s*(\d{3})(?:\s+([\s\S]*))?$/.exec(data);
  if (!m) return { ...(c?.status !== undefined ? { status: c.status } : {}), ...(c?.reason ? { text: c.reason } : {}) };
  const text = m[2]?.trim();
  if (text?.startsWith('{')) {
    try { return { status: Number(m[1]), json: JSON.parse(text) as Record<string, unknown> }; } catch { /* plain text */ }
  }
  return { status: Number(m[1]), ...(text ? { text } : {}) };
}

/**
 * Bring the VM records up to date with their operations and the host's
 * alerts: finished operations set the state (and the VM device's
 * notification address), failures give the reason, crash alerts mark the VM.
 */
async function syncVms(store: Store, host: string, bootstrap?: BootstrapService): Promise<VmRecord[]> {
  return withHostLock(store, host, () => syncVmsLocked(store, host, bootstrap));
}

/** VM records of a host are read-modified-written one change at a time (per process: the server is single-node). */
const locks = new WeakMap<Store, Map<string, Promise<unknown>>>();
function withHostLock<T>(store: Store, host: string, fn: () => Promise<T>): Promise<T> {
  let m = locks.get(store);
  if (!m) locks.set(store, (m = new Map()));
  const prev = m.get(host) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => undefined);
  m.set(host, tail);
  void tail.then(() => { if (m.get(host) === tail) m.delete(host); });
  return run;
}

async function syncVmsLocked(store: Store, host: string, bootstrap?: BootstrapService): Promise<VmRecord[]> {
  const vms = await getJson<VmRecord[]>(store, vmsKey(host), []);
  let changed = false;
  for (const vm of vms) {
    const last = vm.ops[vm.ops.length - 1];
    if (!last) continue;
    const op = await store.getOperation(last.operationId);
    if (!op) continue;
    const before = JSON.stringify(vm);
    if (op.state === 'succeeded') {
      const d = detailOf(op);
      const state = typeof d.json?.state === 'string' ? d.json.state : undefined;
      if (state) vm.state = state;
      delete vm.reason;
      if (last.op === 'install-client') vm.withClient = true;
      if (last.op === 'create' && vm.devId && (d.json?.mode === 'direct' || d.json?.mode === 'transparent' || d.json?.mode === 'proxy')) {
        const link = await managementOf(store, vm.devId);
        if (link.mode !== d.json.mode || link.via !== host) await setManagement(store, vm.devId, { via: host, mode: d.json.mode, node: vm.name });
      }
      if (last.op === 'create' && vm.devId) await finishVmBootstrap(store, host, vm, d.json, bootstrap);
      if (typeof d.json?.notifyAddress === 'string' && vm.devId) {
        const dev = await store.getDevice(vm.devId);
        if (dev && dev.notifyAddress !== d.json.notifyAddress) await store.updateDevice(vm.devId, { notifyAddress: d.json.notifyAddress });
      }
    } else if (op.state === 'failed' || op.state === 'expired' || op.state === 'cancelled') {
      const d = detailOf(op);
      vm.reason = `${last.op} ${op.state}: ${d.text ?? op.reason ?? op.commands[0]?.reason ?? 'no reason given'}`;
      if (last.op === 'create' && vm.state === 'creating') {
        vm.state = 'failed';
        if (vm.devId) { await store.deleteDevice(vm.devId).catch(() => false); delete vm.devId; }
      }
      if (last.op === 'install-client' && vm.devId && !vm.withClient) { await store.deleteDevice(vm.devId).catch(() => false); delete vm.devId; }
    } else {
      vm.pending = last.op;
    }
    if (['succeeded', 'failed', 'expired', 'cancelled'].includes(op.state)) delete vm.pending;
    if (JSON.stringify(vm) !== before) changed = true;
  }
  // Crash reports (alerts without a correlator) newer than what each VM has seen.
  const alerts = await store.listAlerts(host, { limit: 100 });
  for (const a of alerts) {
    if (a.type !== VIRT_ALERT.crashed || !a.sourceUri) continue;
    const vm = vms.find((v) => vmUri(v.name) === a.sourceUri);
    if (!vm || (vm.seenAlert ?? 0) >= a.id || Date.parse(vm.createdAt) > a.at.getTime()) continue;
    vm.seenAlert = a.id;
    const lastOp = vm.ops[vm.ops.length - 1];
    const opDone = lastOp ? await store.getOperation(lastOp.operationId) : undefined;
    if (opDone?.completedAt && opDone.completedAt.getTime() > a.at.getTime()) continue;
    vm.state = 'crashed';
    vm.reason = `crashed: ${(a.data ?? '').replace(/^\d{3}\s*/, '')}`;
    changed = true;
  }
  const live = vms.filter((v) => v.state !== 'deleted');
  let set = hostsInFlight.get(store);
  if (!set) hostsInFlight.set(store, (set = new Set()));
  if (live.some((v) => v.state === 'creating' || v.pending !== undefined)) set.add(host);
  else set.delete(host);
  if (changed || live.length !== vms.length) await saveVms(store, host, live);
  return live;
}

/**
 * After a successful Create: push the server-initiated bootstrap to the
 * address the host reported, link the VM's device to its host (a device
 * that enrolled itself was registered without one), drop a per-VM
 * enrollment secret once used.
 */
async function finishVmBootstrap(store: Store, host: string, vm: VmRecord, result: Record<string, unknown> | undefined, bootstrap: BootstrapService | undefined): Promise<void> {
  const devId = vm.devId!;
  if (vm.pendingPush) {
    const address = result?.pushAddress;
    if (typeof address !== 'string') vm.reason = 'server-initiated bootstrap: the host reported no push address for the VM';
    else if (!bootstrap) return; // pushed by the next sync that has the bootstrap role
    else {
      try {
        await bootstrap.push(devId, address, undefined, securityOf({ sec: 'USERPIN', pin: vm.pendingPush.pin }), { replace: true });
      } catch (e) {
        vm.reason = `server-initiated bootstrap: the push to ${address} failed: ${(e as Error).message}`;
      }
    }
    delete vm.pendingPush;
  }
  const dev = await store.getDevice(devId);
  if (dev && dev.parentDevId === undefined && dev.bootstrapMethod) await store.updateDevice(devId, { parentDevId: host });
  if (vm.enrollment && bootstrap && dev) {
    await bootstrap.deleteEnrollment(vm.enrollment);
    delete vm.enrollment;
  }
}

/** A VM's management as the gateway records it (transparent/proxy and its gateway), over the host tree's view. */
async function withManagement(store: Store, vm: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (typeof vm.devId !== 'string' || vm.managementMode === 'none') return vm;
  const link = await managementOf(store, vm.devId);
  return link.mode === 'direct' ? vm : { ...vm, managementMode: link.mode, ...(link.via ? { gateway: link.via } : {}) };
}

function publicVm(vm: VmRecord): Record<string, unknown> {
  const { seenAlert: _s, ops, pendingPush: _p, enrollment: _e, ...rest } = vm;
  const last = ops[ops.length - 1];
  return {
    ...rest, clientInstalled: vm.withClient, managementMode: vm.devId && vm.withClient ? 'direct' : 'none',
    lastOperation: last ? { op: last.op, operationId: last.operationId } : undefined,
  };
}
