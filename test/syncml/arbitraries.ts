/**
 * fast-check arbitraries for the SyncML DM message model.
 *
 * `arbMessage({ encoding })` produces any message the codecs can carry, in its
 * canonical form: the form the decoders return, so that `decode(encode(m))`
 * deep-equals `m`. Each constraint that makes a generated model canonical is
 * documented where it is applied; in short:
 *
 * 1. Leaf strings that the message builder reads with `text()` (identifiers,
 *    URIs, Meta fields, Cred Data, EMI, Cmd, refs …) have no leading or
 *    trailing whitespace: the builder trims them with `String.prototype.trim`,
 *    which also strips U+00A0, U+FEFF, U+2028 etc., so we apply the same `trim`.
 * 2. All text uses only characters XML 1.0 can carry (no C0 controls except
 *    TAB/LF/CR, no U+FFFE/U+FFFF, no lone surrogates) and never U+0000 (which a
 *    WBXML inline string cannot carry). It does include non-ASCII, astral
 *    characters (emoji), `&`, `<`, `>`, `]]>` and `\r`.
 * 3. `Data` strings keep their whitespace exactly; the empty Data string is
 *    allowed (it is written as `<Data/>` and read back as '').
 * 4. Flags (`noResp`, `moreData`, `sharedMem`) are `true` or absent: an absent
 *    element and `false` are the same on the wire, and the decoder leaves the
 *    key out.
 * 5. Optional keys are absent rather than `undefined`, and an `emi` list is
 *    never empty (an empty list writes nothing and reads back as absent).
 * 6. Numbers are non-negative safe integers of at most 15 digits (the
 *    builder's limit); status and alert codes are 0–9999.
 * 7. Item commands have at least one Item, Exec exactly one; containers
 *    (Atomic/Sequence) never hold Status or Results.
 * 8. Meta Types: the four embedded-document types
 *    (`application/vnd.syncml.dmtnds+xml|+wbxml`,
 *    `application/vnd.syncml-devinf+xml|+wbxml`) are always written in the
 *    variant of the message's encoding, because the encoders rewrite
 *    `+xml`↔`+wbxml` (embedded-types.ts). Other Types never equal one of the
 *    four case-insensitively (the builder lowercases before looking them up)
 *    and are never a name of an `Object.prototype` property (a known bug makes
 *    such Types crash the encoders — see codec.test.ts).
 * 9. `Data` holding an embedded document always has a matching effective
 *    Meta Type (the Item's own Meta Type, else the command's): WBXML needs it to
 *    recognise the OPAQUE as a nested document, and requiring it in XML too
 *    keeps XML→model→WBXML→model stable. Bytes `Data` (WBXML only; XML carries
 *    binary as base64 text, so XML messages get strings instead) never has an
 *    embedded-document effective Type, and the decoder only returns OPAQUE as
 *    bytes when the effective Meta Format (Item's, else command's) is `bin` or
 *    the bytes are not valid UTF-8 — so bytes are generated freely under Format
 *    `bin` and otherwise always contain a byte (0xFF/0xFE/0xC0) UTF-8 forbids.
 * 10. Embedded documents use only element names of the DM DDF / DevInf
 *    vocabularies (tags.ts); an element has no children, exactly one non-empty
 *    text child, or only element children (no mixed content).
 * 11. With `carriageReturn: false`, texts contain no `\r` (the XML decoder
 *    currently turns `&#13;` into `\n` — see the todo tests).
 */
import fc from 'fast-check';

import type {
  AlertCommand, Chal, Command, ContainerCommand, Cred, DataValue, EmbeddedDocument, EmbeddedElement, EmbeddedKind,
  ExecCommand, Item, ItemCommand, Meta, MetaMem, ResultsCommand, Source, StatusCommand, SyncHdr, SyncMLMessage,
  Target,
} from '../../src/syncml/model.js';
import { DEVINF_CODE_PAGE, DMDDF_CODE_PAGE } from '../../src/syncml/tags.js';

export type Encoding = 'xml' | 'wbxml';

export interface ArbOptions {
  encoding: Encoding;
  /** Include `\r` in texts (default true). */
  carriageReturn?: boolean;
  /** Nesting depth of Atomic/Sequence (default 2). */
  maxContainerDepth?: number;
}

interface Ctx {
  encoding: Encoding;
  cr: boolean;
}

