/**
 * The direct-management scenario (the seed's Figure 7), as steps `dmvisor
 * demo` prints and the bench times: a DM server, a host with the `process`
 * driver, a Personal VM (no client) and an Enterprise VM (client + customized
 * bootstrap = a ready account in its image); the Enterprise VM registers as
 * its own device and the server runs Get/Replace/Exec on it directly; then
 * `install-client` makes the Personal VM a device too.
 *
 * Everything goes through the admin API over real HTTP, as an operator would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DmServer } from '../server/dm-server.js';
import type { Virtualization } from '../mo/virt.js';
import { buildImage, encodeImage } from './image.js';
import { parseHostConfig } from './host-config.js';
import { HostAgent, type HostLogEvent } from './host-agent.js';

/** How a step went. */
export interface StepReport {
  title: string;
  ok: boolean;
  ms: number;
  detail?: string;
}

/** Options of {@link runScenario}. */
export interface ScenarioOptions {
  /** Server port (0: any). */
  port?: number;
  virtualization?: Virtualization;
  /** Called when a step starts and when it ends. */
  onStep?: (phase: 'start' | 'end', step: StepReport) => void;
  hostLog?: (e: HostLogEvent) => void;
  /** Keep going after a failed step (default false: stop at the first failure). */
  keepGoing?: boolean;
  /** Also show GwMO transparent and proxy management of two more Enterprise VMs (what `dmvisor demo` runs). */
  gatewayModes?: boolean;
}

