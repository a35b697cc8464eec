/**
 * The standard MOs by name, and a resolver that re-binds their descriptions
 * when a tree is loaded from a snapshot.
 */
import type { MoDescription, NodeDescription } from '../tree/description.js';
import { DEVDETAIL_MO } from './devdetail.js';
import { DEVINFO_MO } from './devinfo.js';
import { DMACC_MO } from './dmacc.js';
import { INBOX_MO } from './inbox.js';
import { VIRT_MO } from './virt.js';
import { GW_CONFIG_MO, GW_DEVICE_INVENTORY_MO, GW_ED_TRIGGER_MO, GW_FANOUT_MO, GW_IMAGE_INVENTORY_MO } from './gwmo.js';

/** DevInfo, DevDetail, DMAcc, Inbox, dmvisor's VM MO (Virt) and the five GwMO objects, by their short names (what `dmvisor tree ddf <mo>` takes). */
export const STANDARD_MOS: Readonly<Record<string, MoDescription>> = Object.freeze({
  DevInfo: DEVINFO_MO,
  DevDetail: DEVDETAIL_MO,
  DMAcc: DMACC_MO,
  Inbox: INBOX_MO,
  Virt: VIRT_MO,
  GwConfig: GW_CONFIG_MO,
  GwDevInv: GW_DEVICE_INVENTORY_MO,
  GwEDTrigger: GW_ED_TRIGGER_MO,
  GwFanout: GW_FANOUT_MO,
  GwImgInv: GW_IMAGE_INVENTORY_MO,
});

/** Look an MO up by short name (case-insensitive) or MO identifier. */
export function findMo(nameOrId: string, registry: Readonly<Record<string, MoDescription>> = STANDARD_MOS): MoDescription | undefined {
  const key = nameOrId.toLowerCase();
  return Object.values(registry).find((m) => m.name.toLowerCase() === key || m.id.toLowerCase() === key);
}

/**
 * A `DmTreeOptions.resolveMo` for these MOs (and any others given): maps an
 * MO identifier recorded in a snapshot back to the MO's root description.
 */
export function moResolver(...mos: readonly MoDescription[]): (moId: string) => NodeDescription | undefined {
  const all = new Map<string, NodeDescription>();
  for (const m of [...Object.values(STANDARD_MOS), ...mos]) all.set(m.id, m.root);
  return (moId) => all.get(moId);
}