/** Records never get a null prototype (the decoder returns plain objects). */
function rec<T extends object, K extends keyof T = keyof T>(
  model: { [P in keyof T]: fc.Arbitrary<T[P]> },
  requiredKeys: K[],
): fc.Arbitrary<Partial<T> & Pick<T, K>> {
  return fc.record(model, { requiredKeys, noNullPrototype: true }) as unknown as fc.Arbitrary<Partial<T> & Pick<T, K>>;
}

// ---------------------------------------------------------------------------
// Characters and text

/** Characters that stress escaping and encoding. */
const SPECIAL_CHARS = [
  '&', '<', '>', '"', "'", ']]>', ']', '&amp;', '&#13;', '<![CDATA[', '\t', '\n', ' ', '\u00a0', '\u2028', '\ufeff',
  'é', 'ß', 'Ω', '中', '文', '😀', '𝄞', '\ud83d\udc68\u200d\ud83d\udc69', '\ufffd', '\ue000', '\u07ff', '\u0800',
];

/** One XML-legal code point (never U+0000, never a C0 control other than TAB/LF/CR, never U+FFFE/U+FFFF). */
const arbLegalCodePoint: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 0x20, max: 0xd7ff }),
  fc.integer({ min: 0xe000, max: 0xfffd }),
  fc.integer({ min: 0x10000, max: 0x10ffff }),
).map((cp) => String.fromCodePoint(cp));

function arbChar(ctx: Ctx): fc.Arbitrary<string> {
  const arbs: fc.WeightedArbitrary<string>[] = [
    { arbitrary: fc.constantFrom(...'abcXYZ019./:-_+=?'.split('')), weight: 6 },
    { arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), weight: 6 },
    { arbitrary: fc.constantFrom(...SPECIAL_CHARS), weight: 3 },
    { arbitrary: arbLegalCodePoint, weight: 2 },
  ];
  if (ctx.cr) arbs.push({ arbitrary: fc.constantFrom('\r', '\r\n'), weight: 1 });
  return fc.oneof(...arbs);
}

/** Free text (Data strings, embedded text): any XML-legal characters, whitespace kept. */
function arbText(ctx: Ctx, maxLength = 12): fc.Arbitrary<string> {
  return fc.array(arbChar(ctx), { maxLength }).map((a) => a.join(''));
}

/** A leaf string the builder trims: constraint 1. */
function arbLeaf(ctx: Ctx, maxLength = 10): fc.Arbitrary<string> {
  return arbText(ctx, maxLength).map((s) => s.trim());
}

/** Identifiers: mostly realistic, sometimes arbitrary (trimmed) text. */
function arbId(ctx: Ctx): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.nat(999).map(String), weight: 4 },
    { arbitrary: arbLeaf(ctx), weight: 1 },
  );
}

function arbUri(ctx: Ctx): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('./DevInfo/DevId', './DevDetail/SwV', './Vendor/VM/web01/State', 'https://dm.example.com/oma-dm',
      'IMEI:357924080021735', './', '.', './Vendor/Ünïcødé/😀', './a b/c'),
    fc.array(arbLeaf(ctx, 6), { minLength: 1, maxLength: 4 }).map((p) => './' + p.join('/')),
    arbLeaf(ctx),
  );
}

/** Constraint 6: non-negative integers with at most 15 digits. */
const arbCount: fc.Arbitrary<number> = fc.oneof(
  fc.nat(100_000),
  fc.integer({ min: 0, max: 999_999_999_999_999 }),
);

/** Status and alert codes. */
const arbCode: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(200, 202, 212, 213, 215, 401, 404, 405, 500, 1100, 1101, 1200, 1201, 1222, 1223, 1224, 1226),
  fc.integer({ min: 0, max: 9999 }),
);

/** Constraint 4: flags are true or absent. */
const arbTrue: fc.Arbitrary<true> = fc.constant(true);

// ---------------------------------------------------------------------------
// Meta

const EMBEDDED_TYPES: Record<Encoding, Record<EmbeddedKind, string>> = {
  xml: { tnds: 'application/vnd.syncml.dmtnds+xml', devinf: 'application/vnd.syncml-devinf+xml' },
  wbxml: { tnds: 'application/vnd.syncml.dmtnds+wbxml', devinf: 'application/vnd.syncml-devinf+wbxml' },
};

