/**
 * The host agent (`dmvisor host`): the host's own DM client (its own DevId
 * and account) + a hypervisor driver + an image cache + the VM management
 * object (`./Virt`) in the host's tree.
 *
 * A server Execs `./Virt/Operations/Create` (Data: a JSON request) or a VM's
 * `Operations/{Start,Stop,Delete,InstallClient}`; the Exec answers 202 and
 * the work runs in the background, one job at a time. When it ends, the
 * result is queued as a Generic Alert with the Exec's Correlator — Data
 * `<code>` or `<code> <detail>` (a reason on failure, JSON on success) — and
 * the host opens a session to deliver it. A failed job leaves nothing behind:
 * no VM node, no definition, no directory.
 *
 * Recovery: a host that died during a Create finds the Create's marker file
 * at start, removes the half-made VM and reports the Create failed. VMs that
 * were running when the host died are reported as the driver finds them:
 * `process` VMs went with the host (stopped), libvirt domains live on. A VM
 * that crashes is reported (state `crashed` + a Generic Alert), not restarted.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DmClient, type DmClientLogEvent } from '../client/dm-client.js';
import { parseDeviceConfig } from '../client/device-config.js';
import { ConfigError } from '../client/config-error.js';
import { VIRT_ALERT, VIRT_NODES as N, type VmBootstrap, type VmKind } from '../mo/virt.js';
import type { ExecContext, ExecResult } from '../tree/hooks.js';
import type { Hypervisor } from './hypervisor.js';
import type { HostConfig } from './host-config.js';
import { ImageCache } from './image-cache.js';
import { imageAccount, isValidName, type Image } from './image.js';
import { ProcessHypervisor } from './process-driver.js';
import { VM_INFO } from './guest-process.js';
import { LibvirtHypervisor } from './libvirt-driver.js';
import { Gateway, type GatewayLogEvent } from '../gateway/gateway.js';
import { GW_MODES, type GwMode } from '../mo/gwmo.js';
import {
  CREATE_URI, clearVmError, installVirtMo, listVmNames, putImage, putVm, readVm, removeVm, vmOpUri, vmUri,
} from './vm-tree.js';

/** Something worth telling an operator. */
export type HostLogEvent =
  | { event: 'client'; detail: DmClientLogEvent }
  | { event: 'job'; op: string; vm: string; phase: 'start' | 'done' | 'failed'; detail?: string }
  | { event: 'vm-crashed'; vm: string; reason: string }
  | { event: 'recovered'; vm: string; detail: string }
  | { event: 'gateway'; detail: GatewayLogEvent };

/** Options of {@link HostAgent.start}. */
export interface HostAgentOptions {
  config: HostConfig;
  /** Use this driver instead of the configured one (tests). */
  hypervisor?: Hypervisor;
  log?: (e: HostLogEvent) => void;
  /** Run a client-initiated session at start (the host registers / reports). Default true. */
  register?: boolean;
  /** How long a VM's client may take to register. Default 20 s. */
  registerTimeoutMs?: number;
}

/** A job's failure: a DM result code and a reason. */
class JobError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** What the Create Exec's Data holds. */
export interface CreateRequest {
  name: string;
  kind: VmKind;
  image: string;
  imageUrl: string;
  digest: string;
  withClient?: boolean;
  /** DevId of the VM's DM client (default `<host DevId>:vm:<name>`). */
  devId?: string;
  /** A DM account for the VM's client (a `dmvisor client` config `accounts[]` entry); default: the image's. */
  account?: Record<string, unknown>;
  /** Other servers granted this VM's node. */
  managers?: string[];
  /** How the server manages the VM's client (GwMO): direct, transparent, or proxy (the client's server is the gateway). Default: the gateway's default mode. */
  mode?: GwMode;
  /** A bootstrap document issued for this VM (customized bootstrap): Base64 WBXML + SEC/MAC/PIN. */
  bootstrap?: { method: 'document'; data: string; sec?: string; mac?: string; pin?: string };
  memoryMB?: number;
  vcpus?: number;
}

/** Guest config file name inside a VM directory. */
export const GUEST_CONFIG = 'guest.json';
const CREATE_MARKER = 'create-op.json';

interface GuestStatus {
  httpPort?: number;
  sessions: { state: string; reason?: string }[];
  waiters: (() => void)[];
}

