/**
 * Reading bootstrap files from a real card's PKCS#15 application over APDUs
 * (shared/spec/oma-dm-facts-2.md §D): select the PKCS#15 application (by AID,
 * else the legacy DF 5015), read EF(ODF) 5031, follow its data-object entry
 * (tag A7) to EF(DODF), find the OID data objects 2.23.43.7.1 (DM bootstrap)
 * and 2.23.43.5.1 (CP bootstrap) and read the EFs their Paths name.
 *
 * Choices where the sources are silent (UNVERIFIED): a Path's last two bytes
 * are taken as the EF's FID under the PKCS#15 DF (as card readers in the wild
 * do); the bootstrap EF holds the WBXML document itself, padded with FF bytes,
 * which are trimmed; no PIN is verified before reading. Logical channels are
 * not used (CLA 00).
 */
import { DecodeError, DmvisorError } from '../errors.js';
import { CP_WBXML_TYPE } from './cp-document.js';
import { DM_BOOTSTRAP_TYPE } from './dm-profile.js';
import { OID_CP_BOOTSTRAP, OID_DM_BOOTSTRAP, type CardFile } from './virtual-card.js';

/** Send one APDU, get the response data and status word. */
export type Transmit = (apdu: Uint8Array) => Promise<{ data: Uint8Array; sw: number }>;

/** AID of the PKCS#15 application (RID A000000063 + "PKCS-15"). */
export const PKCS15_AID = Uint8Array.from([0xa0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4b, 0x43, 0x53, 0x2d, 0x31, 0x35]);
/** DER of the dm-bootstrap and ProvSC bootstrap OIDs. */
export const DER_OID_DM = Uint8Array.from([0x06, 0x04, 0x67, 0x2b, 0x07, 0x01]);
export const DER_OID_CP = Uint8Array.from([0x06, 0x04, 0x67, 0x2b, 0x05, 0x01]);

const MAX_FILE = 64 * 1024;

/** A card said no. */
export class CardError extends DmvisorError {
  constructor(message: string) {
    super(message, 'DMV_ERR_SMARTCARD', 502);
  }
}

/** The bootstrap files of the card behind `transmit` (empty when it has a PKCS#15 application without any). */
export async function readPkcs15Bootstrap(transmit: Transmit): Promise<CardFile[]> {
  const run = async (apdu: number[], what: string, ok = [0x9000]): Promise<{ data: Uint8Array; sw: number }> => {
    const r = await transmit(Uint8Array.from(apdu));
    if (!ok.includes(r.sw) && (r.sw & 0xff00) !== 0x6100) throw new CardError(`${what}: status ${r.sw.toString(16).toUpperCase()}`);
    return r;
  };
  const byAid = await transmit(Uint8Array.from([0x00, 0xa4, 0x04, 0x0c, PKCS15_AID.length, ...PKCS15_AID]));
  if (byAid.sw !== 0x9000) await run([0x00, 0xa4, 0x08, 0x0c, 0x02, 0x50, 0x15], 'SELECT DF(PKCS#15) 5015');
  const readEf = async (fid: number, what: string): Promise<Uint8Array> => {
    await run([0x00, 0xa4, 0x02, 0x0c, 0x02, fid >> 8, fid & 0xff], `SELECT ${what} ${fid.toString(16).padStart(4, '0')}`);
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (;;) {
      const r = await transmit(Uint8Array.from([0x00, 0xb0, (offset >> 8) & 0x7f, offset & 0xff, 0x00]));
      if (r.sw === 0x6b00 || r.sw === 0x6282 || (r.sw === 0x9000 && r.data.length === 0)) break; // end of file
      if (r.sw !== 0x9000 && r.sw !== 0x6282) throw new CardError(`READ BINARY ${what} at ${offset}: status ${r.sw.toString(16).toUpperCase()}`);
      chunks.push(r.data);
      offset += r.data.length;
      if (offset > MAX_FILE) throw new CardError(`${what} is larger than ${MAX_FILE} bytes`);
      if (r.data.length < 256) break;
    }
    const out = new Uint8Array(offset);
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out;
  };
  const odf = await readEf(0x5031, 'EF(ODF)');
  const dodfPath = taggedPath(odf, 0xa7, 'EF(ODF)');
  if (!dodfPath) return [];
  const dodf = await readEf(fidOf(dodfPath), 'EF(DODF)');
  const files: CardFile[] = [];
  for (const [oid, der, contentType] of [[OID_DM_BOOTSTRAP, DER_OID_DM, DM_BOOTSTRAP_TYPE], [OID_CP_BOOTSTRAP, DER_OID_CP, CP_WBXML_TYPE]] as const) {
    const at = indexOf(dodf, der);
    if (at < 0) continue;
    const path = firstPath(dodf, at + der.length, 'EF(DODF)');
    let data = await readEf(fidOf(path), `bootstrap EF (${oid})`);
    let end = data.length;
    while (end > 0 && data[end - 1] === 0xff) end--;
    data = data.subarray(0, end);
    if (data.length) files.push({ oid, contentType, data });
  }
  return files;
}

function fidOf(path: Uint8Array): number {
  if (path.length < 2) throw new DecodeError('pkcs15', 'Path', 'path shorter than a FID');
  return (path[path.length - 2] << 8) | path[path.length - 1];
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Read a DER length at `p`; returns [length, bytes used]. */
function derLength(b: Uint8Array, p: number, where: string): [number, number] {
  const first = b[p];
  if (first === undefined) throw new DecodeError('pkcs15', where, 'truncated length');
  if (first < 0x80) return [first, 1];
  const n = first & 0x7f;
  if (n === 0 || n > 2 || p + n >= b.length) throw new DecodeError('pkcs15', where, 'bad DER length');
  let len = 0;
  for (let i = 1; i <= n; i++) len = len * 256 + b[p + i];
  return [len, 1 + n];
}

/** In a list of TLVs (ODF), the Path inside the first one tagged `tag`. */
function taggedPath(b: Uint8Array, tag: number, where: string): Uint8Array | undefined {
  let p = 0;
  while (p < b.length && b[p] !== 0x00 && b[p] !== 0xff) {
    const t = b[p];
    const [len, used] = derLength(b, p + 1, where);
    const start = p + 1 + used;
    if (start + len > b.length) throw new DecodeError('pkcs15', where, 'TLV runs past the end');
    if (t === tag) return firstPath(b.subarray(start, start + len), 0, where);
    p = start + len;
  }
  return undefined;
}

/** The OCTET STRING of the first Path SEQUENCE (`30 .. 04 len path`) at or after `from`. */
function firstPath(b: Uint8Array, from: number, where: string): Uint8Array {
  for (let p = from; p + 3 < b.length; p++) {
    if (b[p] !== 0x30) continue;
    const [, used] = derLength(b, p + 1, where);
    const q = p + 1 + used;
    if (b[q] !== 0x04) continue;
    const [plen, pused] = derLength(b, q + 1, where);
    const s = q + 1 + pused;
    if (s + plen > b.length || plen < 2 || plen > 16) continue;
    return b.subarray(s, s + plen);
  }
  throw new DecodeError('pkcs15', where, 'no Path found');
}