const ALL_EMBEDDED_TYPES = new Set(Object.values(EMBEDDED_TYPES).flatMap((r) => Object.values(r)));

/** The embedded-document kind a Meta Type announces (as the builder sees it), or undefined. */
export function embeddedKindOf(type: string | undefined): EmbeddedKind | undefined {
  if (type === undefined) return undefined;
  const t = type.trim().toLowerCase();
  if (t === EMBEDDED_TYPES.xml.tnds || t === EMBEDDED_TYPES.wbxml.tnds) return 'tnds';
  if (t === EMBEDDED_TYPES.xml.devinf || t === EMBEDDED_TYPES.wbxml.devinf) return 'devinf';
  return undefined;
}

/** A name `Object.prototype` resolves (constraint 8: such Types hit a known bug). */
function isPrototypeKey(s: string): boolean {
  return s in Object.prototype || s === '__proto__';
}

/** A Meta Type that announces no embedded document (constraint 8). */
function arbPlainType(ctx: Ctx): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('text/plain', 'application/octet-stream', 'text/xml', 'application/vnd.syncml.dmddf+xml',
      'syncml:auth-md5', 'syncml:auth-basic', 'syncml:auth-MAC', 'urn:oma:mo:oma-dm-dmacc:1.0',
      'org.openmobilealliance.dm.firmwareupdate.devicerequest', 'application/vnd.syncml.dm+wbxml'),
    arbLeaf(ctx),
  ).filter((t) => embeddedKindOf(t) === undefined && !ALL_EMBEDDED_TYPES.has(t) && !isPrototypeKey(t));
}

/** Any Meta Type valid in this encoding: plain, or an embedded type in the encoding's variant. */
function arbType(ctx: Ctx): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: arbPlainType(ctx), weight: 3 },
    { arbitrary: fc.constantFrom(EMBEDDED_TYPES[ctx.encoding].tnds, EMBEDDED_TYPES[ctx.encoding].devinf), weight: 1 },
  );
}

function arbMem(): fc.Arbitrary<MetaMem> {
  return rec<MetaMem>({ sharedMem: arbTrue, freeMem: arbCount, freeID: arbCount }, []);
}

/**
 * A Meta with any subset of its fields. `type` decides which Type values may
 * appear (item and command Metas pick it themselves, see {@link arbItems}).
 */
function arbMeta(ctx: Ctx, type: fc.Arbitrary<string> = arbType(ctx)): fc.Arbitrary<Meta> {
  return rec<Meta>({
    format: fc.oneof(
      { arbitrary: fc.constantFrom('bin', 'BIN'), weight: 2 },
      { arbitrary: fc.constantFrom('chr', 'int', 'bool', 'b64', 'node', 'xml', 'null', 'float', 'date', 'time'), weight: 2 },
      { arbitrary: arbLeaf(ctx), weight: 1 },
    ),
    type,
    mark: fc.oneof(fc.constantFrom('critical', 'major', 'minor', 'warning', 'informational', 'harmless', 'indeterminate'), arbLeaf(ctx)),
    size: arbCount,
    nextNonce: fc.oneof(fc.base64String({ maxLength: 24 }), arbLeaf(ctx)),
    version: arbLeaf(ctx),
    maxMsgSize: arbCount,
    maxObjSize: arbCount,
    // Constraint 5: never an empty list.
    emi: fc.array(arbLeaf(ctx), { minLength: 1, maxLength: 3 }),
    mem: arbMem(),
  }, []);
}

function arbCred(ctx: Ctx): fc.Arbitrary<Cred> {
  return rec<Cred>({ meta: arbMeta(ctx), data: fc.oneof(fc.base64String({ maxLength: 32 }), arbLeaf(ctx)) }, ['data']);
}

function arbChal(ctx: Ctx): fc.Arbitrary<Chal> {
  return rec<Chal>({ meta: arbMeta(ctx) }, ['meta']);
}

function arbLocator(ctx: Ctx): fc.Arbitrary<Target & Source> {
  return rec<Target>({ locURI: arbUri(ctx), locName: arbLeaf(ctx) }, ['locURI']);
}

// ---------------------------------------------------------------------------
// Embedded documents