/** See the module comment. */
export class HostAgent {
  private jobs: Promise<unknown> = Promise.resolve();
  private activeSessions = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly guests = new Map<string, GuestStatus>();
  private closed = false;
  /** The GwMO gateway, when the config enables it. */
  gateway: Gateway | undefined;

  private constructor(
    readonly config: HostConfig,
    readonly client: DmClient,
    readonly hypervisor: Hypervisor,
    private readonly images: ImageCache,
    private readonly options: HostAgentOptions,
  ) {}

  /** Open the host's client, install `./Virt`, recover from a previous run, listen, register. */
  static async start(options: HostAgentOptions): Promise<HostAgent> {
    const { config } = options;
    const hypervisor = options.hypervisor ?? (config.hypervisor.driver === 'libvirt' ? await LibvirtHypervisor.open(config.hypervisor.uri) : new ProcessHypervisor({ isolateNetwork: config.hypervisor.isolateNetwork }));
    const ref: { agent?: HostAgent } = {};
    const client = await DmClient.open({ config: config.client, log: (e) => ref.agent?.onClientEvent(e) });
    const agent = new HostAgent(config, client, hypervisor, new ImageCache(config.imageCacheDir), options);
    ref.agent = agent;
    await mkdir(config.vmsDir, { recursive: true });
    installVirtMo(client.tree, { virtualization: config.virtualization, driver: hypervisor.driver, product: hypervisor.product, version: hypervisor.version }, config.virtServers);
    client.tree.setExecHandler(CREATE_URI, (ctx) => agent.accept('Create', '', ctx, () => agent.create(ctx)));
    if (config.gateway.enabled) {
      agent.gateway = await Gateway.start({
        config: config.gateway, client, gatewayId: config.client.device.devId, stateDir: config.client.stateDir,
        hostServers: config.virtServers,
        channel: (name) => hypervisor.channel(name),
        vmDir: (name) => join(config.vmsDir, name),
        report: (alert) => { void agent.deliver(() => client.tree.queueGenericAlert(alert)); },
        log: (detail) => options.log?.({ event: 'gateway', detail }),
      });
    }
    hypervisor.onGuestMessage((name, m) => agent.onGuestMessage(name, m));
    hypervisor.onUnexpectedExit((e) => agent.onCrash(e.name, e.reason));
    await agent.recover();
    if (config.client.notifications) await client.listen();
    if (options.register ?? true) await client.runSession();
    return agent;
  }

  /** The host's DevId. */
  get devId(): string {
    return this.config.client.device.devId;
  }

  /** Wait for queued jobs, stop every VM, close the client. */
  async close(): Promise<void> {
    this.closed = true;
    await this.jobs;
    await this.hypervisor.close();
    await this.gateway?.close();
    await this.client.close();
  }

  // ───────────── sessions and alerts ─────────────

