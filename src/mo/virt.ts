/**
 * The VM management object — `./Virt`, private identifier
 * `urn:x-dmvisor:mo:virt:1.0`. A host's hypervisor, its cached images and its
 * VMs, with Exec nodes that complete asynchronously (the FUMO/SCOMO pattern,
 * shared/spec/oma-dm-facts-2.md §G.1/§G.4): the Exec answers 202, the host does
 * the work, then reports a Generic Alert 1226 carrying the Exec's Correlator.
 *
 * OMA's VirMO 1.0 (`urn:oma:mo:oma-virmo:1.0`) node lists were not available
 * to us (§B), so every node name lives in {@link VIRT_NODES} — one place to
 * align with VirMO later.
 *
 * Choices (ours, UNVERIFIED against VirMO):
 * - `Operations/Create` is on the MO root and takes a JSON request as Exec
 *   Data (the VM does not exist yet); the other operations are per VM;
 * - the alert Data is `<3-digit result code>` optionally followed by a space
 *   and a detail (a reason on failure, a JSON object on success);
 * - everything is Get-only for servers except the Exec nodes; the host keeps
 *   the values current. ACLs are set per instance by the host agent (the MO
 *   root is granted to the host's own server; one VM's node may be granted to
 *   another server — see docs/mo/virt.md).
 *
 * Pure: no I/O.
 */
import type { MoDescription, NodeDescription } from '../tree/description.js';
import { interior, leaf } from './description.js';

/** MO identifier (private, `x-`). */
export const VIRT_MO_ID = 'urn:x-dmvisor:mo:virt:1.0';

/** Every node name of the MO, in one place. */
export const VIRT_NODES = {
  root: 'Virt',
  hypervisor: 'Hypervisor',
  virtualization: 'Virtualization',
  driver: 'Driver',
  product: 'Product',
  version: 'Version',
  images: 'Images',
  vms: 'VMs',
  operations: 'Operations',
  create: 'Create',
  start: 'Start',
  stop: 'Stop',
  delete: 'Delete',
  installClient: 'InstallClient',
  name: 'Name',
  kind: 'Kind',
  image: 'Image',
  digest: 'Digest',
  withClient: 'WithClient',
  state: 'State',
  resources: 'Resources',
  memory: 'MemoryMB',
  vcpus: 'VCpus',
  clientInstalled: 'ClientInstalled',
  clientDevId: 'ClientDevId',
  managementMode: 'ManagementMode',
  bootstrap: 'Bootstrap',
  lastError: 'LastError',
} as const;

/** Type I (host client in the management domain beside the hypervisor) or Type II (host client in the host OS beside a hosted hypervisor). */
export type Virtualization = 'TypeI' | 'TypeII';
/** VM kinds. */
export type VmKind = 'Personal' | 'Enterprise';
/** VM states the host reports. */
export const VM_STATES = ['creating', 'stopped', 'running', 'crashed', 'deleting'] as const;
export type VmState = (typeof VM_STATES)[number];
/** How a VM is managed. */
export type ManagementMode = 'none' | 'direct' | 'transparent' | 'proxy';
/** How a VM's client was bootstrapped. */
export type VmBootstrap = 'none' | 'customized' | 'host-provisioned' | 'smartcard' | 'server-initiated' | 'client-initiated';

/** Generic Alert types the host sends. */
export const VIRT_ALERT = {
  /** Final result of an Exec on the MO (Data: result code [+ detail]). */
  operation: (op: string) => `urn:x-dmvisor:at:virt:${op.toLowerCase()}:1.0`,
  /** A VM stopped without being asked (Data: `500 <reason>`), not restarted. */
  crashed: 'urn:x-dmvisor:at:virt:vm-crashed:1.0',
} as const;

const N = VIRT_NODES;
const exec = (name: string, description: string) => leaf(name, { format: 'null', accessTypes: ['Exec', 'Get'], description });

const VM: NodeDescription = interior('<x>', [
  leaf(N.name, { description: 'VM name (same as the node name).' }),
  leaf(N.kind, { description: 'Personal or Enterprise.' }),
  leaf(N.image, { description: 'Name of the image the VM was created from.' }),
  leaf(N.digest, { description: 'sha256 digest of that image.' }),
  leaf(N.state, { description: 'creating, stopped, running, crashed or deleting.' }),
  interior(N.resources, [
    leaf(N.memory, { format: 'int', description: 'Memory, MiB.' }),
    leaf(N.vcpus, { format: 'int', description: 'Virtual CPUs.' }),
  ], { description: 'Resources given to the VM.' }),
  leaf(N.clientInstalled, { format: 'bool', description: 'Whether a DM client runs in the VM.' }),
  leaf(N.clientDevId, { occurrence: 'ZeroOrOne', description: 'DevId of the VM\'s own DM client, once it has registered.' }),
  leaf(N.managementMode, { description: 'none, direct, transparent or proxy.' }),
  leaf(N.bootstrap, { description: 'How the VM client was bootstrapped: none, customized, host-provisioned, smartcard, server-initiated or client-initiated.' }),
  leaf(N.lastError, { occurrence: 'ZeroOrOne', description: 'Reason the last operation on this VM failed.' }),
  interior(N.operations, [
    exec(N.start, 'Start the VM (async, Generic Alert).'),
    exec(N.stop, 'Stop the VM (async, Generic Alert).'),
    exec(N.delete, 'Stop and remove the VM (async, Generic Alert).'),
    exec(N.installClient, 'Install a DM client in the VM; Data: JSON {devId, account} (async, Generic Alert).'),
  ], { description: 'Operations on this VM.' }),
], { occurrence: 'ZeroOrMore', description: 'One VM, named by its VM name.' });

const IMAGE: NodeDescription = interior('<x>', [
  leaf(N.name, { description: 'Image name.' }),
  leaf(N.kind, { description: 'Personal or Enterprise.' }),
  leaf(N.digest, { description: 'sha256:<hex> of the image bundle, verified on download.' }),
  leaf(N.withClient, { format: 'bool', description: 'Whether the image carries a DM client.' }),
], { occurrence: 'ZeroOrMore', description: 'One cached image.' });

/** The VM management object as data. */
export const VIRT_MO: MoDescription = {
  id: VIRT_MO_ID,
  name: 'Virt',
  location: `./${N.root}`,
  description: 'A host\'s hypervisor, cached VM images and VMs, with asynchronous VM operations (dmvisor private MO; to be aligned with OMA VirMO).',
  root: interior(N.root, [
    interior(N.hypervisor, [
      leaf(N.virtualization, { description: 'TypeI (host client in the management domain beside a bare-metal hypervisor) or TypeII (host client in the host OS beside a hosted hypervisor).' }),
      leaf(N.driver, { description: 'Hypervisor driver: process or libvirt.' }),
      leaf(N.product, { description: 'Hypervisor product, e.g. dmvisor-process or the libvirt driver URI.' }),
      leaf(N.version, { description: 'Hypervisor version.' }),
    ], { description: 'The hypervisor.' }),
    interior(N.images, [IMAGE], { description: 'Images cached on the host.' }),
    interior(N.vms, [VM], { description: 'The VMs.' }),
    interior(N.operations, [
      exec(N.create, 'Create a VM; Data: JSON {name, kind, image, imageUrl, digest, withClient, devId?, account?, memoryMB?, vcpus?} (async, Generic Alert).'),
    ], { description: 'Operations on the host.' }),
  ], { scope: 'Permanent', dfType: VIRT_MO_ID, description: 'Virtualization management.' }),
};
