/**
 * The `process` hypervisor driver: each VM is a child process
 * (src/virt/guest-process.ts) with its own directory, linked to the host by
 * the VM channel (a Unix socket in that directory). With `isolateNetwork` the
 * child runs in a fresh network namespace (`unshare --net`; root only), so it
 * has no network at all and reaches its host only through the channel.
 *
 * A VM that exits without being asked is reported through
 * `onUnexpectedExit` and left stopped (state `crashed`) — never restarted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { VmState } from '../mo/virt.js';
import { DmvisorError } from '../errors.js';
import type { Hypervisor, VmExit, VmSpec } from './hypervisor.js';
import { listenVmChannel, type ChannelMessage, type VmChannel } from '../transport/vm-channel.js';

/** Options of {@link ProcessHypervisor}. */
export interface ProcessHypervisorOptions {
  /** Run each VM in its own network namespace (root only). */
  isolateNetwork?: boolean;
  /** How long a VM may take to say hello. Default 15 s. */
  startTimeoutMs?: number;
  /** Extra environment for the guests. */
  env?: NodeJS.ProcessEnv;
}

interface ProcessVm {
  spec: VmSpec;
  state: VmState;
  child?: ChildProcess;
  channel?: VmChannel;
  closeChannel?: () => Promise<void>;
  stopping: boolean;
}

/** Socket file name inside a VM directory. */
export const CHANNEL_SOCKET = 'channel.sock';

/** The command line that runs a guest: node (+ tsx when running from sources) and guest-process. */
export function guestCommand(): string[] {
  const here = import.meta.url;
  const ts = here.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./guest-process.${ts ? 'ts' : 'js'}`, here));
  return ts ? [process.execPath, '--import', 'tsx', entry] : [process.execPath, entry];
}

/** See the module comment. */
export class ProcessHypervisor implements Hypervisor {
  readonly driver = 'process';
  readonly product: string;
  readonly version = process.version;
  private readonly vms = new Map<string, ProcessVm>();
  private readonly exitListeners: ((e: VmExit) => void)[] = [];
  private readonly messageListeners: ((name: string, m: ChannelMessage) => void)[] = [];

  constructor(private readonly options: ProcessHypervisorOptions = {}) {
    if (options.isolateNetwork && process.getuid?.() !== 0) {
      throw new DmvisorError('isolateNetwork needs root: each VM gets its own network namespace with `unshare --net`; run the host as root or set isolateNetwork: false', 'DMV_ERR_CONFIG', 400);
    }
    this.product = options.isolateNetwork ? 'dmvisor-process (network-isolated)' : 'dmvisor-process';
  }

  async define(spec: VmSpec): Promise<void> {
    if (this.vms.has(spec.name)) throw new DmvisorError(`VM ${spec.name} is already defined`, 'DMV_ERR_EXISTS', 409);
    this.vms.set(spec.name, { spec, state: 'stopped', stopping: false });
  }

  async start(name: string): Promise<void> {
    const vm = this.get(name);
    if (vm.state === 'running') return;
    const socketPath = join(vm.spec.dir, CHANNEL_SOCKET);
    let helloResolve!: () => void;
    const hello = new Promise<void>((r) => { helloResolve = r; });
    vm.closeChannel = await listenVmChannel(socketPath, (ch) => {
      ch.once('message', (m) => {
        if (m.type !== 'hello' || vm.channel) { ch.close(); return; }
        vm.channel = ch;
        ch.on('message', (msg) => { for (const l of this.messageListeners) l(name, msg); });
        ch.on('close', () => { if (vm.channel === ch) vm.channel = undefined; });
        helloResolve();
      });
    });
    const [cmd, ...args] = guestCommand();
    const argv = [...args, vm.spec.dir, socketPath, name];
    const child = this.options.isolateNetwork
      ? spawn('unshare', ['--net', '--', cmd, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...this.options.env } })
      : spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...this.options.env } });
    vm.child = child;
    vm.stopping = false;
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => { stderr = (stderr + s).slice(-2000); });
    const exited = new Promise<string>((resolve) => {
      child.once('error', (e) => resolve(`cannot run the guest: ${e.message}`));
      child.once('exit', (code, signal) => resolve(`guest process exited (${signal ?? `code ${code}`})${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
    });
    const timeoutMs = this.options.startTimeoutMs ?? 15000;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      hello.then(() => 'ok'),
      exited,
      new Promise<string>((r) => { timer = setTimeout(() => r(`the guest did not start within ${timeoutMs} ms`), timeoutMs); }),
    ]);
    clearTimeout(timer);
    if (outcome !== 'ok') {
      await this.kill(vm);
      throw new DmvisorError(`VM ${name} failed to start: ${outcome}`, 'DMV_ERR_VM_START', 500);
    }
    vm.state = 'running';
    void exited.then(async (reason) => {
      if (vm.child !== child) return;
      vm.child = undefined;
      await vm.closeChannel?.();
      vm.closeChannel = undefined;
      if (vm.stopping) return;
      vm.state = 'crashed';
      for (const l of this.exitListeners) l({ name, reason });
    });
  }

  async stop(name: string): Promise<void> {
    const vm = this.get(name);
    await this.kill(vm);
    vm.state = 'stopped';
  }

  async undefine(name: string): Promise<void> {
    const vm = this.vms.get(name);
    if (!vm) return;
    await this.kill(vm);
    this.vms.delete(name);
  }

  state(name: string): VmState | undefined {
    return this.vms.get(name)?.state;
  }

  channel(name: string): VmChannel | undefined {
    return this.vms.get(name)?.channel;
  }

  /** The guest's process id (for measurements). */
  pid(name: string): number | undefined {
    return this.vms.get(name)?.child?.pid;
  }

  onGuestMessage(listener: (name: string, m: ChannelMessage) => void): void {
    this.messageListeners.push(listener);
  }

  onUnexpectedExit(listener: (e: VmExit) => void): void {
    this.exitListeners.push(listener);
  }

  async close(): Promise<void> {
    await Promise.all([...this.vms.keys()].map((n) => this.undefine(n)));
  }

  private get(name: string): ProcessVm {
    const vm = this.vms.get(name);
    if (!vm) throw new DmvisorError(`no VM ${name}`, 'DMV_ERR_NOT_FOUND', 404);
    return vm;
  }

  /** Ask the guest to stop over the channel, then SIGTERM, then SIGKILL. */
  private async kill(vm: ProcessVm): Promise<void> {
    vm.stopping = true;
    const child = vm.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      vm.channel?.send({ type: 'stop' });
      const t1 = setTimeout(() => child.kill('SIGTERM'), 2000);
      const t2 = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t1); clearTimeout(t2);
    }
    vm.child = undefined;
    vm.channel = undefined;
    await vm.closeChannel?.();
    vm.closeChannel = undefined;
  }
}
