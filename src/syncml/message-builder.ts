/**
 * Turns a decoded element tree ({@link RawElement}) into the SyncML model,
 * checking structure as it goes: required children present, no duplicates
 * where one is allowed, numbers that are numbers, commands where commands may
 * stand. Children are matched by id, never by position, so any element order
 * a sender uses is accepted (shared/spec §1.4, §13).
 *
 * Errors name the element path, e.g. `SyncML/SyncBody/Replace[2]/Item[1]/Meta`.
 */
import { DecodeError } from '../errors.js';
import type {
  AlertCommand, Chal, Command, ContainerCommand, Cred, DataValue, EmbeddedDocument, EmbeddedElement, EmbeddedNode,
  ExecCommand, Item, ItemCommand, Meta, ResultsCommand, Source, StatusCommand, SyncBody, SyncHdr, SyncMLMessage,
  SyncmlVersion, Target,
} from './model.js';
import type { RawElement, ResolvedLimits } from './raw-element.js';
import { DEVINF_PAGE, DMDDF_PAGE, Tag } from './tags.js';
import { decodeUtf8 } from './utf8.js';
import { decodeWbxmlDocument } from './wbxml-decoder.js';

/** Meta Types whose Data carries an embedded document (shared/spec §9.7). */
const EMBEDDED_TYPES = new Map<string, 'tnds' | 'devinf'>(Object.entries({
  'application/vnd.syncml.dmtnds+wbxml': 'tnds',
  'application/vnd.syncml.dmtnds+xml': 'tnds',
  'application/vnd.syncml-devinf+wbxml': 'devinf',
  'application/vnd.syncml-devinf+xml': 'devinf',
}) as [string, 'tnds' | 'devinf'][]);

/** Embedded kind announced by a Meta Type, if any. */
export function embeddedKindOfType(type: string | undefined): 'tnds' | 'devinf' | undefined {
  return type === undefined ? undefined : EMBEDDED_TYPES.get(type.trim().toLowerCase());
}

/**
 * Build a message from its root element.
 * @param versionHint version implied by the namespace or public id; `undefined` to take it from VerDTD.
 */
export function buildMessage(root: RawElement, versionHint: SyncmlVersion | undefined, limits: ResolvedLimits, embeddingDepth = 0): SyncMLMessage {
  return new MessageBuilder(limits, embeddingDepth).message(root, versionHint);
}

/** Convert an element tree to the model's embedded-document form. */
export function toEmbedded(el: RawElement): EmbeddedElement {
  const children: EmbeddedNode[] = [];
  if (el.children !== null) {
    for (const c of el.children) children.push(toEmbedded(c));
  } else if (el.text !== null) {
    children.push(el.text);
  } else if (el.opaque !== null) {
    const s = decodeUtf8(el.opaque, 0, el.opaque.length);
    if (s === null) throw new DecodeError('syncml', el.name, 'opaque content of an embedded element is not UTF-8 text');
    children.push(s);
  }
  return { name: el.name, children };
}

/** Elements shown with their position in error paths. */
const INDEXED = new Set<number>([
  Tag.Add, Tag.Replace, Tag.Delete, Tag.Copy, Tag.Get, Tag.Exec, Tag.Alert, Tag.Atomic, Tag.Sequence, Tag.Results, Tag.Status,
  Tag.Sync, Tag.Map, Tag.Put, Tag.Search, Tag.Archive, Tag.SftDel, Tag.Item,
]);

class MessageBuilder {
  /** Elements from the root to where we are; the readable path is built only when an error needs it. */
  private readonly path: RawElement[] = [];

  constructor(private readonly limits: ResolvedLimits, private readonly embeddingDepth: number) {}

