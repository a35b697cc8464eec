/**
 * VM images: one JSON bundle (`*.dmimg`) = a manifest + the guest payload
 * files (Base64) + an optional bootstrap document or virtual smartcard (the
 * seed's *customized* bootstrap). The bundle's identity is its digest,
 * `sha256:<hex>` of the bundle bytes exactly as stored and served.
 *
 * Payload files by convention:
 * - `account.json` — a ready DM account (a `dmvisor client` config `accounts[]`
 *   entry): the customized bootstrap in its simplest form;
 * - `bootstrap/<file>` — a bootstrap document (WBXML) or `bootstrap/card.img`,
 *   a virtual smartcard, written beside the guest config;
 * - `domain.xml` — a libvirt domain description (libvirt driver).
 */
import { createHash } from 'node:crypto';
import type { VmKind } from '../mo/virt.js';
import { DmvisorError } from '../errors.js';

/** Bundle format tag. */
export const IMAGE_FORMAT = 'dmvisor-image/1';
/** Largest bundle accepted anywhere (build, upload, download). */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

/** What an image says about itself. */
export interface ImageManifest {
  format: typeof IMAGE_FORMAT;
  name: string;
  kind: VmKind;
  /** Whether VMs from this image run a DM client from the start. */
  withClient: boolean;
  memoryMB: number;
  vcpus: number;
  /** Which bootstrap the image carries, and the payload file holding it. */
  bootstrap?: { method: 'customized' | 'document' | 'smartcard'; file: string; sec?: string; mac?: string; pin?: string };
}

/** A decoded image. */
export interface Image {
  manifest: ImageManifest;
  /** Payload files by relative path. */
  files: Record<string, Uint8Array>;
}

