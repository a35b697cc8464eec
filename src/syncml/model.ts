/**
 * The typed model of a SyncML DM message (OMA DM 1.2 Representation Protocol;
 * DM 1.1.2 messages map onto the same model).
 *
 * The model is what the XML and WBXML codecs decode to and encode from, so it
 * carries exactly what the wire carries and nothing derived. Numbers the spec
 * defines as codes (status and alert codes, sizes) are numbers; identifiers the
 * spec leaves as free text (CmdID, MsgID, SessionID) stay strings so a decoded
 * message re-encodes as it came.
 *
 * Element order on the wire is the Synthesis RTK's (shared/spec §1.2, §1.4);
 * decoding accepts any order.
 */

/** SyncML representation versions we decode; `1.2` is what we emit by default. */
export type SyncmlVersion = '1.1' | '1.2';

/** A complete SyncML message: one header, one body. */
export interface SyncMLMessage {
  /** Which DTD the message uses: namespace `SYNCML:SYNCML1.2` or `SYNCML:SYNCML1.1`. */
  version: SyncmlVersion;
  header: SyncHdr;
  body: SyncBody;
}

/** `SyncHdr` — identification, routing and authentication of one message. */
export interface SyncHdr {
  /** `1.2` for DM 1.2 (`1.1` for DM 1.1.2). */
  verDTD: string;
  /** `DM/1.2` for DM 1.2. */
  verProto: string;
  /** Same for every message of a session; hex of the package #0 session id when answering one. */
  sessionID: string;
  /** Message number within the session. */
  msgID: string;
  /** Recipient. */
  target: Target;
  /** Sender; `locName` carries the user name for md5/HMAC authentication. */
  source: Source;
  /** Where the peer must send its next message. */
  respURI?: string;
  /** Sender asks for no Status (not used in DM, but part of the DTD). */
  noResp?: boolean;
  /** Credentials; in DM only ever in the header. */
  cred?: Cred;
  /** MaxMsgSize / MaxObjSize announcements. */
  meta?: Meta;
}

/** `SyncBody` — the commands of a message, then whether it ends its package. */
export interface SyncBody {
  commands: Command[];
  /** `<Final/>`: this message is the last of its package. */
  final: boolean;
}

/** `Target` of a header or an item. */
export interface Target {
  locURI: string;
  locName?: string;
}

/** `Source` of a header or an item. */
export interface Source {
  locURI: string;
  locName?: string;
}

/** `Cred` — credentials: Meta carries Type (e.g. `syncml:auth-md5`) and Format (`b64`). */
export interface Cred {
  meta?: Meta;
  data: string;
}

/** `Chal` — a challenge: Meta carries Type, Format and NextNonce. */
export interface Chal {
  meta: Meta;
}

/** The `Mem` meta element (device memory; rarely used in DM). */
export interface MetaMem {
  sharedMem?: boolean;
  freeMem?: number;
  freeID?: number;
}

/**
 * `Meta` — meta-information in namespace `syncml:metinf` (WBXML code page 1).
 * Only the elements meaningful in DM are modelled; others are rejected by the
 * decoders with a typed error rather than silently dropped.
 */
export interface Meta {
  /** Data format: `chr`, `int`, `bool`, `bin`, `b64`, `node`, `xml`, `null`, `float`, `date`, `time`. */
  format?: string;
  /** MIME type or URN of the data. */
  type?: string;
  /** Importance mark (Generic Alert). */
  mark?: string;
  /** Total size of a chunked object, in transferred (encoded) bytes; first chunk only. */
  size?: number;
  /** Base64 nonce for the next authentication. */
  nextNonce?: string;
  /** Version of the data. */
  version?: string;
  /** Largest message the sender accepts. */
  maxMsgSize?: number;
  /** Largest object the sender accepts. */
  maxObjSize?: number;
  /** Experimental meta-information; order kept. */
  emi?: string[];
  mem?: MetaMem;
}

/**
 * An element tree embedded in `Data`: a TNDS `MgmtTree` or a `DevInf`.
 * In XML it is inline markup; in WBXML it travels as a complete WBXML document
 * inside OPAQUE (shared/spec §9.7). Either way the model holds the decoded tree.
 */
export interface EmbeddedElement {
  /** Local element name, e.g. `MgmtTree`, `Node`, `NodeName`. */
  name: string;
  /** Child elements and text, in document order. */
  children: EmbeddedNode[];
}

/** A child of an embedded element: an element or a run of text. */
export type EmbeddedNode = EmbeddedElement | string;

/** Which vocabulary an embedded document uses. */
export type EmbeddedKind = 'tnds' | 'devinf';

/** An embedded document carried in `Data`. */
export interface EmbeddedDocument {
  kind: EmbeddedKind;
  root: EmbeddedElement;
}