  message(root: RawElement, versionHint: SyncmlVersion | undefined): SyncMLMessage {
    if (root.id !== Tag.SyncML) this.fail(`root element is <${root.name}>, expected <SyncML>`);
    this.path.push(root);
    let header: SyncHdr | undefined;
    let body: SyncBody | undefined;
    for (const c of root.children ?? []) {
      if (c.id === Tag.SyncHdr) { if (header) this.dup(c); header = this.header(c); }
      else if (c.id === Tag.SyncBody) { if (body) this.dup(c); body = this.body(c); }
      else this.unexpected(c);
    }
    this.noText(root);
    if (!header) this.fail('missing <SyncHdr>');
    if (!body) this.fail('missing <SyncBody>');
    const version: SyncmlVersion = versionHint ?? (header.verDTD === '1.1' ? '1.1' : '1.2');
    return { version, header, body };
  }

  private header(el: RawElement): SyncHdr {
    this.path.push(el);
    const h: Partial<SyncHdr> = {};
    for (const c of el.children ?? []) {
      switch (c.id) {
        case Tag.VerDTD: this.once(h.verDTD, c); h.verDTD = this.text(c); break;
        case Tag.VerProto: this.once(h.verProto, c); h.verProto = this.text(c); break;
        case Tag.SessionID: this.once(h.sessionID, c); h.sessionID = this.text(c); break;
        case Tag.MsgID: this.once(h.msgID, c); h.msgID = this.text(c); break;
        case Tag.Target: this.once(h.target, c); h.target = this.locator(c); break;
        case Tag.Source: this.once(h.source, c); h.source = this.locator(c); break;
        case Tag.RespURI: this.once(h.respURI, c); h.respURI = this.text(c); break;
        case Tag.NoResp: this.once(h.noResp, c); this.empty(c); h.noResp = true; break;
        case Tag.Cred: this.once(h.cred, c); h.cred = this.cred(c); break;
        case Tag.Meta: this.once(h.meta, c); h.meta = this.meta(c); break;
        default: this.unexpected(c);
      }
    }
    this.noText(el);
    for (const k of ['verDTD', 'verProto', 'sessionID', 'msgID', 'target', 'source'] as const) {
      if (h[k] === undefined) this.fail(`missing <${k === 'verDTD' ? 'VerDTD' : k === 'verProto' ? 'VerProto' : k === 'sessionID' ? 'SessionID' : k === 'msgID' ? 'MsgID' : k === 'target' ? 'Target' : 'Source'}>`);
    }
    this.path.pop();
    return h as SyncHdr;
  }

  private body(el: RawElement): SyncBody {
    this.path.push(el);
    const commands: Command[] = [];
    let final = false;
    for (const c of el.children ?? []) {
      if (c.id === Tag.Final) {
        if (final) this.dup(c);
        this.empty(c);
        final = true;
        continue;
      }
      if (final) this.fail(`<${c.name}> after <Final>`);
      commands.push(this.command(c, true));
    }
    this.noText(el);
    this.path.pop();
    return { commands, final };
  }

  private command(el: RawElement, topLevel: boolean): Command {
    this.path.push(el);
    let cmd: Command;
    switch (el.id) {
      case Tag.Add: cmd = this.itemCommand(el, 'Add'); break;
      case Tag.Replace: cmd = this.itemCommand(el, 'Replace'); break;
      case Tag.Delete: cmd = this.itemCommand(el, 'Delete'); break;
      case Tag.Copy: cmd = this.itemCommand(el, 'Copy'); break;
      case Tag.Get: cmd = this.itemCommand(el, 'Get'); break;
      case Tag.Exec: cmd = this.exec(el); break;
      case Tag.Alert: cmd = this.alert(el); break;
      case Tag.Atomic: cmd = this.container(el, 'Atomic'); break;
      case Tag.Sequence: cmd = this.container(el, 'Sequence'); break;
      case Tag.Results:
        if (!topLevel) this.fail('<Results> inside a container');
        cmd = this.results(el);
        break;
      case Tag.Status:
        if (!topLevel) this.fail('<Status> inside a container');
        cmd = this.status(el);
        break;
      case Tag.Sync: case Tag.Map: case Tag.Put: case Tag.Search: case Tag.Archive: case Tag.SftDel:
        this.path.pop();
        return this.fail(`<${el.name}> is not used in SyncML DM`);
      default:
        this.path.pop();
        return this.unexpected(el);
    }
    this.noText(el);
    this.path.pop();
    return cmd;
  }

