/**
 * OMA Client Provisioning documents (`wap-provisioningdoc`), XML and WBXML
 * (shared/spec/oma-dm-facts-2.md §E: PROV 1.0 public id 0x0B, tag pages 0/1,
 * attribute-start and attribute-value tokens of both pages, cross-checked
 * with libwbxml and gecko).
 *
 * Encoding choices: WBXML version 1.3 (`03`, what card readers and libwbxml
 * `-v 1.3` expect), UTF-8, no string table; attribute-start tokens are used
 * whenever the name (and value prefix) has one on either page — staying on
 * the current attribute page when it can — and values are written inline
 * (`STR_I`). The decoder accepts every legal form: value tokens, `STR_T`,
 * `ENTITY`, page switches anywhere in attribute lists.
 *
 * The documents are small, so every decoder limit is tight: 64 KiB input,
 * depth 16, 4096 elements.
 */
import { DecodeError, EncodeError } from '../errors.js';

/** A `parm`: a name and (usually) a value. */
export interface ProvParm {
  name: string;
  value?: string;
}

/** A `characteristic`: a type, its parms and its nested characteristics, in order. */
export interface ProvCharacteristic {
  type: string;
  parms: ProvParm[];
  children: ProvCharacteristic[];
}

/** A whole provisioning document. */
export interface ProvisioningDoc {
  /** `version` attribute; `1.0`. */
  version: string;
  characteristics: ProvCharacteristic[];
}

/** WBXML public id of `-//WAPFORUM//DTD PROV 1.0//EN`. */
export const PROV_PUBLIC_ID = 0x0b;
/** Media types of the CP profile. */
export const CP_WBXML_TYPE = 'application/vnd.wap.connectivity-wbxml';
export const CP_XML_TYPE = 'text/vnd.wap.connectivity-xml';

const MAX_BYTES = 64 * 1024;
const MAX_DEPTH = 16;
const MAX_ELEMENTS = 4096;

// ── token tables (oma-dm-facts-2.md §E.3, §E.4) ─────────────────────────────

