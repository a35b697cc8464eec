/**
 * Reading and writing the GwMO objects in a gateway's (host's) tree: the
 * gateway keeps the Device Inventory, the End Device Triggers and the Image
 * Inventory equal to reality through these functions. No I/O.
 *
 * ACLs: every MO root is granted to the host's own servers only (Get,
 * Replace, Exec, Add, Delete); a VM's own client never sees them.
 */
import type { DmTree } from '../tree/dm-tree.js';
import { instantiateMo, type MoValues } from '../mo/instantiate.js';
import {
  GWMO_NODES as N, GWMO_ROOTS, GW_CONFIG_MO, GW_DEVICE_INVENTORY_MO, GW_ED_TRIGGER_MO, GW_FANOUT_MO, GW_IMAGE_INVENTORY_MO,
  inventoryUri, proxyPrefix, type GwMode,
} from '../mo/gwmo.js';
import type { GatewayConfig } from './gateway-config.js';

/** One end device as the inventory records it. */
export interface EndDeviceRecord {
  /** Node name of its inventory record and trigger: the VM name. */
  node: string;
  /** Global DeviceID (what the DM server calls it). */
  deviceId: string;
  /** DevId the end device uses towards the gateway. */
  localId: string;
  mode: GwMode;
  reachable: boolean;
  lastContact?: string;
  vmName: string;
}

/** ACL granting the host's servers everything on the GwMO roots. */
function gatewayAcl(servers: readonly string[]): string {
  const who = servers.join('+');
  return ['Get', 'Replace', 'Exec', 'Add', 'Delete'].map((c) => `${c}=${who}`).join('&');
}

/** Create (or refresh) the five MOs; Config gets its values. */
export function installGwMos(tree: DmTree, config: GatewayConfig, gatewayId: string, hostServers: readonly string[]): void {
  const acl = gatewayAcl(hostServers);
  instantiateMo(tree, GW_CONFIG_MO, {
    acl,
    values: { [N.gatewayId]: gatewayId, [N.defaultMode]: config.defaultMode, [N.proxyTimeout]: String(config.proxyTimeoutMs), [N.downstreamServerId]: config.serverId },
  });
  for (const mo of [GW_DEVICE_INVENTORY_MO, GW_ED_TRIGGER_MO, GW_FANOUT_MO, GW_IMAGE_INVENTORY_MO]) instantiateMo(tree, mo, { acl });
}

/** The configured timeout (a server may Replace it). */
export function readProxyTimeout(tree: DmTree, dflt: number): number {
  const uri = `${GWMO_ROOTS.config}/${N.proxyTimeout}`;
  const n = tree.exists(uri) ? Number(text(tree.readValue(uri))) : NaN;
  return Number.isInteger(n) && n > 0 ? n : dflt;
}

function text(v: string | Uint8Array | undefined): string | undefined {
  return typeof v === 'string' ? v : v === undefined ? undefined : Buffer.from(v).toString('utf8');
}

/** Create or update an end device's inventory record and its trigger. */
export function putEndDevice(tree: DmTree, rec: Partial<EndDeviceRecord> & { node: string }): void {
  const v: Record<string, MoValues[string]> = {};
  if (rec.deviceId !== undefined) v[N.deviceId] = rec.deviceId;
  if (rec.localId !== undefined) v[N.localId] = rec.localId;
  if (rec.mode !== undefined) v[N.mode] = rec.mode;
  if (rec.reachable !== undefined) v[N.reachable] = String(rec.reachable);
  if (rec.lastContact !== undefined) v[N.lastContact] = rec.lastContact;
  if (rec.vmName !== undefined) v[N.vmName] = rec.vmName;
  const fresh = !tree.exists(inventoryUri(rec.node));
  if (fresh) {
    v[N.prefix] = proxyPrefix(rec.node);
    v[N.tree] = {};
  }
  instantiateMo(tree, GW_DEVICE_INVENTORY_MO, { values: { [rec.node]: v } });
  if (fresh || rec.deviceId !== undefined) {
    instantiateMo(tree, GW_ED_TRIGGER_MO, { values: { [rec.node]: { [N.deviceId]: rec.deviceId ?? readEndDevice(tree, rec.node)?.deviceId ?? '', [N.trigger]: '' } } });
  }
}

/** Mark an end device reachable and in contact now: two leaves set in place (no MO walk: this runs per session). */
export function touchEndDevice(tree: DmTree, node: string, at: string): void {
  const base = inventoryUri(node);
  if (!tree.exists(base)) return;
  tree.setValue(`${base}/${N.reachable}`, 'true');
  const last = `${base}/${N.lastContact}`;
  if (tree.exists(last)) tree.setValue(last, at);
  else putEndDevice(tree, { node, lastContact: at });
}

/** Record the outcome of the last trigger of an end device. */
export function setTriggerResult(tree: DmTree, node: string, result: string): void {
  if (!tree.exists(`${GWMO_ROOTS.edTrigger}/${node}`)) return;
  instantiateMo(tree, GW_ED_TRIGGER_MO, { values: { [node]: { [N.lastResult]: result } } });
}

/** Remove an end device's record and trigger. */
export function removeEndDevice(tree: DmTree, node: string): void {
  for (const uri of [inventoryUri(node), `${GWMO_ROOTS.edTrigger}/${node}`]) if (tree.exists(uri)) tree.deleteNode(uri);
}

/** Node names of the inventory records. */
export function listEndDeviceNodes(tree: DmTree): string[] {
  return tree.exists(GWMO_ROOTS.deviceInventory) ? tree.childNames(GWMO_ROOTS.deviceInventory) : [];
}

/** Read one record back. */
export function readEndDevice(tree: DmTree, node: string): EndDeviceRecord | undefined {
  const base = inventoryUri(node);
  if (!tree.exists(base)) return undefined;
  const get = (leaf: string) => (tree.exists(`${base}/${leaf}`) ? text(tree.readValue(`${base}/${leaf}`)) : undefined);
  const r: EndDeviceRecord = {
    node, deviceId: get(N.deviceId) ?? '', localId: get(N.localId) ?? '', mode: (get(N.mode) ?? 'direct') as GwMode,
    reachable: get(N.reachable) === 'true', vmName: get(N.vmName) ?? node,
  };
  const last = get(N.lastContact);
  if (last) r.lastContact = last;
  return r;
}

/** Record an image the gateway keeps. */
export function putGatewayImage(tree: DmTree, image: { name: string; kind: string; digest: string }): void {
  instantiateMo(tree, GW_IMAGE_INVENTORY_MO, { values: { [image.name]: { [N.name]: image.name, [N.kind]: image.kind, [N.digest]: image.digest } } });
}

/**
 * Split an address under an end device's proxy prefix: `./GwDevInv/<x>/Tree/A/B`
 * → `{ node: x, path: './A/B' }`; `./GwDevInv/<x>/Tree` → `{ node: x, path: '.' }`.
 */
export function splitProxied(uri: string): { node: string; path: string } | undefined {
  const root = `${GWMO_ROOTS.deviceInventory}/`;
  if (!uri.startsWith(root)) return undefined;
  const rest = uri.slice(root.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const node = rest.slice(0, slash);
  const after = rest.slice(slash + 1);
  if (after === N.tree) return { node, path: '.' };
  if (!after.startsWith(`${N.tree}/`)) return undefined;
  const path = after.slice(N.tree.length + 1);
  if (path === '' || path.split('/').some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return { node, path: `./${path}` };
}