  private itemCommand<K extends 'Add' | 'Replace' | 'Delete' | 'Copy' | 'Get'>(el: RawElement, kind: K): ItemCommand<K> {
    let cmdID: string | undefined;
    let noResp: boolean | undefined;
    let cred: Cred | undefined;
    let meta: Meta | undefined;
    let lang: string | undefined;
    const rawItems: RawElement[] = [];
    for (const c of el.children ?? []) {
      switch (c.id) {
        case Tag.CmdID: this.once(cmdID, c); cmdID = this.text(c); break;
        case Tag.NoResp: this.once(noResp, c); this.empty(c); noResp = true; break;
        case Tag.Cred: this.once(cred, c); cred = this.cred(c); break;
        case Tag.Meta: this.once(meta, c); meta = this.meta(c); break;
        case Tag.Lang: this.once(lang, c); lang = this.text(c); break;
        case Tag.Item: rawItems.push(c); break;
        default: this.unexpected(c);
      }
    }
    if (cmdID === undefined) this.fail('missing <CmdID>');
    if (rawItems.length === 0) this.fail('missing <Item>');
    const cmd: ItemCommand<K> = { kind, cmdID, items: this.items(rawItems, meta) };
    if (noResp) cmd.noResp = true;
    if (cred) cmd.cred = cred;
    if (meta) cmd.meta = meta;
    if (lang !== undefined) cmd.lang = lang;
    return cmd;
  }

  private exec(el: RawElement): ExecCommand {
    let cmdID: string | undefined;
    let noResp: boolean | undefined;
    let cred: Cred | undefined;
    let meta: Meta | undefined;
    let correlator: string | undefined;
    const rawItems: RawElement[] = [];
    for (const c of el.children ?? []) {
      switch (c.id) {
        case Tag.CmdID: this.once(cmdID, c); cmdID = this.text(c); break;
        case Tag.NoResp: this.once(noResp, c); this.empty(c); noResp = true; break;
        case Tag.Cred: this.once(cred, c); cred = this.cred(c); break;
        case Tag.Meta: this.once(meta, c); meta = this.meta(c); break;
        case Tag.Correlator: this.once(correlator, c); correlator = this.text(c); break;
        case Tag.Item: rawItems.push(c); break;
        default: this.unexpected(c);
      }
    }
    if (cmdID === undefined) this.fail('missing <CmdID>');
    if (rawItems.length !== 1) this.fail(`<Exec> must have exactly one <Item>, found ${rawItems.length}`);
    const cmd: ExecCommand = { kind: 'Exec', cmdID, item: this.items(rawItems, meta)[0] };
    if (noResp) cmd.noResp = true;
    if (cred) cmd.cred = cred;
    if (meta) cmd.meta = meta;
    if (correlator !== undefined) cmd.correlator = correlator;
    return cmd;
  }

  private alert(el: RawElement): AlertCommand {
    let cmdID: string | undefined;
    let noResp: boolean | undefined;
    let cred: Cred | undefined;
    let data: number | undefined;
    let correlator: string | undefined;
    const rawItems: RawElement[] = [];
    for (const c of el.children ?? []) {
      switch (c.id) {
        case Tag.CmdID: this.once(cmdID, c); cmdID = this.text(c); break;
        case Tag.NoResp: this.once(noResp, c); this.empty(c); noResp = true; break;
        case Tag.Cred: this.once(cred, c); cred = this.cred(c); break;
        case Tag.Data: this.once(data, c); data = this.code(c); break;
        case Tag.Correlator: this.once(correlator, c); correlator = this.text(c); break;
        case Tag.Item: rawItems.push(c); break;
        default: this.unexpected(c);
      }
    }
    if (cmdID === undefined) this.fail('missing <CmdID>');
    if (data === undefined) this.fail('missing <Data> (the alert code)');
    const cmd: AlertCommand = { kind: 'Alert', cmdID, data, items: this.items(rawItems, undefined) };
    if (noResp) cmd.noResp = true;
    if (cred) cmd.cred = cred;
    if (correlator !== undefined) cmd.correlator = correlator;
    return cmd;
  }

