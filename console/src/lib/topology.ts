/**
 * Layout of the host topology picture: the server at the top, the host with
 * its hypervisor, its VMs in a row below, and each VM's line to the server:
 * straight (direct, and transparent mode's sessions) or through the host's
 * gateway (proxy mode, and transparent mode's notifications). Pure geometry; the
 * view draws it as SVG.
 */
import type { VmInfo } from '../types.ts';

export interface Box { x: number; y: number; w: number; h: number }

export interface VmPlacement {
  vm: VmInfo;
  box: Box;
  /**
   * How the VM reaches the server: `direct`; `transparent` (its sessions go
   * straight to the server, notifications come through the gateway);
   * `proxy` (everything through the gateway); `none` (no DM client); `unknown`.
   */
  path: 'direct' | 'transparent' | 'proxy' | 'none' | 'unknown';
}

export interface TopologyLayout {
  width: number;
  height: number;
  server: Box;
  host: Box;
  gateway: Box;
  vms: VmPlacement[];
}

const VM_W = 150;
const VM_H = 64;
const GAP = 20;

/** How a VM reaches the server. */
export function pathOf(vm: VmInfo): VmPlacement['path'] {
  if (vm.clientInstalled === false) return 'none';
  if (vm.managementMode === 'direct') return 'direct';
  if (vm.managementMode === 'transparent' || vm.managementMode === 'proxy') return vm.managementMode;
  return 'unknown';
}

export function layoutTopology(vms: readonly VmInfo[]): TopologyLayout {
  const n = Math.max(vms.length, 1);
  const width = Math.max(520, n * (VM_W + GAP) + 3 * GAP);
  const server: Box = { x: width / 2 - 90, y: 10, w: 180, h: 44 };
  const host: Box = { x: GAP, y: 130, w: width - 2 * GAP, h: 190 };
  const gateway: Box = { x: width / 2 - 80, y: 150, w: 160, h: 40 };
  const placed = vms.map((vm, i) => {
    const total = vms.length * VM_W + (vms.length - 1) * GAP;
    const x = width / 2 - total / 2 + i * (VM_W + GAP);
    return { vm, box: { x, y: 240, w: VM_W, h: VM_H }, path: pathOf(vm) };
  });
  return { width, height: 340, server, host, gateway, vms: placed };
}