/** What a finished scenario leaves running (stop it with `stop`). */
export interface ScenarioRun {
  steps: StepReport[];
  ok: boolean;
  server: DmServer;
  host?: HostAgent;
  token: string;
  hostDevId: string;
  stop(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are read field by field
type Json = any;

/** An admin API client. */
export function apiClient(base: string, token: string) {
  return async (method: string, path: string, body?: unknown, raw?: Uint8Array): Promise<{ status: number; json: Json }> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined || raw ? { 'content-type': 'application/json' } : {}) },
      ...(raw ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
}

/** Wait until an operation is final; returns it. */
export async function waitForOperation(api: ReturnType<typeof apiClient>, id: string, timeoutMs = 30000): Promise<Json> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const op = await api('GET', `/api/operations/${id}`);
    if (['succeeded', 'failed', 'cancelled', 'expired'].includes(op.json?.state)) return op.json;
    if (Date.now() > until) throw new Error(`operation ${id} still ${op.json?.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Run the scenario; the server (and host) stay up until `stop()`. */
export async function runScenario(options: ScenarioOptions = {}): Promise<ScenarioRun> {
  const dir = await mkdtemp(join(tmpdir(), 'dmvisor-demo-'));
  const token = `demo-${Math.floor(Math.random() * 1e12).toString(36)}`;
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: options.port ?? 0, apiToken: token, logger: pino({ level: 'silent' }) });
  const api = apiClient(server.url, token);
  const hostDevId = 'urn:dmvisor:host:demo-1';
  const steps: StepReport[] = [];
  const run: ScenarioRun = {
    steps, ok: true, server, token, hostDevId,
    stop: async () => {
      await run.host?.close().catch(() => undefined);
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  const step = async (title: string, fn: () => Promise<string | void>): Promise<boolean> => {
    if (!run.ok && !options.keepGoing) return false;
    const s: StepReport = { title, ok: false, ms: 0 };
    options.onStep?.('start', s);
    const t0 = performance.now();
    try {
      const detail = await fn();
      s.ok = true;
      if (detail) s.detail = detail;
    } catch (e) {
      s.detail = (e as Error).message;
      run.ok = false;
    }
    s.ms = Math.round(performance.now() - t0);
    steps.push(s);
    options.onStep?.('end', s);
    return s.ok;
  };
  const must = (cond: unknown, what: string) => { if (!cond) throw new Error(what); };
  const enc = encodeURIComponent;
  let entDevId = '';
  let personalDevId = '';

  await step('build and store the Personal and Enterprise images', async () => {
    const personal = encodeImage(buildImage({ name: 'personal', kind: 'Personal', withClient: false }));
    const enterprise = encodeImage(buildImage({
      name: 'enterprise', kind: 'Enterprise', withClient: true,
      account: { serverId: 'dmvisor', serverUri: `${server.url}/dm`, encoding: 'wbxml', clientAuth: { type: 'DIGEST', name: 'enterprise-vm', secret: 'enterprise-image-secret' } },
    }));
    const a = await api('POST', '/api/images', undefined, personal);
    const b = await api('POST', '/api/images', undefined, enterprise);
    must(a.status === 201 && b.status === 201, `upload failed: ${JSON.stringify([a.json, b.json])}`);
    return `personal ${a.json.digest.slice(0, 19)}…, enterprise ${b.json.digest.slice(0, 19)}… (carries a ready DM account)`;
  });

  await step(`start host ${hostDevId} (${options.virtualization ?? 'TypeI'}, process driver) and register it`, async () => {
    const notifyPort = await freePort();
    const reg = await api('POST', '/api/devices', { devId: hostDevId, clientAuth: { type: 'md5', name: 'host-1', secret: 'host-secret' }, notifyAddress: `http://127.0.0.1:${notifyPort}/notify` });
    must(reg.status === 201, `register host: ${JSON.stringify(reg.json)}`);
    const config = parseHostConfig({
      virtualization: options.virtualization ?? 'TypeI',
      client: {
        stateDir: 'host-state', device: { devId: hostDevId, mod: 'dmvisor-host' },
        accounts: [{ serverId: 'dmvisor', serverUri: `${server.url}/dm`, encoding: 'wbxml', clientAuth: { type: 'DIGEST', name: 'host-1', secret: 'host-secret' } }],
        notifications: { httpPort: notifyPort },
      },
      hypervisor: { driver: 'process' },
    }, 'demo-host.json', join(dir, 'host'));
    run.host = await HostAgent.start({ config, ...(options.hostLog ? { log: options.hostLog } : {}) });
    const dev = await api('GET', `/api/devices/${enc(hostDevId)}`);
    must(dev.json?.lastSeenAt, 'the host did not check in');
    return `host checked in; VM management object at ./Virt`;
  });

  const createVm = async (name: string, kind: string, image: string) => {
    const r = await api('POST', `/api/devices/${enc(hostDevId)}/vms`, { name, kind, image });
    must(r.status === 202, `POST vms: ${r.status} ${JSON.stringify(r.json)}`);
    const op = await waitForOperation(api, r.json.operationId);
    const vm = await api('GET', `/api/devices/${enc(hostDevId)}/vms/${name}`);
    must(op.state === 'succeeded', `create ${name} ${op.state}: ${vm.json?.reason ?? op.reason}`);
    return vm.json;
  };

  await step('create the Personal VM (no DM client)', async () => {
    const vm = await createVm('personal', 'personal', 'personal');
    must(vm.state === 'running' && !vm.devId, `unexpected: ${JSON.stringify(vm)}`);
    return 'running; a VM without a device';
  });

  await step('create the Enterprise VM (DM client + customized bootstrap)', async () => {
    const vm = await createVm('enterprise', 'enterprise', 'enterprise');
    must(vm.state === 'running' && vm.devId, `unexpected: ${JSON.stringify(vm)}`);
    entDevId = vm.devId;
    return `running; its client registered as ${entDevId}`;
  });

  await step('the Enterprise VM is a device of its own, linked to its host', async () => {
    const d = await api('GET', `/api/devices/${enc(entDevId)}`);
    must(d.status === 200 && d.json.lastSeenAt, 'not registered');
    must(d.json.parentDevId === hostDevId, `parentDevId ${d.json.parentDevId}`);
    const list = await api('GET', `/api/devices/${enc(hostDevId)}/vms`);
    return `parent ${d.json.parentDevId}; host reports ${list.json.host.virtualization}/${list.json.host.driver}, ${list.json.vms.length} VMs`;
  });

  await step('direct management: Get, Replace and Exec on the Enterprise VM', async () => {
    const r = await api('POST', `/api/devices/${enc(entDevId)}/operations`, {
      notify: true,
      commands: [
        { verb: 'Get', target: './DevInfo/Mod' },
        { verb: 'Get', target: './DevDetail/Ext/HostDevId' },
        { verb: 'Add', target: './DMAcc/dmvisor/Name', data: 'Enterprise DM' },
        { verb: 'Replace', target: './DMAcc/dmvisor/Name', data: 'Enterprise DM (managed directly)' },
        { verb: 'Exec', target: './DevDetail/Ext/Ping' },
      ],
    });
    must(r.status === 201 && !r.json.notifyError, `queue: ${JSON.stringify(r.json)}`);
    const op = await waitForOperation(api, r.json.id);
    must(op.state === 'succeeded', `operation ${op.state}: ${JSON.stringify(op.commands.map((c: Json) => c.status))}`);
    must(op.commands[1].results[0].data === hostDevId, 'the guest does not name its host');
    return `Mod=${op.commands[0].results[0].data}, HostDevId=${op.commands[1].results[0].data}, Add ${op.commands[2].status}, Replace ${op.commands[3].status}, Exec ${op.commands[4].status}`;
  });

  await step('install a DM client on the Personal VM', async () => {
    const r = await api('POST', `/api/devices/${enc(hostDevId)}/vms/personal/install-client`, {});
    must(r.status === 202, `install-client: ${JSON.stringify(r.json)}`);
    const op = await waitForOperation(api, r.json.operationId);
    const vm = await api('GET', `/api/devices/${enc(hostDevId)}/vms/personal`);
    must(op.state === 'succeeded', `install-client ${op.state}: ${vm.json?.reason}`);
    personalDevId = vm.json.devId;
    const d = await api('GET', `/api/devices/${enc(personalDevId)}`);
    must(d.json?.lastSeenAt && d.json.parentDevId === hostDevId, 'the Personal VM did not register');
    return `the Personal VM is now device ${personalDevId}`;
  });

  if (options.gatewayModes) await gatewaySteps(step, must, api, hostDevId);
  return run;
}

