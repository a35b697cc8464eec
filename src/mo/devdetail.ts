/**
 * DevDetail — `./DevDetail`, `urn:oma:mo:oma-dm-devdetail:1.0`
 * (shared/spec/oma-dm-facts.md §6.2). Read by the server with Get.
 *
 * `URI/MaxDepth`, `URI/MaxTotLen`, `URI/MaxSegLen` are the tree's own URI
 * limits: {@link devDetailProviders} backs them with the tree's values, so they
 * cannot drift from what the tree enforces (decimal strings, 0 = unlimited).
 * Choices: every node Get-only and permanent; `chr` for the URI limits (the
 * spec's "16-bit unsigned as decimal string"); `bool` for `LrgObj`;
 * ACL `Get=*` on the MO root (libdmclient's sample).
 */
import type { MoDescription } from '../tree/description.js';
import type { DmTree } from '../tree/dm-tree.js';
import type { ValueSource } from '../tree/hooks.js';
import { interior, leaf } from './description.js';

/** MO identifier of DevDetail (DM 1.2). */
export const DEVDETAIL_MO_ID = 'urn:oma:mo:oma-dm-devdetail:1.0';

const fixed = { scope: 'Permanent' } as const;

/** DevDetail as data. */
export const DEVDETAIL_MO: MoDescription = {
  id: DEVDETAIL_MO_ID,
  name: 'DevDetail',
  location: './DevDetail',
  description: 'Device details the server reads with Get.',
  root: interior('DevDetail', [
    interior('URI', [
      leaf('MaxDepth', { ...fixed, description: 'Most URI segments below the root; 0 = unlimited.' }),
      leaf('MaxTotLen', { ...fixed, description: 'Longest URI, in characters; 0 = unlimited.' }),
      leaf('MaxSegLen', { ...fixed, description: 'Longest URI segment, in characters; 0 = unlimited.' }),
    ], { ...fixed, description: 'URI limits of the tree.' }),
    leaf('DevTyp', { ...fixed, description: 'Device type, e.g. phone, pda, mobile, host, vm.' }),
    leaf('OEM', { ...fixed, description: 'Original equipment manufacturer.' }),
    leaf('FwV', { ...fixed, description: 'Firmware version.' }),
    leaf('SwV', { ...fixed, description: 'Software version.' }),
    leaf('HwV', { ...fixed, description: 'Hardware version.' }),
    leaf('LrgObj', { ...fixed, format: 'bool', description: 'true when the device supports large objects.' }),
    interior('Ext', undefined, { ...fixed, occurrence: 'ZeroOrOne', description: 'Vendor extensions.' }),
    interior('Bearer', undefined, { ...fixed, occurrence: 'ZeroOrOne', description: 'Bearer-specific information.' }),
  ], { ...fixed, dfType: DEVDETAIL_MO_ID, acl: 'Get=*', description: 'Device details.' }),
};

/** The values of a DevDetail instance; each may be a function for a live value. */
export interface DevDetailValues {
  devTyp: string | ValueSource;
  oem: string | ValueSource;
  fwV: string | ValueSource;
  swV: string | ValueSource;
  hwV: string | ValueSource;
  lrgObj: boolean | ValueSource;
}

/**
 * Split DevDetail values into static values and providers for
 * `instantiateMo`, with `URI/*` backed by `tree.uriLimits`.
 */
export function devDetailProviders(tree: DmTree, v: DevDetailValues): { values: Record<string, string>; providers: Record<string, ValueSource> } {
  const values: Record<string, string> = {};
  const providers: Record<string, ValueSource> = {
    'URI/MaxDepth': () => String(tree.uriLimits.maxDepth),
    'URI/MaxTotLen': () => String(tree.uriLimits.maxTotLen),
    'URI/MaxSegLen': () => String(tree.uriLimits.maxSegLen),
  };
  const put = (name: string, x: string | boolean | ValueSource): void => {
    if (typeof x === 'string') values[name] = x;
    else if (typeof x === 'boolean') values[name] = String(x);
    else providers[name] = x;
  };
  put('DevTyp', v.devTyp); put('OEM', v.oem); put('FwV', v.fwV); put('SwV', v.swV); put('HwV', v.hwV); put('LrgObj', v.lrgObj);
  return { values, providers };
}