const DMDDF_NAMES = [...DMDDF_CODE_PAGE.tokens.keys()];
const DEVINF_NAMES = [...DEVINF_CODE_PAGE.tokens.keys()];

function arbEmbeddedElement(ctx: Ctx, names: string[], depth: number): fc.Arbitrary<EmbeddedElement> {
  const name = fc.constantFrom(...names);
  // Constraint 10: no children, one non-empty text, or elements only.
  const leafText = arbText(ctx, 10).filter((s) => s.length > 0).map((s): (string | EmbeddedElement)[] => [s]);
  const variants: fc.Arbitrary<(string | EmbeddedElement)[]>[] = [fc.constant([]), leafText];
  if (depth > 0) variants.push(fc.array(arbEmbeddedElement(ctx, names, depth - 1), { minLength: 1, maxLength: 3 }));
  return fc.record({ name, children: fc.oneof(...variants) }, { noNullPrototype: true });
}

function arbEmbedded(ctx: Ctx, kind: EmbeddedKind): fc.Arbitrary<EmbeddedDocument> {
  const names = kind === 'tnds' ? DMDDF_NAMES : DEVINF_NAMES;
  const rootName = kind === 'tnds' ? 'MgmtTree' : 'DevInf';
  const root = fc.record({
    name: fc.oneof({ arbitrary: fc.constant(rootName), weight: 4 }, { arbitrary: fc.constantFrom(...names), weight: 1 }),
    children: fc.array(arbEmbeddedElement(ctx, names, 2), { maxLength: 3 }),
  }, { noNullPrototype: true });
  return root.map((r) => ({ kind, root: r }));
}

/** Bytes that are never valid UTF-8 (constraint 9). */
const arbNonUtf8Bytes: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.uint8Array({ maxLength: 40 }), fc.nat(), fc.constantFrom(0xff, 0xfe, 0xc0),
).map(([b, at, bad]) => {
  const out = new Uint8Array(b.length + 1);
  const i = at % out.length;
  out.set(b.subarray(0, i));
  out[i] = bad;
  out.set(b.subarray(i), i + 1);
  return out;
});

/** True when the builder reads OPAQUE under this Format as bytes. */
function isBinFormat(format: string | undefined): boolean {
  return format !== undefined && format.trim().toLowerCase() === 'bin';
}

/** Item Data given the effective Meta Type's embedded kind and Format (constraint 9). */
function arbData(ctx: Ctx, kind: EmbeddedKind | undefined, format: string | undefined): fc.Arbitrary<DataValue> {
  const text: fc.WeightedArbitrary<DataValue> = { arbitrary: arbText(ctx, 16), weight: 3 };
  if (kind !== undefined) return fc.oneof(text, { arbitrary: arbEmbedded(ctx, kind), weight: 2 });
  if (ctx.encoding === 'wbxml') {
    const bytes = isBinFormat(format) ? fc.uint8Array({ maxLength: 40 }) : arbNonUtf8Bytes;
    return fc.oneof(text, { arbitrary: bytes, weight: isBinFormat(format) ? 3 : 1 });
  }
  return fc.oneof(text);
}

// ---------------------------------------------------------------------------
// Items and commands

function arbItem(ctx: Ctx, inherited: Meta | undefined): fc.Arbitrary<Item> {
  return rec<Item>({
    target: arbLocator(ctx),
    source: arbLocator(ctx),
    targetParent: arbUri(ctx),
    sourceParent: arbUri(ctx),
    meta: arbMeta(ctx),
    moreData: arbTrue,
  }, []).chain((item) => {
    const kind = embeddedKindOf(item.meta?.type ?? inherited?.type);
    const format = item.meta?.format ?? inherited?.format;
    return fc.option(arbData(ctx, kind, format), { nil: undefined, freq: 4 })
      .map((data): Item => (data === undefined ? item : { ...item, data }));
  });
}

/** A command Meta (maybe) and items that inherit its Type and Format. */
function arbItems(ctx: Ctx, min: number, max: number): fc.Arbitrary<{ meta?: Meta; items: Item[] }> {
  return fc.option(arbMeta(ctx), { nil: undefined }).chain((meta) =>
    fc.array(arbItem(ctx, meta), { minLength: min, maxLength: max })
      .map((items) => (meta === undefined ? { items } : { meta, items })));
}

