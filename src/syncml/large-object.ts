/**
 * Large objects (shared/spec §2.3): splitting a value into chunks that each
 * fit a message, and reassembling received chunks with the size check.
 *
 * Sizes are transferred sizes: UTF-8 bytes of text (Base64 text counts as
 * text), or the byte count of binary (WBXML OPAQUE). The first chunk carries
 * Meta Size with the total; every chunk but the last carries MoreData.
 */
import { EncodeError } from '../errors.js';
import type { Command, Item } from './model.js';
import type { DmEncoding } from './media-types.js';
import { encodedCommandSize, type MessageAssembler } from './message-assembler.js';
import { utf8Length } from './utf8.js';

/** Transferred size of a chunkable value. */
export function transferSize(value: string | Uint8Array): number {
  return typeof value === 'string' ? utf8Length(value) : value.length;
}

/** Progress of a {@link LargeObjectSender}. */
export interface LargeObjectSenderPosition {
  offset: number;
  first: boolean;
}

/** What a {@link LargeObjectReceiver} holds between chunks. */
export interface LargeObjectReceiverState {
  parts: (string | Uint8Array)[];
  received: number;
  declared: number;
  kind?: 'string' | 'bytes';
}

/**
 * Sends one large value as consecutive chunks.
 *
 * Each call to {@link LargeObjectSender.fill} adds as big a chunk as fits the
 * assembler's free room, built by the caller's `makeCommand` so the chunk
 * carries the command's CmdID, Target and Meta.
 */
export class LargeObjectSender {
  private offset = 0;
  private first = true;
  readonly totalSize: number;

  /**
   * @param item the item template: Target/Source/Meta of the object (no Data).
   * @param value the whole value: text (incl. Base64 text) or bytes (WBXML only).
   * @param encoding the message encoding, which decides how text is escaped.
   */
  constructor(private readonly item: Item, private readonly value: string | Uint8Array, private readonly encoding: DmEncoding) {
    if (encoding === 'xml' && typeof value !== 'string') throw new EncodeError('binary values travel as Base64 text in XML: pass the Base64 string');
    this.totalSize = transferSize(value);
  }

  /** True once the last chunk has been produced. */
  get done(): boolean {
    return !this.first && this.offset >= this.value.length;
  }

  /** Where the sender is, to resume it elsewhere (a session moving between server nodes). */
  get position(): LargeObjectSenderPosition {
    return { offset: this.offset, first: this.first };
  }

  /** A sender for the same object, continuing from `position`. */
  static resume(item: Item, value: string | Uint8Array, encoding: DmEncoding, position: LargeObjectSenderPosition): LargeObjectSender {
    const s = new LargeObjectSender(item, value, encoding);
    if (!Number.isInteger(position.offset) || position.offset < 0 || position.offset > value.length) throw new EncodeError(`cannot resume a large object at offset ${position.offset}`);
    s.offset = position.offset;
    s.first = position.first;
    return s;
  }

  /**
   * The next chunk, holding at most `maxBytes` of encoded data. Returns the item
   * to send, or `null` if not even one unit fits.
   */
  next(maxBytes: number): Item | null {
    const end = this.chunkEnd(this.offset, maxBytes);
    if (end === this.offset && this.offset < this.value.length) return null;
    return this.take(end);
  }

  /**
   * Add the next chunk to `assembler` inside the command `makeCommand` builds.
   * Returns false (adding nothing) when no useful chunk fits this message.
   */
  fill(assembler: MessageAssembler, makeCommand: (item: Item) => Command): boolean {
    const probe = this.peekItem('');
    const overhead = encodedCommandSize(makeCommand(probe), this.encoding);
    const room = assembler.remaining() - overhead;
    if (room <= 0) return false;
    // MoreData (and, first time, Meta Size) cost a few bytes the probe may not have.
    const item = this.next(Math.max(0, room - 32));
    if (item === null) return false;
    if (!assembler.tryAdd(makeCommand(item))) return false;
    return true;
  }

  private peekItem(data: string | Uint8Array): Item {
    const meta = this.first ? { ...this.item.meta, size: this.totalSize } : this.item.meta;
    const it: Item = { ...this.item, data, moreData: true };
    if (meta) it.meta = meta;
    return it;
  }

