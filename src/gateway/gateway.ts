/**
 * The GwMO gateway of a host (`dmvisor host` with a `gateway` section): the
 * host's DM client is the gateway's upstream side; its VMs are the end
 * devices. See docs/gateway.md.
 *
 * - **Inventory.** Every VM with a DM client gets a Device Inventory record
 *   (global DeviceID, local id, mode, reachability, last contact) and an End
 *   Device Trigger; attaching and detaching raise the `deviceattached` /
 *   `devicedetached` Generic Alerts.
 * - **Transparent mode.** The server Execs `<EDTrigger>/<x>/Trigger` with the
 *   VM's package #0 as Data (in the gateway's own session); the gateway checks
 *   it is a package #0 and hands it to the VM over the host↔VM channel. The
 *   VM's client verifies the digest (a tampered one is dropped there) and
 *   opens its own session with the server. A trigger for an end device the
 *   gateway does not know is refused (404) and logged.
 * - **Proxy mode.** The server addresses the VM's tree as
 *   `<DevInv>/<x>/Tree/<path>` in its session with the gateway. Before the
 *   session engine runs such a message, the gateway strips the prefix, runs
 *   the commands in a downstream session where it is the VM's DM server
 *   ({@link DownstreamHub}) and waits up to `proxyTimeoutMs`; the engine then
 *   answers with the VM's statuses and results (prefix restored). An Exec the
 *   VM has not answered in time gets 202, its result follows by Generic Alert
 *   with the server's Correlator; other commands that miss the deadline get
 *   408. Generic Alerts the VM raises go up with their source prefixed.
 */
import { join } from 'node:path';
import { decodeMessage, encodeEmbeddedXml, type Command, type Item, type ItemCommand } from '../syncml/index.js';
import { decodePackage0 } from '../notification/index.js';
import { DecodeError } from '../errors.js';
import type { DmClient } from '../client/dm-client.js';
import type { GenericAlert } from '../tree/hooks.js';
import { GWMO_ALERT, GWMO_NODES as N, GWMO_ROOTS, GW_FANOUT_MO, inventoryUri, proxyPrefix, triggerUri, type GwMode } from '../mo/gwmo.js';
import { instantiateMo, type MoValues } from '../mo/instantiate.js';
import type { ExecOutcome } from '../tree/management-tree.js';
import { completionData, deviceResult, parseFanoutCommands, type FanoutDeviceResult } from './fanout.js';
import type { ChannelMessage, VmChannel } from '../transport/vm-channel.js';
import type { GatewayConfig } from './gateway-config.js';
import { DownstreamHub, type DownstreamAnswer, type DownstreamCommand, type DownstreamJob, type EndDeviceAlert } from './downstream.js';
import {
  installGwMos, listEndDeviceNodes, putEndDevice, touchEndDevice, putGatewayImage, readEndDevice, readProxyTimeout, removeEndDevice, setTriggerResult, splitProxied,
  type EndDeviceRecord,
} from './inventory.js';
import { ProxyTree, type ProxiedOutcome } from './proxy-tree.js';

/** dmvisor's own alert type: the late result of a proxied Exec (Data `<code>` or `<code> <reason>`). */
export const GW_PROXIED_RESULT_ALERT = 'urn:x-dmvisor:at:gateway:proxied-result:1.0';

/** End devices per resultaggregation alert (~100 bytes each: a few KiB per alert). */
export const RESULTS_PER_ALERT = 50;

/** Socket file (in the VM directory) a proxy-mode VM reaches the gateway on. */
export const GATEWAY_SOCKET = 'gw.sock';

/** Something worth telling an operator. */
export type GatewayLogEvent =
  | { event: 'attached' | 'detached'; node: string; deviceId: string; mode?: GwMode }
  | { event: 'trigger'; node: string; result: string }
  | { event: 'trigger-refused'; uri: string; reason: string }
  | { event: 'refused'; node: string; reason: string }
  | { event: 'proxied'; node: string; commands: number; answered: 'in-session' | 'later' | 'timeout' }
  | { event: 'downstream-session'; node: string; state: string; reason?: string }
  | { event: 'fanout'; job: string; devices: number; phase: 'start' | 'done'; detail?: string };