/** Set the optional keys that have a value (constraint 5: absent, not undefined). */
function withOptional<T extends object>(base: T, extra: Record<string, unknown>): T {
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) out[k] = v;
  return out as T;
}

const ITEM_KINDS = ['Add', 'Replace', 'Delete', 'Copy', 'Get'] as const;

function arbItemCommand(ctx: Ctx): fc.Arbitrary<ItemCommand<(typeof ITEM_KINDS)[number]>> {
  return fc.tuple(
    fc.constantFrom(...ITEM_KINDS),
    arbId(ctx),
    rec<{ noResp: true; cred: Cred; lang: string }>({ noResp: arbTrue, cred: arbCred(ctx), lang: arbLeaf(ctx) }, []),
    arbItems(ctx, 1, 3),
  ).map(([kind, cmdID, opt, { meta, items }]) => withOptional<ItemCommand<(typeof ITEM_KINDS)[number]>>({ kind, cmdID, items }, { ...opt, meta }));
}

function arbExec(ctx: Ctx): fc.Arbitrary<ExecCommand> {
  return fc.tuple(
    arbId(ctx),
    rec<{ noResp: true; cred: Cred; correlator: string }>({ noResp: arbTrue, cred: arbCred(ctx), correlator: arbLeaf(ctx) }, []),
    arbItems(ctx, 1, 1),
  ).map(([cmdID, opt, { meta, items }]) => withOptional<ExecCommand>({ kind: 'Exec', cmdID, item: items[0] }, { ...opt, meta }));
}

function arbAlert(ctx: Ctx): fc.Arbitrary<AlertCommand> {
  return fc.tuple(
    arbId(ctx),
    arbCode,
    rec<{ noResp: true; cred: Cred; correlator: string }>({ noResp: arbTrue, cred: arbCred(ctx), correlator: arbLeaf(ctx) }, []),
    fc.array(arbItem(ctx, undefined), { maxLength: 3 }),
  ).map(([cmdID, data, opt, items]) => withOptional<AlertCommand>({ kind: 'Alert', cmdID, data, items }, opt));
}

function arbResults(ctx: Ctx): fc.Arbitrary<ResultsCommand> {
  return fc.tuple(
    arbId(ctx),
    arbId(ctx),
    rec<{ msgRef: string; targetRef: string; sourceRef: string }>({ msgRef: arbId(ctx), targetRef: arbUri(ctx), sourceRef: arbUri(ctx) }, []),
    arbItems(ctx, 0, 3),
  ).map(([cmdID, cmdRef, opt, { meta, items }]) => withOptional<ResultsCommand>({ kind: 'Results', cmdID, cmdRef, items }, { ...opt, meta }));
}

function arbStatus(ctx: Ctx): fc.Arbitrary<StatusCommand> {
  return fc.record({
    kind: fc.constant('Status' as const),
    cmdID: arbId(ctx),
    msgRef: arbId(ctx),
    cmdRef: arbId(ctx),
    cmd: fc.oneof(fc.constantFrom('SyncHdr', 'Alert', 'Get', 'Replace', 'Add', 'Delete', 'Copy', 'Exec', 'Atomic', 'Sequence', 'Results'), arbLeaf(ctx)),
    targetRefs: fc.array(arbUri(ctx), { maxLength: 3 }),
    sourceRefs: fc.array(arbUri(ctx), { maxLength: 3 }),
    cred: arbCred(ctx),
    chal: arbChal(ctx),
    data: arbCode,
    items: fc.array(arbItem(ctx, undefined), { maxLength: 2 }),
  }, { requiredKeys: ['kind', 'cmdID', 'msgRef', 'cmdRef', 'cmd', 'targetRefs', 'sourceRefs', 'data', 'items'], noNullPrototype: true });
}

/** A command that may stand inside Atomic/Sequence (constraint 7: no Status/Results). */
function arbInnerCommand(ctx: Ctx, depth: number): fc.Arbitrary<Command> {
  const arbs: fc.WeightedArbitrary<Command>[] = [
    { arbitrary: arbItemCommand(ctx), weight: 5 },
    { arbitrary: arbExec(ctx), weight: 1 },
    { arbitrary: arbAlert(ctx), weight: 1 },
  ];
  if (depth > 0) arbs.push({ arbitrary: arbContainer(ctx, depth), weight: 1 });
  return fc.oneof(...arbs);
}