const TYPES0: Record<string, number> = {
  PXLOGICAL: 0x51, PXPHYSICAL: 0x52, PORT: 0x53, VALIDITY: 0x54, NAPDEF: 0x55, BOOTSTRAP: 0x56, VENDORCONFIG: 0x57,
  CLIENTIDENTITY: 0x58, PXAUTHINFO: 0x59, NAPAUTHINFO: 0x5a, ACCESS: 0x5b,
};
const TYPES1: Record<string, number> = { PORT: 0x53, APPLICATION: 0x55, APPADDR: 0x56, APPAUTH: 0x57, CLIENTIDENTITY: 0x58, RESOURCE: 0x59 };
const NAMES0: Record<string, number> = {
  NAME: 0x07, 'NAP-ADDRESS': 0x08, 'NAP-ADDRTYPE': 0x09, CALLTYPE: 0x0a, VALIDUNTIL: 0x0b, AUTHTYPE: 0x0c, AUTHNAME: 0x0d,
  AUTHSECRET: 0x0e, LINGER: 0x0f, BEARER: 0x10, NAPID: 0x11, COUNTRY: 0x12, NETWORK: 0x13, INTERNET: 0x14, 'PROXY-ID': 0x15,
  'PROXY-PROVIDER-ID': 0x16, DOMAIN: 0x17, PROVURL: 0x18, 'PXAUTH-TYPE': 0x19, 'PXAUTH-ID': 0x1a, 'PXAUTH-PW': 0x1b,
  STARTPAGE: 0x1c, 'BASAUTH-ID': 0x1d, 'BASAUTH-PW': 0x1e, PUSHENABLED: 0x1f, PXADDR: 0x20, PXADDRTYPE: 0x21, 'TO-NAPID': 0x22,
  PORTNBR: 0x23, SERVICE: 0x24, LINKSPEED: 0x25, DNLINKSPEED: 0x26, 'LOCAL-ADDR': 0x27, 'LOCAL-ADDRTYPE': 0x28,
  'CONTEXT-ALLOW': 0x29, TRUST: 0x2a, MASTER: 0x2b, SID: 0x2c, SOC: 0x2d, 'WSP-VERSION': 0x2e, 'PHYSICAL-PROXY-ID': 0x2f,
  'CLIENT-ID': 0x30, 'DELIVERY-ERR-SDU': 0x31, 'DELIVERY-ORDER': 0x32, 'TRAFFIC-CLASS': 0x33, 'MAX-SDU-SIZE': 0x34,
  'MAX-BITRATE-UPLINK': 0x35, 'MAX-BITRATE-DNLINK': 0x36, 'RESIDUAL-BER': 0x37, 'SDU-ERROR-RATIO': 0x38,
  'TRAFFIC-HANDL-PRIO': 0x39, 'TRANSFER-DELAY': 0x3a, 'GUARANTEED-BITRATE-UPLINK': 0x3b, 'GUARANTEED-BITRATE-DNLINK': 0x3c,
  'PXADDR-FQDN': 0x3d, 'PROXY-PW': 0x3e, 'PPGAUTH-TYPE': 0x3f, PULLENABLED: 0x47, 'DNS-ADDR': 0x48, 'MAX-NUM-RETRY': 0x49,
  'FIRST-RETRY-TIMEOUT': 0x4a, 'REREG-THRESHOLD': 0x4b, 'T-BIT': 0x4c, 'AUTH-ENTITY': 0x4e, SPI: 0x4f,
};
const NAMES1: Record<string, number> = {
  NAME: 0x07, INTERNET: 0x14, STARTPAGE: 0x1c, 'TO-NAPID': 0x22, PORTNBR: 0x23, SERVICE: 0x24, AACCEPT: 0x2e, AAUTHDATA: 0x2f,
  AAUTHLEVEL: 0x30, AAUTHNAME: 0x31, AAUTHSECRET: 0x32, AAUTHTYPE: 0x33, ADDR: 0x34, ADDRTYPE: 0x35, APPID: 0x36,
  APROTOCOL: 0x37, 'PROVIDER-ID': 0x38, 'TO-PROXY': 0x39, URI: 0x3a, RULE: 0x3b,
};
const VALUES0: Record<number, string> = {
  0x85: 'IPV4', 0x86: 'IPV6', 0x87: 'E164', 0x88: 'ALPHA', 0x89: 'APN', 0x8a: 'SCODE', 0x8b: 'TETRA-ITSI', 0x8c: 'MAN',
  0x90: 'ANALOG-MODEM', 0x91: 'V.120', 0x92: 'V.110', 0x93: 'X.31', 0x94: 'BIT-TRANSPARENT', 0x95: 'DIRECT-ASYNCHRONOUS-DATA-SERVICE',
  0x9a: 'PAP', 0x9b: 'CHAP', 0x9c: 'HTTP-BASIC', 0x9d: 'HTTP-DIGEST', 0x9e: 'WTLS-SS', 0x9f: 'MD5',
  0xa2: 'GSM-USSD', 0xa3: 'GSM-SMS', 0xa4: 'ANSI-136-GUTS', 0xa5: 'IS-95-CDMA-SMS', 0xa6: 'IS-95-CDMA-CSD', 0xa7: 'IS-95-CDMA-PACKET',
  0xa8: 'ANSI-136-CSD', 0xa9: 'ANSI-136-GPRS', 0xaa: 'GSM-CSD', 0xab: 'GSM-GPRS', 0xac: 'AMPS-CDPD', 0xad: 'PDC-CSD',
  0xae: 'PDC-PACKET', 0xaf: 'IDEN-SMS', 0xb0: 'IDEN-CSD', 0xb1: 'IDEN-PACKET', 0xb2: 'FLEX/REFLEX', 0xb3: 'PHS-SMS',
  0xb4: 'PHS-CSD', 0xb5: 'TETRA-SDS', 0xb6: 'TETRA-PACKET', 0xb7: 'ANSI-136-GHOST', 0xb8: 'MOBITEX-MPAK',
  0xb9: 'CDMA2000-1X-SIMPLE-IP', 0xba: 'CDMA2000-1X-MOBILE-IP', 0xc5: 'AUTOBAUDING',
  0xca: 'CL-WSP', 0xcb: 'CO-WSP', 0xcc: 'CL-SEC-WSP', 0xcd: 'CO-SEC-WSP', 0xce: 'CL-SEC-WTA', 0xcf: 'CO-SEC-WTA',
  0xd0: 'OTA-HTTP-TO', 0xd1: 'OTA-HTTP-TLS-TO', 0xd2: 'OTA-HTTP-PO', 0xd3: 'OTA-HTTP-TLS-PO', 0xe0: 'AAA', 0xe1: 'HA',
};
const VALUES1: Record<number, string> = {
  0x86: 'IPV6', 0x87: 'E164', 0x88: 'ALPHA', 0x8d: 'APPSRV', 0x8e: 'OBEX', 0x90: ',', 0x91: 'HTTP-', 0x92: 'BASIC', 0x93: 'DIGEST',
};

