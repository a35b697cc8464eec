/**
 * WBXML decoder (WBXML 1.0–1.3, W3C NOTE-wbxml-19990624 / WAP-192) for the
 * SyncML, MetInf, DM DDF and DevInf vocabularies.
 *
 * Produces the generic {@link RawElement} tree; `message-builder.ts` turns it
 * into the SyncML model. Every read is bounds-checked and every loop is bounded
 * by the input length or a limit, so hostile input ends in a
 * {@link DecodeError} naming the byte offset — never a hang, a RangeError or
 * an allocation the input did not pay for.
 */
import { DecodeError, LimitExceededError } from '../errors.js';
import type { RawElement, ResolvedLimits } from './raw-element.js';
import {
  CodePage, DEVINF_CODE_PAGE, DEVINF_PAGE, DMDDF_CODE_PAGE, DMDDF_PAGE, FormalPublicId, METINF_CODE_PAGE,
  PublicId, SYNCML_CODE_PAGE, WbxmlToken,
} from './tags.js';
import { decodeUtf8 } from './utf8.js';

/** Which set of code pages a WBXML document uses. */
export type WbxmlVocabulary = 'syncml' | 'devinf' | 'dmddf';

/** A decoded WBXML document. */
export interface WbxmlDocument {
  /** Version byte: 0x00 = 1.0 … 0x03 = 1.3. */
  version: number;
  /** Numeric public id, or the formal public id text when it came from the string table. */
  publicId: number | string;
  /** IANA MIBenum of the charset (106 = UTF-8). */
  charset: number;
  vocabulary: WbxmlVocabulary;
  root: RawElement;
}

/** Charsets whose bytes we can read as UTF-8: UTF-8 itself, US-ASCII, and "unknown" (0). */
const UTF8_COMPATIBLE_CHARSETS = new Set([0, 3, 106]);

/** Code pages (page number → table, element id base) for each vocabulary. */
const PAGES: Record<WbxmlVocabulary, (readonly [CodePage, number] | undefined)[]> = {
  syncml: [[SYNCML_CODE_PAGE, 0], [METINF_CODE_PAGE, 1 << 8], [DMDDF_CODE_PAGE, DMDDF_PAGE << 8]],
  devinf: [[DEVINF_CODE_PAGE, DEVINF_PAGE << 8]],
  // A standalone TNDS document is on DDF page 2; some encoders leave it on page 0.
  dmddf: [[DMDDF_CODE_PAGE, DMDDF_PAGE << 8], undefined, [DMDDF_CODE_PAGE, DMDDF_PAGE << 8]],
};

/** Decode a WBXML document into its element tree. */
export function decodeWbxmlDocument(bytes: Uint8Array, limits: ResolvedLimits): WbxmlDocument {
  return new WbxmlReader(bytes, limits).document();
}

class WbxmlReader {
  private pos = 0;
  private page = 0;
  private pages: (readonly [CodePage, number] | undefined)[] = PAGES.syncml;
  private stringTable: Uint8Array = new Uint8Array(0);
  private elements = 0;

  constructor(private readonly bytes: Uint8Array, private readonly limits: ResolvedLimits) {}

  document(): WbxmlDocument {
    const { bytes, limits } = this;
    if (bytes.length > limits.maxBytes) {
      throw new LimitExceededError('wbxml', 'byte 0', `document of ${bytes.length} bytes exceeds the ${limits.maxBytes}-byte limit`);
    }
    if (bytes.length === 0) this.fail(0, 'empty input');
    const version = bytes[this.pos++];
    if (version > 0x03) this.fail(0, `unsupported WBXML version byte 0x${hex(version)} (1.0–1.3 accepted)`);
    const publicIdOffset = this.pos;
    let publicId: number | string = this.mbUint32('public id');
    let publicIdIndex = -1;
    if (publicId === 0) publicIdIndex = this.mbUint32('public id string-table index');
    let charset = 106;
    if (version >= 0x01) {
      const charsetOffset = this.pos;
      charset = this.mbUint32('charset');
      if (!UTF8_COMPATIBLE_CHARSETS.has(charset)) this.fail(charsetOffset, `unsupported charset MIBenum ${charset} (UTF-8 required)`);
    }
    const tableLength = this.mbUint32('string table length');
    if (tableLength > bytes.length - this.pos) this.fail(this.pos, `string table of ${tableLength} bytes runs past the end of input`);
    this.stringTable = bytes.subarray(this.pos, this.pos + tableLength);
    const tableOffset = this.pos;
    this.pos += tableLength;
    if (publicIdIndex >= 0) publicId = this.tableString(publicIdIndex, publicIdOffset, tableOffset);

    const vocabulary = this.vocabularyOf(publicId, publicIdOffset);
    this.pages = PAGES[vocabulary];
    const root = this.body();
    if (this.pos !== bytes.length) this.fail(this.pos, `${bytes.length - this.pos} trailing bytes after the document's end`);
    return { version, publicId, charset, vocabulary, root };
  }

