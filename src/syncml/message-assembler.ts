/**
 * Size accounting: fill a message with commands up to the peer's MaxMsgSize
 * without ever exceeding it (shared/spec §1.2, §2.2).
 *
 * The assembler encodes each command once, when it is added, and keeps the
 * bytes; the size it reports is the exact size of the message it will build.
 * This works because a command's encoding is independent of its neighbours in
 * both encodings (the WBXML encoder returns to code page 0 after every Meta).
 */
import { EncodeError } from '../errors.js';
import type { Command, SyncHdr, SyncmlVersion } from './model.js';
import type { DmEncoding } from './media-types.js';
import { encodeWbxml, encodeWbxmlCommand, type WbxmlEncodeOptions } from './wbxml-encoder.js';
import { encodeXml, encodeXmlCommand } from './xml-encoder.js';
import { encodeUtf8, utf8Length } from './utf8.js';

/** Bytes `cmd` adds to a message body in the given encoding. */
export function encodedCommandSize(cmd: Command, encoding: DmEncoding): number {
  return encoding === 'wbxml' ? encodeWbxmlCommand(cmd).length : utf8Length(encodeXmlCommand(cmd));
}

/** Options for a {@link MessageAssembler}. */
export interface MessageAssemblerOptions {
  encoding: DmEncoding;
  header: SyncHdr;
  version?: SyncmlVersion;
  /** Largest message the recipient accepts (its MaxMsgSize); `Infinity` for no limit. */
  maxMsgSize: number;
  wbxml?: WbxmlEncodeOptions;
}

/**
 * Builds one message from a header and as many commands as fit.
 *
 * ```ts
 * const a = new MessageAssembler({ encoding: 'wbxml', header, maxMsgSize: 16384 });
 * for (const cmd of pending) if (!a.tryAdd(cmd)) break;
 * const bytes = a.build({ final: true });
 * ```
 */
export class MessageAssembler {
  private readonly prefix: Uint8Array;
  private readonly suffixFinal: Uint8Array;
  private readonly suffixOpen: Uint8Array;
  private readonly parts: Uint8Array[] = [];
  private readonly added: Command[] = [];
  private bodyBytes = 0;

  constructor(private readonly options: MessageAssemblerOptions) {
    const msg = { version: options.version ?? '1.2', header: options.header, body: { commands: [], final: false } };
    if (options.encoding === 'wbxml') {
      const empty = encodeWbxml(msg, options.wbxml);
      // Ends with SyncBody (content flag), END (SyncBody), END (SyncML).
      this.prefix = empty.subarray(0, empty.length - 2);
      this.suffixOpen = Uint8Array.of(0x01, 0x01);
      this.suffixFinal = Uint8Array.of(0x12, 0x01, 0x01);
    } else {
      const empty = encodeXml(msg);
      const cut = empty.lastIndexOf('</SyncBody>');
      this.prefix = encodeUtf8(empty.slice(0, cut));
      this.suffixOpen = encodeUtf8(empty.slice(cut));
      this.suffixFinal = encodeUtf8('<Final/>' + empty.slice(cut));
    }
    if (this.size(true) > options.maxMsgSize) {
      throw new EncodeError(`the header alone (${this.size(true)} bytes) exceeds MaxMsgSize ${options.maxMsgSize}`);
    }
  }

  /** Size of the message if built now. */
  size(final = true): number {
    return this.prefix.length + this.bodyBytes + (final ? this.suffixFinal.length : this.suffixOpen.length);
  }

  /** Bytes still free for commands (assuming the message carries Final). */
  remaining(): number {
    return this.options.maxMsgSize - this.size(true);
  }

  /** Commands added so far. */
  get commands(): readonly Command[] {
    return this.added;
  }

  /** Encode `cmd`; add it and return true if it fits, else return false and change nothing. */
  tryAdd(cmd: Command): boolean {
    const bytes = this.options.encoding === 'wbxml' ? encodeWbxmlCommand(cmd) : encodeUtf8(encodeXmlCommand(cmd));
    if (bytes.length > this.remaining()) return false;
    this.parts.push(bytes);
    this.added.push(cmd);
    this.bodyBytes += bytes.length;
    return true;
  }

  /** Add `cmd` or throw if it does not fit. */
  add(cmd: Command): void {
    if (!this.tryAdd(cmd)) throw new EncodeError(`${cmd.kind} ${cmd.cmdID} does not fit: ${encodedCommandSize(cmd, this.options.encoding)} bytes, ${this.remaining()} free`);
  }

  /** The encoded message. `final` marks the last message of a package. */
  build(options: { final: boolean }): Uint8Array {
    const suffix = options.final ? this.suffixFinal : this.suffixOpen;
    const out = new Uint8Array(this.prefix.length + this.bodyBytes + suffix.length);
    out.set(this.prefix, 0);
    let p = this.prefix.length;
    for (const part of this.parts) { out.set(part, p); p += part.length; }
    out.set(suffix, p);
    return out;
  }
}