  private container<K extends 'Atomic' | 'Sequence'>(el: RawElement, kind: K): ContainerCommand<K> {
    let cmdID: string | undefined;
    let noResp: boolean | undefined;
    let meta: Meta | undefined;
    const commands: Command[] = [];
    for (const c of el.children ?? []) {
      switch (c.id) {
        case Tag.CmdID: this.once(cmdID, c); cmdID = this.text(c); break;
        case Tag.NoResp: this.once(noResp, c); this.empty(c); noResp = true; break;
        case Tag.Meta: this.once(meta, c); meta = this.meta(c); break;
        default: commands.push(this.command(c, false));
      }
    }
    if (cmdID === undefined) this.fail('missing <CmdID>');
    const cmd: ContainerCommand<K> = { kind, cmdID, commands };
    if (noResp) cmd.noResp = true;
    if (meta) cmd.meta = meta;
    return cmd;
  }

  private results(el: RawElement): ResultsCommand {
    let cmdID: string | undefined;
    let msgRef: string | undefined;
    let cmdRef: string | undefined;
    let meta: Meta | undefined;
    let targetRef: string | undefined;
    let sourceRef: string | undefined;
    const rawItems: RawElement[] = [];
    for (const c of el.children ?? []) {
      switch (c.id) {
        case Tag.CmdID: this.once(cmdID, c); cmdID = this.text(c); break;
        case Tag.MsgRef: this.once(msgRef, c); msgRef = this.text(c); break;
        case Tag.CmdRef: this.once(cmdRef, c); cmdRef = this.text(c); break;
        case Tag.Meta: this.once(meta, c); meta = this.meta(c); break;
        case Tag.TargetRef: this.once(targetRef, c); targetRef = this.text(c); break;
        case Tag.SourceRef: this.once(sourceRef, c); sourceRef = this.text(c); break;
        case Tag.Item: rawItems.push(c); break;
        default: this.unexpected(c);
      }
    }
    if (cmdID === undefined) this.fail('missing <CmdID>');
    if (cmdRef === undefined) this.fail('missing <CmdRef>');
    const cmd: ResultsCommand = { kind: 'Results', cmdID, cmdRef, items: this.items(rawItems, meta) };
    if (msgRef !== undefined) cmd.msgRef = msgRef;
    if (meta) cmd.meta = meta;
    if (targetRef !== undefined) cmd.targetRef = targetRef;
    if (sourceRef !== undefined) cmd.sourceRef = sourceRef;
    return cmd;
  }

  private status(el: RawElement): StatusCommand {
    let cmdID: string | undefined;
    let msgRef: string | undefined;
    let cmdRef: string | undefined;
    let cmd: string | undefined;
    let cred: Cred | undefined;
    let chal: Chal | undefined;
    let data: number | undefined;
    const targetRefs: string[] = [];
    const sourceRefs: string[] = [];
    const rawItems: RawElement[] = [];
    for (const c of el.children ?? []) {
      switch (c.id) {
        case Tag.CmdID: this.once(cmdID, c); cmdID = this.text(c); break;
        case Tag.MsgRef: this.once(msgRef, c); msgRef = this.text(c); break;
        case Tag.CmdRef: this.once(cmdRef, c); cmdRef = this.text(c); break;
        case Tag.Cmd: this.once(cmd, c); cmd = this.text(c); break;
        case Tag.TargetRef: targetRefs.push(this.text(c)); break;
        case Tag.SourceRef: sourceRefs.push(this.text(c)); break;
        case Tag.Cred: this.once(cred, c); cred = this.cred(c); break;
        case Tag.Chal: this.once(chal, c); chal = this.chal(c); break;
        case Tag.Data: this.once(data, c); data = this.code(c); break;
        case Tag.Item: rawItems.push(c); break;
        default: this.unexpected(c);
      }
    }
    if (cmdID === undefined) this.fail('missing <CmdID>');
    if (msgRef === undefined) this.fail('missing <MsgRef>');
    if (cmdRef === undefined) this.fail('missing <CmdRef>');
    if (cmd === undefined) this.fail('missing <Cmd>');
    if (data === undefined) this.fail('missing <Data> (the status code)');
    const status: StatusCommand = { kind: 'Status', cmdID, msgRef, cmdRef, cmd, targetRefs, sourceRefs, data, items: this.items(rawItems, undefined) };
    if (cred) status.cred = cred;
    if (chal) status.chal = chal;
    return status;
  }

