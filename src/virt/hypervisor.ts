/**
 * The one interface every hypervisor driver implements. The host agent owns
 * the VM directories and the VM MO; a driver only makes VMs exist, run and go
 * away, and tells when one stops on its own.
 */
import type { VmState } from '../mo/virt.js';
import type { Image } from './image.js';
import type { ChannelMessage, VmChannel } from '../transport/vm-channel.js';

/** What a driver needs to define a VM. */
export interface VmSpec {
  name: string;
  /** The VM's own directory (state, guest config, channel socket). */
  dir: string;
  image: Image;
  memoryMB: number;
  vcpus: number;
}

/** Why a VM stopped without being asked to. */
export interface VmExit {
  name: string;
  reason: string;
}

/** A hypervisor driver. */
export interface Hypervisor {
  /** Driver name (`process`, `libvirt`). */
  readonly driver: string;
  /** Product string for the tree (e.g. `dmvisor-process`, `libvirt test:///default`). */
  readonly product: string;
  readonly version: string;
  /** Create the VM's definition (not started). */
  define(spec: VmSpec): Promise<void>;
  /** Start it; resolves once it is running (for `process`: once the guest said hello on the channel). */
  start(name: string): Promise<void>;
  /** Stop it (graceful, then forced). */
  stop(name: string): Promise<void>;
  /** Remove its definition (stopping it first if needed). */
  undefine(name: string): Promise<void>;
  /** Current state, or undefined when not defined. */
  state(name: string): VmState | undefined;
  /** The host↔VM channel of a running VM, when the driver has one. */
  channel(name: string): VmChannel | undefined;
  /** Messages guests send on their channel after hello (drivers without a channel never call it). */
  onGuestMessage(listener: (name: string, message: ChannelMessage) => void): void;
  /** Called when a running VM stops without a `stop`/`undefine`. */
  onUnexpectedExit(listener: (e: VmExit) => void): void;
  /** Stop every VM and release resources. */
  close(): Promise<void>;
}
