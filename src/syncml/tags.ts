/**
 * The element vocabularies of SyncML DM and their WBXML tokens.
 *
 * One table per code page (shared/spec/oma-dm-facts.md §9.3–9.6). A tag is
 * identified everywhere by `page * 256 + token`, so the XML and WBXML codecs
 * share one numeric id per element and the message builder switches on it.
 */

/** WBXML code page 0: SyncML (namespace `SYNCML:SYNCML1.x`). */
export const SYNCML_PAGE = 0;
/** WBXML code page 1: MetInf (namespace `syncml:metinf`). */
export const METINF_PAGE = 1;
/** WBXML code page 2: DM DDF / TNDS (namespace `syncml:dmddf1.2`). */
export const DMDDF_PAGE = 2;
/** Pseudo page for the DevInf vocabulary (its own document, page 0 there). */
export const DEVINF_PAGE = 16;

const SYNCML_TOKENS: Record<string, number> = {
  Add: 0x05, Alert: 0x06, Archive: 0x07, Atomic: 0x08, Chal: 0x09, Cmd: 0x0a, CmdID: 0x0b, CmdRef: 0x0c,
  Copy: 0x0d, Cred: 0x0e, Data: 0x0f, Delete: 0x10, Exec: 0x11, Final: 0x12, Get: 0x13, Item: 0x14,
  Lang: 0x15, LocName: 0x16, LocURI: 0x17, Map: 0x18, MapItem: 0x19, Meta: 0x1a, MsgID: 0x1b, MsgRef: 0x1c,
  NoResp: 0x1d, NoResults: 0x1e, Put: 0x1f, Replace: 0x20, RespURI: 0x21, Results: 0x22, Search: 0x23,
  Sequence: 0x24, SessionID: 0x25, SftDel: 0x26, Source: 0x27, SourceRef: 0x28, Status: 0x29, Sync: 0x2a,
  SyncBody: 0x2b, SyncHdr: 0x2c, SyncML: 0x2d, Target: 0x2e, TargetRef: 0x2f, VerDTD: 0x31, VerProto: 0x32,
  NumberOfChanges: 0x33, MoreData: 0x34, Field: 0x35, Filter: 0x36, Record: 0x37, FilterType: 0x38,
  SourceParent: 0x39, TargetParent: 0x3a, Move: 0x3b, Correlator: 0x3c,
};

const METINF_TOKENS: Record<string, number> = {
  Anchor: 0x05, EMI: 0x06, Format: 0x07, FreeID: 0x08, FreeMem: 0x09, Last: 0x0a, Mark: 0x0b,
  MaxMsgSize: 0x0c, Mem: 0x0d, MetInf: 0x0e, Next: 0x0f, NextNonce: 0x10, SharedMem: 0x11, Size: 0x12,
  Type: 0x13, Version: 0x14, MaxObjSize: 0x15, FieldLevel: 0x16,
};

const DMDDF_TOKENS: Record<string, number> = {
  AccessType: 0x05, ACL: 0x06, Add: 0x07, b64: 0x08, bin: 0x09, bool: 0x0a, chr: 0x0b, CaseSense: 0x0c,
  CIS: 0x0d, Copy: 0x0e, CS: 0x0f, date: 0x10, DDFName: 0x11, DefaultValue: 0x12, Delete: 0x13,
  Description: 0x14, DFFormat: 0x15, DFProperties: 0x16, DFTitle: 0x17, DFType: 0x18, Dynamic: 0x19,
  Exec: 0x1a, float: 0x1b, Format: 0x1c, Get: 0x1d, int: 0x1e, Man: 0x1f, MgmtTree: 0x20, MIME: 0x21,
  Mod: 0x22, Name: 0x23, Node: 0x24, node: 0x25, NodeName: 0x26, null: 0x27, Occurrence: 0x28, One: 0x29,
  OneOrMore: 0x2a, OneOrN: 0x2b, Path: 0x2c, Permanent: 0x2d, Replace: 0x2e, RTProperties: 0x2f,
  Scope: 0x30, Size: 0x31, time: 0x32, Title: 0x33, TStamp: 0x34, Type: 0x35, Value: 0x36, VerDTD: 0x37,
  VerNo: 0x38, xml: 0x39, ZeroOrMore: 0x3a, ZeroOrN: 0x3b, ZeroOrOne: 0x3c,
};

const DEVINF_TOKENS: Record<string, number> = {
  CTCap: 0x05, CTType: 0x06, DataStore: 0x07, DataType: 0x08, DevID: 0x09, DevInf: 0x0a, DevTyp: 0x0b,
  DisplayName: 0x0c, DSMem: 0x0d, Ext: 0x0e, FwV: 0x0f, HwV: 0x10, Man: 0x11, MaxGUIDSize: 0x12,
  MaxID: 0x13, MaxMem: 0x14, Mod: 0x15, OEM: 0x16, ParamName: 0x17, PropName: 0x18, Rx: 0x19,
  'Rx-Pref': 0x1a, SharedMem: 0x1b, MaxSize: 0x1c, SourceRef: 0x1d, SwV: 0x1e, SyncCap: 0x1f,
  SyncType: 0x20, Tx: 0x21, 'Tx-Pref': 0x22, ValEnum: 0x23, VerCT: 0x24, VerDTD: 0x25, XNam: 0x26,
  XVal: 0x27, UTC: 0x28, SupportNumberOfChanges: 0x29, SupportLargeObjs: 0x2a, Property: 0x2b,
  PropParam: 0x2c, MaxOccur: 0x2d, NoTruncate: 0x2e, 'Filter-Rx': 0x30, FilterCap: 0x31,
  FilterKeyword: 0x32, FieldLevel: 0x33, SupportHierarchicalSync: 0x34,
};

