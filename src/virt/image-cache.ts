/**
 * The host's image cache: images are downloaded from the server when a VM is
 * created, verified against the digest the server gave, and kept by digest
 * (`<dir>/<hex>.dmimg`) so the next VM from the same image needs no download.
 * A cached file is re-verified on every use; a bad one is dropped.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeImage, imageDigest, ImageError, MAX_IMAGE_BYTES, type Image } from './image.js';

/** See the module comment. */
export class ImageCache {
  constructor(private readonly dir: string, private readonly fetchImpl: typeof fetch = fetch) {}

  /**
   * The image with this digest: from the cache, else downloaded from `url`.
   * @throws ImageError — unknown image (404), download failure, digest mismatch, bad bundle.
   */
  async get(url: string, digest: string): Promise<Image> {
    const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
    if (!m) throw new ImageError(`bad digest ${JSON.stringify(digest)} (expected sha256:<64 hex>)`);
    const file = join(this.dir, `${m[1]}.dmimg`);
    const cached = await readFile(file).catch(() => undefined);
    if (cached) {
      if (imageDigest(cached) === digest) return decodeImage(cached);
      await rm(file, { force: true });
    }
    let res: Response;
    try {
      res = await this.fetchImpl(url, { signal: AbortSignal.timeout(30000) });
    } catch (e) {
      throw new ImageError(`cannot download the image from ${url}: ${(e as Error).message}`);
    }
    if (res.status === 404) throw new ImageError(`unknown image: the server has no image at ${url}`);
    if (!res.ok) throw new ImageError(`image download failed: HTTP ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > MAX_IMAGE_BYTES) throw new ImageError(`image larger than ${MAX_IMAGE_BYTES} bytes`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const image = decodeImage(bytes, digest);
    await mkdir(this.dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
    return image;
  }
}
