/**
 * What bootstraps a client has applied, kept next to its tree
 * (`<stateDir>/bootstrap.json`): each entry is a document's digest, where it
 * came from, and the accounts it created. It makes re-applying the same image
 * a no-op (no duplicate accounts) and lets the client remove the accounts of
 * a smartcard that was removed or replaced.
 */
import { readFile, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { DmvisorError } from '../errors.js';

/** One applied bootstrap. */
export interface LedgerEntry {
  digest: string;
  /** `image`, `push`, `card:<cardId>` or `server:<serverId>` (client-initiated). */
  origin: string;
  serverIds: string[];
  at: string;
}

/** The ledger file. */
export class BootstrapLedger {
  private constructor(private readonly file: string | undefined, readonly entries: LedgerEntry[]) {}

  /** Load from the state folder (empty when absent); in memory when `stateDir` is undefined. */
  static async load(stateDir: string | undefined): Promise<BootstrapLedger> {
    if (stateDir === undefined) return new BootstrapLedger(undefined, []);
    const file = join(stateDir, 'bootstrap.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new BootstrapLedger(file, []);
      throw e;
    }
    try {
      const raw = JSON.parse(text) as { entries?: unknown };
      if (!Array.isArray(raw.entries)) throw new Error('no entries array');
      const entries = raw.entries.filter((e): e is LedgerEntry =>
        typeof e === 'object' && e !== null && typeof (e as LedgerEntry).digest === 'string' && typeof (e as LedgerEntry).origin === 'string' && Array.isArray((e as LedgerEntry).serverIds));
      return new BootstrapLedger(file, entries);
    } catch (e) {
      throw new DmvisorError(`${file} is corrupt: ${(e as Error).message}`, 'DMV_ERR_STATE', 500);
    }
  }

  has(digest: string, origin: string): boolean {
    return this.entries.some((e) => e.digest === digest && e.origin === origin);
  }

  add(entry: LedgerEntry): void {
    this.entries.push(entry);
  }

  remove(pred: (e: LedgerEntry) => boolean): LedgerEntry[] {
    const gone = this.entries.filter(pred);
    for (const g of gone) this.entries.splice(this.entries.indexOf(g), 1);
    return gone;
  }

  async save(): Promise<void> {
    if (this.file === undefined) return;
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, JSON.stringify({ entries: this.entries }, null, 2) + '\n');
    await rename(tmp, this.file);
  }
}
