/**
 * The virtual smartcard image: the bootstrap data a host hands to a VM the
 * way hypervisors pass virtual smartcards to guests. It models what a real
 * card's PKCS#15 application exposes for bootstrap (oma-dm-facts-2.md §D):
 * files identified by OID — `2.23.43.7.1` dm-bootstrap (DM profile) and
 * `2.23.43.5.1` ProvSC bootstrap (CP profile) — plus the card's identity and
 * IMSI (the NETWPIN key source a SIM holds).
 *
 * Format (ours; JSON so an operator can read it):
 * ```json
 * { "format": "dmvisor-virtual-smartcard", "version": 1, "cardId": "card-0001", "imsi": "001010123456789",
 *   "files": [{ "oid": "2.23.43.7.1", "contentType": "application/vnd.syncml.dm+wbxml",
 *               "sec": "NETWPIN", "mac": "…hex…", "data": "<base64 of the document bytes>" }] }
 * ```
 */
import { DecodeError } from '../errors.js';
import { parseSecMethod, type SecMethod } from './security.js';
import { CP_WBXML_TYPE, CP_XML_TYPE } from './cp-document.js';
import type { BootstrapDocument } from './apply.js';

/** OID of the DM bootstrap file. */
export const OID_DM_BOOTSTRAP = '2.23.43.7.1';
/** OID of the CP (ProvSC) bootstrap file. */
export const OID_CP_BOOTSTRAP = '2.23.43.5.1';
const FORMAT = 'dmvisor-virtual-smartcard';
const MAX_IMAGE = 1024 * 1024;

/** One bootstrap file of a card. */
export interface CardFile {
  oid: typeof OID_DM_BOOTSTRAP | typeof OID_CP_BOOTSTRAP;
  contentType: string;
  sec?: SecMethod;
  mac?: string;
  data: Uint8Array;
}

/** What a card carries. */
export interface CardContents {
  cardId: string;
  imsi?: string;
  files: CardFile[];
}

/** The files of a card as bootstrap documents. */
export function cardDocuments(card: CardContents): BootstrapDocument[] {
  return card.files.map((f) => ({ bytes: f.data, contentType: f.contentType, ...(f.sec ? { sec: f.sec } : {}), ...(f.mac ? { mac: f.mac } : {}) }));
}

/** Write a card image. */
export function encodeCardImage(card: CardContents): Uint8Array {
  const json = {
    format: FORMAT, version: 1, cardId: card.cardId, ...(card.imsi ? { imsi: card.imsi } : {}),
    files: card.files.map((f) => ({ oid: f.oid, contentType: f.contentType, ...(f.sec ? { sec: f.sec } : {}), ...(f.mac ? { mac: f.mac } : {}), data: Buffer.from(f.data).toString('base64') })),
  };
  return new TextEncoder().encode(JSON.stringify(json, null, 2) + '\n');
}

/** Read a card image; {@link DecodeError} naming the field when it is malformed. */
export function decodeCardImage(bytes: Uint8Array): CardContents {
  const fail = (where: string, reason: string): never => { throw new DecodeError('smartcard-image', where, reason); };
  if (bytes.length > MAX_IMAGE) fail('file', `image of ${bytes.length} bytes exceeds ${MAX_IMAGE}`);
  let raw: unknown;
  try { raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)); } catch (e) { return fail('file', `not a JSON card image: ${(e as Error).message}`); }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('file', 'not an object');
  const o = raw as Record<string, unknown>;
  if (o.format !== FORMAT) fail('format', `must be ${JSON.stringify(FORMAT)}`);
  if (o.version !== 1) fail('version', 'must be 1');
  if (typeof o.cardId !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(o.cardId)) fail('cardId', 'must be 1–128 printable ASCII characters');
  if (o.imsi !== undefined && (typeof o.imsi !== 'string' || !/^\d{5,15}$/.test(o.imsi))) fail('imsi', 'must be 5–15 digits');
  if (!Array.isArray(o.files) || o.files.length > 16) return fail('files', 'must be an array of at most 16 files');
  const files = o.files.map((f: unknown, i: number): CardFile => {
    const w = `files[${i}]`;
    if (typeof f !== 'object' || f === null) return fail(w, 'not an object');
    const x = f as Record<string, unknown>;
    if (x.oid !== OID_DM_BOOTSTRAP && x.oid !== OID_CP_BOOTSTRAP) fail(`${w}.oid`, `must be ${OID_DM_BOOTSTRAP} (DM) or ${OID_CP_BOOTSTRAP} (CP)`);
    if (typeof x.contentType !== 'string' || x.contentType.length > 200) fail(`${w}.contentType`, 'must be a media type');
    const cp = x.contentType === CP_WBXML_TYPE || x.contentType === CP_XML_TYPE;
    if ((x.oid === OID_CP_BOOTSTRAP) !== cp) fail(`${w}.contentType`, `does not match the file's OID ${String(x.oid)}`);
    if (typeof x.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(x.data)) fail(`${w}.data`, 'must be base64');
    const out: CardFile = { oid: x.oid as CardFile['oid'], contentType: x.contentType as string, data: new Uint8Array(Buffer.from(x.data as string, 'base64')) };
    if (x.sec !== undefined) {
      try { out.sec = parseSecMethod(x.sec as string); } catch (e) { fail(`${w}.sec`, (e as Error).message); }
    }
    if (x.mac !== undefined) {
      if (typeof x.mac !== 'string' || !/^[0-9A-Fa-f]{40}$/.test(x.mac)) fail(`${w}.mac`, 'must be 40 hex digits');
      out.mac = x.mac as string;
    }
    return out;
  });
  return { cardId: o.cardId as string, ...(o.imsi ? { imsi: o.imsi as string } : {}), files };
}
