/**
 * XML decoder for SyncML DM documents: a small, strict, non-validating XML
 * 1.0 reader that builds the generic {@link RawElement} tree.
 *
 * Why hand-written: SyncML needs only elements, text, CDATA, comments and
 * namespace declarations, and must refuse DTD internal subsets and entity
 * declarations outright (nothing is ever expanded or fetched) while accepting
 * the bare `<!DOCTYPE SyncML PUBLIC …>` line some clients send. A general XML
 * library would have to be configured down to this, would not give us byte
 * limits and element paths in its errors, and is slower.
 *
 * Namespaces are resolved properly (default and prefixed declarations, scoped
 * per element) and mapped onto the WBXML code pages, so both decoders yield the
 * same element ids.
 */
import { DecodeError, LimitExceededError } from '../errors.js';
import type { RawElement, ResolvedLimits } from './raw-element.js';
import { DEVINF_CODE_PAGE, DMDDF_CODE_PAGE, METINF_CODE_PAGE, SYNCML_CODE_PAGE } from './tags.js';
import { isWellFormedText } from './utf8.js';

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A decoded XML document: its root element and the namespace of the root. */
export interface XmlDocument {
  root: RawElement;
  /** The root element's namespace URI, as written ('' if none). */
  rootNamespace: string;
}

/** Vocabulary of a namespace URI (compared case-insensitively: clients vary). */
const enum Vocab { None, SyncML, MetInf, DmDdf, DevInf, Other }

const vocabCache = new Map<string, Vocab>();

/** Vocabulary of a namespace URI; cached, since a document uses a handful of namespaces on every element. */
function vocabOf(ns: string): Vocab {
  let v = vocabCache.get(ns);
  if (v === undefined) {
    v = computeVocab(ns);
    if (vocabCache.size < 64) vocabCache.set(ns, v);
  }
  return v;
}

function computeVocab(ns: string): Vocab {
  if (ns === '') return Vocab.None;
  const lower = ns.toLowerCase();
  if (lower === 'syncml:syncml1.2' || lower === 'syncml:syncml1.1' || lower === 'syncml:syncml1.0') return Vocab.SyncML;
  if (lower === 'syncml:metinf') return Vocab.MetInf;
  if (lower === 'syncml:dmddf1.2') return Vocab.DmDdf;
  if (lower === 'syncml:devinf') return Vocab.DevInf;
  return Vocab.Other;
}

/** Element id for a (vocabulary, local name) pair; SyncML/MetInf fall back on each other for sloppy senders. */
function elementId(vocab: Vocab, name: string): number {
  switch (vocab) {
    case Vocab.SyncML:
    case Vocab.None: {
      const id = SYNCML_CODE_PAGE.id(name);
      return id >= 0 ? id : METINF_CODE_PAGE.id(name);
    }
    case Vocab.MetInf: {
      const id = METINF_CODE_PAGE.id(name);
      return id >= 0 ? id : SYNCML_CODE_PAGE.id(name);
    }
    case Vocab.DmDdf: return DMDDF_CODE_PAGE.id(name);
    case Vocab.DevInf: return DEVINF_CODE_PAGE.id(name);
    default: return -1;
  }
}

interface Scope {
  defaultNs: string;
  prefixes: Map<string, string> | null;
}

/** Characters XML 1.0 forbids in documents. */
// eslint-disable-next-line no-control-regex -- matching the characters XML forbids is the point
const FORBIDDEN_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
const NON_WHITESPACE = /[^ \t\r\n]/;

/** Decode an XML document (bytes in UTF-8, or an already-decoded string). */
export function decodeXmlDocument(input: Uint8Array | string, limits: ResolvedLimits): XmlDocument {
  let src: string;
  if (typeof input === 'string') {
    if (input.length > limits.maxBytes) {
      throw new LimitExceededError('xml', 'char 0', `document of ${input.length} characters exceeds the ${limits.maxBytes}-byte limit`);
    }
    src = input;
  } else {
    if (input.length > limits.maxBytes) {
      throw new LimitExceededError('xml', 'byte 0', `document of ${input.length} bytes exceeds the ${limits.maxBytes}-byte limit`);
    }
    try {
      src = strictDecoder.decode(input);
    } catch {
      throw new DecodeError('xml', `byte ${firstInvalidUtf8(input)}`, 'input is not valid UTF-8');
    }
  }
  return new XmlReader(src, limits, typeof input === 'string').document();
}