  private take(end: number): Item {
    const data = typeof this.value === 'string' ? this.value.slice(this.offset, end) : this.value.slice(this.offset, end);
    const it = this.peekItem(data);
    this.first = false;
    this.offset = end;
    if (this.offset >= this.value.length) delete it.moreData;
    return it;
  }

  /** End of the longest chunk from `start` whose encoded size is ≤ maxBytes. */
  private chunkEnd(start: number, maxBytes: number): number {
    const v = this.value;
    if (typeof v !== 'string') return Math.min(v.length, start + maxBytes);
    let bytes = 0;
    let i = start;
    while (i < v.length) {
      const c = v.charCodeAt(i);
      let units = 1;
      let cost: number;
      if (c < 0x80) cost = this.encoding === 'xml' ? xmlCost(c) : 1;
      else if (c < 0x800) cost = 2;
      else if (c >= 0xd800 && c <= 0xdbff) { cost = 4; units = 2; }
      else cost = 3;
      if (bytes + cost > maxBytes) break;
      bytes += cost;
      i += units;
    }
    return i;
  }
}

function xmlCost(c: number): number {
  switch (c) {
    case 0x26: return 5; // &amp;
    case 0x3c: case 0x3e: return 4; // &lt; &gt;
    case 0x0d: return 5; // &#13;
    default: return 1;
  }
}

/** Outcome of feeding a chunk to a {@link LargeObjectReceiver}. */
export type ChunkOutcome =
  | { state: 'more'; status: 213 }
  | { state: 'complete'; value: string | Uint8Array }
  | { state: 'failed'; status: 411 | 413 | 424 | 400; reason: string };

/**
 * Reassembles one chunked object. Feed it every Item of the object in order;
 * it answers 213 for each non-final chunk, the whole value on the last, or the
 * status to send when the object is bad (424 size mismatch, 413 too large,
 * 411 no Meta Size on the first chunk).
 */
export class LargeObjectReceiver {
  private parts: (string | Uint8Array)[] = [];
  private received = 0;
  private declared = -1;
  private kind: 'string' | 'bytes' | undefined;

  /** @param maxObjSize the largest object this side accepts (its MaxObjSize). */
  constructor(private readonly maxObjSize = Infinity) {}

  /** The chunks so far, to resume elsewhere. */
  get state(): LargeObjectReceiverState {
    return { parts: [...this.parts], received: this.received, declared: this.declared, ...(this.kind ? { kind: this.kind } : {}) };
  }

  /** A receiver continuing from `state`. */
  static resume(maxObjSize: number, state: LargeObjectReceiverState): LargeObjectReceiver {
    const r = new LargeObjectReceiver(maxObjSize);
    r.parts = [...state.parts];
    r.received = state.received;
    r.declared = state.declared;
    if (state.kind) r.kind = state.kind;
    return r;
  }

  /** Feed the next chunk. */
  accept(item: Item): ChunkOutcome {
    const data = item.data ?? '';
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) return this.fail(400, 'an embedded document cannot be chunked');
    if (this.declared < 0) {
      const size = item.meta?.size;
      if (size === undefined) return this.fail(411, 'the first chunk has no Meta Size');
      if (size > this.maxObjSize) return this.fail(413, `object of ${size} bytes exceeds MaxObjSize ${this.maxObjSize}`);
      this.declared = size;
      this.kind = typeof data === 'string' ? 'string' : 'bytes';
    } else if ((typeof data === 'string' ? 'string' : 'bytes') !== this.kind) {
      return this.fail(400, 'chunks mix text and binary data');
    }
    this.received += transferSize(data);
    if (this.received > this.declared) return this.fail(424, `received ${this.received} bytes, more than the declared ${this.declared}`);
    this.parts.push(data);
    if (item.moreData) return { state: 'more', status: 213 };
    if (this.received !== this.declared) return this.fail(424, `received ${this.received} bytes, declared ${this.declared}`);
    const value = this.kind === 'string' ? (this.parts as string[]).join('') : concat(this.parts as Uint8Array[], this.received);
    this.parts = [];
    return { state: 'complete', value };
  }

  private fail(status: 411 | 413 | 424 | 400, reason: string): ChunkOutcome {
    this.parts = [];
    return { state: 'failed', status, reason };
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let p = 0;
  for (const part of parts) { out.set(part, p); p += part.length; }
  return out;
}
