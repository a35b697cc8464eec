/**
 * The GwMO management objects (OMA Gateway Management Object 1.1) as data:
 * Gateway Config, Device Inventory, End Device Trigger, Fanout and Image
 * Inventory, with the identifiers and Generic Alert types OMNA registers
 * (shared/spec/oma-dm-facts-2.md §A.2, §A.3).
 *
 * What is verified: the five MO identifiers; the alert root
 * `urn:oma:at:oma-gwmo` and the alert type names with their versions.
 *
 * What is NOT verified (the OMA-TS-GwMO text was not available to us):
 * - every node name and layout below is ours, designed from what the spec's
 *   abstract and the contributors' patents say the objects do (§A.4): a record
 *   per end device with its public `DeviceID`, a mode per end device, a
 *   trigger that delivers a notification to one end device, a fan-out of one
 *   command set to a group with aggregated results, the images the gateway
 *   keeps. All names live in {@link GWMO_NODES} so they can be aligned later;
 * - the MO roots: the standard places them under device-chosen `<x>` roots
 *   found by MO identifier; we give them fixed locations ({@link GWMO_ROOTS});
 * - the mode values: the patents show an `int` mode leaf whose values are not
 *   visible; we use the words `direct`, `transparent`, `proxy` ({@link GW_MODES});
 * - the wire form of the alert types: root + `:` + type + `:` + version, by
 *   analogy with SCOMO (§A.3, derived); all kept in {@link GWMO_ALERT};
 * - proxy-mode addressing (§A.5): one prefix per end device, as LwM2M's
 *   gateway does (shared/design.md): `<DevInv>/<x>/Tree/<path in the end device>`.
 *
 * Pure: no I/O.
 */
import type { MoDescription, NodeDescription } from '../tree/description.js';
import { interior, leaf } from './description.js';

/** The registered MO identifiers (verified, OMNA DM MO registry). */
export const GWMO_MO_IDS = {
  config: 'urn:oma:mo:oma-gwmo-config:1.1',
  deviceInventory: 'urn:oma:mo:oma-gwmo-deviceinventory:1.1',
  edTrigger: 'urn:oma:mo:oma-gwmo-edtrigger:1.0',
  fanout: 'urn:oma:mo:oma-gwmo-fanout:1.0',
  imageInventory: 'urn:oma:mo:oma-gwmo-imageinventory:1.0',
} as const;

/** Every node name of the five MOs, in one place (ours; UNVERIFIED against OMA-TS-GwMO). */
export const GWMO_NODES = {
  // Gateway Config
  gatewayId: 'GatewayID',
  defaultMode: 'DefaultMode',
  proxyTimeout: 'ProxyTimeout',
  downstreamServerId: 'DownstreamServerID',
  // Device Inventory
  deviceId: 'DeviceID',
  localId: 'LocalID',
  mode: 'Mode',
  prefix: 'Prefix',
  reachable: 'Reachable',
  lastContact: 'LastContact',
  vmName: 'VMName',
  tree: 'Tree',
  // End Device Trigger
  trigger: 'Trigger',
  lastResult: 'LastResult',
  // Fanout
  targets: 'Targets',
  commands: 'Commands',
  run: 'Run',
  state: 'State',
  results: 'Results',
  status: 'Status',
  data: 'Data',
  // Image Inventory
  name: 'Name',
  kind: 'Kind',
  digest: 'Digest',
} as const;

/** Where each MO sits in a gateway's tree (our choice: fixed locations). */
export const GWMO_ROOTS = {
  config: './GwConfig',
  deviceInventory: './GwDevInv',
  edTrigger: './GwEDTrigger',
  fanout: './GwFanout',
  imageInventory: './GwImgInv',
} as const;

/** How an end device is managed. `direct`: not through the gateway at all. */
export const GW_MODES = ['direct', 'transparent', 'proxy'] as const;
export type GwMode = (typeof GW_MODES)[number];

/** Alert type root (verified, OMNA alert registry). */
export const GWMO_ALERT_ROOT = 'urn:oma:at:oma-gwmo';

/**
 * The Generic Alert (1226) Meta/Type strings a gateway sends. Wire form
 * (root:type:version) is derived, not verified — change it here only.
 */