  private items(raw: RawElement[], commandMeta: Meta | undefined): Item[] {
    const items: Item[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      this.path.push(raw[i]);
      items[i] = this.item(raw[i], commandMeta);
      this.path.pop();
    }
    return items;
  }

  private item(el: RawElement, commandMeta: Meta | undefined): Item {
    const item: Item = {};
    let dataEl: RawElement | undefined;
    for (const c of el.children ?? []) {
      switch (c.id) {
        case Tag.Target: this.once(item.target, c); item.target = this.locator(c); break;
        case Tag.Source: this.once(item.source, c); item.source = this.locator(c); break;
        case Tag.TargetParent: this.once(item.targetParent, c); item.targetParent = this.locURIOnly(c); break;
        case Tag.SourceParent: this.once(item.sourceParent, c); item.sourceParent = this.locURIOnly(c); break;
        case Tag.Meta: this.once(item.meta, c); item.meta = this.meta(c); break;
        case Tag.Data: this.once(dataEl, c); dataEl = c; break;
        case Tag.MoreData: this.once(item.moreData, c); this.empty(c); item.moreData = true; break;
        default: this.unexpected(c);
      }
    }
    this.noText(el);
    if (dataEl) item.data = this.data(dataEl, item.meta?.type ?? commandMeta?.type, item.meta?.format ?? commandMeta?.format);
    return item;
  }

  /**
   * Data content. OPAQUE is bytes only when the format says binary (`bin`):
   * encoders such as libwbxml also put plain text (Format `chr`) in OPAQUE, and
   * that is text to the tree. Text that is not valid UTF-8 stays bytes.
   */
  private data(el: RawElement, metaType: string | undefined, format: string | undefined): DataValue {
    this.path.push(el);
    let value: DataValue;
    if (el.children !== null) {
      if (el.text !== null) this.fail('mixed text and elements');
      if (el.children.length !== 1) this.fail(`an embedded document must have one root element, found ${el.children.length}`);
      value = this.embeddedFromElement(el.children[0]);
    } else if (el.opaque !== null) {
      const kind = embeddedKindOfType(metaType);
      // Some senders label escaped TNDS text with the TNDS type: only WBXML-looking bytes are decoded as a document.
      if (kind && el.opaque.length > 0 && el.opaque[0] <= 0x03) value = this.embeddedFromWbxml(el.opaque, kind);
      else if (format !== undefined && format.trim().toLowerCase() === 'bin') value = copyBytes(el.opaque);
      else value = decodeUtf8(el.opaque, 0, el.opaque.length) ?? copyBytes(el.opaque);
    } else {
      value = el.text ?? '';
    }
    this.path.pop();
    return value;
  }

  private embeddedFromElement(root: RawElement): EmbeddedDocument {
    const page = root.id >> 8;
    const kind = page === DMDDF_PAGE || root.name === 'MgmtTree' ? 'tnds'
      : page === DEVINF_PAGE || root.name === 'DevInf' ? 'devinf' : undefined;
    if (kind === undefined) this.fail(`<${root.name}> is not a TNDS or DevInf document`);
    return { kind, root: toEmbedded(root) };
  }