/** A code page: element names ↔ one-byte tokens. */
export class CodePage {
  /** Token (0x05–0x3f) → element name; `undefined` for unassigned tokens. */
  readonly names: (string | undefined)[] = new Array(64).fill(undefined);
  /** Element name → token. */
  readonly tokens: Map<string, number>;

  constructor(readonly page: number, table: Record<string, number>) {
    this.tokens = new Map(Object.entries(table));
    for (const [name, token] of this.tokens) this.names[token] = name;
  }

  /** The shared numeric id (`page * 256 + token`) of an element, or -1. */
  id(name: string): number {
    const token = this.tokens.get(name);
    return token === undefined ? -1 : this.page * 256 + token;
  }
}

export const SYNCML_CODE_PAGE = new CodePage(SYNCML_PAGE, SYNCML_TOKENS);
export const METINF_CODE_PAGE = new CodePage(METINF_PAGE, METINF_TOKENS);
export const DMDDF_CODE_PAGE = new CodePage(DMDDF_PAGE, DMDDF_TOKENS);
export const DEVINF_CODE_PAGE = new CodePage(DEVINF_PAGE, DEVINF_TOKENS);

/** Numeric ids of the SyncML and MetInf elements the message builder handles. */
export const enum Tag {
  Add = 0x05, Alert = 0x06, Archive = 0x07, Atomic = 0x08, Chal = 0x09, Cmd = 0x0a, CmdID = 0x0b, CmdRef = 0x0c,
  Copy = 0x0d, Cred = 0x0e, Data = 0x0f, Delete = 0x10, Exec = 0x11, Final = 0x12, Get = 0x13, Item = 0x14,
  Lang = 0x15, LocName = 0x16, LocURI = 0x17, Map = 0x18, MapItem = 0x19, Meta = 0x1a, MsgID = 0x1b, MsgRef = 0x1c,
  NoResp = 0x1d, NoResults = 0x1e, Put = 0x1f, Replace = 0x20, RespURI = 0x21, Results = 0x22, Search = 0x23,
  Sequence = 0x24, SessionID = 0x25, SftDel = 0x26, Source = 0x27, SourceRef = 0x28, Status = 0x29, Sync = 0x2a,
  SyncBody = 0x2b, SyncHdr = 0x2c, SyncML = 0x2d, Target = 0x2e, TargetRef = 0x2f, VerDTD = 0x31, VerProto = 0x32,
  NumberOfChanges = 0x33, MoreData = 0x34, Filter = 0x36, SourceParent = 0x39, TargetParent = 0x3a, Correlator = 0x3c,
  // MetInf, page 1
  Anchor = 0x105, EMI = 0x106, Format = 0x107, FreeID = 0x108, FreeMem = 0x109, Last = 0x10a, Mark = 0x10b,
  MaxMsgSize = 0x10c, Mem = 0x10d, MetInf = 0x10e, Next = 0x10f, NextNonce = 0x110, SharedMem = 0x111, Size = 0x112,
  Type = 0x113, Version = 0x114, MaxObjSize = 0x115, FieldLevel = 0x116,
}

/** Element name of a numeric tag id (for error paths and XML output). */
export function tagName(id: number): string {
  const page = id >> 8;
  const token = id & 0xff;
  const table = page === SYNCML_PAGE ? SYNCML_CODE_PAGE
    : page === METINF_PAGE ? METINF_CODE_PAGE
      : page === DMDDF_PAGE ? DMDDF_CODE_PAGE
        : page === DEVINF_PAGE ? DEVINF_CODE_PAGE : undefined;
  return table?.names[token] ?? `tag 0x${id.toString(16)}`;
}

/** WBXML global tokens (WBXML 1.3 §7.1). */
export const enum WbxmlToken {
  SWITCH_PAGE = 0x00, END = 0x01, ENTITY = 0x02, STR_I = 0x03, LITERAL = 0x04,
  EXT_I_0 = 0x40, EXT_I_1 = 0x41, EXT_I_2 = 0x42, PI = 0x43, LITERAL_C = 0x44,
  EXT_T_0 = 0x80, EXT_T_1 = 0x81, EXT_T_2 = 0x82, STR_T = 0x83, LITERAL_A = 0x84,
  EXT_0 = 0xc0, EXT_1 = 0xc1, EXT_2 = 0xc2, OPAQUE = 0xc3, LITERAL_AC = 0xc4,
}

/** WBXML public identifiers (shared/spec §9.1). */
export const PublicId = {
  SYNCML_1_0: 0x0fd1,
  DEVINF_1_0: 0x0fd2,
  SYNCML_1_1: 0x0fd3,
  DEVINF_1_1: 0x0fd4,
  SYNCML_1_2: 0x1201,
  METINF_1_2: 0x1202,
  DEVINF_1_2: 0x1203,
} as const;

/** Formal public identifiers, used when the public id travels in the string table. */
export const FormalPublicId = {
  SYNCML_1_1: '-//SYNCML//DTD SyncML 1.1//EN',
  SYNCML_1_2: '-//SYNCML//DTD SyncML 1.2//EN',
  DEVINF_1_1: '-//SYNCML//DTD DevInf 1.1//EN',
  DEVINF_1_2: '-//SYNCML//DTD DevInf 1.2//EN',
  DMDDF_1_2: '-//OMA//DTD-DM-DDF 1.2//EN',
} as const;
