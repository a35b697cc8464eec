/**
 * Walks the SyncML model in the canonical element order (the Synthesis RTK's,
 * shared/spec §1.2, §1.4) and drives an {@link ElementSink}. The XML and WBXML
 * encoders are sinks, so both encodings always agree on structure and order.
 */
import { EncodeError } from '../errors.js';
import type { Chal, Command, Cred, DataValue, EmbeddedDocument, Item, Meta, SyncHdr, SyncMLMessage, Target } from './model.js';
import { Tag } from './tags.js';

/** What an encoder implements to receive the element stream. */
export interface ElementSink {
  /** Open an element that will have children. */
  open(tag: Tag): void;
  /** Close the innermost open element. */
  close(tag: Tag): void;
  /** An element with no content, e.g. `<Final/>`. */
  empty(tag: Tag): void;
  /** An element whose content is text (an empty string gives an empty element). */
  leaf(tag: Tag, text: string): void;
  /** A `Data` element holding bytes. */
  bytes(tag: Tag, value: Uint8Array): void;
  /** A `Data` element holding an embedded document. */
  embedded(tag: Tag, doc: EmbeddedDocument): void;
}

/** Write a complete message. */
export function writeMessage(sink: ElementSink, msg: SyncMLMessage): void {
  sink.open(Tag.SyncML);
  writeHeader(sink, msg.header);
  sink.open(Tag.SyncBody);
  for (const c of msg.body.commands) writeCommand(sink, c);
  if (msg.body.final) sink.empty(Tag.Final);
  sink.close(Tag.SyncBody);
  sink.close(Tag.SyncML);
}

/** Write a SyncHdr. */
export function writeHeader(sink: ElementSink, h: SyncHdr): void {
  sink.open(Tag.SyncHdr);
  sink.leaf(Tag.VerDTD, h.verDTD);
  sink.leaf(Tag.VerProto, h.verProto);
  sink.leaf(Tag.SessionID, h.sessionID);
  sink.leaf(Tag.MsgID, h.msgID);
  writeLocator(sink, Tag.Target, h.target);
  writeLocator(sink, Tag.Source, h.source);
  if (h.respURI !== undefined) sink.leaf(Tag.RespURI, h.respURI);
  if (h.noResp) sink.empty(Tag.NoResp);
  if (h.cred) writeCred(sink, h.cred);
  if (h.meta) writeMeta(sink, h.meta);
  sink.close(Tag.SyncHdr);
}

const COMMAND_TAGS: Record<Command['kind'], Tag> = {
  Add: Tag.Add, Replace: Tag.Replace, Delete: Tag.Delete, Copy: Tag.Copy, Get: Tag.Get, Exec: Tag.Exec,
  Alert: Tag.Alert, Atomic: Tag.Atomic, Sequence: Tag.Sequence, Results: Tag.Results, Status: Tag.Status,
};

/** Write one command (recursively for Atomic/Sequence). */
export function writeCommand(sink: ElementSink, c: Command): void {
  const tag = COMMAND_TAGS[c.kind];
  if (tag === undefined) throw new EncodeError(`unknown command kind ${JSON.stringify((c as { kind: unknown }).kind)}`);
  sink.open(tag);
  sink.leaf(Tag.CmdID, c.cmdID);
  switch (c.kind) {
    case 'Add': case 'Replace': case 'Delete': case 'Copy': case 'Get':
      if (c.noResp) sink.empty(Tag.NoResp);
      if (c.lang !== undefined) sink.leaf(Tag.Lang, c.lang);
      if (c.cred) writeCred(sink, c.cred);
      if (c.meta) writeMeta(sink, c.meta);
      if (c.items.length === 0) throw new EncodeError(`${c.kind} ${c.cmdID} has no items`);
      for (const it of c.items) writeItem(sink, it);
      break;
    case 'Exec':
      if (c.noResp) sink.empty(Tag.NoResp);
      if (c.cred) writeCred(sink, c.cred);
      if (c.meta) writeMeta(sink, c.meta);
      if (c.correlator !== undefined) sink.leaf(Tag.Correlator, c.correlator);
      writeItem(sink, c.item);
      break;
    case 'Alert':
      if (c.noResp) sink.empty(Tag.NoResp);
      if (c.cred) writeCred(sink, c.cred);
      sink.leaf(Tag.Data, code(c.data, 'alert'));
      if (c.correlator !== undefined) sink.leaf(Tag.Correlator, c.correlator);
      for (const it of c.items) writeItem(sink, it);
      break;
    case 'Atomic': case 'Sequence':
      if (c.noResp) sink.empty(Tag.NoResp);
      if (c.meta) writeMeta(sink, c.meta);
      for (const inner of c.commands) {
        if (inner.kind === 'Status' || inner.kind === 'Results') throw new EncodeError(`${inner.kind} cannot stand inside ${c.kind}`);
        writeCommand(sink, inner);
      }
      break;
    case 'Results':
      if (c.msgRef !== undefined) sink.leaf(Tag.MsgRef, c.msgRef);
      sink.leaf(Tag.CmdRef, c.cmdRef);
      if (c.meta) writeMeta(sink, c.meta);
      if (c.targetRef !== undefined) sink.leaf(Tag.TargetRef, c.targetRef);
      if (c.sourceRef !== undefined) sink.leaf(Tag.SourceRef, c.sourceRef);
      for (const it of c.items) writeItem(sink, it);
      break;
    case 'Status':
      sink.leaf(Tag.MsgRef, c.msgRef);
      sink.leaf(Tag.CmdRef, c.cmdRef);
      sink.leaf(Tag.Cmd, c.cmd);
      for (const r of c.targetRefs) sink.leaf(Tag.TargetRef, r);
      for (const r of c.sourceRefs) sink.leaf(Tag.SourceRef, r);
      if (c.cred) writeCred(sink, c.cred);
      if (c.chal) writeChal(sink, c.chal);
      sink.leaf(Tag.Data, code(c.data, 'status'));
      for (const it of c.items) writeItem(sink, it);
      break;
    default: {
      const never: never = c;
      throw new EncodeError(`unknown command ${JSON.stringify(never)}`);
    }
  }
  sink.close(tag);
}

