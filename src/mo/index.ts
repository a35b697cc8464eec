/**
 * Management objects as data: the DDF-like description type, instantiation
 * into a `DmTree`, DDF XML rendering, and the standard MOs — DevInfo,
 * DevDetail, DMAcc (DM 1.2) and Inbox (shared/spec/oma-dm-facts.md §5.7, §6).
 *
 * Pure: no I/O.
 */
export {
  leaf, interior, validateMoDescription, isPlaceholder, findChildDescription,
  type AccessType, type DfFormat, type MoDescription, type NodeDescription, type Occurrence,
} from './description.js';
export { instantiateMo, type MoInstanceOptions, type MoValue, type MoValues } from './instantiate.js';
export { renderDdfXml, DDF_PUBLIC_ID, DDF_SYSTEM_ID, type DdfRenderOptions } from './ddf-xml.js';
export { DEVINFO_MO, DEVINFO_MO_ID, devInfoValues, type DevInfoValues } from './devinfo.js';
export { DEVDETAIL_MO, DEVDETAIL_MO_ID, devDetailProviders, type DevDetailValues } from './devdetail.js';
export {
  DMACC_MO, DMACC_MO_ID, addDmAccount, dmAccountValues, listDmAccounts,
  type AAuthLevel, type DmAccount, type DmAccountAuth, type DmAccountEntry,
} from './dmacc.js';
export { INBOX_MO, INBOX_MO_ID } from './inbox.js';
export {
  VIRT_MO, VIRT_MO_ID, VIRT_NODES, VIRT_ALERT, VM_STATES,
  type Virtualization, type VmKind, type VmState, type ManagementMode, type VmBootstrap,
} from './virt.js';
export {
  GWMO_MOS, GWMO_MO_IDS, GWMO_NODES, GWMO_ROOTS, GWMO_ALERT, GWMO_ALERT_ROOT, GW_MODES, GW_CONFIG_MO, GW_DEVICE_INVENTORY_MO,
  GW_ED_TRIGGER_MO, GW_FANOUT_MO, GW_IMAGE_INVENTORY_MO, inventoryUri, proxyPrefix, triggerUri, fanoutRunUri, type GwMode,
} from './gwmo.js';
export { STANDARD_MOS, findMo, moResolver } from './registry.js';
export { createStandardTree, type StandardTreeOptions } from './standard-tree.js';
export { MoDescriptionError, MoInstanceError } from './errors.js';