/** Attribute-start token → [attribute, value prefix], per page. */
function startTable(page: 0 | 1): Map<number, [string, string]> {
  const m = new Map<number, [string, string]>([[0x05, ['name', '']], [0x06, ['value', '']], [0x50, ['type', '']]]);
  if (page === 0) { m.set(0x45, ['version', '']); m.set(0x46, ['version', '1.0']); }
  for (const [v, t] of Object.entries(page === 0 ? TYPES0 : TYPES1)) m.set(t, ['type', v]);
  for (const [v, t] of Object.entries(page === 0 ? NAMES0 : NAMES1)) m.set(t, ['name', v]);
  return m;
}
const START = [startTable(0), startTable(1)] as const;
const VALUES = [VALUES0, VALUES1] as const;

// ── WBXML encoder ──────────────────────────────────────────────────────────

/** Encode a provisioning document as WBXML 1.3. */
export function encodeProvisioningWbxml(doc: ProvisioningDoc): Uint8Array {
  const out: number[] = [0x03, PROV_PUBLIC_ID, 0x6a, 0x00];
  const enc = new TextEncoder();
  let attrPage: 0 | 1 = 0;
  const str = (s: string) => {
    const b = enc.encode(s);
    if (b.includes(0)) throw new EncodeError('provisioning text cannot contain NUL');
    out.push(0x03, ...b, 0x00);
  };
  /** Emit one attribute, using an attribute-start token with a value prefix when one exists. */
  const attr = (name: 'type' | 'name' | 'value' | 'version', value: string) => {
    const tables = name === 'type' ? [TYPES0, TYPES1] : name === 'name' ? [NAMES0, NAMES1] : undefined;
    if (tables) {
      const order: (0 | 1)[] = attrPage === 0 ? [0, 1] : [1, 0];
      for (const p of order) {
        const t = tables[p][value];
        if (t === undefined) continue;
        if (p !== attrPage) { out.push(0x00, p); attrPage = p; }
        out.push(t);
        return;
      }
    }
    if (name === 'version' && value === '1.0' && attrPage === 0) { out.push(0x46); return; }
    if (name === 'version' && attrPage !== 0) { out.push(0x00, 0x00); attrPage = 0; }
    out.push(name === 'type' ? 0x50 : name === 'name' ? 0x05 : name === 'value' ? 0x06 : 0x45);
    if (value !== '') str(value);
  };
  let elements = 0;
  const characteristic = (c: ProvCharacteristic, depth: number) => {
    if (depth > MAX_DEPTH) throw new EncodeError('provisioning document nested too deep');
    if (++elements > MAX_ELEMENTS) throw new EncodeError('provisioning document has too many elements');
    const content = c.parms.length > 0 || c.children.length > 0;
    out.push(0x06 | 0x80 | (content ? 0x40 : 0));
    attr('type', c.type);
    out.push(0x01);
    for (const p of c.parms) {
      out.push(0x07 | 0x80);
      attr('name', p.name);
      if (p.value !== undefined) attr('value', p.value);
      out.push(0x01);
    }
    for (const k of c.children) characteristic(k, depth + 1);
    if (content) out.push(0x01);
  };
  out.push(0x05 | 0x80 | (doc.characteristics.length ? 0x40 : 0));
  attr('version', doc.version);
  out.push(0x01);
  for (const c of doc.characteristics) characteristic(c, 1);
  if (doc.characteristics.length) out.push(0x01);
  return new Uint8Array(out);
}

// ── WBXML decoder ──────────────────────────────────────────────────────────

