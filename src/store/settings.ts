/**
 * Small server-wide settings by key (the admin API token, …). Values are
 * strings; callers encode anything richer.
 */
import { ms, type StoreContext } from './context.js';
import { StoreInputError } from './errors.js';

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key === '' || key.length > 256) throw new StoreInputError('setting key must be a non-empty string of at most 256 characters');
}

/** Settings calls; see {@link Store}. */
export class SettingsRepository {
  constructor(private readonly ctx: StoreContext) {}

  async getSetting(key: string): Promise<string | undefined> {
    checkKey(key);
    const row = await this.ctx.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    checkKey(key);
    if (typeof value !== 'string') throw new StoreInputError('setting value must be a string');
    const at = ms(this.ctx);
    await this.ctx.db.insertInto('settings').values({ key, value, updated_at: at })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: at }))
      .execute();
  }

  async deleteSetting(key: string): Promise<boolean> {
    checkKey(key);
    const r = await this.ctx.db.deleteFrom('settings').where('key', '=', key).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