  private vocabularyOf(publicId: number | string, offset: number): WbxmlVocabulary {
    switch (publicId) {
      case PublicId.SYNCML_1_0: case PublicId.SYNCML_1_1: case PublicId.SYNCML_1_2:
      case FormalPublicId.SYNCML_1_1: case FormalPublicId.SYNCML_1_2: case '-//SYNCML//DTD SyncML 1.0//EN':
        return 'syncml';
      case PublicId.DEVINF_1_0: case PublicId.DEVINF_1_1: case PublicId.DEVINF_1_2:
      case FormalPublicId.DEVINF_1_1: case FormalPublicId.DEVINF_1_2: case '-//SYNCML//DTD DevInf 1.0//EN':
        return 'devinf';
      case FormalPublicId.DMDDF_1_2:
        return 'dmddf';
      case 1: {
        // "Unknown" public id: tell by the root element's token on page 0.
        let p = this.pos;
        while (this.bytes[p] === WbxmlToken.SWITCH_PAGE && p + 2 < this.bytes.length) p += 2;
        const token = (this.bytes[p] ?? 0) & 0x3f;
        if (token === 0x2d) return 'syncml';
        if (token === 0x0a) return 'devinf';
        if (token === 0x20) return 'dmddf';
        return this.fail(p, 'unknown public id and an unrecognised root element');
      }
      default:
        return this.fail(offset, `unsupported public id ${typeof publicId === 'number' ? '0x' + hex(publicId) : JSON.stringify(publicId)}`);
    }
  }

  /** Reads switch-pages and the single root element. */
  private body(): RawElement {
    for (;;) {
      if (this.pos >= this.bytes.length) this.fail(this.pos, 'no root element');
      const token = this.bytes[this.pos];
      if (token === WbxmlToken.SWITCH_PAGE) { this.switchPage(); continue; }
      if (token === WbxmlToken.PI) this.fail(this.pos, 'processing instructions are not supported');
      return this.element(1);
    }
  }

  private switchPage(): void {
    const at = this.pos;
    this.pos++;
    if (this.pos >= this.bytes.length) this.fail(at, 'truncated SWITCH_PAGE');
    const page = this.bytes[this.pos++];
    if (this.pages[page] === undefined) this.fail(at, `unknown code page ${page}`);
    this.page = page;
  }

  /** Reads one element starting at a tag token (or LITERAL). */
  private element(depth: number): RawElement {
    const { bytes, limits } = this;
    if (depth > limits.maxDepth) throw new LimitExceededError('wbxml', `byte ${this.pos}`, `element nesting deeper than ${limits.maxDepth}`);
    if (++this.elements > limits.maxElements) throw new LimitExceededError('wbxml', `byte ${this.pos}`, `more than ${limits.maxElements} elements`);
    const offset = this.pos;
    const tag = bytes[this.pos++];
    if ((tag & 0x80) !== 0) this.fail(offset, `attributes are not used in SyncML (tag byte 0x${hex(tag)})`);
    let id: number;
    let name: string;
    const page = this.pages[this.page]!;
    const table = page[0];
    const base = page[1];
    if ((tag & 0x3f) === WbxmlToken.LITERAL) {
      name = this.tableString(this.mbUint32('LITERAL index'), offset, -1);
      const token = table.tokens.get(name);
      if (token === undefined) this.fail(offset, `LITERAL tag ${JSON.stringify(name)} is not in code page ${this.page}`);
      id = base + token;
    } else {
      const token = tag & 0x3f;
      if (token < 0x05) this.fail(offset, `unexpected global token 0x${hex(tag)} where a tag was expected`);
      const known = table.names[token];
      if (known === undefined) this.fail(offset, `unknown tag token 0x${hex(token)} on code page ${this.page}`);
      name = known;
      id = base + token;
    }
    const el: RawElement = { id, name, children: null, text: null, opaque: null, offset };
    if ((tag & 0x40) !== 0) this.content(el, depth);
    return el;
  }