class XmlReader {
  private pos = 0;
  private elements = 0;

  /** Strings given directly (not decoded from UTF-8) may hold lone surrogates. */
  constructor(private readonly src: string, private readonly limits: ResolvedLimits, private readonly checkSurrogates: boolean) {}

  document(): XmlDocument {
    const src = this.src;
    if (src.charCodeAt(0) === 0xfeff) this.pos = 1;
    let root: RawElement | null = null;
    let rootNamespace = '';
    let sawDoctype = false;
    const bom = this.pos;
    for (;;) {
      this.skipWhitespace();
      if (this.pos >= src.length) break;
      if (src.charCodeAt(this.pos) !== 0x3c /* < */) this.fail(this.pos, root ? 'content after the root element' : 'text before the root element');
      if (src.startsWith('<?', this.pos)) { this.processingInstruction(root === null && !sawDoctype && this.pos === bom); continue; }
      if (src.startsWith('<!--', this.pos)) { this.comment(); continue; }
      if (src.startsWith('<!DOCTYPE', this.pos)) {
        if (root || sawDoctype) this.fail(this.pos, 'misplaced DOCTYPE');
        this.doctype();
        sawDoctype = true;
        continue;
      }
      if (src.startsWith('<!', this.pos)) this.fail(this.pos, 'markup declarations are not allowed');
      if (root) this.fail(this.pos, 'more than one root element');
      const result = this.element();
      root = result.el;
      rootNamespace = result.ns;
    }
    if (!root) this.fail(this.pos, 'no root element');
    return { root, rootNamespace };
  }

  private skipWhitespace(): void {
    const src = this.src;
    let c = src.charCodeAt(this.pos);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = src.charCodeAt(++this.pos);
  }

  private processingInstruction(mayBeDeclaration: boolean): void {
    const start = this.pos;
    const end = this.src.indexOf('?>', start + 2);
    if (end < 0) this.fail(start, 'unterminated processing instruction');
    const body = this.src.slice(start + 2, end);
    if (/^xml[\s?]/i.test(body + ' ')) {
      if (!mayBeDeclaration) this.fail(start, 'XML declaration is only allowed at the start of the document');
      const enc = /encoding\s*=\s*["']([^"']*)["']/.exec(body);
      if (enc && !/^(utf-8|utf8|us-ascii)$/i.test(enc[1])) this.fail(start, `unsupported encoding ${JSON.stringify(enc[1])} (UTF-8 required)`);
    }
    this.pos = end + 2;
  }

  private comment(): void {
    const end = this.src.indexOf('-->', this.pos + 4);
    if (end < 0) this.fail(this.pos, 'unterminated comment');
    this.pos = end + 3;
  }

  /** Accept `<!DOCTYPE name [PUBLIC "…" "…" | SYSTEM "…"]>`; refuse any internal subset. */
  private doctype(): void {
    const src = this.src;
    const start = this.pos;
    let i = start + 9;
    while (i < src.length) {
      const c = src[i];
      if (c === '"' || c === "'") {
        const close = src.indexOf(c, i + 1);
        if (close < 0) this.fail(i, 'unterminated literal in DOCTYPE');
        i = close + 1;
        continue;
      }
      if (c === '[') this.fail(i, 'DTD internal subsets are not allowed (no entity declarations are ever processed)');
      if (c === '>') { this.pos = i + 1; return; }
      i++;
    }
    this.fail(start, 'unterminated DOCTYPE');
  }