export const GWMO_ALERT = {
  deviceAttached: `${GWMO_ALERT_ROOT}:deviceattached:1.1`,
  deviceDetached: `${GWMO_ALERT_ROOT}:devicedetached:1.0`,
  resultAggregation: `${GWMO_ALERT_ROOT}:resultaggregation:1.0`,
  completionStatus: `${GWMO_ALERT_ROOT}:completionstatus:1.0`,
  imageReady: `${GWMO_ALERT_ROOT}:imageready:1.0`,
} as const;

const N = GWMO_NODES;
const rootName = (uri: string): string => uri.slice(2);

/** Gateway Config: the gateway's identity, default mode and proxy timing. */
export const GW_CONFIG_MO: MoDescription = {
  id: GWMO_MO_IDS.config,
  name: 'GwConfig',
  location: GWMO_ROOTS.config,
  description: 'GwMO Gateway Config: how this gateway manages its end devices (node names ours, UNVERIFIED).',
  root: interior(rootName(GWMO_ROOTS.config), [
    leaf(N.gatewayId, { description: 'DevId of the gateway (the host) towards the DM server.' }),
    leaf(N.defaultMode, { accessTypes: ['Get', 'Replace'], description: 'Mode given to a newly attached end device: direct, transparent or proxy.' }),
    leaf(N.proxyTimeout, { format: 'int', accessTypes: ['Get', 'Replace'], description: 'Milliseconds a proxied command may take before the gateway answers 202 and reports the result later by Generic Alert.' }),
    leaf(N.downstreamServerId, { description: 'ServerID the gateway presents to end devices in proxy mode.' }),
  ], { scope: 'Permanent', dfType: GWMO_MO_IDS.config, description: 'Gateway configuration.' }),
};

const INVENTORY_RECORD: NodeDescription = interior('<x>', [
  leaf(N.deviceId, { description: 'Globally unique DeviceID of the end device (as the DM server knows it).' }),
  leaf(N.localId, { description: 'DevId the end device uses towards the gateway (unique within this gateway only).' }),
  leaf(N.mode, { accessTypes: ['Get', 'Replace'], description: 'direct, transparent or proxy. Replace switches the mode.' }),
  leaf(N.prefix, { description: 'URI prefix under which the server addresses this end device\'s tree through the gateway in proxy mode (always <record>/Tree).' }),
  leaf(N.reachable, { format: 'bool', description: 'Whether the end device is connected to the gateway (its channel is up).' }),
  leaf(N.lastContact, { occurrence: 'ZeroOrOne', description: 'ISO 8601 time of the end device\'s last session with or message to the gateway.' }),
  leaf(N.vmName, { description: 'Name of the VM this end device is (its node under ./Virt/VMs).' }),
  interior(N.tree, undefined, { accessTypes: ['Get', 'Add', 'Replace', 'Delete', 'Exec', 'Copy'], description: 'Proxy mode: the end device\'s own tree. Commands here are run on the end device, with this prefix stripped.' }),
], { occurrence: 'ZeroOrMore', description: 'One end device, named by its local id.' });

/** Device Inventory: one record per end device behind the gateway. */
export const GW_DEVICE_INVENTORY_MO: MoDescription = {
  id: GWMO_MO_IDS.deviceInventory,
  name: 'GwDevInv',
  location: GWMO_ROOTS.deviceInventory,
  description: 'GwMO Device Inventory: the end devices behind this gateway (node names ours, UNVERIFIED).',
  root: interior(rootName(GWMO_ROOTS.deviceInventory), [INVENTORY_RECORD], { scope: 'Permanent', dfType: GWMO_MO_IDS.deviceInventory, description: 'End devices.' }),
};

/** End Device Trigger: deliver a notification (package #0) to one end device. */
export const GW_ED_TRIGGER_MO: MoDescription = {
  id: GWMO_MO_IDS.edTrigger,
  name: 'GwEDTrigger',
  location: GWMO_ROOTS.edTrigger,
  description: 'GwMO End Device Trigger: the server has the gateway deliver a notification to one end device (node names ours, UNVERIFIED).',
  root: interior(rootName(GWMO_ROOTS.edTrigger), [
    interior('<x>', [
      leaf(N.deviceId, { description: 'Global DeviceID of the end device this trigger reaches.' }),
      leaf(N.trigger, { format: 'null', accessTypes: ['Exec', 'Get'], description: 'Exec with Data = the package #0 for the end device, base64. 200 delivered; 404 end device unknown; 410 end device unreachable; 400 not a package #0.' }),
      leaf(N.lastResult, { occurrence: 'ZeroOrOne', description: 'Result of the last trigger: delivered, or the reason it was not.' }),
    ], { occurrence: 'ZeroOrMore', description: 'Trigger of one end device, named like its inventory record.' }),
  ], { scope: 'Permanent', dfType: GWMO_MO_IDS.edTrigger, description: 'End-device triggers.' }),
};