function code(n: number, what: string): string {
  if (!Number.isInteger(n) || n < 0 || n > 9999) throw new EncodeError(`${what} code ${n} is not a code`);
  return String(n);
}

function writeLocator(sink: ElementSink, tag: Tag, loc: Target): void {
  sink.open(tag);
  sink.leaf(Tag.LocURI, loc.locURI);
  if (loc.locName !== undefined) sink.leaf(Tag.LocName, loc.locName);
  sink.close(tag);
}

function writeCred(sink: ElementSink, cred: Cred): void {
  sink.open(Tag.Cred);
  if (cred.meta) writeMeta(sink, cred.meta);
  sink.leaf(Tag.Data, cred.data);
  sink.close(Tag.Cred);
}

function writeChal(sink: ElementSink, chal: Chal): void {
  sink.open(Tag.Chal);
  writeMeta(sink, chal.meta);
  sink.close(Tag.Chal);
}

function count(n: number, what: string): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new EncodeError(`${what} ${n} is not a non-negative integer`);
  return String(n);
}

/** Write a Meta element; children in MetInf DTD order. */
export function writeMeta(sink: ElementSink, m: Meta): void {
  sink.open(Tag.Meta);
  if (m.format !== undefined) sink.leaf(Tag.Format, m.format);
  if (m.type !== undefined) sink.leaf(Tag.Type, m.type);
  if (m.mark !== undefined) sink.leaf(Tag.Mark, m.mark);
  if (m.size !== undefined) sink.leaf(Tag.Size, count(m.size, 'Size'));
  if (m.nextNonce !== undefined) sink.leaf(Tag.NextNonce, m.nextNonce);
  if (m.version !== undefined) sink.leaf(Tag.Version, m.version);
  if (m.maxMsgSize !== undefined) sink.leaf(Tag.MaxMsgSize, count(m.maxMsgSize, 'MaxMsgSize'));
  if (m.maxObjSize !== undefined) sink.leaf(Tag.MaxObjSize, count(m.maxObjSize, 'MaxObjSize'));
  if (m.emi) for (const e of m.emi) sink.leaf(Tag.EMI, e);
  if (m.mem) {
    sink.open(Tag.Mem);
    if (m.mem.sharedMem) sink.empty(Tag.SharedMem);
    if (m.mem.freeMem !== undefined) sink.leaf(Tag.FreeMem, count(m.mem.freeMem, 'FreeMem'));
    if (m.mem.freeID !== undefined) sink.leaf(Tag.FreeID, count(m.mem.freeID, 'FreeID'));
    sink.close(Tag.Mem);
  }
  sink.close(Tag.Meta);
}

/** Write an Item. */
export function writeItem(sink: ElementSink, it: Item): void {
  sink.open(Tag.Item);
  if (it.target) writeLocator(sink, Tag.Target, it.target);
  if (it.source) writeLocator(sink, Tag.Source, it.source);
  if (it.targetParent !== undefined) writeLocator(sink, Tag.TargetParent, { locURI: it.targetParent });
  if (it.sourceParent !== undefined) writeLocator(sink, Tag.SourceParent, { locURI: it.sourceParent });
  if (it.meta) writeMeta(sink, it.meta);
  if (it.data !== undefined) writeData(sink, it.data);
  if (it.moreData) sink.empty(Tag.MoreData);
  sink.close(Tag.Item);
}

function writeData(sink: ElementSink, d: DataValue): void {
  if (typeof d === 'string') sink.leaf(Tag.Data, d);
  else if (d instanceof Uint8Array) sink.bytes(Tag.Data, d);
  else sink.embedded(Tag.Data, d);
}