  /**
   * Reads one element and its subtree. Iterative (explicit stack) so the
   * depth limit, not the JS call stack, bounds nesting.
   */
  private element(): { el: RawElement; ns: string } {
    const src = this.src;
    const limits = this.limits;
    const stack: { el: RawElement; qname: string; scope: Scope; vocab: Vocab; textParts: string[] | null }[] = [];
    let rootNs = '';
    let scope: Scope = { defaultNs: '', prefixes: null };
    let root: RawElement | null = null;

    for (;;) {
      // At '<' of a start tag.
      const start = this.pos;
      if (stack.length >= limits.maxDepth) throw new LimitExceededError('xml', this.where(start), `element nesting deeper than ${limits.maxDepth}`);
      if (++this.elements > limits.maxElements) throw new LimitExceededError('xml', this.where(start), `more than ${limits.maxElements} elements`);
      let i = start + 1;
      const nameStart = i;
      i = this.nameEnd(i);
      const qname = src.slice(nameStart, i);
      if (qname.length === 0) this.fail(start, 'missing element name');
      // Attributes: only namespace declarations mean anything in SyncML.
      let defaultNs = scope.defaultNs;
      let prefixes = scope.prefixes;
      let selfClosing = false;
      for (;;) {
        let c = src.charCodeAt(i);
        const hadSpace = c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
        while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = src.charCodeAt(++i);
        if (c === 0x3e /* > */) { i++; break; }
        if (c === 0x2f /* / */) {
          if (src.charCodeAt(i + 1) !== 0x3e) this.fail(i, 'expected ">" after "/"');
          i += 2;
          selfClosing = true;
          break;
        }
        if (Number.isNaN(c)) this.fail(start, `unterminated start tag <${qname}>`);
        if (!hadSpace) this.fail(i, 'expected whitespace before attribute');
        const attrStart = i;
        i = this.nameEnd(i);
        const attr = src.slice(attrStart, i);
        if (attr.length === 0) this.fail(i, 'malformed attribute');
        while (/[ \t\r\n]/.test(src[i] ?? '')) i++;
        if (src[i] !== '=') this.fail(i, `attribute ${attr} has no value`);
        i++;
        while (/[ \t\r\n]/.test(src[i] ?? '')) i++;
        const quote = src[i];
        if (quote !== '"' && quote !== "'") this.fail(i, `attribute ${attr} value is not quoted`);
        const close = src.indexOf(quote, i + 1);
        if (close < 0) this.fail(i, `unterminated value of attribute ${attr}`);
        const raw = src.slice(i + 1, close);
        if (raw.includes('<')) this.fail(i, `"<" in the value of attribute ${attr}`);
        const value = raw.includes('&') ? this.entities(raw, i + 1) : raw;
        i = close + 1;
        if (attr === 'xmlns') defaultNs = value;
        else if (attr.startsWith('xmlns:')) {
          const prefix = attr.slice(6);
          prefixes = new Map(prefixes ?? []);
          prefixes.set(prefix, value);
        }
      }
      const colon = qname.indexOf(':');
      const local = colon < 0 ? qname : qname.slice(colon + 1);
      let ns = defaultNs;
      if (colon >= 0) {
        const bound = prefixes?.get(qname.slice(0, colon));
        if (bound === undefined) this.fail(start, `undeclared namespace prefix in <${qname}>`);
        ns = bound;
      }
      const vocab = vocabOf(ns);
      const el: RawElement = { id: elementId(vocab, local), name: local, children: null, text: null, opaque: null, offset: start };
      const elScope: Scope = defaultNs === scope.defaultNs && prefixes === scope.prefixes ? scope : { defaultNs, prefixes };
      if (stack.length > 0) {
        const parent = stack[stack.length - 1].el;
        if (parent.children === null) parent.children = [el];
        else parent.children.push(el);
      } else {
        root = el;
        rootNs = ns;
      }
      this.pos = i;
      if (!selfClosing) {
        stack.push({ el, qname, scope: elScope, vocab, textParts: null });
        scope = elScope;
      } else if (stack.length === 0) {
        return { el, ns: rootNs };
      }

      // Content until the next start tag (descend) or until the stack empties.
      for (;;) {
        const frame = stack[stack.length - 1];
        const lt = src.indexOf('<', this.pos);
        if (lt < 0) this.fail(frame.el.offset, `element <${frame.qname}> is not closed`);
        if (lt > this.pos) this.text(frame, src.slice(this.pos, lt), this.pos);
        this.pos = lt;
        const next = src.charCodeAt(lt + 1);
        if (next === 0x2f /* / */) {
          const nameStart = lt + 2;
          const nameEnd = this.nameEnd(nameStart);
          const endName = src.slice(nameStart, nameEnd);
          if (endName !== frame.qname) this.fail(lt, `end tag </${endName}> does not match <${frame.qname}>`);
          let j = nameEnd;
          while (/[ \t\r\n]/.test(src[j] ?? '')) j++;
          if (src[j] !== '>') this.fail(j, 'malformed end tag');
          this.pos = j + 1;
          this.finish(frame);
          stack.pop();
          if (stack.length === 0) return { el: root!, ns: rootNs };
          scope = stack[stack.length - 1].scope;
          continue;
        }
        if (next === 0x21 /* ! */) {
          if (src.startsWith('<!--', lt)) { this.comment(); continue; }
          if (src.startsWith('<![CDATA[', lt)) {
            const end = src.indexOf(']]>', lt + 9);
            if (end < 0) this.fail(lt, 'unterminated CDATA section');
            const cdata = src.slice(lt + 9, end);
            this.addText(frame, cdata.includes('\r') ? cdata.replace(/\r\n?/g, '\n') : cdata, lt);
            this.pos = end + 3;
            continue;
          }
          this.fail(lt, 'markup declarations are not allowed inside elements');
        }
        if (next === 0x3f /* ? */) { this.processingInstruction(false); continue; }
        break; // a child start tag
      }
    }
  }

