/**
 * WBXML encoder for SyncML DM messages (WBXML 1.2 by default, 1.3 on request;
 * numeric public id, UTF-8, no string table — the form DM clients expect,
 * shared/spec §9.1).
 *
 * Every `Meta` switches back to code page 0 before it closes, so a command's
 * encoding never depends on what preceded it: the bytes a command adds to a
 * message are exactly the bytes of its standalone encoding, which is what
 * size accounting for MaxMsgSize relies on.
 */
import { EncodeError } from '../errors.js';
import type { Command, EmbeddedDocument, EmbeddedElement, SyncMLMessage } from './model.js';
import { writeCommand, writeMessage, type ElementSink } from './message-writer.js';
import { embeddedTypeFor } from './embedded-types.js';
import { DEVINF_CODE_PAGE, DMDDF_CODE_PAGE, DMDDF_PAGE, FormalPublicId, PublicId, Tag, WbxmlToken } from './tags.js';
import type { CodePage } from './tags.js';

/** Options for {@link encodeWbxml}. */
export interface WbxmlEncodeOptions {
  /** WBXML version byte: 0x01 (1.1), 0x02 (1.2, default) or 0x03 (1.3). */
  version?: 1 | 2 | 3;
}

/** Encode a message as WBXML. */
export function encodeWbxml(msg: SyncMLMessage, options: WbxmlEncodeOptions = {}): Uint8Array {
  const w = new ByteWriter(1024);
  const version = options.version ?? 2;
  if (version < 1 || version > 3) throw new EncodeError(`WBXML version ${version} not supported`);
  w.byte(version);
  w.mbUint32(msg.version === '1.1' ? PublicId.SYNCML_1_1 : PublicId.SYNCML_1_2);
  w.byte(106); // UTF-8
  w.byte(0); // no string table
  writeMessage(new WbxmlSink(w), msg);
  return w.result();
}

/** Encode a single command exactly as it appears inside a WBXML message body. */
export function encodeWbxmlCommand(cmd: Command): Uint8Array {
  const w = new ByteWriter(256);
  writeCommand(new WbxmlSink(w), cmd);
  return w.result();
}

/** A growable byte buffer. */
export class ByteWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(initial: number) {
    this.buf = new Uint8Array(initial);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Multi-byte unsigned integer, most significant group first. */
  mbUint32(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new EncodeError(`${n} cannot be a WBXML mb_u_int32`);
    let groups = 1;
    while (groups < 5 && n >= 2 ** (7 * groups)) groups++;
    this.ensure(groups);
    for (let g = groups - 1; g >= 0; g--) {
      const v = Math.floor(n / 2 ** (7 * g)) & 0x7f;
      this.buf[this.length++] = g > 0 ? v | 0x80 : v;
    }
  }

  /** A string as UTF-8 followed by a NUL terminator. */
  cstring(s: string): void {
    // Worst case 3 bytes per UTF-16 unit.
    this.ensure(s.length * 3 + 1);
    let p = this.length;
    const buf = this.buf;
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        if (c === 0) throw new EncodeError('text contains U+0000, which a WBXML inline string cannot carry');
        buf[p++] = c;
      } else if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6);
        buf[p++] = 0x80 | (c & 0x3f);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const d = s.charCodeAt(i + 1);
        if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) throw new EncodeError('text contains a lone UTF-16 surrogate');
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        buf[p++] = 0xf0 | (c >> 18);
        buf[p++] = 0x80 | ((c >> 12) & 0x3f);
        buf[p++] = 0x80 | ((c >> 6) & 0x3f);
        buf[p++] = 0x80 | (c & 0x3f);
      } else {
        buf[p++] = 0xe0 | (c >> 12);
        buf[p++] = 0x80 | ((c >> 6) & 0x3f);
        buf[p++] = 0x80 | (c & 0x3f);
      }
    }
    buf[p++] = 0;
    this.length = p;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

class WbxmlSink implements ElementSink {
  private page = 0;

  constructor(private readonly w: ByteWriter) {}

  private tag(tag: Tag, content: boolean): void {
    const page = tag >> 8;
    if (page !== this.page) {
      this.w.byte(WbxmlToken.SWITCH_PAGE);
      this.w.byte(page);
      this.page = page;
    }
    this.w.byte((tag & 0x3f) | (content ? 0x40 : 0));
  }

  open(tag: Tag): void {
    this.tag(tag, true);
  }

  close(tag: Tag): void {
    if (tag === Tag.Meta && this.page !== 0) {
      this.w.byte(WbxmlToken.SWITCH_PAGE);
      this.w.byte(0);
      this.page = 0;
    }
    this.w.byte(WbxmlToken.END);
  }

  empty(tag: Tag): void {
    this.tag(tag, false);
  }

  leaf(tag: Tag, text: string): void {
    if (tag === Tag.Type) text = embeddedTypeFor(text, 'wbxml');
    if (text === '') { this.tag(tag, false); return; }
    this.tag(tag, true);
    this.w.byte(WbxmlToken.STR_I);
    this.w.cstring(text);
    this.w.byte(WbxmlToken.END);
  }

  bytes(tag: Tag, value: Uint8Array): void {
    this.tag(tag, true);
    this.w.byte(WbxmlToken.OPAQUE);
    this.w.mbUint32(value.length);
    this.w.bytes(value);
    this.w.byte(WbxmlToken.END);
  }

  embedded(tag: Tag, doc: EmbeddedDocument): void {
    this.bytes(tag, encodeEmbeddedWbxml(doc));
  }
}

/**
 * Encode an embedded document as a complete WBXML document: TNDS with the
 * DM DDF 1.2 public id in the string table and its tags on code page 2;
 * DevInf with public id 0x1203 on page 0.
 */
export function encodeEmbeddedWbxml(doc: EmbeddedDocument): Uint8Array {
  const w = new ByteWriter(256);
  w.byte(0x02);
  let table: CodePage;
  if (doc.kind === 'tnds') {
    const fpi = new TextEncoder().encode(FormalPublicId.DMDDF_1_2);
    w.byte(0x00); // public id in the string table…
    w.byte(0x00); // …at offset 0
    w.byte(106);
    w.mbUint32(fpi.length + 1);
    w.bytes(fpi);
    w.byte(0);
    w.byte(WbxmlToken.SWITCH_PAGE);
    w.byte(DMDDF_PAGE);
    table = DMDDF_CODE_PAGE;
  } else {
    w.mbUint32(PublicId.DEVINF_1_2);
    w.byte(106);
    w.byte(0);
    table = DEVINF_CODE_PAGE;
  }
  writeEmbeddedElement(w, doc.root, table);
  return w.result();
}

function writeEmbeddedElement(w: ByteWriter, el: EmbeddedElement, table: CodePage): void {
  const token = table.tokens.get(el.name);
  if (token === undefined) throw new EncodeError(`<${el.name}> has no token in the ${table === DMDDF_CODE_PAGE ? 'DM DDF' : 'DevInf'} code page`);
  if (el.children.length === 0) { w.byte(token); return; }
  w.byte(token | 0x40);
  for (const c of el.children) {
    if (typeof c === 'string') {
      if (c === '') continue;
      w.byte(WbxmlToken.STR_I);
      w.cstring(c);
    } else {
      writeEmbeddedElement(w, c, table);
    }
  }
  w.byte(WbxmlToken.END);
}
