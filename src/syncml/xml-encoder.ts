/**
 * XML encoder: writes the SyncML model as namespace-correct XML
 * (`SYNCML:SYNCML1.2` on the root, `syncml:metinf` on each meta element, as
 * DM implementations expect — shared/spec §1.1).
 */
import { EncodeError } from '../errors.js';
import { DEVINF_NAMESPACE, DMDDF_NAMESPACE, METINF_NAMESPACE, syncmlNamespace } from './model.js';
import type { Command, EmbeddedDocument, EmbeddedElement, SyncMLMessage } from './model.js';
import { writeCommand, writeMessage, type ElementSink } from './message-writer.js';
import { embeddedTypeFor } from './embedded-types.js';
import { Tag, tagName } from './tags.js';
import { isWellFormedText } from './utf8.js';

/** Options for {@link encodeXml}. */
export interface XmlEncodeOptions {
  /** Start with `<?xml version="1.0" encoding="UTF-8"?>`. Default false. */
  declaration?: boolean;
  /** Indent nested elements by this many spaces (never inside text). Default 0: no layout whitespace. */
  indent?: number;
}

/** Encode a message as XML text. */
export function encodeXml(msg: SyncMLMessage, options: XmlEncodeOptions = {}): string {
  const sink = new XmlSink(options.indent ?? 0, syncmlNamespace(msg.version));
  if (options.declaration) sink.out = '<?xml version="1.0" encoding="UTF-8"?>';
  writeMessage(sink, msg);
  return sink.out + (sink.indent ? '\n' : '');
}

/** Encode a single command as it would appear inside a message body (no layout). */
export function encodeXmlCommand(cmd: Command): string {
  const sink = new XmlSink(0, '');
  writeCommand(sink, cmd);
  return sink.out;
}

/** An embedded document (TNDS, DevInf) as standalone XML text, namespace on its root. */
export function encodeEmbeddedXml(doc: EmbeddedDocument, options: { indent?: number } = {}): string {
  const sink = new XmlSink(options.indent ?? 0, '');
  sink.embeddedDocument(doc);
  return sink.out.replace(/^\n/, '');
}

const ESCAPES = /[&<>\r]/g;
// eslint-disable-next-line no-control-regex -- matching the characters XML forbids is the point
const FORBIDDEN = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
const ESCAPE_MAP: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };

/**
 * Escape character data. `\r` is written as a reference so it survives the
 * parser's line-end normalisation; characters XML cannot carry are refused.
 */
export function escapeXmlText(text: string): string {
  if (FORBIDDEN.test(text)) throw new EncodeError('text contains a character XML 1.0 cannot carry (control character or U+FFFE/U+FFFF)');
  if (!isWellFormedText(text)) throw new EncodeError('text contains a lone UTF-16 surrogate');
  return text.replace(ESCAPES, (c) => ESCAPE_MAP[c]);
}

class XmlSink implements ElementSink {
  out = '';
  private depth = 0;
  /** Meta Types seen in the innermost Meta, to rewrite embedded document types. */

  constructor(readonly indent: number, private readonly rootNamespace: string) {}

  private pad(): string {
    return this.indent ? '\n' + ' '.repeat(this.indent * this.depth) : '';
  }

  private startTag(tag: Tag): string {
    const name = tagName(tag);
    if (tag === Tag.SyncML && this.rootNamespace) return `<${name} xmlns="${this.rootNamespace}">`;
    if (tag >= 0x100) return `<${name} xmlns="${METINF_NAMESPACE}">`;
    return `<${name}>`;
  }

  open(tag: Tag): void {
    this.out += (this.out.length && this.indent ? this.pad() : '') + this.startTag(tag);
    this.depth++;
  }

  close(tag: Tag): void {
    this.depth--;
    this.out += this.pad() + `</${tagName(tag)}>`;
  }

  empty(tag: Tag): void {
    const start = this.startTag(tag);
    this.out += this.pad() + start.slice(0, -1) + '/>';
  }

  leaf(tag: Tag, text: string): void {
    if (tag === Tag.Type) text = embeddedTypeFor(text, 'xml');
    if (text === '') { this.empty(tag); return; }
    this.out += this.pad() + this.startTag(tag) + escapeXmlText(text) + `</${tagName(tag)}>`;
  }

  bytes(tag: Tag, value: Uint8Array): void {
    // XML has no raw bytes: binary travels as base64 text (Format b64).
    this.leaf(tag, Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
  }

  embedded(tag: Tag, doc: EmbeddedDocument): void {
    const ns = doc.kind === 'tnds' ? DMDDF_NAMESPACE : DEVINF_NAMESPACE;
    this.out += this.pad() + `<${tagName(tag)}>`;
    this.depth++;
    this.embeddedElement(doc.root, ns);
    this.depth--;
    this.out += this.pad() + `</${tagName(tag)}>`;
  }

  /** Write an embedded document without the surrounding Data element. */
  embeddedDocument(doc: EmbeddedDocument): void {
    this.embeddedElement(doc.root, doc.kind === 'tnds' ? DMDDF_NAMESPACE : DEVINF_NAMESPACE);
  }

  private embeddedElement(el: EmbeddedElement, ns: string | null): void {
    if (!/^[A-Za-z_][-A-Za-z0-9._]*$/.test(el.name)) throw new EncodeError(`embedded element name ${JSON.stringify(el.name)} is not an XML name`);
    const start = ns ? `<${el.name} xmlns="${ns}"` : `<${el.name}`;
    if (el.children.length === 0) { this.out += this.pad() + start + '/>'; return; }
    if (el.children.every((c) => typeof c === 'string')) {
      this.out += this.pad() + start + '>' + escapeXmlText((el.children as string[]).join('')) + `</${el.name}>`;
      return;
    }
    this.out += this.pad() + start + '>';
    this.depth++;
    for (const c of el.children) {
      if (typeof c === 'string') {
        if (c.trim() !== '') throw new EncodeError(`embedded element <${el.name}> mixes text and elements`);
        continue;
      }
      this.embeddedElement(c, null);
    }
    this.depth--;
    this.out += this.pad() + `</${el.name}>`;
  }
}