  private text(frame: { el: RawElement; textParts: string[] | null }, raw: string, at: number): void {
    if (raw.includes(']]>')) this.fail(at, '"]]>" in text');
    // Line ends are normalised in literal text only, so a `&#13;` reference survives as CR.
    if (raw.includes('\r')) raw = raw.replace(/\r\n?/g, '\n');
    if (raw.includes('&')) raw = this.entities(raw, at);
    this.addText(frame, raw, at);
  }

  private addText(frame: { el: RawElement; textParts: string[] | null }, s: string, at: number): void {
    if (FORBIDDEN_CHARS.test(s)) this.fail(at, 'character not allowed in XML');
    if (this.checkSurrogates && !isWellFormedText(s)) this.fail(at, 'text contains a lone UTF-16 surrogate');
    if (frame.textParts === null) frame.textParts = [s];
    else frame.textParts.push(s);
    if (frame.textParts.length > 1) {
      let total = 0;
      for (const p of frame.textParts) total += p.length;
      if (total > this.limits.maxStringBytes) throw new LimitExceededError('xml', this.where(at), `text longer than ${this.limits.maxStringBytes}`);
    } else if (s.length > this.limits.maxStringBytes) {
      throw new LimitExceededError('xml', this.where(at), `text longer than ${this.limits.maxStringBytes}`);
    }
  }

  /** Sets the element's text: whitespace-only text beside child elements is layout, not content. */
  private finish(frame: { el: RawElement; textParts: string[] | null }): void {
    const parts = frame.textParts;
    if (parts === null) return;
    const text = parts.length === 1 ? parts[0] : parts.join('');
    if (frame.el.children !== null && !NON_WHITESPACE.test(text)) return;
    frame.el.text = text;
  }

  /** Position just past an XML name starting at `i`. */
  private nameEnd(i: number): number {
    const src = this.src;
    for (;;) {
      const c = src.charCodeAt(i);
      if (Number.isNaN(c) || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x2f || c === 0x3e || c === 0x3d
        || c === 0x3c || c === 0x22 || c === 0x27) return i;
      i++;
    }
  }

  /** Replace the five predefined entities and character references; anything else is refused. */
  private entities(raw: string, at: number): string {
    return raw.replace(/&([^;&<]{0,12});?/g, (match, name: string, offset: number) => {
      if (!match.endsWith(';')) this.fail(at + offset, 'unterminated entity reference');
      switch (name) {
        case 'lt': return '<';
        case 'gt': return '>';
        case 'amp': return '&';
        case 'quot': return '"';
        case 'apos': return "'";
      }
      let cp = NaN;
      if (/^#[0-9]{1,7}$/.test(name)) cp = parseInt(name.slice(1), 10);
      else if (/^#x[0-9a-fA-F]{1,6}$/.test(name)) cp = parseInt(name.slice(2), 16);
      else this.fail(at + offset, `undefined entity &${name}; (DTD entities are never expanded)`);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d) || cp === 0xfffe || cp === 0xffff) {
        this.fail(at + offset, `character reference &${name}; is not an XML character`);
      }
      return String.fromCodePoint(cp);
    });
  }

  private where(offset: number): string {
    let line = 1;
    let lineStart = 0;
    const src = this.src;
    for (let i = src.indexOf('\n'); i >= 0 && i < offset; i = src.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return `line ${line}, column ${offset - lineStart + 1}`;
  }

  private fail(offset: number, reason: string): never {
    throw new DecodeError('xml', this.where(Math.min(offset, this.src.length)), reason);
  }
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  const d = new TextDecoder('utf-8', { fatal: true });
  let lo = 0;
  let hi = bytes.length;
  // Binary search for the shortest invalid prefix (incomplete trailing sequences count as invalid).
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    try { d.decode(bytes.subarray(0, mid + 1)); lo = mid + 1; } catch { hi = mid; }
  }
  return Math.max(0, lo - 3);
}