/** What the gateway needs from its host. */
export interface GatewayOptions {
  config: GatewayConfig;
  client: DmClient;
  gatewayId: string;
  /** Where the downstream state persists (the host client's state directory). */
  stateDir: string;
  hostServers: readonly string[];
  /** The VM's channel, if it is up. */
  channel(vmName: string): VmChannel | undefined;
  vmDir(vmName: string): string;
  /** Queue a Generic Alert for the server and deliver it (a session once none is running). */
  report(alert: GenericAlert): void;
  log?: (e: GatewayLogEvent) => void;
}

interface Proxied {
  verb: string;
  uri: string;
  node: string;
  cmd: DownstreamCommand;
}

/** See the module comment. */
export class Gateway {
  private readonly waiters = new Map<string, (job: DownstreamJob) => void>();
  private readonly proxyTree: ProxyTree;
  private hub!: DownstreamHub;

  private constructor(private readonly options: GatewayOptions) {
    const tree = options.client.tree;
    this.proxyTree = new ProxyTree(tree, (uri) => splitProxied(uri) !== undefined, (verb, uri, o) => {
      if (verb === 'Exec' && uri.startsWith(`${GWMO_ROOTS.edTrigger}/`) && o.status === 404) {
        options.log?.({ event: 'trigger-refused', uri, reason: 'no such end device' });
      }
    }, (uri, _data, serverId, correlator) => this.fanoutExec(uri, serverId, correlator));
  }

  /** Install the MOs, reopen the downstream state, layer the proxy onto the host client's sessions. */
  static async start(options: GatewayOptions): Promise<Gateway> {
    const gw = new Gateway(options);
    const { client } = options;
    installGwMos(client.tree, options.config, options.gatewayId, options.hostServers);
    gw.hub = await DownstreamHub.open({
      stateFile: join(options.stateDir, 'gateway-downstream.json'),
      serverId: options.config.serverId,
      deliver: (node, pkg) => gw.deliver(node, pkg),
      onEvent: (e) => {
        switch (e.event) {
          case 'job-done': gw.onJobDone(e.job); break;
          case 'alert': gw.relayAlert(e.node, e.alert); break;
          case 'contact': touchEndDevice(client.tree, e.node, new Date().toISOString()); break;
          case 'refused': options.log?.({ event: 'refused', node: e.node, reason: e.reason }); break;
          case 'session-end': options.log?.({ event: 'downstream-session', node: e.node, state: e.state, ...(e.reason ? { reason: e.reason } : {}) }); break;
        }
      },
    });
    for (const node of listEndDeviceNodes(client.tree)) {
      gw.bindTrigger(node);
      if (readEndDevice(client.tree, node)?.mode === 'proxy') await gw.hub.listen(node);
    }
    client.setSessionHooks({ tree: gw.proxyTree, beforeReceive: (body, encoding, serverId) => gw.beforeReceive(body, encoding, serverId) });
    return gw;
  }

  /** The downstream side (tests and the bench look at its state). */
  get downstream(): DownstreamHub {
    return this.hub;
  }

  /** The configured default mode. */
  get defaultMode(): GwMode {
    return this.options.config.defaultMode;
  }

  /** Inventory records. */
  inventory(): EndDeviceRecord[] {
    return listEndDeviceNodes(this.options.client.tree).map((n) => readEndDevice(this.options.client.tree, n)!);
  }