function arbContainer(ctx: Ctx, depth: number): fc.Arbitrary<ContainerCommand<'Atomic' | 'Sequence'>> {
  return fc.tuple(
    fc.constantFrom('Atomic' as const, 'Sequence' as const),
    arbId(ctx),
    rec<{ noResp: true; meta: Meta }>({ noResp: arbTrue, meta: arbMeta(ctx) }, []),
    fc.array(arbInnerCommand(ctx, depth - 1), { maxLength: 3 }),
  ).map(([kind, cmdID, opt, commands]) => withOptional<ContainerCommand<'Atomic' | 'Sequence'>>({ kind, cmdID, commands }, opt));
}

/** Any command that may stand in SyncBody. */
export function arbCommand(options: ArbOptions): fc.Arbitrary<Command> {
  const ctx = toCtx(options);
  const depth = options.maxContainerDepth ?? 2;
  return fc.oneof(
    { arbitrary: arbInnerCommand(ctx, depth), weight: 4 },
    { arbitrary: arbStatus(ctx), weight: 2 },
    { arbitrary: arbResults(ctx), weight: 1 },
  );
}

function arbHeader(ctx: Ctx): fc.Arbitrary<SyncHdr> {
  return rec<SyncHdr>({
    verDTD: fc.oneof({ arbitrary: fc.constantFrom('1.2', '1.1'), weight: 4 }, { arbitrary: arbLeaf(ctx), weight: 1 }),
    verProto: fc.oneof({ arbitrary: fc.constantFrom('DM/1.2', 'DM/1.1'), weight: 4 }, { arbitrary: arbLeaf(ctx), weight: 1 }),
    sessionID: fc.oneof(fc.nat(0xffff).map((n) => n.toString(16).toUpperCase()), arbLeaf(ctx)),
    msgID: arbId(ctx),
    target: arbLocator(ctx),
    source: arbLocator(ctx),
    respURI: arbUri(ctx),
    noResp: arbTrue,
    cred: arbCred(ctx),
    meta: arbMeta(ctx),
  }, ['verDTD', 'verProto', 'sessionID', 'msgID', 'target', 'source']) as fc.Arbitrary<SyncHdr>;
}

function toCtx(options: ArbOptions): Ctx {
  return { encoding: options.encoding, cr: options.carriageReturn ?? true };
}

/** Any valid, canonical SyncML DM message for the given encoding. */
export function arbMessage(options: ArbOptions): fc.Arbitrary<SyncMLMessage> {
  const ctx = toCtx(options);
  return fc.record({
    version: fc.constantFrom('1.2' as const, '1.1' as const),
    header: arbHeader(ctx),
    body: fc.record({
      commands: fc.array(arbCommand(options), { maxLength: 4 }),
      final: fc.boolean(),
    }, { noNullPrototype: true }),
  }, { noNullPrototype: true });
}

/** A small, realistic message (server package #2 style) for hand-written tests. */
export function sampleMessage(): SyncMLMessage {
  return {
    version: '1.2',
    header: {
      verDTD: '1.2', verProto: 'DM/1.2', sessionID: '1A2B', msgID: '2',
      target: { locURI: 'IMEI:357924080021735' }, source: { locURI: 'https://dm.example.com/oma-dm', locName: 'server' },
      meta: { maxMsgSize: 16384, maxObjSize: 524288 },
    },
    body: {
      commands: [
        { kind: 'Status', cmdID: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', targetRefs: ['https://dm.example.com/oma-dm'], sourceRefs: ['IMEI:357924080021735'], data: 212, items: [] },
        { kind: 'Get', cmdID: '2', items: [{ target: { locURI: './DevDetail/SwV' } }] },
        {
          kind: 'Replace', cmdID: '3', meta: { format: 'chr', type: 'text/plain' },
          items: [{ target: { locURI: './Vendor/Host/Motd' }, data: 'Tom & Jerry <ops> ]]> é 😀' }],
        },
        {
          kind: 'Atomic', cmdID: '4', commands: [
            { kind: 'Delete', cmdID: '5', items: [{ target: { locURI: './Vendor/VM/old' } }] },
            { kind: 'Exec', cmdID: '6', correlator: 'abc', item: { target: { locURI: './Vendor/VM/web01/Start' }, data: '' } },
          ],
        },
      ],
      final: true,
    },
  };
}
