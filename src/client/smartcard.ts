/**
 * The `SmartCard` port: where a client reads card-held bootstrap data
 * (shared/spec/oma-dm-facts.md §8.4, oma-dm-facts-2.md §D). Read at client
 * start and whenever the card changes; the client removes accounts that came
 * from a card that is gone or was replaced.
 *
 * - {@link VirtualSmartCard}: a card image file (src/bootstrap/virtual-card.ts)
 *   that a host hands to a VM; "inserted" while the file exists, "changed"
 *   when its content changes.
 * - {@link PcscSmartCard}: a real reader through pcscd, via a pyscard bridge
 *   process (no native binding in node_modules), reading the card's PKCS#15
 *   bootstrap files (src/bootstrap/pkcs15.ts); polled for card changes.
 */
import { readFile, stat } from 'node:fs/promises';
import { existsSync, watchFile, unwatchFile } from 'node:fs';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readPkcs15Bootstrap } from '../bootstrap/pkcs15.js';
import { PCSC_BRIDGE_PY } from './pcsc-bridge.js';
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
  return new PcscSmartCard(config.pcsc.reader);
}

/** A real reader through pcscd (via the pyscard bridge), reading the card's PKCS#15 bootstrap files. */
export class PcscSmartCard implements SmartCard {
  constructor(private readonly reader: string | undefined, private readonly pollMs = 2000) {}

  async read(): Promise<CardContents | undefined> {
    const bridge = new PcscBridge();
    try {
      const c = await bridge.call({ cmd: 'connect', reader: this.reader ?? '' });
      if (c.noCard) return undefined;
      if (c.error) throw new DmvisorError(`PC/SC: ${String(c.error)}`, 'DMV_ERR_SMARTCARD_PCSC', 502);
      const files = await readPkcs15Bootstrap(async (apdu) => {
        const r = await bridge.call({ cmd: 'apdu', hex: Buffer.from(apdu).toString('hex') });
        if (r.error) throw new DmvisorError(`PC/SC: ${String(r.error)}`, 'DMV_ERR_SMARTCARD_PCSC', 502);
        return { data: new Uint8Array(Buffer.from(String(r.data), 'hex')), sw: parseInt(String(r.sw), 16) };
      });
      const h = createHash('sha256').update(String(c.atr));
      for (const f of files) h.update(f.data);
      return { cardId: `pcsc-${h.digest('hex').slice(0, 16)}`, files };
    } finally {
      bridge.close();
    }
  }

  watch(onChange: () => void): () => void {
    let last: string | undefined;
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      this.read().then((c) => c?.cardId ?? '', () => 'error').then((id) => {
        if (last !== undefined && id !== last) onChange();
        last = id;
      }).finally(() => { busy = false; });
    }, this.pollMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}

/** One bridge process: a request, then its one-line answer. */
class PcscBridge {
  private readonly proc = spawn(existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3', ['-c', PCSC_BRIDGE_PY], { stdio: ['pipe', 'pipe', 'ignore'] });
  private buffer = '';
  private readonly waiting: ((line: string) => void)[] = [];
  private failed: Error | undefined;

  constructor() {
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let i = this.buffer.indexOf('\n'); i >= 0; i = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 1);
        this.waiting.shift()?.(line);
      }
    });
    this.proc.on('error', (e) => { this.failed = e; for (const w of this.waiting.splice(0)) w(JSON.stringify({ error: e.message })); });
    this.proc.on('close', () => { for (const w of this.waiting.splice(0)) w(JSON.stringify({ error: 'the PC/SC bridge exited (python3 with pyscard needed)' })); });
  }

  call(req: object): Promise<Record<string, unknown>> {
    if (this.failed) return Promise.resolve({ error: this.failed.message });
    return new Promise((resolve) => {
      this.waiting.push((line) => {
        try { resolve(JSON.parse(line) as Record<string, unknown>); } catch { resolve({ error: `bad bridge answer ${line.slice(0, 80)}` }); }
      });
      this.proc.stdin.write(JSON.stringify(req) + '\n');
    });
  }

  close(): void {
    this.proc.stdin.end();
  }
}