  private embeddedFromWbxml(bytes: Uint8Array, kind: 'tnds' | 'devinf'): EmbeddedDocument {
    if (this.embeddingDepth + 1 > this.limits.maxEmbeddingDepth) this.fail('embedded documents nested too deeply');
    let doc;
    try {
      doc = decodeWbxmlDocument(bytes, this.limits);
    } catch (e) {
      if (e instanceof DecodeError) this.fail(`embedded ${kind} document: ${e.message}`);
      throw e;
    }
    const expected = kind === 'tnds' ? 'dmddf' : 'devinf';
    if (doc.vocabulary !== expected) this.fail(`Meta Type announces ${kind} but the embedded WBXML is ${doc.vocabulary}`);
    return { kind, root: toEmbedded(doc.root) };
  }

  private locator(el: RawElement): Target & Source {
    this.path.push(el);
    let locURI: string | undefined;
    let locName: string | undefined;
    for (const c of el.children ?? []) {
      switch (c.id) {
        case Tag.LocURI: this.once(locURI, c); locURI = this.text(c); break;
        case Tag.LocName: this.once(locName, c); locName = this.text(c); break;
        case Tag.Filter: this.fail('<Filter> is not used in SyncML DM');
        // falls through (fail never returns)
        default: this.unexpected(c);
      }
    }
    this.noText(el);
    if (locURI === undefined) this.fail('missing <LocURI>');
    this.path.pop();
    return locName === undefined ? { locURI } : { locURI, locName };
  }

  private locURIOnly(el: RawElement): string {
    const loc = this.locator(el);
    if (loc.locName !== undefined) this.fail(`<${el.name}> has no <LocName>`);
    return loc.locURI;
  }

  private cred(el: RawElement): Cred {
    this.path.push(el);
    let meta: Meta | undefined;
    let data: string | undefined;
    for (const c of el.children ?? []) {
      if (c.id === Tag.Meta) { this.once(meta, c); meta = this.meta(c); }
      else if (c.id === Tag.Data) { this.once(data, c); data = this.text(c); }
      else this.unexpected(c);
    }
    this.noText(el);
    if (data === undefined) this.fail('missing <Data>');
    this.path.pop();
    return meta ? { meta, data } : { data };
  }

  private chal(el: RawElement): Chal {
    this.path.push(el);
    let meta: Meta | undefined;
    for (const c of el.children ?? []) {
      if (c.id === Tag.Meta) { this.once(meta, c); meta = this.meta(c); }
      else this.unexpected(c);
    }
    this.noText(el);
    if (!meta) this.fail('missing <Meta>');
    this.path.pop();
    return { meta };
  }

  private meta(el: RawElement): Meta {
    this.path.push(el);
    const m: Meta = {};
    // Some senders wrap the metinf elements in <MetInf>; flatten it.
    const children = el.children ?? [];
    for (const c of children) {
      switch (c.id) {
        case Tag.Format: this.once(m.format, c); m.format = this.text(c); break;
        case Tag.Type: this.once(m.type, c); m.type = this.text(c); break;
        case Tag.Mark: this.once(m.mark, c); m.mark = this.text(c); break;
        case Tag.Size: this.once(m.size, c); m.size = this.number(c); break;
        case Tag.NextNonce: this.once(m.nextNonce, c); m.nextNonce = this.text(c); break;
        case Tag.Version: this.once(m.version, c); m.version = this.text(c); break;
        case Tag.MaxMsgSize: this.once(m.maxMsgSize, c); m.maxMsgSize = this.number(c); break;
        case Tag.MaxObjSize: this.once(m.maxObjSize, c); m.maxObjSize = this.number(c); break;
        case Tag.EMI: (m.emi ??= []).push(this.text(c)); break;
        case Tag.Mem: this.once(m.mem, c); m.mem = this.mem(c); break;
        case Tag.MetInf: {
          const inner = this.meta(c);
          for (const [k, v] of Object.entries(inner) as [keyof Meta, never][]) {
            if (m[k] !== undefined) this.dup(c);
            m[k] = v;
          }
          break;
        }
        default: this.unexpected(c);
      }
    }
    if (el.text !== null && el.children === null && el.text.trim() !== '') this.fail('text directly inside <Meta>');
    this.path.pop();
    return m;
  }

