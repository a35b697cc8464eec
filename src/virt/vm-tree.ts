/**
 * Reading and writing the VM management object (`./Virt`) in a host's tree:
 * the host agent keeps it equal to reality through these functions. No I/O.
 *
 * ACLs: the MO root is granted (Get, Exec) to the host's own servers only;
 * a VM node may additionally be granted to other servers (`managers`), which
 * then reach that VM's subtree and nothing else of the MO.
 */
import type { DmTree } from '../tree/dm-tree.js';
import { childUri } from '../tree/uri.js';
import { instantiateMo } from '../mo/instantiate.js';
import { findChildDescription } from '../tree/description.js';
import { VIRT_MO, VIRT_NODES as N, type ManagementMode, type Virtualization, type VmBootstrap, type VmKind, type VmState } from '../mo/virt.js';

/** Root URI of the MO. */
export const VIRT_ROOT = `./${N.root}`;
/** URI of a VM's node. */
export const vmUri = (name: string): string => childUri(childUri(VIRT_ROOT, N.vms), name);
/** URI of a VM operation's Exec node. */
export const vmOpUri = (name: string, op: string): string => childUri(childUri(vmUri(name), N.operations), op);
/** URI of the Create Exec node. */
export const CREATE_URI = `${VIRT_ROOT}/${N.operations}/${N.create}`;

/** What the MO says about one VM. */
export interface VmFields {
  name: string;
  kind: VmKind;
  image: string;
  digest: string;
  state: VmState;
  memoryMB: number;
  vcpus: number;
  clientInstalled: boolean;
  clientDevId?: string;
  managementMode: ManagementMode;
  bootstrap: VmBootstrap;
  lastError?: string;
}

/** The hypervisor facts the MO reports. */
export interface HypervisorFacts {
  virtualization: Virtualization;
  driver: string;
  product: string;
  version: string;
}

/** ACL granting `servers` Get and Exec. */
export function managersAcl(servers: readonly string[]): string {
  const who = servers.join('+');
  return `Get=${who}&Exec=${who}`;
}

/** Create (or refresh) `./Virt` with the hypervisor facts; the root is granted to `hostServers` only. */
export function installVirtMo(tree: DmTree, hv: HypervisorFacts, hostServers: readonly string[]): void {
  instantiateMo(tree, VIRT_MO, {
    acl: managersAcl(hostServers),
    values: { [N.hypervisor]: { [N.virtualization]: hv.virtualization, [N.driver]: hv.driver, [N.product]: hv.product, [N.version]: hv.version } },
  });
}

/** A VM's leaves as (relative path, value, format). */
function vmLeaves(f: Partial<VmFields>): [string, string, string][] {
  const out: [string, string, string][] = [];
  const add = (rel: string, v: string | undefined, format = 'chr') => { if (v !== undefined) out.push([rel, v, format]); };
  add(N.name, f.name);
  add(N.kind, f.kind);
  add(N.image, f.image);
  add(N.digest, f.digest);
  add(N.state, f.state);
  add(`${N.resources}/${N.memory}`, f.memoryMB === undefined ? undefined : String(f.memoryMB), 'int');
  add(`${N.resources}/${N.vcpus}`, f.vcpus === undefined ? undefined : String(f.vcpus), 'int');
  add(N.clientInstalled, f.clientInstalled === undefined ? undefined : String(f.clientInstalled), 'bool');
  add(N.clientDevId, f.clientDevId);
  add(N.managementMode, f.managementMode);
  add(N.bootstrap, f.bootstrap);
  add(N.lastError, f.lastError);
  return out;
}

/** The description of one VM node (`VMs/<x>`). */
const VM_DESCRIPTION = findChildDescription(findChildDescription(VIRT_MO.root, N.vms)!, 'vm')!;

/**
 * Create or update a VM's node (with its operation Exec nodes). `managers`
 * (other servers) are granted the VM's node on creation. Touches only that
 * VM's subtree, so it costs the same with 5 VMs or 5,000 on the host.
 */
export function putVm(tree: DmTree, name: string, fields: Partial<VmFields>, managers?: readonly string[]): void {
  const base = vmUri(name);
  const fresh = !tree.exists(base);
  if (fresh) {
    tree.createNode(base, { format: 'node' });
    tree.createNode(`${base}/${N.resources}`, { format: 'node' });
    tree.createNode(`${base}/${N.operations}`, { format: 'node' });
    for (const op of [N.start, N.stop, N.delete, N.installClient]) tree.createNode(`${base}/${N.operations}/${op}`, { format: 'null' });
  }
  for (const [rel, value, format] of vmLeaves(fields)) {
    const uri = `${base}/${rel}`;
    if (tree.exists(uri)) tree.setValue(uri, value, { format });
    else tree.createNode(uri, { format, value });
  }
  if (fresh) {
    tree.bindDescription(base, VM_DESCRIPTION);
    if (managers?.length) tree.setAcl(base, managersAcl(managers));
  }
  if (fields.clientDevId === undefined && tree.exists(`${base}/${N.clientDevId}`) && fields.clientInstalled === false) tree.deleteNode(`${base}/${N.clientDevId}`);
}

/** Clear a VM's LastError (after a success). */
export function clearVmError(tree: DmTree, name: string): void {
  const uri = `${vmUri(name)}/${N.lastError}`;
  if (tree.exists(uri)) tree.deleteNode(uri);
}

/** Remove a VM's node. */
export function removeVm(tree: DmTree, name: string): void {
  if (tree.exists(vmUri(name))) tree.deleteNode(vmUri(name));
}

/** Names of the VMs in the tree. */
export function listVmNames(tree: DmTree): string[] {
  const uri = childUri(VIRT_ROOT, N.vms);
  return tree.exists(uri) ? tree.childNames(uri) : [];
}

/** Read a VM's fields back. */
export function readVm(tree: DmTree, name: string): VmFields | undefined {
  const base = vmUri(name);
  if (!tree.exists(base)) return undefined;
  const get = (rel: string): string | undefined => {
    const uri = `${base}/${rel}`;
    if (!tree.exists(uri)) return undefined;
    const v = tree.readValue(uri);
    return typeof v === 'string' ? v : v === undefined ? undefined : Buffer.from(v).toString('utf8');
  };
  const f: VmFields = {
    name,
    kind: (get(N.kind) ?? 'Personal') as VmKind,
    image: get(N.image) ?? '',
    digest: get(N.digest) ?? '',
    state: (get(N.state) ?? 'stopped') as VmState,
    memoryMB: Number(get(`${N.resources}/${N.memory}`) ?? 0),
    vcpus: Number(get(`${N.resources}/${N.vcpus}`) ?? 0),
    clientInstalled: get(N.clientInstalled) === 'true',
    managementMode: (get(N.managementMode) ?? 'none') as ManagementMode,
    bootstrap: (get(N.bootstrap) ?? 'none') as VmBootstrap,
  };
  const devId = get(N.clientDevId);
  if (devId) f.clientDevId = devId;
  const err = get(N.lastError);
  if (err) f.lastError = err;
  return f;
}

/** Record a cached image. */
export function putImage(tree: DmTree, image: { name: string; kind: VmKind; digest: string; withClient: boolean }): void {
  instantiateMo(tree, VIRT_MO, {
    values: { [N.images]: { [image.name]: { [N.name]: image.name, [N.kind]: image.kind, [N.digest]: image.digest, [N.withClient]: String(image.withClient) } } },
  });
}
