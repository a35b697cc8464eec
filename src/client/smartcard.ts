/**
 * The `SmartCard` port: where a client reads card-held bootstrap data
 * (shared/spec/oma-dm-facts.md §8.4, oma-dm-facts-2.md §D). Read at client
 * start and whenever the card changes; the client removes accounts that came
 * from a card that is gone or was replaced.
 *
 * - {@link VirtualSmartCard}: a card image file (src/bootstrap/virtual-card.ts)
 *   that a host hands to a VM; "inserted" while the file exists, "changed"
 *   when its content changes.
 * - PC/SC (real readers through pcscd) needs a native PC/SC binding that
 *   dmvisor does not ship yet: {@link openSmartCard} refuses it with a clear
 *   error rather than pretending.
 */
import { readFile, stat } from 'node:fs/promises';
import { watchFile, unwatchFile } from 'node:fs';
import { decodeCardImage, type CardContents } from '../bootstrap/virtual-card.js';
import { DmvisorError } from '../errors.js';
import type { ConfigBootstrap } from './device-config.js';

/** A smartcard slot. */
export interface SmartCard {
  /** What the card in the slot carries, or undefined when no card is present. Malformed cards throw. */
  read(): Promise<CardContents | undefined>;
  /** Call `onChange` when a card is inserted, removed or replaced; returns a function that stops watching. */
  watch(onChange: () => void): () => void;
}

/** A virtual card: an image file. */
export class VirtualSmartCard implements SmartCard {
  constructor(readonly file: string, private readonly pollMs = 1000) {}

  async read(): Promise<CardContents | undefined> {
    let bytes: Buffer;
    try {
      const s = await stat(this.file);
      if (s.size > 1024 * 1024) throw new DmvisorError(`card image ${this.file} is larger than 1 MiB`, 'DMV_ERR_SMARTCARD', 400);
      bytes = await readFile(this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    return decodeCardImage(new Uint8Array(bytes));
  }

  watch(onChange: () => void): () => void {
    const listener = (cur: { mtimeMs: number; size: number }, prev: { mtimeMs: number; size: number }) => {
      if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size) onChange();
    };
    watchFile(this.file, { interval: this.pollMs, persistent: false }, listener);
    return () => unwatchFile(this.file, listener);
  }
}

/** The card a config names. */
export function openSmartCard(config: NonNullable<ConfigBootstrap['smartcard']>): SmartCard {
  if ('virtual' in config) return new VirtualSmartCard(config.virtual);
  throw new DmvisorError('PC/SC smartcards are not supported by this build (no PC/SC binding); use a virtual card image', 'DMV_ERR_SMARTCARD_PCSC', 501);
}