  private mem(el: RawElement): NonNullable<Meta['mem']> {
    this.path.push(el);
    const mem: NonNullable<Meta['mem']> = {};
    for (const c of el.children ?? []) {
      switch (c.id) {
        case Tag.SharedMem: this.once(mem.sharedMem, c); this.empty(c); mem.sharedMem = true; break;
        case Tag.FreeMem: this.once(mem.freeMem, c); mem.freeMem = this.number(c); break;
        case Tag.FreeID: this.once(mem.freeID, c); mem.freeID = this.number(c); break;
        default: this.unexpected(c);
      }
    }
    this.path.pop();
    return mem;
  }

  /** Text of a leaf element, trimmed (whitespace around identifiers is layout). */
  private text(el: RawElement): string {
    if (el.children !== null) {
      this.path.push(el);
      this.fail(`unexpected child element <${el.children[0].name}>`);
    }
    if (el.text !== null) return trimmed(el.text);
    if (el.opaque !== null) {
      const s = decodeUtf8(el.opaque, 0, el.opaque.length);
      if (s === null) {
        this.path.push(el);
        this.fail('opaque content is not UTF-8 text');
      }
      return s.trim();
    }
    return '';
  }

  private number(el: RawElement): number {
    const s = this.text(el);
    if (!/^[0-9]{1,15}$/.test(s)) {
      this.path.push(el);
      this.fail(`${JSON.stringify(s.slice(0, 40))} is not a non-negative integer`);
    }
    return Number(s);
  }

  /** A status or alert code: a number of at most 4 digits. */
  private code(el: RawElement): number {
    const s = this.text(el);
    if (!/^[0-9]{1,4}$/.test(s)) {
      this.path.push(el);
      this.fail(`${JSON.stringify(s.slice(0, 40))} is not a status or alert code`);
    }
    return Number(s);
  }

  private empty(el: RawElement): void {
    if (el.children !== null || (el.text !== null && el.text.trim() !== '') || (el.opaque !== null && el.opaque.length > 0)) {
      this.path.push(el);
      this.fail('must be empty');
    }
  }

  private noText(el: RawElement): void {
    if (el.text !== null && el.text.trim() !== '') this.fail(`unexpected text in <${el.name}>`);
    if (el.opaque !== null) this.fail(`unexpected opaque data in <${el.name}>`);
  }

  private once(existing: unknown, el: RawElement): void {
    if (existing !== undefined) this.dup(el);
  }

  private dup(el: RawElement): never {
    return this.fail(`duplicate <${el.name}>`);
  }

  private unexpected(el: RawElement): never {
    const parent = this.path[this.path.length - 1];
    return this.fail(`unexpected <${el.name}> in <${parent ? parent.name : 'document'}>`);
  }

  private fail(reason: string): never {
    throw new DecodeError('syncml', this.where() || 'SyncML', reason);
  }

  /** `SyncML/SyncBody/Replace[2]/Item[1]/Meta`: commands and items carry their position among same-named siblings. */
  private where(): string {
    const parts: string[] = [];
    for (let i = 0; i < this.path.length; i++) {
      const el = this.path[i];
      const parent = this.path[i - 1];
      if (parent?.children && (INDEXED.has(el.id))) {
        let n = 0;
        for (const sib of parent.children) {
          if (sib.id === el.id) n++;
          if (sib === el) break;
        }
        parts.push(`${el.name}[${n}]`);
      } else {
        parts.push(el.name);
      }
    }
    return parts.join('/');
  }
}

/** A fresh Uint8Array (never a Buffer view sharing the input's memory). */
function copyBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

/** `s.trim()` without allocating when there is nothing to trim (the usual case). */
function trimmed(s: string): string {
  if (s.length === 0) return s;
  const a = s.charCodeAt(0);
  const b = s.charCodeAt(s.length - 1);
  return a > 0x20 && b > 0x20 ? s : s.trim();
}