/** Decode a WBXML provisioning document; throws {@link DecodeError} naming the byte. */
export function decodeProvisioningWbxml(bytes: Uint8Array): ProvisioningDoc {
  const fail = (at: number, reason: string): never => { throw new DecodeError('provisioning-wbxml', `byte ${at}`, reason); };
  if (bytes.length > MAX_BYTES) fail(0, `document of ${bytes.length} bytes exceeds ${MAX_BYTES}`);
  let p = 0;
  const byte = (): number => { if (p >= bytes.length) fail(p, 'truncated document'); return bytes[p++]; };
  const mbUint = (): number => {
    const start = p;
    let v = 0;
    for (let i = 0; i < 5; i++) {
      const b = byte();
      v = v * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) return v;
    }
    return fail(start, 'multi-byte integer longer than 5 bytes');
  };
  const version = byte();
  if (version > 0x03) fail(0, `WBXML version 0x${version.toString(16)} is not 1.0–1.3`);
  let publicId = mbUint();
  let publicIdIndex: number | undefined;
  if (publicId === 0) publicIdIndex = mbUint();
  const charset = mbUint();
  if (charset !== 0x6a && charset !== 0x03) fail(p - 1, `charset ${charset} is not UTF-8 or US-ASCII`);
  const tableLen = mbUint();
  if (p + tableLen > bytes.length) fail(p, 'string table runs past the end');
  const table = bytes.subarray(p, p + tableLen);
  p += tableLen;
  const dec = new TextDecoder('utf-8', { fatal: true });
  const text = (b: Uint8Array, at: number): string => { try { return dec.decode(b); } catch { return fail(at, 'invalid UTF-8'); } };
  if (publicIdIndex !== undefined) {
    const end = table.indexOf(0, publicIdIndex);
    const fpi = text(table.subarray(publicIdIndex, end < 0 ? table.length : end), p);
    if (fpi !== '-//WAPFORUM//DTD PROV 1.0//EN') fail(1, `public id ${JSON.stringify(fpi)} is not PROV 1.0`);
    publicId = PROV_PUBLIC_ID;
  }
  if (publicId !== PROV_PUBLIC_ID && publicId !== 1) fail(1, `public id 0x${publicId.toString(16)} is not PROV 1.0 (0x0B)`);
  const inlineString = (): string => {
    const start = p;
    const end = bytes.indexOf(0, p);
    if (end < 0) fail(p, 'unterminated inline string');
    p = end + 1;
    return text(bytes.subarray(start, end), start);
  };
  const tableString = (): string => {
    const at = p;
    const idx = mbUint();
    if (idx >= table.length) fail(at, 'string table index out of range');
    const end = table.indexOf(0, idx);
    return text(table.subarray(idx, end < 0 ? table.length : end), at);
  };
  let tagPage = 0;
  let attrPage: 0 | 1 = 0;
  let elements = 0;
  /** Read an attribute list up to END; returns attribute → value. */
  const attributes = (): Map<string, string> => {
    const attrs = new Map<string, string>();
    let current: string | undefined;
    for (;;) {
      const at = p;
      const t = byte();
      if (t === 0x01) return attrs;
      if (t === 0x00) { const pg = byte(); if (pg > 1) fail(at + 1, `attribute code page ${pg} does not exist`); attrPage = pg as 0 | 1; continue; }
      const append = (s: string) => {
        if (current === undefined) fail(at, 'attribute value before any attribute start');
        const v = (attrs.get(current!) ?? '') + s;
        if (v.length > 4096) fail(at, 'attribute value longer than 4096 characters');
        attrs.set(current!, v);
      };
      if (t === 0x03) { append(inlineString()); continue; }
      if (t === 0x83) { append(tableString()); continue; }
      if (t === 0x02) { const cp = mbUint(); if (cp > 0x10ffff) fail(at, 'entity out of range'); append(String.fromCodePoint(cp)); continue; }
      if (t === 0x04 || t === 0x43 || (t >= 0x40 && t <= 0x42) || (t >= 0x80 && t <= 0x82) || (t >= 0xc0 && t <= 0xc3) || t === 0x84) {
        fail(at, `token 0x${t.toString(16)} is not allowed in a provisioning attribute list`);
      }
      if (t < 0x80) {
        const s = START[attrPage].get(t);
        if (!s) fail(at, `unknown attribute-start token 0x${t.toString(16)} on page ${attrPage}`);
        const [name, prefix] = s!;
        if (attrs.has(name)) fail(at, `attribute ${name} given twice`);
        current = name;
        attrs.set(name, prefix);
      } else {
        const v = VALUES[attrPage][t];
        if (v === undefined) fail(at, `unknown attribute-value token 0x${t.toString(16)} on page ${attrPage}`);
        append(v!);
      }
    }
  };
  /** Skip to the next tag token, applying tag-page switches; rejects stray content. */
  const nextTag = (): number => {
    for (;;) {
      const at = p;
      const t = byte();
      if (t === 0x00) { tagPage = byte(); if (tagPage > 1) fail(at + 1, `tag code page ${tagPage} does not exist`); continue; }
      if (t === 0x03 || t === 0x83 || t === 0x02 || t === 0xc3) fail(at, 'text content is not allowed in a provisioning document');
      return t;
    }
  };
  const element = (tag: number, depth: number, at: number): GenericElement => {
    if (depth > MAX_DEPTH) fail(at, `nested deeper than ${MAX_DEPTH}`);
    if (++elements > MAX_ELEMENTS) fail(at, `more than ${MAX_ELEMENTS} elements`);
    const id = tag & 0x3f;
    const name = id === 0x05 && tagPage === 0 ? 'wap-provisioningdoc' : id === 0x06 ? 'characteristic' : id === 0x07 ? 'parm' : fail(at, `unknown tag token 0x${tag.toString(16)} on page ${tagPage}`);
    const attrs = tag & 0x80 ? attributes() : new Map<string, string>();
    const kids: GenericElement[] = [];
    if (tag & 0x40) {
      for (;;) {
        const kat = p;
        const t = nextTag();
        if (t === 0x01) break;
        kids.push(element(t, depth + 1, kat));
      }
    }
    return { name, attrs, kids };
  };
  const rootAt = p;
  const root = element(nextTag(), 1, rootAt);
  if (p !== bytes.length) fail(p, 'bytes after the document end');
  return fromTree(root, 'wbxml');
}