/** An image that cannot be used, and why. */
export class ImageError extends DmvisorError {
  constructor(message: string) {
    super(message, 'DMV_ERR_IMAGE', 400);
    this.name = 'ImageError';
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const FILE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** `sha256:<hex>` of bytes. */
export function imageDigest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Check a VM or image name (also used as a tree node name and a directory name). */
export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && NAME.test(name);
}

/** Encode an image to its bundle bytes. */
export function encodeImage(image: Image): Uint8Array {
  checkManifest(image.manifest);
  const files: Record<string, string> = {};
  for (const [path, bytes] of Object.entries(image.files).sort(([a], [b]) => a.localeCompare(b))) {
    if (!FILE.test(path) || path.split('/').includes('..')) throw new ImageError(`bad payload file name ${JSON.stringify(path)}`);
    files[path] = Buffer.from(bytes).toString('base64');
  }
  const bytes = new Uint8Array(Buffer.from(JSON.stringify({ manifest: image.manifest, files }, null, 1), 'utf8'));
  if (bytes.length > MAX_IMAGE_BYTES) throw new ImageError(`image larger than ${MAX_IMAGE_BYTES} bytes`);
  return bytes;
}

/**
 * Decode and validate bundle bytes; with `expectedDigest`, verify it first.
 * @throws ImageError naming what is wrong.
 */
export function decodeImage(bytes: Uint8Array, expectedDigest?: string): Image {
  if (bytes.length > MAX_IMAGE_BYTES) throw new ImageError(`image larger than ${MAX_IMAGE_BYTES} bytes`);
  if (expectedDigest !== undefined) {
    const got = imageDigest(bytes);
    if (got !== expectedDigest) throw new ImageError(`digest mismatch: expected ${expectedDigest}, got ${got}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new ImageError(`not an image bundle: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null) throw new ImageError('not an image bundle: not an object');
  const { manifest, files } = raw as { manifest?: unknown; files?: unknown };
  checkManifest(manifest);
  if (typeof files !== 'object' || files === null || Array.isArray(files)) throw new ImageError('files must be an object');
  const out: Record<string, Uint8Array> = {};
  for (const [path, b64] of Object.entries(files)) {
    if (!FILE.test(path) || path.split('/').includes('..')) throw new ImageError(`bad payload file name ${JSON.stringify(path)}`);
    if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new ImageError(`files.${path} must be Base64`);
    out[path] = new Uint8Array(Buffer.from(b64, 'base64'));
  }
  const m = manifest;
  if (m.bootstrap && !(m.bootstrap.file in out)) throw new ImageError(`manifest.bootstrap.file ${JSON.stringify(m.bootstrap.file)} is not in the payload`);
  return { manifest: m, files: out };
}

function checkManifest(m: unknown): asserts m is ImageManifest {
  if (typeof m !== 'object' || m === null) throw new ImageError('manifest must be an object');
  const o = m as Record<string, unknown>;
  if (o.format !== IMAGE_FORMAT) throw new ImageError(`manifest.format must be ${IMAGE_FORMAT}`);
  if (!isValidName(o.name)) throw new ImageError('manifest.name must be 1–64 of letters, digits, . _ - (not starting with . _ -)');
  if (o.kind !== 'Personal' && o.kind !== 'Enterprise') throw new ImageError('manifest.kind must be Personal or Enterprise');
  if (typeof o.withClient !== 'boolean') throw new ImageError('manifest.withClient must be true or false');
  if (!Number.isInteger(o.memoryMB) || (o.memoryMB as number) < 1 || (o.memoryMB as number) > 1 << 20) throw new ImageError('manifest.memoryMB must be an integer 1–1048576');
  if (!Number.isInteger(o.vcpus) || (o.vcpus as number) < 1 || (o.vcpus as number) > 256) throw new ImageError('manifest.vcpus must be an integer 1–256');
  if (o.bootstrap !== undefined) {
    const b = o.bootstrap as Record<string, unknown>;
    if (typeof b !== 'object' || b === null) throw new ImageError('manifest.bootstrap must be an object');
    if (!['customized', 'document', 'smartcard'].includes(b.method as string)) throw new ImageError('manifest.bootstrap.method must be customized, document or smartcard');
    if (typeof b.file !== 'string' || !FILE.test(b.file)) throw new ImageError('manifest.bootstrap.file must be a payload file name');
    for (const k of ['sec', 'mac', 'pin'] as const) if (b[k] !== undefined && typeof b[k] !== 'string') throw new ImageError(`manifest.bootstrap.${k} must be a string`);
  }
}

/** The ready DM account an image carries (`account.json`), if any. */
export function imageAccount(image: Image): Record<string, unknown> | undefined {
  const bytes = image.files['account.json'];
  if (!bytes) return undefined;
  try {
    const a = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
    if (typeof a !== 'object' || a === null || Array.isArray(a)) throw new Error('not an object');
    return a as Record<string, unknown>;
  } catch (e) {
    throw new ImageError(`account.json: ${(e as Error).message}`);
  }
}

/** Inputs of {@link buildImage} (file contents already read). */
export interface ImageBuildInput {
  name: string;
  kind: VmKind;
  withClient: boolean;
  memoryMB?: number;
  vcpus?: number;
  /** A ready DM account (`dmvisor client` config `accounts[]` entry): the customized bootstrap in its simplest form. */
  account?: Record<string, unknown>;
  /** A bootstrap document (WBXML) or a virtual smartcard image, by file name. */
  bootstrap?: { fileName: string; bytes: Uint8Array; smartcard: boolean; sec?: string; mac?: string; pin?: string };
  /** libvirt domain XML template. */
  domainXml?: string;
}

/** Assemble an image from its parts. @throws ImageError */
export function buildImage(input: ImageBuildInput): Image {
  const files: Record<string, Uint8Array> = {};
  const manifest: ImageManifest = {
    format: IMAGE_FORMAT, name: input.name, kind: input.kind, withClient: input.withClient,
    memoryMB: input.memoryMB ?? (input.kind === 'Enterprise' ? 1024 : 2048), vcpus: input.vcpus ?? 1,
  };
  if (input.account) {
    if (!input.withClient) throw new ImageError('an account only makes sense with a client (--with-client)');
    files['account.json'] = new Uint8Array(Buffer.from(JSON.stringify(input.account, null, 2)));
    manifest.bootstrap = { method: 'customized', file: 'account.json' };
  }
  if (input.bootstrap) {
    if (!input.withClient) throw new ImageError('a bootstrap document or smartcard only makes sense with a client (--with-client)');
    if (input.account) throw new ImageError('give either a ready account or a bootstrap document/smartcard, not both');
    const base = input.bootstrap.fileName.split('/').pop()!.replace(/[^A-Za-z0-9._-]/g, '_');
    const file = `bootstrap/${input.bootstrap.smartcard ? 'card.img' : base}`;
    files[file] = input.bootstrap.bytes;
    manifest.bootstrap = {
      method: input.bootstrap.smartcard ? 'smartcard' : 'document', file,
      ...(input.bootstrap.sec ? { sec: input.bootstrap.sec } : {}), ...(input.bootstrap.mac ? { mac: input.bootstrap.mac } : {}), ...(input.bootstrap.pin ? { pin: input.bootstrap.pin } : {}),
    };
  }
  if (input.domainXml !== undefined) files['domain.xml'] = new Uint8Array(Buffer.from(input.domainXml));
  const image = { manifest, files };
  decodeImage(encodeImage(image));
  return image;
}
