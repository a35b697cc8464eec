/**
 * DevInfo — `./DevInfo`, `urn:oma:mo:oma-dm-devinfo:1.0`
 * (shared/spec/oma-dm-facts.md §6.1). Sent by the client in every package #1.
 *
 * Choices: every node is Get-only and permanent (the spec lists Get only; the
 * device owns these values); `Ext` and `Bearer` are open subtrees for vendor
 * and bearer-specific nodes; the MO root carries ACL `Get=*` so that the
 * root's `Add=*` does not let servers add under `Ext`.
 */
import type { MoDescription } from '../tree/description.js';
import { interior, leaf } from './description.js';

/** MO identifier of DevInfo (DM 1.2). */
export const DEVINFO_MO_ID = 'urn:oma:mo:oma-dm-devinfo:1.0';

const fixed = { scope: 'Permanent' } as const;

/** DevInfo as data. */
export const DEVINFO_MO: MoDescription = {
  id: DEVINFO_MO_ID,
  name: 'DevInfo',
  location: './DevInfo',
  description: 'Device information the client sends in every package #1.',
  root: interior('DevInfo', [
    leaf('DevId', { ...fixed, description: 'Unique device identifier; SHOULD be globally unique, MUST be URN-formatted (e.g. IMEI:493005100592800).' }),
    leaf('Man', { ...fixed, description: 'Manufacturer.' }),
    leaf('Mod', { ...fixed, description: 'Model.' }),
    leaf('DmV', { ...fixed, description: 'DM client version (vendor string).' }),
    leaf('Lang', { ...fixed, description: 'Current language, an RFC 1766 tag such as en-US.' }),
    interior('Ext', undefined, { ...fixed, occurrence: 'ZeroOrOne', description: 'Vendor extensions.' }),
    interior('Bearer', undefined, { ...fixed, occurrence: 'ZeroOrOne', description: 'Bearer-specific information.' }),
  ], { ...fixed, dfType: DEVINFO_MO_ID, acl: 'Get=*', description: 'Device information.' }),
};

/** The values of a DevInfo instance. */
export interface DevInfoValues {
  devId: string;
  man: string;
  mod: string;
  dmV: string;
  lang: string;
}

/** DevInfo values in the shape `instantiateMo` takes. */
export function devInfoValues(v: DevInfoValues): Record<string, string> {
  return { DevId: v.devId, Man: v.man, Mod: v.mod, DmV: v.dmV, Lang: v.lang };
}