interface GenericElement { name: string; attrs: Map<string, string>; kids: GenericElement[] }

/** Validate the element tree's structure and turn it into the model. */
function fromTree(root: GenericElement, what: string): ProvisioningDoc {
  const fail = (where: string, reason: string): never => { throw new DecodeError(`provisioning-${what}`, where, reason); };
  if (root.name !== 'wap-provisioningdoc') fail(root.name, 'root element is not wap-provisioningdoc');
  const only = (e: GenericElement, where: string, allowed: string[]) => {
    for (const k of e.attrs.keys()) if (!allowed.includes(k)) fail(where, `attribute ${k} is not allowed on ${e.name}`);
  };
  only(root, 'wap-provisioningdoc', ['version']);
  const characteristic = (e: GenericElement, where: string): ProvCharacteristic => {
    if (e.name !== 'characteristic') fail(where, `<${e.name}> where a characteristic was expected`);
    only(e, where, ['type']);
    const type = e.attrs.get('type');
    if (!type) fail(where, 'characteristic without a type');
    const c: ProvCharacteristic = { type: type!, parms: [], children: [] };
    e.kids.forEach((k, i) => {
      const w = `${where}/${k.name}[${i + 1}]`;
      if (k.name === 'parm') {
        only(k, w, ['name', 'value']);
        const name = k.attrs.get('name');
        if (!name) fail(w, 'parm without a name');
        if (k.kids.length) fail(w, 'parm cannot have children');
        const v = k.attrs.get('value');
        c.parms.push(v === undefined ? { name: name! } : { name: name!, value: v });
      } else c.children.push(characteristic(k, w));
    });
    return c;
  };
  return {
    version: root.attrs.get('version') ?? '1.0',
    characteristics: root.kids.map((k, i) => characteristic(k, `wap-provisioningdoc/characteristic[${i + 1}]`)),
  };
}

// ── XML ────────────────────────────────────────────────────────────────────

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Write a provisioning document as XML text. */
export function encodeProvisioningXml(doc: ProvisioningDoc): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<!DOCTYPE wap-provisioningdoc PUBLIC "-//WAPFORUM//DTD PROV 1.0//EN" "http://www.wapforum.org/DTD/prov.dtd">'];
  lines.push(`<wap-provisioningdoc version="${escapeXml(doc.version)}">`);
  const write = (c: ProvCharacteristic, indent: string) => {
    if (!c.parms.length && !c.children.length) { lines.push(`${indent}<characteristic type="${escapeXml(c.type)}"/>`); return; }
    lines.push(`${indent}<characteristic type="${escapeXml(c.type)}">`);
    for (const p of c.parms) lines.push(`${indent}  <parm name="${escapeXml(p.name)}"${p.value !== undefined ? ` value="${escapeXml(p.value)}"` : ''}/>`);
    for (const k of c.children) write(k, indent + '  ');
    lines.push(`${indent}</characteristic>`);
  };
  for (const c of doc.characteristics) write(c, '  ');
  lines.push('</wap-provisioningdoc>');
  return lines.join('\n') + '\n';
}