  /** Reads an element's content up to and including its END. */
  private content(el: RawElement, depth: number): void {
    const { bytes, limits } = this;
    for (;;) {
      if (this.pos >= bytes.length) this.fail(this.pos, `truncated input: <${el.name}> at byte ${el.offset} is not closed`);
      const at = this.pos;
      const token = bytes[at];
      switch (token) {
        case WbxmlToken.SWITCH_PAGE:
          this.switchPage();
          break;
        case WbxmlToken.END:
          this.pos++;
          return;
        case WbxmlToken.STR_I: {
          const start = at + 1;
          const end = bytes.indexOf(0, start);
          if (end < 0) this.fail(at, 'unterminated inline string (STR_I)');
          if (end - start > limits.maxStringBytes) throw new LimitExceededError('wbxml', `byte ${at}`, `string longer than ${limits.maxStringBytes} bytes`);
          const s = decodeUtf8(bytes, start, end);
          if (s === null) this.fail(at, 'inline string is not valid UTF-8');
          if (el.text === null && el.opaque === null) el.text = s;
          else this.appendText(el, s);
          this.pos = end + 1;
          break;
        }
        case WbxmlToken.STR_T: {
          this.pos++;
          this.appendText(el, this.tableString(this.mbUint32('STR_T index'), at, -1));
          break;
        }
        case WbxmlToken.ENTITY: {
          this.pos++;
          const cp = this.mbUint32('ENTITY code point');
          if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) this.fail(at, `ENTITY ${cp} is not a Unicode scalar value`);
          this.appendText(el, String.fromCodePoint(cp));
          break;
        }
        case WbxmlToken.OPAQUE: {
          this.pos++;
          const length = this.mbUint32('OPAQUE length');
          if (length > limits.maxStringBytes) throw new LimitExceededError('wbxml', `byte ${at}`, `opaque data of ${length} bytes exceeds the ${limits.maxStringBytes}-byte limit`);
          if (length > bytes.length - this.pos) this.fail(at, `OPAQUE of ${length} bytes runs past the end of input`);
          if (el.opaque !== null || el.text !== null) this.fail(at, `<${el.name}> mixes OPAQUE with other content`);
          el.opaque = bytes.subarray(this.pos, this.pos + length);
          this.pos += length;
          break;
        }
        case WbxmlToken.PI:
        case WbxmlToken.EXT_I_0: case WbxmlToken.EXT_I_1: case WbxmlToken.EXT_I_2:
        case WbxmlToken.EXT_T_0: case WbxmlToken.EXT_T_1: case WbxmlToken.EXT_T_2:
        case WbxmlToken.EXT_0: case WbxmlToken.EXT_1: case WbxmlToken.EXT_2:
          this.fail(at, `token 0x${hex(token)} (PI/extension) is not used in SyncML`);
          break;
        default: {
          const child = this.element(depth + 1);
          if (el.children === null) el.children = [child];
          else el.children.push(child);
        }
      }
    }
  }

  private appendText(el: RawElement, s: string): void {
    if (el.opaque !== null) this.fail(this.pos, `<${el.name}> mixes OPAQUE with other content`);
    el.text = el.text === null ? s : el.text + s;
    if (el.text.length > this.limits.maxStringBytes) throw new LimitExceededError('wbxml', `byte ${this.pos}`, `text of <${el.name}> longer than ${this.limits.maxStringBytes}`);
  }

  /** A NUL-terminated UTF-8 string from the string table. */
  private tableString(index: number, at: number, tableOffset: number): string {
    const table = this.stringTable;
    if (index >= table.length) this.fail(at, `string-table offset ${index} out of range (table has ${table.length} bytes)`);
    const end = table.indexOf(0, index);
    if (end < 0) this.fail(tableOffset >= 0 ? tableOffset + index : at, `string-table entry at offset ${index} is not terminated`);
    const s = decodeUtf8(table, index, end);
    if (s === null) this.fail(at, `string-table entry at offset ${index} is not valid UTF-8`);
    return s;
  }

  /** A multi-byte unsigned integer (at most 5 bytes, < 2^32). */
  private mbUint32(what: string): number {
    const start = this.pos;
    let value = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.bytes.length) this.fail(start, `truncated ${what}`);
      const b = this.bytes[this.pos++];
      value = value * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) this.fail(start, `${what} exceeds 32 bits`);
        return value;
      }
    }
    return this.fail(start, `${what} is longer than 5 bytes`);
  }

  private fail(offset: number, reason: string): never {
    throw new DecodeError('wbxml', `byte ${offset}`, reason);
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