/**
 * The content of a `Data` element:
 * - a string (character data, including b64 text);
 * - bytes (WBXML OPAQUE; written as base64 text in XML);
 * - an embedded document (TNDS or DevInf).
 */
export type DataValue = string | Uint8Array | EmbeddedDocument;

/** `Item` — one node reference with its value. */
export interface Item {
  target?: Target;
  source?: Source;
  targetParent?: string;
  sourceParent?: string;
  meta?: Meta;
  data?: DataValue;
  /** `<MoreData/>`: more chunks of this object follow. */
  moreData?: boolean;
}

/** Fields every command has. */
interface CommandBase {
  /** Unique within the message. */
  cmdID: string;
}

/** Add, Replace, Delete, Copy, Get: commands that act on items. */
export interface ItemCommand<K extends 'Add' | 'Replace' | 'Delete' | 'Copy' | 'Get'> extends CommandBase {
  kind: K;
  noResp?: boolean;
  cred?: Cred;
  /** Applies to every item unless the item has its own. */
  meta?: Meta;
  items: Item[];
  /** `Lang` (Get only in the DTD; kept for fidelity). */
  lang?: string;
}

export type AddCommand = ItemCommand<'Add'>;
export type ReplaceCommand = ItemCommand<'Replace'>;
export type DeleteCommand = ItemCommand<'Delete'>;
export type CopyCommand = ItemCommand<'Copy'>;
export type GetCommand = ItemCommand<'Get'>;

/** `Exec` — run an executable node; completes synchronously (200) or later (202 + Generic Alert). */
export interface ExecCommand extends CommandBase {
  kind: 'Exec';
  noResp?: boolean;
  cred?: Cred;
  meta?: Meta;
  /** Echoed by the Generic Alert that reports an asynchronous result. */
  correlator?: string;
  item: Item;
}

/** `Alert` — session control, user interaction, client events, generic alerts. */
export interface AlertCommand extends CommandBase {
  kind: 'Alert';
  noResp?: boolean;
  cred?: Cred;
  /** The alert code (`Data`), e.g. 1201. */
  data: number;
  correlator?: string;
  items: Item[];
}

/** `Atomic` / `Sequence` — containers of commands run all-or-nothing / in order. */
export interface ContainerCommand<K extends 'Atomic' | 'Sequence'> extends CommandBase {
  kind: K;
  noResp?: boolean;
  meta?: Meta;
  commands: Command[];
}

export type AtomicCommand = ContainerCommand<'Atomic'>;
export type SequenceCommand = ContainerCommand<'Sequence'>;

/** `Results` — the values returned by a Get. */
export interface ResultsCommand extends CommandBase {
  kind: 'Results';
  msgRef?: string;
  cmdRef: string;
  meta?: Meta;
  targetRef?: string;
  sourceRef?: string;
  items: Item[];
}

/** `Status` — the outcome of one command (or of the SyncHdr, with cmdRef `0`). */
export interface StatusCommand extends CommandBase {
  kind: 'Status';
  msgRef: string;
  cmdRef: string;
  /** Name of the referenced command: `SyncHdr`, `Alert`, `Get`, … */
  cmd: string;
  targetRefs: string[];
  sourceRefs: string[];
  cred?: Cred;
  chal?: Chal;
  /** The status code (`Data`), e.g. 200. */
  data: number;
  items: Item[];
}

/** Every command a SyncML DM body can hold, discriminated by `kind`. */
export type Command =
  | AddCommand
  | ReplaceCommand
  | DeleteCommand
  | CopyCommand
  | GetCommand
  | ExecCommand
  | AlertCommand
  | AtomicCommand
  | SequenceCommand
  | ResultsCommand
  | StatusCommand;

/** The `kind` of a command, which is also its element name. */
export type CommandKind = Command['kind'];

/** Commands whose body is a list of items. */
export const ITEM_COMMAND_KINDS = ['Add', 'Replace', 'Delete', 'Copy', 'Get'] as const;

/** Namespace of the SyncML DTD for a version. */
export function syncmlNamespace(version: SyncmlVersion): string {
  return version === '1.1' ? 'SYNCML:SYNCML1.1' : 'SYNCML:SYNCML1.2';
}

/** Namespace of meta-information elements. */
export const METINF_NAMESPACE = 'syncml:metinf';
/** Namespace of DDF / TNDS elements. */
export const DMDDF_NAMESPACE = 'syncml:dmddf1.2';
/** Namespace of DevInf elements. */
export const DEVINF_NAMESPACE = 'syncml:devinf';

/** True for an embedded document value (as opposed to text or bytes). */
export function isEmbeddedDocument(value: DataValue | undefined): value is EmbeddedDocument {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array);
}