  /**
   * Prepare a proxy-mode VM before it starts: provision its client's
   * credentials and listen on its socket. Returns its local DevId and the
   * DM account its client gets (the gateway as its server).
   */
  async provisionProxy(vmName: string, localId = vmName): Promise<{ localId: string; account: Record<string, unknown>; socket: string }> {
    const prev = this.hub.device(vmName);
    const secret = prev?.secret ?? Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(18))).toString('base64url');
    await this.hub.addDevice({ node: vmName, localId, secret, socketPath: join(this.options.vmDir(vmName), GATEWAY_SOCKET) });
    return {
      localId,
      socket: GATEWAY_SOCKET,
      account: { serverId: this.options.config.serverId, serverUri: 'http://gateway/dm', encoding: 'xml', clientAuth: { type: 'DIGEST', name: localId, secret } },
    };
  }

  /** Record an end device (after its client registered) and tell the server. */
  attach(rec: { node: string; vmName: string; localId: string; deviceId: string; mode: GwMode }): void {
    const tree = this.options.client.tree;
    putEndDevice(tree, { ...rec, reachable: this.options.channel(rec.vmName) !== undefined, lastContact: new Date().toISOString() });
    this.bindTrigger(rec.node);
    this.options.log?.({ event: 'attached', node: rec.node, deviceId: rec.deviceId, mode: rec.mode });
    this.options.report({
      type: GWMO_ALERT.deviceAttached, format: 'chr', sourceUri: inventoryUri(rec.node),
      data: JSON.stringify({ deviceId: rec.deviceId, localId: rec.localId, mode: rec.mode, prefix: proxyPrefix(rec.node), vm: rec.vmName }),
    });
  }

  /** Forget an end device (its VM was deleted) and tell the server. */
  async detach(node: string): Promise<void> {
    const tree = this.options.client.tree;
    const rec = readEndDevice(tree, node);
    await this.hub.removeDevice(node);
    if (!rec) return;
    removeEndDevice(tree, node);
    this.options.log?.({ event: 'detached', node, deviceId: rec.deviceId });
    this.options.report({ type: GWMO_ALERT.deviceDetached, format: 'chr', sourceUri: inventoryUri(node), data: JSON.stringify({ deviceId: rec.deviceId }) });
  }

  /** Mark reachability (the VM's channel came up or went down). */
  setReachable(node: string, reachable: boolean): void {
    if (readEndDevice(this.options.client.tree, node)) putEndDevice(this.options.client.tree, { node, reachable });
  }

  /** Record an image kept for end devices and announce it (`imageready`). */
  imageStored(image: { name: string; kind: string; digest: string }): void {
    putGatewayImage(this.options.client.tree, image);
    this.options.report({ type: GWMO_ALERT.imageReady, format: 'chr', sourceUri: `${GWMO_ROOTS.imageInventory}/${image.name}`, data: JSON.stringify(image) });
  }

  /** A guest's channel message the gateway cares about. */
  onGuestMessage(vmName: string, m: ChannelMessage): void {
    if (m.type !== 'notification-result') return;
    const result = m.accepted === true ? 'accepted by the end device' : `dropped by the end device: ${typeof m.reason === 'string' ? m.reason : 'no reason'}`;
    setTriggerResult(this.options.client.tree, vmName, result);
    this.options.log?.({ event: 'trigger', node: vmName, result });
  }

  async close(): Promise<void> {
    this.options.client.setSessionHooks(undefined);
    await this.hub.close();
  }

  // ───────────── transparent mode ─────────────

  private bindTrigger(node: string): void {
    this.options.client.tree.setExecHandler(triggerUri(node), (ctx) => {
      const rec = readEndDevice(this.options.client.tree, node);
      if (!rec) return { status: 404, reason: `no end device ${node}` };
      const text = typeof ctx.data === 'string' ? ctx.data : ctx.data === undefined ? '' : Buffer.from(ctx.data).toString('utf8');
      const bytes = new Uint8Array(Buffer.from(text.trim(), 'base64'));
      try {
        decodePackage0(bytes);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        const result = `refused: not a package #0 (${e.message})`;
        setTriggerResult(this.options.client.tree, node, result);
        this.options.log?.({ event: 'trigger', node, result });
        return { status: 400, reason: result };
      }
      if (!this.deliver(node, bytes)) {
        setTriggerResult(this.options.client.tree, node, 'refused: the end device is not reachable');
        this.options.log?.({ event: 'trigger', node, result: 'unreachable' });
        return { status: 410, reason: `end device ${node} is not reachable` };
      }
      setTriggerResult(this.options.client.tree, node, 'delivered');
      this.options.log?.({ event: 'trigger', node, result: 'delivered' });
      return 200;
    });
  }

  /** Hand a package #0 to the VM over its channel. */
  private deliver(node: string, pkg: Uint8Array): boolean {
    const rec = readEndDevice(this.options.client.tree, node);
    const channel = this.options.channel(rec?.vmName ?? node);
    if (!channel) return false;
    channel.send({ type: 'notification', package0: Buffer.from(pkg).toString('base64') });
    return true;
  }

  // ───────────── fan-out ─────────────

  /** Answer an Exec of `<Fanout>/<x>/Run` (202, results by Generic Alert); undefined for any other Exec. */
  private fanoutExec(uri: string, serverId: string, correlator: string | undefined): ExecOutcome | undefined {
    const root = `${GWMO_ROOTS.fanout}/`;
    if (!uri.startsWith(root) || !uri.endsWith(`/${N.run}`)) return undefined;
    const job = uri.slice(root.length, -N.run.length - 1);
    if (!job || job.includes('/')) return undefined;
    const tree = this.options.client.tree;
    const base = `${GWMO_ROOTS.fanout}/${job}`;
    const access = tree.get(base, serverId);
    if (access.status !== 200) return { status: access.status, ...(access.reason ? { reason: access.reason } : {}) };
    const read = (leaf: string) => (tree.exists(`${base}/${leaf}`) ? String(tree.readValue(`${base}/${leaf}`) ?? '') : undefined);
    const targets = read(N.targets);
    const commandsText = read(N.commands);
    if (targets === undefined || commandsText === undefined) return { status: 412, reason: `${base} needs ${N.targets} and ${N.commands} before ${N.run}` };
    let commands: DownstreamCommand[];
    try {
      commands = parseFanoutCommands(commandsText);
    } catch (e) {
      return { status: 400, reason: (e as Error).message };
    }
    const records = this.inventory().filter((r) => r.mode === 'proxy');
    const wanted = targets.trim() === '*' ? records : targets.split(',').map((t) => t.trim()).filter(Boolean).map((id) => records.find((r) => r.deviceId === id) ?? { deviceId: id, node: '' } as EndDeviceRecord);
    if (wanted.length === 0) return { status: 404, reason: 'no proxy-mode end devices among the targets' };
    if (read(N.state) === 'running') return { status: 409, reason: `fan-out ${job} is already running` };
    instantiateMo(tree, GW_FANOUT_MO, { values: { [job]: { [N.state]: 'running' } } });
    void this.runFanout(job, wanted, commands, correlator);
    return { status: 202 };
  }

  private async runFanout(job: string, targets: EndDeviceRecord[], commands: DownstreamCommand[], correlator: string | undefined): Promise<void> {
    this.options.log?.({ event: 'fanout', job, devices: targets.length, phase: 'start' });
    const tree = this.options.client.tree;
    const results = await Promise.all(targets.map(async (rec): Promise<FanoutDeviceResult> => {
      if (!rec.node) return { deviceId: rec.deviceId, status: 404, commands: commands.map(() => ({ status: 404, reason: 'not a proxy-mode end device of this gateway' })) };
      const submitted = await this.hub.submit(rec.node, commands.map((c) => ({ ...c })));
      const done = submitted.state === 'done' ? submitted : await new Promise<DownstreamJob>((resolve) => this.waiters.set(submitted.id, resolve));
      return deviceResult(rec.deviceId, done.answers.map((a) => a!));
    }));
    const values: Record<string, MoValues[string]> = {};
    results.forEach((r, i) => { values[String(i + 1)] = { [N.deviceId]: r.deviceId, [N.status]: String(r.status), [N.data]: JSON.stringify(r.commands) }; });
    const base = `${GWMO_ROOTS.fanout}/${job}`;
    if (tree.exists(`${base}/${N.results}`)) tree.deleteNode(`${base}/${N.results}`);
    instantiateMo(tree, GW_FANOUT_MO, { values: { [job]: { [N.state]: 'done', [N.results]: values } } });
    const completion = completionData(results);
    this.options.log?.({ event: 'fanout', job, devices: targets.length, phase: 'done', detail: completion });
    // Per-device results in alerts of at most RESULTS_PER_ALERT devices, so each fits a message.
    for (let i = 0; i < results.length; i += RESULTS_PER_ALERT) {
      this.options.report({ type: GWMO_ALERT.resultAggregation, format: 'chr', sourceUri: base, data: JSON.stringify(results.slice(i, i + RESULTS_PER_ALERT)) });
    }
    this.options.report({
      type: GWMO_ALERT.completionStatus, format: 'chr', sourceUri: `${base}/${N.run}`, data: completion,
      ...(completion === '200' ? {} : { mark: 'critical' }), ...(correlator ? { correlator } : {}),
    });
  }

  // ───────────── proxy mode ─────────────

  /** Run the proxied commands of a server message downstream before the engine sees it. */
  private async beforeReceive(body: Uint8Array, encoding: 'xml' | 'wbxml', serverId: string): Promise<void> {
    this.proxyTree.clear();
    let commands: readonly Command[];
    try {
      commands = decodeMessage(body, encoding).body.commands;
    } catch {
      return; // the engine reports the bad message
    }
    const proxied: Proxied[] = [];
    const walk = (list: readonly Command[], inAtomic: boolean) => {
      for (const c of list) {
        if (c.kind === 'Atomic') walk(c.commands, true);
        else if (c.kind === 'Sequence') walk(c.commands, inAtomic);
        else if (c.kind === 'Add' || c.kind === 'Replace' || c.kind === 'Delete' || c.kind === 'Get' || c.kind === 'Copy' || c.kind === 'Exec') {
          const items = c.kind === 'Exec' ? [c.item] : c.items;
          for (const item of items) this.collect(c, item, inAtomic, serverId, proxied);
        }
      }
    };
    walk(commands, false);
    if (proxied.length === 0) return;
    const byNode = new Map<string, Proxied[]>();
    for (const p of proxied) {
      const list = byNode.get(p.node);
      if (list) list.push(p);
      else byNode.set(p.node, [p]);
    }
    const timeoutMs = readProxyTimeout(this.options.client.tree, this.options.config.proxyTimeoutMs);
    await Promise.all([...byNode].map(([node, list]) => this.runDownstream(node, list, timeoutMs)));
  }

  private collect(c: ItemCommand<'Add' | 'Replace' | 'Delete' | 'Copy' | 'Get'> | Extract<Command, { kind: 'Exec' }>, item: Item, inAtomic: boolean, serverId: string, out: Proxied[]): void {
    const uri = item.target?.locURI;
    const split = uri === undefined ? undefined : splitProxied(uri);
    const source = c.kind === 'Copy' ? item.source?.locURI : undefined;
    const splitSource = source === undefined ? undefined : splitProxied(source);
    if (!split && !splitSource) return;
    const key = uri ?? '';
    const refuse = (status: number, reason: string) => this.proxyTree.prepare(c.kind, key, { status, reason });
    if (!split || (c.kind === 'Copy' && (!splitSource || splitSource.node !== split.node))) { refuse(400, 'Copy through the gateway works within one end device only'); return; }
    if (inAtomic) { refuse(500, 'Atomic is not carried through the gateway: the end device\'s commands cannot be rolled back with the gateway\'s'); return; }
    const tree = this.options.client.tree;
    // The record's ACL decides which servers may reach the end device (the host's own servers).
    const access = tree.get(inventoryUri(split.node), serverId);
    if (access.status !== 200) {
      if (access.status === 404) this.options.log?.({ event: 'refused', node: split.node, reason: `no end device ${split.node} (asked by ${serverId})` });
      refuse(access.status, access.reason ?? `end device ${split.node}: ${access.status}`);
      return;
    }
    const rec = readEndDevice(tree, split.node)!;
    if (rec.mode !== 'proxy') { refuse(405, `end device ${split.node} is managed in ${rec.mode} mode, not through the gateway`); return; }
    const cmd: DownstreamCommand = { verb: c.kind, target: split.path };
    if (splitSource) cmd.source = splitSource.path;
    if (item.data !== undefined) cmd.data = typeof item.data === 'string' || item.data instanceof Uint8Array ? item.data : encodeEmbeddedXml(item.data);
    const format = item.meta?.format ?? c.meta?.format;
    const type = item.meta?.type ?? c.meta?.type;
    if (format) cmd.format = format;
    if (type) cmd.type = type;
    if (c.kind === 'Exec' && c.correlator !== undefined) cmd.upstreamCorrelator = c.correlator;
    out.push({ verb: c.kind, uri: key, node: split.node, cmd });
  }

  private async runDownstream(node: string, list: Proxied[], timeoutMs: number): Promise<void> {
    const job = await this.hub.submit(node, list.map((p) => p.cmd));
    let done: DownstreamJob | undefined = job.state === 'done' ? job : undefined;
    if (!done) {
      done = await new Promise<DownstreamJob | undefined>((resolve) => {
        const timer = setTimeout(() => { this.waiters.delete(job.id); resolve(undefined); }, timeoutMs);
        this.waiters.set(job.id, (j) => { clearTimeout(timer); resolve(j); });
      });
    }
    if (done) {
      list.forEach((p, i) => this.proxyTree.prepare(p.verb, p.uri, this.upstreamOutcome(node, done.answers[i]!)));
      this.options.log?.({ event: 'proxied', node, commands: list.length, answered: 'in-session' });
      return;
    }
    // Too late for this message: Execs the server can follow by Correlator are owed later; the rest time out.
    const owesExec = list.some((p) => p.cmd.verb === 'Exec' && p.cmd.upstreamCorrelator !== undefined);
    if (owesExec) await this.hub.detach(job.id);
    else await this.hub.abandon(job.id);
    for (const p of list) {
      const later = p.cmd.verb === 'Exec' && p.cmd.upstreamCorrelator !== undefined;
      this.proxyTree.prepare(p.verb, p.uri, later
        ? { status: 202, reason: 'the end device has not answered yet; the result follows by Generic Alert' }
        : { status: 408, reason: `end device ${node} did not answer within ${timeoutMs} ms` });
    }
    this.options.log?.({ event: 'proxied', node, commands: list.length, answered: owesExec ? 'later' : 'timeout' });
  }

  /** An end device's answer as the server sees it: addresses under the prefix. */
  private upstreamOutcome(node: string, a: DownstreamAnswer): ProxiedOutcome {
    const o: ProxiedOutcome = { status: a.status };
    if (a.reason) o.reason = a.reason;
    if (a.results) {
      o.items = a.results.map((r) => {
        const it: Item = {};
        if (r.source) it.source = { locURI: this.upstreamUri(node, r.source) };
        if (r.data !== undefined) it.data = r.data;
        if (r.format || r.type) it.meta = { ...(r.format ? { format: r.format } : {}), ...(r.type ? { type: r.type } : {}) };
        return it;
      });
    }
    return o;
  }

  private upstreamUri(node: string, uri: string): string {
    const prefix = proxyPrefix(node);
    if (uri === '.' || uri === './') return prefix;
    return uri.startsWith('./') ? `${prefix}/${uri.slice(2)}` : `${prefix}/${uri}`;
  }

  private onJobDone(job: DownstreamJob): void {
    const waiter = this.waiters.get(job.id);
    if (waiter) {
      this.waiters.delete(job.id);
      waiter(job);
      return;
    }
    if (!job.detached) return;
    // Results owed to the server: each Exec's final answer (a 202 from the end device itself is followed by its own alert).
    job.commands.forEach((c, i) => {
      const a = job.answers[i];
      if (c.verb !== 'Exec' || !c.upstreamCorrelator || !a || a.status === 202) return;
      this.options.report({
        type: GW_PROXIED_RESULT_ALERT, format: 'chr', ...(a.status >= 300 ? { mark: 'critical' } : {}),
        sourceUri: this.upstreamUri(job.node, c.target), correlator: c.upstreamCorrelator,
        data: a.reason ? `${a.status} ${a.reason}` : String(a.status),
      });
    });
  }

  /** A Generic Alert the end device raised, sent up with its source under the prefix. */
  private relayAlert(node: string, alert: EndDeviceAlert): void {
    this.options.report({
      type: alert.type ?? 'urn:x-dmvisor:at:gateway:end-device-alert:1.0',
      format: alert.format ?? 'chr',
      data: alert.data ?? '',
      sourceUri: alert.sourceUri ? this.upstreamUri(node, alert.sourceUri) : proxyPrefix(node),
      ...(alert.mark ? { mark: alert.mark } : {}),
      ...(alert.correlator ? { correlator: alert.correlator } : {}),
    });
  }
}