/**
 * Parse a provisioning document written as XML. Only what the vocabulary
 * needs: elements with attributes, comments, the XML declaration and a
 * DOCTYPE without an internal subset (entity declarations are refused).
 */
export function decodeProvisioningXml(input: string | Uint8Array): ProvisioningDoc {
  const src = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: false }).decode(input);
  const fail = (at: number, reason: string): never => { throw new DecodeError('provisioning-xml', `char ${at}`, reason); };
  if (src.length > MAX_BYTES) fail(0, `document of ${src.length} characters exceeds ${MAX_BYTES}`);
  let p = 0;
  const skipMisc = () => {
    for (;;) {
      while (p < src.length && /\s/.test(src[p])) p++;
      if (src.startsWith('<?', p)) { const e = src.indexOf('?>', p); if (e < 0) fail(p, 'unterminated processing instruction'); p = e + 2; continue; }
      if (src.startsWith('<!--', p)) { const e = src.indexOf('-->', p); if (e < 0) fail(p, 'unterminated comment'); p = e + 3; continue; }
      if (src.startsWith('<!DOCTYPE', p)) {
        const e = src.indexOf('>', p);
        if (e < 0) fail(p, 'unterminated DOCTYPE');
        if (src.slice(p, e).includes('[')) fail(p, 'DOCTYPE internal subsets are refused');
        p = e + 1;
        continue;
      }
      return;
    }
  };
  const unescape = (s: string, at: number): string => s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos|[^;]*);?/g, (m, e: string) => {
    if (e === 'amp') return '&'; if (e === 'lt') return '<'; if (e === 'gt') return '>'; if (e === 'quot') return '"'; if (e === 'apos') return "'";
    if (e.startsWith('#')) {
      const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      if (!(cp > 0 && cp <= 0x10ffff) || !m.endsWith(';')) fail(at, `bad character reference ${m}`);
      return String.fromCodePoint(cp);
    }
    return fail(at, `unknown entity ${m}`);
  });
  let elements = 0;
  const element = (depth: number): GenericElement => {
    if (depth > MAX_DEPTH) fail(p, `nested deeper than ${MAX_DEPTH}`);
    if (++elements > MAX_ELEMENTS) fail(p, `more than ${MAX_ELEMENTS} elements`);
    if (src[p] !== '<') fail(p, 'expected an element');
    const m = /^<([A-Za-z][\w.-]*)/.exec(src.slice(p, p + 64));
    if (!m) fail(p, 'bad element name');
    const name = m![1];
    p += m![0].length;
    const attrs = new Map<string, string>();
    for (;;) {
      while (p < src.length && /\s/.test(src[p])) p++;
      if (src.startsWith('/>', p)) { p += 2; return { name, attrs, kids: [] }; }
      if (src[p] === '>') { p++; break; }
      const a = /^([A-Za-z][\w.-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(src.slice(p, p + 8192));
      if (!a) fail(p, `bad attribute in <${name}>`);
      if (attrs.has(a![1])) fail(p, `attribute ${a![1]} given twice`);
      attrs.set(a![1], unescape(a![3] ?? a![4], p));
      p += a![0].length;
    }
    const kids: GenericElement[] = [];
    for (;;) {
      const start = p;
      while (p < src.length && src[p] !== '<') p++;
      if (src.slice(start, p).trim() !== '') fail(start, `text content in <${name}>`);
      if (p >= src.length) fail(p, `unclosed <${name}>`);
      if (src.startsWith('<!--', p)) { const e = src.indexOf('-->', p); if (e < 0) fail(p, 'unterminated comment'); p = e + 3; continue; }
      if (src.startsWith('</', p)) {
        const close = `</${name}`;
        if (!src.startsWith(close, p)) fail(p, `expected </${name}>`);
        p += close.length;
        while (p < src.length && /\s/.test(src[p])) p++;
        if (src[p] !== '>') fail(p, 'bad end tag');
        p++;
        return { name, attrs, kids };
      }
      kids.push(element(depth + 1));
    }
  };
  skipMisc();
  const root = element(1);
  skipMisc();
  if (p !== src.length) fail(p, 'content after the root element');
  return fromTree(root, 'xml');
}
