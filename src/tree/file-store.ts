/**
 * `FileTreeStore`: the tree snapshot in one file, written so that a crash at
 * any moment leaves either the previous file or the new one — never a mix.
 *
 * Save: write the whole snapshot to a temporary file in the same directory
 * (`.<name>.tmp-<pid>-<n>`), fsync it, rename it over the file (atomic within
 * a file system), then fsync the directory so the rename itself is durable.
 * Load: read the file, check its SHA-256 line against the content, parse;
 * any mismatch is a {@link SnapshotCorruptError} (never a half tree). Stale
 * temporary files from a crashed save are ignored, and removed on load.
 *
 * File layout: a header line `dmvisor-tree sha256=<64 hex>` then the snapshot
 * as JSON. One process writes a given file (no cross-process locking).
 *
 * This is the tree layer's only I/O.
 */
import { createHash } from 'node:crypto';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SnapshotCorruptError, TreeStoreError } from './errors.js';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type TreeSnapshot } from './snapshot.js';
import type { TreeStore } from './store.js';

const HEADER = /^dmvisor-tree sha256=([0-9a-f]{64})\n/;

/** Options of {@link FileTreeStore}. */
export interface FileTreeStoreOptions {
  /** fsync file and directory on save. Default true; false only for tests that do not care about power loss. */
  durable?: boolean;
}

/** See the module comment. */
export class FileTreeStore implements TreeStore {
  private readonly dir: string;
  private readonly tmpPrefix: string;
  private readonly durable: boolean;
  private counter = 0;
  private queue: Promise<void> = Promise.resolve();

  /** @param path the snapshot file; its directory must exist. */
  constructor(readonly path: string, options: FileTreeStoreOptions = {}) {
    this.dir = dirname(path);
    this.tmpPrefix = `.${basename(path)}.tmp-`;
    this.durable = options.durable ?? true;
  }

  /** {@inheritDoc TreeStore.load} */
  async load(): Promise<TreeSnapshot | undefined> {
    await this.removeStaleTemps();
    let raw: Buffer;
    try {
      raw = await readFile(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new TreeStoreError(`cannot read ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    const text = raw.toString('utf8');
    const m = HEADER.exec(text);
    if (!m) throw new SnapshotCorruptError(this.path, 'missing or malformed header line');
    const body = raw.subarray(Buffer.byteLength(m[0]));
    const digest = createHash('sha256').update(body).digest('hex');
    if (digest !== m[1]) throw new SnapshotCorruptError(this.path, 'checksum mismatch (truncated or altered file)');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new SnapshotCorruptError(this.path, `not JSON: ${(err as Error).message}`);
    }
    const p = parsed as Partial<TreeSnapshot> | null;
    if (p === null || typeof p !== 'object' || p.format !== SNAPSHOT_FORMAT || p.version !== SNAPSHOT_VERSION) {
      throw new SnapshotCorruptError(this.path, 'not a dmvisor tree snapshot of a supported version');
    }
    return parsed as TreeSnapshot;
  }

  /** {@inheritDoc TreeStore.save} Saves run one at a time, in call order. */
  save(snapshot: TreeSnapshot): Promise<void> {
    const run = this.queue.then(() => this.write(snapshot));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(snapshot: TreeSnapshot): Promise<void> {
    const body = Buffer.from(JSON.stringify(snapshot), 'utf8');
    const header = `dmvisor-tree sha256=${createHash('sha256').update(body).digest('hex')}\n`;
    const tmp = join(this.dir, `${this.tmpPrefix}${process.pid}-${++this.counter}`);
    try {
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(Buffer.concat([Buffer.from(header, 'utf8'), body]));
        if (this.durable) await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw new TreeStoreError(`cannot save ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    if (this.durable) await this.syncDir();
  }

  private async syncDir(): Promise<void> {
    let dh;
    try {
      dh = await open(this.dir, 'r');
      await dh.sync();
    } catch {
      // Some file systems refuse fsync on a directory; the rename is still atomic.
    } finally {
      await dh?.close();
    }
  }

  private async removeStaleTemps(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    // Our own process's temp files may belong to a save in flight.
    const mine = `${this.tmpPrefix}${process.pid}-`;
    await Promise.all(names.filter((n) => n.startsWith(this.tmpPrefix) && !n.startsWith(mine)).map((n) => unlink(join(this.dir, n)).catch(() => undefined)));
  }
}