/**
 * The GwMO part of the demo (docs/gateway.md): an Enterprise VM in transparent
 * mode (the gateway delivers its package #0; it opens its own session) and one
 * in proxy mode (its client knows only the gateway; the server's commands run
 * in the host's session and a downstream session), then the inventory.
 */
async function gatewaySteps(
  step: (title: string, fn: () => Promise<string | void>) => Promise<boolean>,
  must: (cond: unknown, what: string) => void,
  api: ReturnType<typeof apiClient>,
  hostDevId: string,
): Promise<void> {
  const enc = encodeURIComponent;
  const create = async (name: string, mode: string) => {
    const r = await api('POST', `/api/devices/${enc(hostDevId)}/vms`, { name, kind: 'enterprise', image: 'enterprise', mode });
    must(r.status === 202, `POST vms: ${r.status} ${JSON.stringify(r.json)}`);
    const op = await waitForOperation(api, r.json.operationId);
    must(op.state === 'succeeded', `create ${name} ${op.state}: ${op.commands?.[0]?.results?.[0]?.data ?? op.reason}`);
    return r.json.devId as string;
  };
  const run = async (devId: string, commands: Json[]) => {
    const r = await api('POST', `/api/devices/${enc(devId)}/operations`, { notify: true, commands });
    must(r.status === 201 && !r.json.notifyError, `queue: ${JSON.stringify(r.json)}`);
    const op = await waitForOperation(api, r.json.id);
    must(op.state === 'succeeded', `operation ${op.state}: ${JSON.stringify(op.commands.map((c: Json) => [c.status, c.reason]))}`);
    return { op, notified: r.json.notifiedSessionId as string | undefined };
  };

  await step('transparent mode: the host\'s gateway delivers the package #0 of an Enterprise VM; the VM opens its own session', async () => {
    const devId = await create('ent-transparent', 'transparent');
    const m = await api('GET', `/api/devices/${enc(devId)}/management`);
    must(m.json.mode === 'transparent' && m.json.via === hostDevId, `management ${JSON.stringify(m.json)}`);
    const { op } = await run(devId, [{ verb: 'Get', target: './DevInfo/DevId' }]);
    const sessions = (await api('GET', `/api/devices/${enc(devId)}/sessions`)).json.sessions as Json[];
    must(sessions[0]?.initiator === 'server', 'the VM did not answer the package #0');
    return `${devId} via ${hostDevId}: trigger Exec in the host's session → channel → the VM's own session; DevId=${op.commands[0].results[0].data}`;
  });

  await step('proxy mode: an Enterprise VM that knows only the gateway, managed with the same operations API', async () => {
    const devId = await create('ent-proxy', 'proxy');
    const m = await api('GET', `/api/devices/${enc(devId)}/management`);
    must(m.json.mode === 'proxy', `management ${JSON.stringify(m.json)}`);
    const { op } = await run(devId, [
      { verb: 'Get', target: './DevInfo/DevId' },
      { verb: 'Add', target: './Note', data: 'set through the gateway' },
      { verb: 'Get', target: './Note' },
      { verb: 'Exec', target: './DevDetail/Ext/Ping' },
    ]);
    const sessions = (await api('GET', `/api/devices/${enc(devId)}/sessions`)).json.sessions as Json[];
    must(sessions.length === 0, 'a proxied VM never talks to the server');
    return `${devId}: addressed as ${m.json.prefix}/… in the host's session; local DevId=${op.commands[0].results[0].data}, Note=${op.commands[2].results[0].data}, Exec ${op.commands[3].status}`;
  });

  await step('the gateway\'s Device Inventory, read with a Get; fan-out of one Get to the host\'s VMs', async () => {
    const inv = await api('GET', `/api/gateways/${enc(hostDevId)}/inventory`);
    must(inv.status === 200, `inventory: ${JSON.stringify(inv.json)}`);
    const f = await api('POST', '/api/fanout', { host: hostDevId, commands: [{ verb: 'Get', target: './DevInfo/DevId' }] });
    must(f.status === 201, `fanout: ${JSON.stringify(f.json)}`);
    let view: Json = { state: 'running' };
    const until = Date.now() + 30000;
    while (view.state === 'running' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      view = (await api('GET', `/api/fanout/${f.json.id}`)).json;
    }
    must(view.state === 'succeeded', `fan-out ${view.state}: ${JSON.stringify(view.counts)}`);
    return `${inv.json.devices.map((d: Json) => `${d.node}=${d.mode}`).join(', ')}; fan-out to ${view.total} VMs: ${JSON.stringify(view.counts)}`;
  });
}