  private onClientEvent(e: DmClientLogEvent): void {
    if (e.event === 'session-start') this.activeSessions++;
    if (e.event === 'session-end') {
      this.activeSessions--;
      if (this.activeSessions === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
    this.options.log?.({ event: 'client', detail: e });
  }

  private idle(): Promise<void> {
    return this.activeSessions === 0 ? Promise.resolve() : new Promise((r) => this.idleWaiters.push(r));
  }

  /**
   * Report once no session is running (so the alert never shares a message
   * with the 202 it completes), then open a session to deliver it.
   */
  private async deliver(queue: () => void, serverId?: string): Promise<void> {
    await this.idle();
    queue();
    if (this.closed) return;
    await this.client.runSession(serverId ? { serverId } : {}).catch(() => undefined);
  }

  // ───────────── Exec handlers ─────────────

  /** Accept an Exec: answer 202 and queue the job; its result goes out as a Generic Alert. */
  private accept(op: string, vm: string, ctx: ExecContext, job: () => Promise<string>): ExecResult {
    const serverId = ctx.serverId;
    // Source = the Exec'd node (shared/spec/oma-dm-facts-2.md §G.4); Mark critical on failure.
    const report = (data: string) => ctx.report({ type: VIRT_ALERT.operation(op), format: 'chr', data, ...(data.startsWith('2') ? {} : { mark: 'critical' }) });
    const run = this.jobs.then(async () => {
      this.options.log?.({ event: 'job', op, vm, phase: 'start' });
      let data: string;
      try {
        data = await job();
        this.options.log?.({ event: 'job', op, vm, phase: 'done', detail: data });
      } catch (e) {
        const code = e instanceof JobError ? e.code : 500;
        const reason = (e as Error).message.replace(/\s+/g, ' ');
        data = `${code} ${reason}`;
        this.options.log?.({ event: 'job', op, vm, phase: 'failed', detail: data });
      }
      await this.deliver(() => report(data), serverId);
    });
    this.jobs = run.catch(() => undefined);
    return { status: 202 };
  }

  private bindVmOps(name: string): void {
    const t = this.client.tree;
    t.setExecHandler(vmOpUri(name, N.start), (ctx) => this.accept('Start', name, ctx, () => this.startVm(name)));
    t.setExecHandler(vmOpUri(name, N.stop), (ctx) => this.accept('Stop', name, ctx, () => this.stopVm(name)));
    t.setExecHandler(vmOpUri(name, N.delete), (ctx) => this.accept('Delete', name, ctx, () => this.deleteVm(name)));
    t.setExecHandler(vmOpUri(name, N.installClient), (ctx) => this.accept('InstallClient', name, ctx, () => this.installClient(name, ctx.data)));
  }

  // ───────────── jobs ─────────────

  private async create(ctx: ExecContext): Promise<string> {
    const req = parseCreateRequest(ctx.data);
    const t = this.client.tree;
    if (listVmNames(t).includes(req.name) || this.hypervisor.state(req.name) !== undefined) throw new JobError(418, `a VM named ${req.name} already exists`);
    const dir = join(this.config.vmsDir, req.name);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, CREATE_MARKER), JSON.stringify({ correlator: ctx.correlator ?? null, serverId: ctx.serverId, name: req.name }));
    await writeFile(join(dir, VM_INFO), JSON.stringify({ name: req.name, hostDevId: this.devId }));
    putVm(t, req.name, {
      name: req.name, kind: req.kind, image: req.image, digest: req.digest, state: 'creating', memoryMB: req.memoryMB ?? 0, vcpus: req.vcpus ?? 0,
      clientInstalled: false, managementMode: 'none', bootstrap: 'none',
    }, req.managers?.length ? [...this.config.virtServers, ...req.managers] : undefined);
    try {
      let image: Image;
      try {
        image = await this.images.get(req.imageUrl, req.digest);
      } catch (e) {
        throw new JobError(/unknown image/.test((e as Error).message) ? 404 : 500, (e as Error).message);
      }
      if (image.manifest.name !== req.image) throw new JobError(500, `image mismatch: asked for ${req.image}, the bundle is ${image.manifest.name}`);
      putImage(t, { name: image.manifest.name, kind: image.manifest.kind, digest: req.digest, withClient: image.manifest.withClient });
      const withClient = req.withClient ?? image.manifest.withClient;
      const memoryMB = req.memoryMB ?? image.manifest.memoryMB;
      const vcpus = req.vcpus ?? image.manifest.vcpus;
      putVm(t, req.name, { memoryMB, vcpus });
      let client: { devId: string; bootstrap: VmBootstrap } | undefined;
      const mode: GwMode = req.mode ?? this.gateway?.defaultMode ?? 'direct';
      if (mode !== 'direct' && !this.gateway) throw new JobError(400, `mode ${mode} needs the host's gateway (config gateway.enabled)`);
      let proxy: Awaited<ReturnType<Gateway['provisionProxy']>> | undefined;
      if (withClient && mode === 'proxy') {
        // Proxy mode: the VM's client knows only the gateway (a socket in its directory); its DevId is local.
        proxy = await this.gateway!.provisionProxy(req.name);
        await writeFile(join(dir, VM_INFO), JSON.stringify({ name: req.name, hostDevId: this.devId, gatewaySocket: proxy.socket }));
        client = await this.writeGuestConfig(dir, req.name, image, proxy.localId, proxy.account);
      } else if (withClient) client = await this.writeGuestConfig(dir, req.name, req.bootstrap ? withDocument(image, req.bootstrap) : image, req.devId, req.bootstrap ? undefined : req.account);
      await this.hypervisor.define({ name: req.name, dir, image, memoryMB, vcpus });
      try {
        await this.hypervisor.start(req.name);
      } catch (e) {
        throw new JobError(500, (e as Error).message);
      }
      let notifyAddress: string | undefined;
      if (client) notifyAddress = await this.waitForRegistration(req.name, client.devId);
      if (proxy) notifyAddress = undefined; // reached through the gateway only
      const globalId = proxy ? `${this.devId}/${proxy.localId}` : client?.devId;
      putVm(t, req.name, {
        state: 'running', clientInstalled: client !== undefined, managementMode: client ? mode : 'none', bootstrap: client?.bootstrap ?? 'none',
        ...(client ? { clientDevId: globalId } : {}),
      });
      if (client && this.gateway) this.gateway.attach({ node: req.name, vmName: req.name, localId: client.devId, deviceId: globalId!, mode });
      this.bindVmOps(req.name);
      await rm(join(dir, CREATE_MARKER), { force: true });
      return `200 ${JSON.stringify({ vm: req.name, state: 'running', ...(client ? { devId: globalId, mode } : {}), ...(notifyAddress ? { notifyAddress } : {}) })}`;
    } catch (e) {
      await this.hypervisor.undefine(req.name).catch(() => undefined);
      await this.gateway?.detach(req.name).catch(() => undefined);
      this.guests.delete(req.name);
      removeVm(t, req.name);
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  private requireVm(name: string) {
    const vm = readVm(this.client.tree, name);
    if (!vm) throw new JobError(404, `no VM named ${name}`);
    return vm;
  }

  private async startVm(name: string): Promise<string> {
    const vm = this.requireVm(name);
    if (this.hypervisor.state(name) === 'running') return `200 ${JSON.stringify({ vm: name, state: 'running' })}`;
    this.guests.delete(name);
    try {
      await this.hypervisor.start(name);
    } catch (e) {
      putVm(this.client.tree, name, { state: this.hypervisor.state(name) ?? 'stopped', lastError: (e as Error).message });
      throw new JobError(500, (e as Error).message);
    }
    let notifyAddress: string | undefined;
    if (vm.clientInstalled && vm.clientDevId) notifyAddress = await this.waitForRegistration(name, vm.clientDevId).catch(() => undefined);
    putVm(this.client.tree, name, { state: 'running' });
    clearVmError(this.client.tree, name);
    return `200 ${JSON.stringify({ vm: name, state: 'running', ...(notifyAddress ? { notifyAddress } : {}) })}`;
  }

  private async stopVm(name: string): Promise<string> {
    this.requireVm(name);
    await this.hypervisor.stop(name);
    putVm(this.client.tree, name, { state: 'stopped' });
    return `200 ${JSON.stringify({ vm: name, state: 'stopped' })}`;
  }

  private async deleteVm(name: string): Promise<string> {
    this.requireVm(name);
    putVm(this.client.tree, name, { state: 'deleting' });
    await this.hypervisor.undefine(name);
    await this.gateway?.detach(name);
    this.guests.delete(name);
    await rm(join(this.config.vmsDir, name), { recursive: true, force: true });
    removeVm(this.client.tree, name);
    return `200 ${JSON.stringify({ vm: name, state: 'deleted' })}`;
  }

  private async installClient(name: string, data: ExecContext['data']): Promise<string> {
    const vm = this.requireVm(name);
    if (vm.clientInstalled) throw new JobError(418, `VM ${name} already has a DM client (${vm.clientDevId ?? 'not registered'})`);
    if (this.hypervisor.state(name) !== 'running') throw new JobError(409, `VM ${name} is not running (${this.hypervisor.state(name) ?? 'undefined'}); start it first`);
    const channel = this.hypervisor.channel(name);
    if (!channel) throw new JobError(501, `the ${this.hypervisor.driver} driver has no channel into VM ${name} to install a client through`);
    const req = parseJson(data, 'InstallClient data');
    const dir = join(this.config.vmsDir, name);
    const devId = req.devId === undefined ? undefined : str(req.devId, 'devId');
    if (req.account !== undefined && (typeof req.account !== 'object' || req.account === null)) throw new JobError(400, 'account must be an object');
    const empty: Image = { manifest: { format: 'dmvisor-image/1', name: vm.image || 'none', kind: vm.kind, withClient: false, memoryMB: 1, vcpus: 1 }, files: {} };
    const client = await this.writeGuestConfig(dir, name, empty, devId, req.account as Record<string, unknown> | undefined);
    this.guests.delete(name);
    channel.send({ type: 'install-client', config: GUEST_CONFIG });
    let notifyAddress: string;
    try {
      notifyAddress = await this.waitForRegistration(name, client.devId);
    } catch (e) {
      await rm(join(dir, GUEST_CONFIG), { force: true });
      throw e;
    }
    putVm(this.client.tree, name, { clientInstalled: true, clientDevId: client.devId, managementMode: 'direct', bootstrap: client.bootstrap });
    this.gateway?.attach({ node: name, vmName: name, localId: client.devId, deviceId: client.devId, mode: 'direct' });
    return `200 ${JSON.stringify({ vm: name, devId: client.devId, notifyAddress })}`;
  }

  /**
   * Write the guest's `dmvisor client` config (validated before it is
   * written). Account: the request's (host-provisioned), else the image's
   * `account.json` (customized). A bootstrap document or smartcard the image
   * carries is written beside it and referenced in the `bootstrap` section.
   */
  private async writeGuestConfig(dir: string, name: string, image: Image, devId: string | undefined, account: Record<string, unknown> | undefined): Promise<{ devId: string; bootstrap: VmBootstrap }> {
    const fromImage = imageAccount(image);
    const chosen = account ?? fromImage;
    const b = image.manifest.bootstrap;
    const bootstrapDoc = b && b.method !== 'customized' ? b : undefined;
    if (!chosen && !bootstrapDoc) throw new JobError(400, `no DM account for the client of VM ${name}: the image carries none and the request gives none`);
    const id = devId ?? `${this.devId}:vm:${name}`;
    const guest = guestClientConfig({ devId: id, kind: image.manifest.kind, ...(chosen ? { account: chosen } : {}), ...(bootstrapDoc ? { bootstrap: bootstrapDoc } : {}) });
    if (bootstrapDoc) await writeFile(join(dir, bootstrapDoc.file.split('/').pop()!), image.files[bootstrapDoc.file]);
    try {
      parseDeviceConfig(guest, `${name}/${GUEST_CONFIG}`);
    } catch (e) {
      if (e instanceof ConfigError) throw new JobError(400, `the guest client config of VM ${name} is invalid: ${e.message}`);
      throw e;
    }
    await writeFile(join(dir, GUEST_CONFIG), JSON.stringify(guest, null, 2));
    const bootstrap: VmBootstrap = account ? 'host-provisioned' : bootstrapDoc ? (bootstrapDoc.method === 'smartcard' ? 'smartcard' : 'customized') : 'customized';
    return { devId: id, bootstrap };
  }

  // ───────────── guests ─────────────

  private guest(name: string): GuestStatus {
    let g = this.guests.get(name);
    if (!g) this.guests.set(name, (g = { sessions: [], waiters: [] }));
    return g;
  }

  private onGuestMessage(name: string, m: { type: string; [k: string]: unknown }): void {
    this.gateway?.onGuestMessage(name, m);
    if (m.type === 'hello') this.gateway?.setReachable(name, true);
    const g = this.guest(name);
    if (m.type === 'client-listening' && typeof m.httpPort === 'number') g.httpPort = m.httpPort;
    else if (m.type === 'client-session' && typeof m.state === 'string') g.sessions.push({ state: m.state, ...(typeof m.reason === 'string' ? { reason: m.reason } : {}) });
    else if (m.type === 'error' && typeof m.message === 'string') g.sessions.push({ state: 'failed', reason: m.message });
    else return;
    for (const w of g.waiters.splice(0)) w();
  }

  /** Wait for the VM's client to finish its first session; resolves with its notification address. */
  private async waitForRegistration(name: string, devId: string): Promise<string> {
    const timeoutMs = this.options.registerTimeoutMs ?? 20000;
    const until = Date.now() + timeoutMs;
    const g = this.guest(name);
    for (;;) {
      const first = g.sessions[0];
      if (first) {
        if (first.state !== 'completed') throw new JobError(500, `the DM client of VM ${name} (${devId}) could not register: ${first.reason ?? first.state}`);
        if (g.httpPort === undefined) throw new JobError(500, `the DM client of VM ${name} does not listen for notifications`);
        return `http://${this.config.guestAddress}:${g.httpPort}/notify`;
      }
      if (this.hypervisor.state(name) !== 'running') throw new JobError(500, `VM ${name} stopped before its DM client registered`);
      const left = until - Date.now();
      if (left <= 0) throw new JobError(504, `the DM client of VM ${name} did not register within ${timeoutMs} ms`);
      await new Promise<void>((r) => { const t = setTimeout(r, Math.min(left, 500)); g.waiters.push(() => { clearTimeout(t); r(); }); });
    }
  }

  private onCrash(name: string, reason: string): void {
    if (!readVm(this.client.tree, name)) return;
    this.options.log?.({ event: 'vm-crashed', vm: name, reason });
    putVm(this.client.tree, name, { state: 'crashed', lastError: reason });
    void this.deliver(() => this.client.tree.queueGenericAlert({ type: VIRT_ALERT.crashed, format: 'chr', mark: 'critical', data: `500 ${reason}`, sourceUri: vmUri(name) }));
  }

  // ───────────── recovery ─────────────

  private async recover(): Promise<void> {
    const t = this.client.tree;
    // A Create's marker may be on disk for a VM the saved tree never saw (the host died before saving).
    const onDisk = await readdir(this.config.vmsDir).catch(() => [] as string[]);
    const names = [...new Set([...listVmNames(t), ...onDisk.filter((n) => isValidName(n) && existsSync(join(this.config.vmsDir, n, CREATE_MARKER)))])];
    for (const name of names) {
      const vm = readVm(t, name);
      const dir = join(this.config.vmsDir, name);
      const marker = join(dir, CREATE_MARKER);
      if (!vm || vm.state === 'creating' || existsSync(marker)) {
        const m = await readFile(marker, 'utf8').then((s) => JSON.parse(s) as { correlator?: string | null; serverId?: string }).catch(() => ({} as { correlator?: string | null; serverId?: string }));
        await this.hypervisor.undefine(name).catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
        removeVm(t, name);
        t.queueGenericAlert({
          type: VIRT_ALERT.operation('Create'), format: 'chr', mark: 'critical', data: `500 the host restarted while creating VM ${name}; nothing of it remains`,
          sourceUri: CREATE_URI, ...(m.correlator ? { correlator: m.correlator } : {}), ...(m.serverId ? { serverId: m.serverId } : {}),
        });
        this.options.log?.({ event: 'recovered', vm: name, detail: 'removed a half-created VM' });
        continue;
      }
      if (!existsSync(dir)) {
        removeVm(t, name);
        this.options.log?.({ event: 'recovered', vm: name, detail: 'its directory is gone; removed from the tree' });
        continue;
      }
      const image: Image = { manifest: { format: 'dmvisor-image/1', name: vm.image || 'none', kind: vm.kind, withClient: vm.clientInstalled, memoryMB: vm.memoryMB || 1, vcpus: vm.vcpus || 1 }, files: {} };
      await this.hypervisor.define({ name, dir, image, memoryMB: vm.memoryMB, vcpus: vm.vcpus });
      this.bindVmOps(name);
      const actual = this.hypervisor.state(name);
      if (actual === 'running') putVm(t, name, { state: 'running' });
      else if (vm.state === 'running' || vm.state === 'deleting') {
        putVm(t, name, { state: 'stopped', lastError: 'the host restarted; the VM stopped with it' });
        this.options.log?.({ event: 'recovered', vm: name, detail: 'reported stopped (the host restarted)' });
      }
    }
  }
}

/** The image with a per-VM bootstrap document in place of its own bootstrap and account. */
function withDocument(image: Image, b: NonNullable<CreateRequest['bootstrap']>): Image {
  const { 'account.json': _a, ...files } = image.files;
  return {
    manifest: { ...image.manifest, withClient: true, bootstrap: { method: 'document', file: 'bootstrap/bootstrap.wbxml', ...(b.sec ? { sec: b.sec } : {}), ...(b.mac ? { mac: b.mac } : {}), ...(b.pin ? { pin: b.pin } : {}) } },
    files: { ...files, 'bootstrap/bootstrap.wbxml': new Uint8Array(Buffer.from(b.data, 'base64')) },
  };
}

/**
 * The guest's `dmvisor client` config. A bootstrap document or smartcard
 * (written beside it, named by the last part of its payload path) is
 * referenced in the `bootstrap` section — the contract with src/bootstrap:
 * `{ documents: [{ file, sec?, mac?, pin? }] }` or `{ smartcard: { virtual } }`,
 * paths relative to the config file; `accounts` may then be empty.
 */
export function guestClientConfig(o: {
  devId: string; kind: VmKind;
  account?: Record<string, unknown>;
  bootstrap?: NonNullable<Image['manifest']['bootstrap']>;
}): Record<string, unknown> {
  const guest: Record<string, unknown> = {
    stateDir: './client-state',
    device: { devId: o.devId, man: 'dmvisor', mod: `dmvisor-vm-${o.kind.toLowerCase()}`, devTyp: 'vm', hwV: 'vm' },
    accounts: o.account ? [o.account] : [],
    notifications: { httpPort: 0, host: '0.0.0.0' },
  };
  const b = o.bootstrap;
  if (b && b.method !== 'customized') {
    const file = b.file.split('/').pop()!;
    guest.bootstrap = b.method === 'smartcard'
      ? { smartcard: { virtual: file } }
      : { documents: [{ file, ...(b.sec ? { sec: b.sec } : {}), ...(b.mac ? { mac: b.mac } : {}), ...(b.pin ? { pin: b.pin } : {}) }] };
  }
  return guest;
}

// ───────────── request parsing ─────────────

function parseJson(data: ExecContext['data'], what: string): Record<string, unknown> {
  const text = data === undefined ? '' : typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
  if (text.length > 64 * 1024) throw new JobError(413, `${what} larger than 64 KiB`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new JobError(400, `${what} must be a JSON object`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new JobError(400, `${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '' || v.length > 1024) throw new JobError(400, `${field} must be a non-empty string`);
  return v;
}

/** Validate the Create Exec's Data. */
export function parseCreateRequest(data: ExecContext['data']): CreateRequest {
  const o = parseJson(data, 'Create data');
  if (!isValidName(o.name)) throw new JobError(400, 'name must be 1–64 of letters, digits, . _ - (not starting with . _ -)');
  if (o.kind !== 'Personal' && o.kind !== 'Enterprise') throw new JobError(400, 'kind must be Personal or Enterprise');
  const req: CreateRequest = { name: o.name, kind: o.kind, image: str(o.image, 'image'), imageUrl: str(o.imageUrl, 'imageUrl'), digest: str(o.digest, 'digest') };
  if (o.withClient !== undefined) {
    if (typeof o.withClient !== 'boolean') throw new JobError(400, 'withClient must be true or false');
    req.withClient = o.withClient;
  }
  if (o.devId !== undefined) req.devId = str(o.devId, 'devId');
  if (o.account !== undefined) {
    if (typeof o.account !== 'object' || o.account === null || Array.isArray(o.account)) throw new JobError(400, 'account must be an object');
    req.account = o.account as Record<string, unknown>;
  }
  if (o.mode !== undefined) {
    if (!(GW_MODES as readonly unknown[]).includes(o.mode)) throw new JobError(400, `mode must be one of ${GW_MODES.join(', ')}`);
    req.mode = o.mode as GwMode;
  }
  if (o.managers !== undefined) {
    if (!Array.isArray(o.managers) || !o.managers.every((m) => typeof m === 'string' && /^[^\s=&*+]+$/.test(m))) throw new JobError(400, 'managers must be an array of server ids');
    req.managers = o.managers as string[];
  }
  if (o.bootstrap !== undefined) {
    const b = o.bootstrap as Record<string, unknown>;
    if (typeof b !== 'object' || b === null || b.method !== 'document' || typeof b.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b.data)) throw new JobError(400, 'bootstrap must be { method: "document", data: <Base64>, sec?, mac?, pin? }');
    for (const k of ['sec', 'mac', 'pin'] as const) if (b[k] !== undefined && typeof b[k] !== 'string') throw new JobError(400, `bootstrap.${k} must be a string`);
    req.bootstrap = { method: 'document', data: b.data, ...(b.sec ? { sec: b.sec as string } : {}), ...(b.mac ? { mac: b.mac as string } : {}), ...(b.pin ? { pin: b.pin as string } : {}) };
  }
  for (const k of ['memoryMB', 'vcpus'] as const) {
    if (o[k] === undefined) continue;
    if (!Number.isInteger(o[k]) || (o[k] as number) < 1 || (o[k] as number) > 1 << 20) throw new JobError(400, `${k} must be a positive integer`);
    req[k] = o[k] as number;
  }
  return req;
}
