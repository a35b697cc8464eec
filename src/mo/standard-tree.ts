/**
 * A device's standard tree in one call: DevInfo + DevDetail (URI limits wired
 * to the tree) + DMAcc accounts + Inbox.
 */
import { DmTree } from '../tree/dm-tree.js';
import type { DmTreeOptions } from '../tree/engine.js';
import { DEVDETAIL_MO, devDetailProviders, type DevDetailValues } from './devdetail.js';
import { DEVINFO_MO, devInfoValues, type DevInfoValues } from './devinfo.js';
import { DMACC_MO, addDmAccount, type DmAccount } from './dmacc.js';
import { INBOX_MO } from './inbox.js';
import { instantiateMo } from './instantiate.js';
import { moResolver } from './registry.js';

/** What {@link createStandardTree} needs. */
export interface StandardTreeOptions extends DmTreeOptions {
  devInfo: DevInfoValues;
  devDetail: DevDetailValues;
  /** DM accounts by `<x>` node name. */
  accounts?: Readonly<Record<string, DmAccount>>;
  /** Create `./Inbox`. Default true. */
  inbox?: boolean;
}

/**
 * Build the standard tree. With `tree` given (e.g. loaded from a snapshot),
 * the same MOs are (re)instantiated into it: existing nodes kept, providers
 * re-attached.
 */
export function createStandardTree(options: StandardTreeOptions, tree?: DmTree): DmTree {
  const t = tree ?? new DmTree({ resolveMo: moResolver(), ...options });
  instantiateMo(t, DEVINFO_MO, { values: devInfoValues(options.devInfo) });
  instantiateMo(t, DEVDETAIL_MO, devDetailProviders(t, options.devDetail));
  instantiateMo(t, DMACC_MO);
  for (const [name, account] of Object.entries(options.accounts ?? {})) addDmAccount(t, name, account);
  if (options.inbox ?? true) instantiateMo(t, INBOX_MO);
  return t;
}
