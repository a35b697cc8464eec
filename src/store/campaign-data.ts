/**
 * The data of a campaign's commands, read from the campaign (where it is
 * stored once) when one device's operation is loaded.
 */
import type { Kysely } from 'kysely';
import type { StoreDatabase } from './schema.js';

/** A campaign command as stored in `campaigns.commands` (bytes as base64). */
export interface StoredCampaignCommand {
  verb: string;
  target: string;
  source?: string;
  data?: string;
  b64?: true;
  format?: string;
  type?: string;
}

/** Per campaign pk, the data of each command by index (undefined where a command has none). */
export async function campaignCommandData(db: Kysely<StoreDatabase>, pks: number[]): Promise<Map<number, (string | Uint8Array | undefined)[]>> {
  const rows = await db.selectFrom('campaigns').select(['pk', 'commands']).where('pk', 'in', pks).execute();
  const out = new Map<number, (string | Uint8Array | undefined)[]>();
  for (const r of rows) {
    const cmds = JSON.parse(r.commands) as StoredCampaignCommand[];
    out.set(Number(r.pk), cmds.map((c) => (c.data === undefined ? undefined : c.b64 ? new Uint8Array(Buffer.from(c.data, 'base64')) : c.data)));
  }
  return out;
}