/** Fanout: one command set for a group of end devices, aggregated results. */
export const GW_FANOUT_MO: MoDescription = {
  id: GWMO_MO_IDS.fanout,
  name: 'GwFanout',
  location: GWMO_ROOTS.fanout,
  description: 'GwMO Fanout: one set of commands run on a group of end devices, with per-device and aggregated results (node names ours, UNVERIFIED).',
  root: interior(rootName(GWMO_ROOTS.fanout), [
    interior('<x>', [
      leaf(N.targets, { accessTypes: ['Add', 'Get', 'Replace'], description: 'Global DeviceIDs, comma separated, or * for every proxy-mode end device.' }),
      leaf(N.commands, { accessTypes: ['Add', 'Get', 'Replace'], description: 'JSON array of {verb, target, data?, format?}; targets are paths inside the end device (./…).' }),
      leaf(N.run, { format: 'null', accessTypes: ['Exec', 'Get'], occurrence: 'ZeroOrOne', description: 'Run the fan-out (the gateway answers for it once Targets and Commands are set): 202, then a resultaggregation Generic Alert (per-device results, JSON) and a completionstatus Generic Alert (aggregated status), both with the Exec\'s Correlator.' }),
      leaf(N.state, { occurrence: 'ZeroOrOne', description: 'running or done (set by the gateway).' }),
      interior(N.results, [
        interior('<x>', [
          leaf(N.deviceId, { description: 'Global DeviceID.' }),
          leaf(N.status, { format: 'int', description: 'Worst status of the device\'s commands.' }),
          leaf(N.data, { description: 'JSON: the status and results of each command.' }),
        ], { occurrence: 'ZeroOrMore', description: 'One end device\'s results.' }),
      ], { occurrence: 'ZeroOrOne', description: 'Per-device results of the last run (set by the gateway).' }),
    ], { occurrence: 'ZeroOrMore', accessTypes: ['Get', 'Add', 'Delete'], description: 'One fan-out job, added by the server.' }),
  ], { scope: 'Permanent', dfType: GWMO_MO_IDS.fanout, description: 'Fan-out jobs.' }),
};

/** Image Inventory: images the gateway keeps for its end devices. */
export const GW_IMAGE_INVENTORY_MO: MoDescription = {
  id: GWMO_MO_IDS.imageInventory,
  name: 'GwImgInv',
  location: GWMO_ROOTS.imageInventory,
  description: 'GwMO Image Inventory: images kept by the gateway for its end devices (node names ours, UNVERIFIED).',
  root: interior(rootName(GWMO_ROOTS.imageInventory), [
    interior('<x>', [
      leaf(N.name, { description: 'Image name.' }),
      leaf(N.kind, { description: 'Personal or Enterprise.' }),
      leaf(N.digest, { description: 'sha256:<hex> of the image bundle, verified when it was stored.' }),
    ], { occurrence: 'ZeroOrMore', description: 'One image (an imageready Generic Alert announced it).' }),
  ], { scope: 'Permanent', dfType: GWMO_MO_IDS.imageInventory, description: 'Stored images.' }),
};

/** The five, in a fixed order. */
export const GWMO_MOS: readonly MoDescription[] = [GW_CONFIG_MO, GW_DEVICE_INVENTORY_MO, GW_ED_TRIGGER_MO, GW_FANOUT_MO, GW_IMAGE_INVENTORY_MO];

/** URI of an end device's inventory record. */
export const inventoryUri = (localId: string): string => `${GWMO_ROOTS.deviceInventory}/${localId}`;
/** The proxy prefix of an end device: the server addresses `<prefix>/<path>` for the end device's `./<path>`. */
export const proxyPrefix = (localId: string): string => `${inventoryUri(localId)}/${N.tree}`;
/** URI of a fan-out job's Run Exec. */
export const fanoutRunUri = (job: string): string => `${GWMO_ROOTS.fanout}/${job}/${N.run}`;
/** URI of an end device's trigger Exec node. */
export const triggerUri = (localId: string): string => `${GWMO_ROOTS.edTrigger}/${localId}/${N.trigger}`;
