/**
 * An in-process simulated hypervisor: each VM is a small object in this
 * process — its state and, when it has a client, the guest's own DM tree
 * (standard MOs + one account) ready for in-process sessions. No processes,
 * no sockets: the simulator the scale work uses to hold many VMs at once
 * (`npm run bench` reports its memory per VM).
 *
 * It implements the same {@link Hypervisor} interface, so a host agent can
 * drive it; VMs have no channel (a client cannot be installed through the
 * host) and never crash on their own unless {@link SimHypervisor.crash} says so.
 */
import type { VmState } from '../mo/virt.js';
import { createStandardTree } from '../mo/standard-tree.js';
import type { DmAccount } from '../mo/dmacc.js';
import type { DmTree } from '../tree/dm-tree.js';
import { DmvisorError } from '../errors.js';
import type { Hypervisor, VmExit, VmSpec } from './hypervisor.js';
import type { VmChannel } from '../transport/vm-channel.js';

/** One simulated VM. */
export interface SimulatedVm {
  readonly name: string;
  state: VmState;
  readonly memoryMB: number;
  readonly vcpus: number;
  /** The guest's DM tree, when the VM has a client. */
  guestTree?: DmTree;
}

/** What a simulated guest client looks like. */
export interface SimGuestClient {
  devId: string;
  account: DmAccount;
}

/** See the module comment. */
export class SimHypervisor implements Hypervisor {
  readonly driver = 'sim';
  readonly product = 'dmvisor-sim (in-process)';
  readonly version = '1';
  private readonly vms = new Map<string, SimulatedVm>();
  private readonly exitListeners: ((e: VmExit) => void)[] = [];

  async define(spec: VmSpec): Promise<void> {
    this.defineSync(spec.name, spec.memoryMB, spec.vcpus);
  }

  /** Define without the image (the simulator keeps no payload). */
  defineSync(name: string, memoryMB: number, vcpus: number, client?: SimGuestClient): SimulatedVm {
    if (this.vms.has(name)) throw new DmvisorError(`VM ${name} is already defined`, 'DMV_ERR_EXISTS', 409);
    const vm: SimulatedVm = { name, state: 'stopped', memoryMB, vcpus };
    if (client) {
      vm.guestTree = createStandardTree({
        devInfo: { devId: client.devId, man: 'dmvisor', mod: 'dmvisor-sim-vm', dmV: '1.2', lang: 'en-US' },
        devDetail: { devTyp: 'vm', oem: '', fwV: '', swV: '', hwV: 'sim', lrgObj: true },
        accounts: { [client.account.serverId]: client.account },
        inbox: false,
      });
    }
    this.vms.set(name, vm);
    return vm;
  }

  async start(name: string): Promise<void> {
    this.get(name).state = 'running';
  }

  async stop(name: string): Promise<void> {
    this.get(name).state = 'stopped';
  }

  async undefine(name: string): Promise<void> {
    this.vms.delete(name);
  }

  state(name: string): VmState | undefined {
    return this.vms.get(name)?.state;
  }

  /** A simulated VM (for in-process sessions on its guest tree). */
  vm(name: string): SimulatedVm | undefined {
    return this.vms.get(name);
  }

  /** Make a running VM crash (fault injection for tests). */
  crash(name: string, reason = 'simulated crash'): void {
    const vm = this.get(name);
    if (vm.state !== 'running') return;
    vm.state = 'crashed';
    for (const l of this.exitListeners) l({ name, reason });
  }

  channel(): VmChannel | undefined {
    return undefined;
  }

  onGuestMessage(): void {
    // Simulated guests have no channel.
  }

  onUnexpectedExit(listener: (e: VmExit) => void): void {
    this.exitListeners.push(listener);
  }

  async close(): Promise<void> {
    this.vms.clear();
  }

  private get(name: string): SimulatedVm {
    const vm = this.vms.get(name);
    if (!vm) throw new DmvisorError(`no VM ${name}`, 'DMV_ERR_NOT_FOUND', 404);
    return vm;
  }
}
