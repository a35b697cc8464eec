/**
 * Inbox — `./Inbox`, `urn:oma:mo:oma-dm-inbox:1.0` (shared/spec/oma-dm-facts.md §6.4).
 *
 * An add-only drop box: a server Adds an MO there and the device places it by
 * its MO identifier (Type). Get on `./Inbox` or anything below → 405 (the
 * root's AccessType is Add only, and `descendantAccessTypes: ['Add']` makes
 * every node added below Add-only too).
 *
 * UNVERIFIED / our choice: the placement step is the device's business and is
 * not done by the tree; nodes added stay under `./Inbox` until the owner
 * moves them (e.g. by instantiating the MO elsewhere and deleting them).
 */
import type { MoDescription } from '../tree/description.js';
import { interior } from './description.js';

/** MO identifier of the Inbox. */
export const INBOX_MO_ID = 'urn:oma:mo:oma-dm-inbox:1.0';

/** Inbox as data. */
export const INBOX_MO: MoDescription = {
  id: INBOX_MO_ID,
  name: 'Inbox',
  location: './Inbox',
  description: 'Add-only location where a server drops MOs for the device to place by their MO identifier.',
  root: interior('Inbox', undefined, {
    accessTypes: ['Add'],
    descendantAccessTypes: ['Add'],
    scope: 'Permanent',
    dfType: INBOX_MO_ID,
    description: 'Add-only drop box; Get here or below answers 405.',
  }),
};
