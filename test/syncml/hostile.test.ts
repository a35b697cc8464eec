/**
 * Hostile input for the SyncML decoders.
 *
 * 1. Mutations (bit flips, inserted/deleted bytes, truncations, duplicated
 *    ranges) of valid messages in both encodings: every mutated input either
 *    decodes to a valid message or throws DecodeError (LimitExceededError is a
 *    subclass). Any other exception — TypeError, RangeError, a stack overflow —
 *    is a bug. A decoded message must re-encode (or refuse with EncodeError),
 *    and what the encoder writes must decode again.
 * 2. Targeted attacks and malformations, each asserting the error's class,
 *    `what`, `where` and message.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { decodeWbxml, decodeXml } from '../../src/syncml/codec.js';
import { encodeXml } from '../../src/syncml/xml-encoder.js';
import { encodeWbxml } from '../../src/syncml/wbxml-encoder.js';
import type { Command, DataValue, EmbeddedElement, Item, Meta, SyncMLMessage } from '../../src/syncml/model.js';
import { DecodeError, EncodeError, LimitExceededError } from '../../src/errors.js';
import { arbMessage, sampleMessage, type Encoding } from './arbitraries.js';

// ---------------------------------------------------------------------------
// Helpers

const utf8 = (s: string): number[] => [...new TextEncoder().encode(s)];
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function decode(encoding: Encoding, input: Uint8Array): SyncMLMessage {
  return encoding === 'xml' ? decodeXml(input) : decodeWbxml(input);
}

function encode(encoding: Encoding, m: SyncMLMessage): Uint8Array {
  return encoding === 'xml' ? new TextEncoder().encode(encodeXml(m)) : encodeWbxml(m);
}

function describeInput(encoding: Encoding, input: Uint8Array): string {
  const shown = input.length > 400 ? input.subarray(0, 400) : input;
  return encoding === 'xml' ? JSON.stringify(Buffer.from(shown).toString('latin1')) : hex(shown);
}

/** Asserts that `f` throws a DecodeError of the given class with `what`, a `where` matching, and a message matching. */
function assertDecodeError(
  f: () => unknown,
  expected: { cls?: typeof DecodeError; what: string; where: string | RegExp; message: RegExp },
): DecodeError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, 'expected a DecodeError, but decoding succeeded');
  assert.ok(caught instanceof (expected.cls ?? DecodeError), `expected ${(expected.cls ?? DecodeError).name}, got ${String(caught)}`);
  const err = caught as DecodeError;
  assert.equal(err.what, expected.what);
  if (typeof expected.where === 'string') assert.equal(err.where, expected.where);
  else assert.match(err.where, expected.where);
  assert.match(err.message, expected.message);
  assert.ok(err.message.includes(err.where), 'the message names the place');
  return err;
}

const COMMAND_KINDS = new Set(['Add', 'Replace', 'Delete', 'Copy', 'Get', 'Exec', 'Alert', 'Atomic', 'Sequence', 'Results', 'Status']);

/** Structural validity of a decoded model (what the type promises). */
function assertValidModel(m: SyncMLMessage): void {
  assert.ok(m.version === '1.1' || m.version === '1.2', `version ${String(m.version)}`);
  const h = m.header;
  for (const k of ['verDTD', 'verProto', 'sessionID', 'msgID'] as const) assert.equal(typeof h[k], 'string', `header.${k}`);
  assert.equal(typeof h.target.locURI, 'string');
  assert.equal(typeof h.source.locURI, 'string');
  if (h.meta) assertMeta(h.meta);
  if (h.cred) { assert.equal(typeof h.cred.data, 'string'); if (h.cred.meta) assertMeta(h.cred.meta); }
  assert.equal(typeof m.body.final, 'boolean');
  for (const c of m.body.commands) assertCommand(c, true);
}

function assertMeta(meta: Meta): void {
  for (const k of ['size', 'maxMsgSize', 'maxObjSize'] as const) {
    if (meta[k] !== undefined) assert.ok(Number.isSafeInteger(meta[k]) && meta[k]! >= 0, `meta.${k}`);
  }
  if (meta.emi) assert.ok(meta.emi.every((e) => typeof e === 'string'));
}

function assertCommand(c: Command, topLevel: boolean): void {
  assert.ok(COMMAND_KINDS.has(c.kind), `kind ${String(c.kind)}`);
  assert.equal(typeof c.cmdID, 'string');
  switch (c.kind) {
    case 'Add': case 'Replace': case 'Delete': case 'Copy': case 'Get':
      assert.ok(c.items.length >= 1);
      c.items.forEach(assertItem);
      break;
    case 'Exec': assertItem(c.item); break;
    case 'Alert': assert.ok(Number.isInteger(c.data)); c.items.forEach(assertItem); break;
    case 'Atomic': case 'Sequence':
      for (const inner of c.commands) {
        assert.ok(inner.kind !== 'Status' && inner.kind !== 'Results', `${inner.kind} inside ${c.kind}`);
        assertCommand(inner, false);
      }
      break;
    case 'Results': assert.ok(topLevel); c.items.forEach(assertItem); break;
    case 'Status': assert.ok(topLevel); assert.ok(Number.isInteger(c.data)); c.items.forEach(assertItem); break;
  }
}

function assertItem(item: Item): void {
  if (item.meta) assertMeta(item.meta);
  if (item.data !== undefined) assertData(item.data);
}

function assertData(d: DataValue): void {
  if (typeof d === 'string' || d instanceof Uint8Array) return;
  assert.ok(d.kind === 'tnds' || d.kind === 'devinf', `embedded kind ${String(d.kind)}`);
  assertEmbedded(d.root);
}

function assertEmbedded(el: EmbeddedElement): void {
  assert.equal(typeof el.name, 'string');
  for (const c of el.children) if (typeof c !== 'string') assertEmbedded(c);
}

/**
 * The contract for any input: a valid model or a DecodeError. A decoded model
 * re-encodes (or the encoder refuses with EncodeError), and the encoder's
 * output decodes again; after that one normalising round, decode∘encode is
 * the identity.
 */
function checkOutcome(encoding: Encoding, input: Uint8Array): 'decoded' | 'rejected' {
  let m: SyncMLMessage;
  try {
    m = decode(encoding, input);
  } catch (e) {
    if (e instanceof DecodeError) {
      assert.ok(['xml', 'wbxml', 'syncml'].includes(e.what), `what = ${e.what}`);
      assert.ok(e.where.length > 0, 'where is named');
      return 'rejected';
    }
    assert.fail(`${encoding} decoder threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message} for input ${describeInput(encoding, input)}`);
  }
  assertValidModel(m);
  for (const target of ['xml', 'wbxml'] as const) {
    let out: Uint8Array;
    try {
      out = encode(target, m);
    } catch (e) {
      if (e instanceof EncodeError) continue;
      assert.fail(`encoding a decoded message as ${target} threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message} (input ${describeInput(encoding, input)})`);
    }
    let m2: SyncMLMessage;
    try {
      m2 = decode(target, out);
    } catch (e) {
      assert.fail(`the ${target} encoder wrote what its decoder rejects: ${(e as Error).message} (input ${describeInput(encoding, input)})`);
    }
    // Idempotence after one round. XML with `\r` is exempt: the XML decoder
    // currently reads the encoder's `&#13;` back as `\n` (todo in roundtrip.test.ts).
    if (target === encoding && !(target === 'xml' && Buffer.from(out).includes('&#13;'))) {
      let out2: Uint8Array;
      try {
        out2 = encode(target, m2);
      } catch (e) {
        if (e instanceof EncodeError) continue;
        throw e;
      }
      assert.deepStrictEqual(decode(target, out2), m2);
    }
  }
  return 'decoded';
}

// ---------------------------------------------------------------------------
// Mutations

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'delete'; at: number; length: number }
  | { op: 'truncate'; at: number }
  | { op: 'duplicate'; from: number; length: number; to: number }
  | { op: 'set'; at: number; value: number };

/** Bytes worth inserting: WBXML global tokens, XML markup, invalid UTF-8, and noise. */
const INTERESTING = [
  [0x00], [0x01], [0x02], [0x03], [0x04], [0x40], [0x43], [0x44], [0x83], [0xc3], [0xc4], [0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
  [0xff, 0xff, 0xff, 0xff, 0x0f], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80],
  utf8('<'), utf8('>'), utf8('</'), utf8('&'), utf8('&amp;'), utf8('&#0;'), utf8('&#x10FFFF;'), utf8('&lol;'), utf8(']]>'),
  utf8('<![CDATA['), utf8('<!--'), utf8('-->'), utf8('<?xml version="1.0"?>'), utf8('<!DOCTYPE x [<!ENTITY a "b">]>'),
  utf8(' xmlns="syncml:metinf"'), utf8(' xmlns:p="x"'), utf8('<p:Data>'), utf8('<MetInf>'), utf8('</Meta>'), utf8('<Final/>'),
  utf8('<Atomic><CmdID>1</CmdID>'), utf8('<Status>'), utf8('<__proto__>'), utf8('\r\n'),
];

const arbMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.oneof(fc.constantFrom(...INTERESTING), fc.array(fc.nat(255), { minLength: 1, maxLength: 6 })),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), from: fc.nat(), length: fc.integer({ min: 1, max: 40 }), to: fc.nat() }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
);

function mutate(input: Uint8Array, mutations: Mutation[]): Uint8Array {
  let b = [...input];
  for (const m of mutations) {
    const n = b.length;
    switch (m.op) {
      case 'flip': if (n) b[m.at % n] ^= 1 << m.bit; break;
      case 'set': if (n) b[m.at % n] = m.value; break;
      case 'insert': b.splice(m.at % (n + 1), 0, ...m.bytes); break;
      case 'delete': b.splice(m.at % (n + 1), m.length); break;
      case 'truncate': b = b.slice(0, m.at % (n + 1)); break;
      case 'duplicate': {
        const from = m.from % (n + 1);
        b.splice(m.to % (n + 1), 0, ...b.slice(from, from + m.length));
        break;
      }
    }
  }
  return Uint8Array.from(b);
}

describe('mutated messages: a valid message or a DecodeError, nothing else', () => {
  for (const encoding of ['xml', 'wbxml'] as const) {
    it(`${encoding}: random mutations of arbitrary messages`, () => {
      let decoded = 0;
      fc.assert(fc.property(
        arbMessage({ encoding, maxContainerDepth: 1 }),
        fc.array(arbMutation, { minLength: 1, maxLength: 4 }),
        (m, mutations) => {
          if (checkOutcome(encoding, mutate(encode(encoding, m), mutations)) === 'decoded') decoded++;
        },
      ), { numRuns: encoding === 'xml' ? 250 : 400 });
      // Some mutations (in text, or harmless) must leave a decodable message: the check is not vacuous.
      assert.ok(decoded > 0, 'no mutated input decoded at all');
    });

    it(`${encoding}: mutated input fed to the other decoder`, () => {
      const other: Encoding = encoding === 'xml' ? 'wbxml' : 'xml';
      fc.assert(fc.property(
        arbMessage({ encoding, maxContainerDepth: 1 }),
        fc.array(arbMutation, { maxLength: 2 }),
        (m, mutations) => { checkOutcome(other, mutate(encode(encoding, m), mutations)); },
      ), { numRuns: 100 });
    });

    it(`${encoding}: every truncation of a few messages is rejected`, () => {
      // The sample message at every offset; a few arbitrary ones at ~300 offsets each.
      const messages = [sampleMessage(), ...fc.sample(arbMessage({ encoding, maxContainerDepth: 1 }), { numRuns: 3, seed: 42 })];
      for (const [i, m] of messages.entries()) {
        const full = encode(encoding, m);
        const step = i === 0 ? 1 : Math.max(1, Math.floor(full.length / 300));
        for (let at = 0; at < full.length; at += step) {
          assert.equal(checkOutcome(encoding, full.subarray(0, at)), 'rejected', `prefix of ${at}/${full.length} bytes decoded`);
        }
        assert.equal(checkOutcome(encoding, full), 'decoded');
      }
    });

    it(`${encoding}: single-bit flips of the sample message`, () => {
      // WBXML: every bit of every byte. XML: every bit of every third byte (markup repeats).
      const full = encode(encoding, sampleMessage());
      for (let at = 0; at < full.length; at += encoding === 'xml' ? 3 : 1) {
        for (let bit = 0; bit < 8; bit++) checkOutcome(encoding, mutate(full, [{ op: 'flip', at, bit }]));
      }
    });
  }

  it('random bytes (with a plausible start) never crash either decoder', () => {
    fc.assert(fc.property(
      fc.constantFrom([], [0x02, 0xa4, 0x01, 0x6a, 0x00], [0x03, 0x00, 0x00, 0x6a], utf8('<SyncML xmlns="SYNCML:SYNCML1.2">')),
      fc.uint8Array({ maxLength: 200 }),
      (prefix, rest) => {
        const input = Uint8Array.from([...prefix, ...rest]);
        checkOutcome('wbxml', input);
        checkOutcome('xml', input);
      },
    ), { numRuns: 500 });
  });
});

// ---------------------------------------------------------------------------
// Targeted XML attacks

const XML_HDR = '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>'
  + '<Target><LocURI>a</LocURI></Target><Source><LocURI>b</LocURI></Source></SyncHdr>';

function xmlDoc(body: string, ns = 'SYNCML:SYNCML1.2'): string {
  return `<SyncML xmlns="${ns}">${XML_HDR}<SyncBody>${body}</SyncBody></SyncML>`;
}

const REPLACE_WITH = (data: string): string => `<Replace><CmdID>1</CmdID><Item><Target><LocURI>./x</LocURI></Target><Data>${data}</Data></Item></Replace>`;

describe('targeted hostile XML', () => {
  it('a DTD internal subset is refused at the "["', () => {
    const input = '<!DOCTYPE SyncML [<!ENTITY x "y">]>' + xmlDoc('');
    assertDecodeError(() => decodeXml(input), { what: 'xml', where: 'line 1, column 18', message: /DTD internal subsets are not allowed/ });
  });

  it('an external entity (XXE) is never fetched: the subset is refused', () => {
    const input = '<?xml version="1.0"?>\n<!DOCTYPE SyncML [\n  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n' + xmlDoc(REPLACE_WITH('&xxe;'));
    assertDecodeError(() => decodeXml(input), { what: 'xml', where: 'line 2, column 18', message: /DTD internal subsets are not allowed/ });
  });

  it('an undefined entity reference is refused where it stands', () => {
    const input = xmlDoc(REPLACE_WITH('&xxe;'));
    const column = input.indexOf('&xxe;') + 1;
    assertDecodeError(() => decodeXml(input), { what: 'xml', where: `line 1, column ${column}`, message: /undefined entity &xxe;/ });
  });

  it('billion laughs is refused before anything is expanded', () => {
    const lol = ['<!ENTITY lol "lol">'];
    for (let i = 1; i < 10; i++) lol.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
    const input = `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n${lol.join('\n')}\n]>\n` + xmlDoc(REPLACE_WITH('&lol9;'));
    assertDecodeError(() => decodeXml(input), { what: 'xml', where: 'line 2, column 16', message: /DTD internal subsets are not allowed/ });
    // …and without the DTD the reference alone is just undefined.
    assertDecodeError(() => decodeXml(xmlDoc(REPLACE_WITH('&lol9;'))), { what: 'xml', where: /^line 1, column \d+$/, message: /undefined entity &lol9;/ });
  });

  it('an entity declaration outside a DOCTYPE is refused', () => {
    assertDecodeError(() => decodeXml('<!ENTITY x "y">' + xmlDoc('')), { what: 'xml', where: 'line 1, column 1', message: /markup declarations are not allowed/ });
  });

  it('a bare public DOCTYPE is accepted and ignored', () => {
    const input = '<?xml version="1.0" encoding="UTF-8"?>\n'
      + '<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN" "http://www.openmobilealliance.org/tech/DTD/OMA-TS-DM_DTD-V1_2.dtd">\n'
      + xmlDoc('<Final/>');
    assert.deepStrictEqual(decodeXml(input), decodeXml(xmlDoc('<Final/>')));
    assert.equal(decodeXml(input).body.final, true);
  });

  it('a second DOCTYPE or one after the root is refused', () => {
    const dt = '<!DOCTYPE SyncML PUBLIC "a" "b">';
    assertDecodeError(() => decodeXml(dt + dt + xmlDoc('')), { what: 'xml', where: `line 1, column ${dt.length + 1}`, message: /misplaced DOCTYPE/ });
    assertDecodeError(() => decodeXml(xmlDoc('') + dt), { what: 'xml', where: /^line 1, column \d+$/, message: /misplaced DOCTYPE/ });
  });

  it('a non-UTF-8 encoding declaration is refused', () => {
    assertDecodeError(() => decodeXml('<?xml version="1.0" encoding="ISO-8859-1"?>' + xmlDoc('')), { what: 'xml', where: 'line 1, column 1', message: /unsupported encoding "ISO-8859-1"/ });
  });

  it('character references to non-characters are refused', () => {
    for (const ref of ['&#0;', '&#x1;', '&#xD800;', '&#xFFFE;', '&#x110000;']) {
      assertDecodeError(() => decodeXml(xmlDoc(REPLACE_WITH(ref))), { what: 'xml', where: /^line 1, column \d+$/, message: /is not an XML character/ });
    }
    assertDecodeError(() => decodeXml(xmlDoc(REPLACE_WITH('a\u0001b'))), { what: 'xml', where: /^line 1/, message: /character not allowed in XML/ });
  });

  it('invalid UTF-8 is refused with the byte offset', () => {
    const prefix = utf8(xmlDoc(REPLACE_WITH('\u0001')).split('\u0001')[0]);
    const input = Uint8Array.from([...prefix, 0xc3, 0x28, ...utf8('</Data></Item></Replace></SyncBody></SyncML>')]);
    const err = assertDecodeError(() => decodeXml(input), { what: 'xml', where: /^byte \d+$/, message: /not valid UTF-8/ });
    const at = Number(err.where.slice(5));
    assert.ok(at <= prefix.length && at >= prefix.length - 3, `byte ${at}, invalid sequence at ${prefix.length}`);
  });

  it('wrong root element / namespace', () => {
    assertDecodeError(() => decodeXml('<Foo xmlns="SYNCML:SYNCML1.2"/>'), { what: 'syncml', where: 'SyncML', message: /root element is <Foo>, expected <SyncML>/ });
    assertDecodeError(() => decodeXml(xmlDoc('', 'urn:example')), { what: 'syncml', where: 'SyncML', message: /unsupported namespace "urn:example"/ });
    const err = assertDecodeError(() => decodeXml(xmlDoc('', 'SYNCML:SYNCML1.0')), { what: 'syncml', where: 'SyncML', message: /unsupported namespace/ });
    assert.equal(err.statusHint, 505);
  });

  it('trailing content and a second root are refused', () => {
    const doc = xmlDoc('');
    assertDecodeError(() => decodeXml(doc + 'x'), { what: 'xml', where: `line 1, column ${doc.length + 1}`, message: /content after the root element/ });
    assertDecodeError(() => decodeXml(doc + '<SyncML/>'), { what: 'xml', where: `line 1, column ${doc.length + 1}`, message: /more than one root element/ });
    // Whitespace, comments and PIs after the root are fine.
    assert.doesNotThrow(() => decodeXml(doc + '\n<!-- end -->\n<?pi x?>\n'));
  });

  it('missing CmdID names the command in the path', () => {
    assertDecodeError(() => decodeXml(xmlDoc('<Replace><Item/></Replace>')), { what: 'syncml', where: 'SyncML/SyncBody/Replace[1]', message: /missing <CmdID>/ });
    assertDecodeError(
      () => decodeXml(xmlDoc('<Get><CmdID>1</CmdID><Item/></Get><Replace><CmdID>2</CmdID><Item/></Replace><Replace><Item/></Replace>')),
      { what: 'syncml', where: 'SyncML/SyncBody/Replace[2]', message: /missing <CmdID>/ },
    );
    assertDecodeError(
      () => decodeXml(xmlDoc('<Sequence><CmdID>1</CmdID><Atomic><CmdID>2</CmdID><Add><Item/></Add></Atomic></Sequence>')),
      { what: 'syncml', where: 'SyncML/SyncBody/Sequence[1]/Atomic[1]/Add[1]', message: /missing <CmdID>/ },
    );
  });

  it('duplicate elements are refused', () => {
    assertDecodeError(() => decodeXml(xmlDoc('').replace('<MsgID>1</MsgID>', '<MsgID>1</MsgID><MsgID>2</MsgID>')), { what: 'syncml', where: 'SyncML/SyncHdr', message: /duplicate <MsgID>/ });
    assertDecodeError(() => decodeXml(xmlDoc('<Final/><Final/>')), { what: 'syncml', where: 'SyncML/SyncBody', message: /duplicate <Final>/ });
    assertDecodeError(
      () => decodeXml(xmlDoc('<Replace><CmdID>1</CmdID><Item><Data>a</Data><Data>b</Data></Item></Replace>')),
      { what: 'syncml', where: 'SyncML/SyncBody/Replace[1]/Item[1]', message: /duplicate <Data>/ },
    );
    assertDecodeError(
      () => decodeXml(xmlDoc('<Replace><CmdID>1</CmdID><Meta><Type xmlns="syncml:metinf">a</Type><Type xmlns="syncml:metinf">b</Type></Meta><Item/></Replace>')),
      { what: 'syncml', where: 'SyncML/SyncBody/Replace[1]/Meta', message: /duplicate <Type>/ },
    );
  });

  it('a non-numeric status code is refused at its Data', () => {
    const status = (code: string): string => `<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>${code}</Data></Status>`;
    assertDecodeError(() => decodeXml(xmlDoc(status('OK'))), { what: 'syncml', where: 'SyncML/SyncBody/Status[1]/Data', message: /"OK" is not a status or alert code/ });
    assertDecodeError(() => decodeXml(xmlDoc(status('-200'))), { what: 'syncml', where: 'SyncML/SyncBody/Status[1]/Data', message: /is not a status or alert code/ });
    assertDecodeError(() => decodeXml(xmlDoc(status('20000'))), { what: 'syncml', where: 'SyncML/SyncBody/Status[1]/Data', message: /is not a status or alert code/ });
    assert.equal((decodeXml(xmlDoc(status(' 200 '))).body.commands[0] as { data: number }).data, 200);
  });

  it('a non-numeric size is refused at its Meta element', () => {
    assertDecodeError(
      () => decodeXml(xmlDoc('').replace('</SyncHdr>', '<Meta><MaxMsgSize xmlns="syncml:metinf">1e9</MaxMsgSize></Meta></SyncHdr>')),
      { what: 'syncml', where: 'SyncML/SyncHdr/Meta/MaxMsgSize', message: /"1e9" is not a non-negative integer/ },
    );
  });

  it('Status and Results inside Atomic/Sequence are refused', () => {
    assertDecodeError(
      () => decodeXml(xmlDoc('<Atomic><CmdID>1</CmdID><Status><CmdID>2</CmdID></Status></Atomic>')),
      { what: 'syncml', where: 'SyncML/SyncBody/Atomic[1]/Status[1]', message: /<Status> inside a container/ },
    );
    assertDecodeError(
      () => decodeXml(xmlDoc('<Sequence><CmdID>1</CmdID><Results><CmdID>2</CmdID></Results></Sequence>')),
      { what: 'syncml', where: 'SyncML/SyncBody/Sequence[1]/Results[1]', message: /<Results> inside a container/ },
    );
  });

  it('Sync, Map, Put, Search (not DM) are refused', () => {
    for (const name of ['Sync', 'Map', 'Put', 'Search']) {
      assertDecodeError(() => decodeXml(xmlDoc(`<${name}><CmdID>1</CmdID></${name}>`)), { what: 'syncml', where: 'SyncML/SyncBody', message: new RegExp(`<${name}> is not used in SyncML DM`) });
    }
  });

  it('the DM 1.1 namespace decodes with version 1.1', () => {
    const m = decodeXml(xmlDoc('', 'SYNCML:SYNCML1.1').replace('<VerDTD>1.2</VerDTD>', '<VerDTD>1.1</VerDTD>'));
    assert.equal(m.version, '1.1');
    assert.equal(m.header.verDTD, '1.1');
  });

  it('namespace case is not significant', () => {
    for (const ns of ['syncml:syncml1.2', 'SyncML:SyncML1.2', 'SYNCML:syncml1.2']) assert.equal(decodeXml(xmlDoc('', ns)).version, '1.2');
    assert.equal(decodeXml(xmlDoc('', 'syncml:SYNCML1.1')).version, '1.1');
  });

  it('no namespace at all: the version comes from VerDTD', () => {
    assert.equal(decodeXml(xmlDoc('').replace(' xmlns="SYNCML:SYNCML1.2"', '')).version, '1.2');
    assert.equal(decodeXml(xmlDoc('').replace(' xmlns="SYNCML:SYNCML1.2"', '').replace('>1.2</VerDTD>', '>1.1</VerDTD>')).version, '1.1');
  });

  it('Meta children without the metinf namespace are accepted (sloppy clients)', () => {
    const m = decodeXml(xmlDoc('<Replace><CmdID>1</CmdID><Meta><Format>chr</Format><Type>text/plain</Type><MetInf><Size>3</Size></MetInf></Meta><Item><Data>abc</Data></Item></Replace>'));
    assert.deepStrictEqual(m.body.commands[0], { kind: 'Replace', cmdID: '1', meta: { format: 'chr', type: 'text/plain', size: 3 }, items: [{ data: 'abc' }] });
  });

  it('prefixed namespaces resolve like default ones', () => {
    const input = '<s:SyncML xmlns:s="SYNCML:SYNCML1.2" xmlns:m="syncml:metinf">' + XML_HDR.replace(/<(\/?)(\w+)/g, '<$1s:$2')
      + '<s:SyncBody><s:Replace><s:CmdID>1</s:CmdID><s:Meta><m:Format>b64</m:Format></s:Meta><s:Item><s:Data>eA==</s:Data></s:Item></s:Replace></s:SyncBody></s:SyncML>';
    const m = decodeXml(input);
    assert.deepStrictEqual(m.body.commands[0], { kind: 'Replace', cmdID: '1', meta: { format: 'b64' }, items: [{ data: 'eA==' }] });
    assertDecodeError(() => decodeXml('<q:SyncML/>'), { what: 'xml', where: 'line 1, column 1', message: /undeclared namespace prefix/ });
  });

  it('elements in any order are accepted', () => {
    const m = decodeXml(xmlDoc('<Alert><Correlator>c1</Correlator><Item><Data>x</Data></Item><Data>1226</Data><CmdID>7</CmdID></Alert><Final/>')
      .replace(/<SyncHdr>.*<\/SyncHdr>/, '<SyncHdr><Source><LocURI>b</LocURI></Source><MsgID>1</MsgID><Target><LocURI>a</LocURI></Target><SessionID>1</SessionID><VerProto>DM/1.2</VerProto><VerDTD>1.2</VerDTD></SyncHdr>'));
    assert.deepStrictEqual(m.body.commands, [{ kind: 'Alert', cmdID: '7', data: 1226, correlator: 'c1', items: [{ data: 'x' }] }]);
    assert.deepStrictEqual(m.header, decodeXml(xmlDoc('')).header);
  });

  it('anything after Final is refused', () => {
    assertDecodeError(() => decodeXml(xmlDoc('<Final/><Get><CmdID>1</CmdID><Item/></Get>')), { what: 'syncml', where: 'SyncML/SyncBody', message: /<Get> after <Final>/ });
  });

  it('__proto__ / constructor as element names do not pollute prototypes', () => {
    assertDecodeError(() => decodeXml(xmlDoc('<__proto__><CmdID>1</CmdID></__proto__>')), { what: 'syncml', where: 'SyncML/SyncBody', message: /unexpected <__proto__>/ });
    assertDecodeError(() => decodeXml(xmlDoc('<constructor/>')), { what: 'syncml', where: 'SyncML/SyncBody', message: /unexpected <constructor>/ });
    assertDecodeError(
      () => decodeXml(xmlDoc('<Replace><CmdID>1</CmdID><Meta><__proto__ xmlns="syncml:metinf">x</__proto__></Meta><Item/></Replace>')),
      { what: 'syncml', where: 'SyncML/SyncBody/Replace[1]/Meta', message: /unexpected <__proto__> in <Meta>/ },
    );
    // Inside an embedded document any name is data, kept as a plain name.
    const m = decodeXml(xmlDoc(REPLACE_WITH('<MgmtTree xmlns="syncml:dmddf1.2"><__proto__>x</__proto__><constructor/><toString/></MgmtTree>')));
    const data = (m.body.commands[0] as { items: Item[] }).items[0].data as { root: EmbeddedElement };
    assert.deepStrictEqual(data.root.children.map((c) => (c as EmbeddedElement).name), ['__proto__', 'constructor', 'toString']);
    assert.equal(Object.getPrototypeOf(data.root), Object.prototype);
    assert.equal(({} as Record<string, unknown>).x, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'x'), false);
  });

  it('"]]>" in text is refused', () => {
    assertDecodeError(() => decodeXml(xmlDoc(REPLACE_WITH('a]]>b'))), { what: 'xml', where: /^line 1, column \d+$/, message: /"\]\]>" in text/ });
  });

  it('"]]>" in text is refused even when the text also has a reference', () => {
    assertDecodeError(() => decodeXml(xmlDoc(REPLACE_WITH('&amp;]]>'))), { what: 'xml', where: /^line 1, column \d+$/, message: /"\]\]>" in text/ });
  });

  it('a string input with a lone surrogate is refused', () => {
    assertDecodeError(() => decodeXml(xmlDoc(REPLACE_WITH('a\ud800b'))), { what: 'xml', where: /^line 1/, message: /surrogate|not allowed/ });
  });

  it('unterminated constructs name where they start', () => {
    const doc = xmlDoc('');
    assertDecodeError(() => decodeXml(doc.slice(0, 20)), { what: 'xml', where: 'line 1, column 15', message: /unterminated value of attribute xmlns/ });
    assertDecodeError(() => decodeXml('<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr'), { what: 'xml', where: 'line 1, column 34', message: /unterminated start tag <SyncHdr>/ });
    assertDecodeError(() => decodeXml('<SyncML xmlns="SYNCML:SYNCML1.2">\n<SyncHdr>'), { what: 'xml', where: 'line 2, column 1', message: /element <SyncHdr> is not closed/ });
    assertDecodeError(() => decodeXml('<!-- x' + doc), { what: 'xml', where: 'line 1, column 1', message: /unterminated comment/ });
    assertDecodeError(() => decodeXml(xmlDoc(REPLACE_WITH('<![CDATA[x'))), { what: 'xml', where: /^line 1/, message: /unterminated CDATA|is not closed/ });
    assertDecodeError(() => decodeXml('<SyncML xmlns="SYNCML:SYNCML1.2">\n  <SyncHdr>\n  </SyncBody>'), { what: 'xml', where: 'line 3, column 3', message: /end tag <\/SyncBody> does not match <SyncHdr>/ });
    assertDecodeError(() => decodeXml(''), { what: 'xml', where: /^line 1, column 1$/, message: /no root element/ });
  });
});

// ---------------------------------------------------------------------------
// Targeted hostile WBXML

const str = (s: string): number[] => [0x03, ...utf8(s), 0x00];
/** WBXML mb_u_int32. */
function mb(n: number): number[] {
  const out = [n & 0x7f];
  for (n = Math.floor(n / 128); n > 0; n = Math.floor(n / 128)) out.unshift(0x80 | (n & 0x7f));
  return out;
}
/** SyncHdr with VerDTD, VerProto, SessionID, MsgID, Target, Source (43 bytes). */
const WB_HDR = [
  0x6c, 0x71, ...str('1.2'), 0x01, 0x72, ...str('DM/1.2'), 0x01, 0x65, ...str('1'), 0x01, 0x5b, ...str('1'), 0x01,
  0x6e, 0x57, ...str('a'), 0x01, 0x01, 0x67, 0x57, ...str('b'), 0x01, 0x01, 0x01,
];
const WB_12 = [0x02, 0xa4, 0x01, 0x6a, 0x00];
/** Offset of the first body byte in {@link wbMsg}'s output. */
const BODY_AT = WB_12.length + 1 + WB_HDR.length + 1;

function wbMsg(body: number[], head: number[] = WB_12): Uint8Array {
  return Uint8Array.from([...head, 0x6d, ...WB_HDR, 0x6b, ...body, 0x01, 0x01]);
}

describe('targeted hostile WBXML', () => {
  it('the reference message decodes', () => {
    assert.equal(BODY_AT, 50);
    assert.equal(decodeWbxml(wbMsg([0x12])).body.final, true);
  });

  it('unknown tag tokens are refused with their byte offset', () => {
    assertDecodeError(() => decodeWbxml(wbMsg([0x70])), { what: 'wbxml', where: `byte ${BODY_AT}`, message: /unknown tag token 0x30 on code page 0/ });
    assertDecodeError(() => decodeWbxml(wbMsg([0x3f])), { what: 'wbxml', where: `byte ${BODY_AT}`, message: /unknown tag token 0x3f on code page 0/ });
    assertDecodeError(() => decodeWbxml(wbMsg([0x60, 0x5a, 0x00, 0x01, 0x7f, 0x01, 0x01])), { what: 'wbxml', where: `byte ${BODY_AT + 4}`, message: /unknown tag token 0x3f on code page 1/ });
  });

  it('an unknown code page is refused', () => {
    assertDecodeError(() => decodeWbxml(wbMsg([0x00, 0x07, 0x12])), { what: 'wbxml', where: `byte ${BODY_AT}`, message: /unknown code page 7/ });
    assertDecodeError(() => decodeWbxml(wbMsg([0x00, 0xff, 0x12])), { what: 'wbxml', where: `byte ${BODY_AT}`, message: /unknown code page 255/ });
    assertDecodeError(() => decodeWbxml(Uint8Array.from([...wbMsg([]).subarray(0, BODY_AT), 0x00])), { what: 'wbxml', where: `byte ${BODY_AT}`, message: /truncated SWITCH_PAGE/ });
  });

  it('mb_u_int32 of 6 bytes, and one above 32 bits, are refused', () => {
    assertDecodeError(() => decodeWbxml(Uint8Array.from([0x02, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x6a, 0x00, 0x6d, 0x01])), { what: 'wbxml', where: 'byte 1', message: /public id is longer than 5 bytes/ });
    assertDecodeError(() => decodeWbxml(Uint8Array.from([0x02, 0x90, 0x80, 0x80, 0x80, 0x00, 0x6a, 0x00, 0x6d, 0x01])), { what: 'wbxml', where: 'byte 1', message: /public id exceeds 32 bits/ });
    assertDecodeError(
      () => decodeWbxml(wbMsg([0x60, 0x4b, 0xc3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01, 0x01])),
      { what: 'wbxml', where: `byte ${BODY_AT + 3}`, message: /OPAQUE length is longer than 5 bytes/ },
    );
    assertDecodeError(() => decodeWbxml(Uint8Array.from([0x02, 0xa4])), { what: 'wbxml', where: 'byte 1', message: /truncated public id/ });
  });

  it('string-table offsets out of range are refused', () => {
    assertDecodeError(() => decodeWbxml(wbMsg([0x60, 0x4b, 0x83, 0x05, 0x01, 0x01])), { what: 'wbxml', where: `byte ${BODY_AT + 2}`, message: /string-table offset 5 out of range \(table has 0 bytes\)/ });
    assertDecodeError(() => decodeWbxml(Uint8Array.from([0x02, 0x00, 0x09, 0x6a, 0x00, 0x6d, 0x01])), { what: 'wbxml', where: 'byte 1', message: /string-table offset 9 out of range/ });
    assertDecodeError(() => decodeWbxml(Uint8Array.from([0x02, 0xa4, 0x01, 0x6a, 0x7f, 0x6d, 0x01])), { what: 'wbxml', where: 'byte 5', message: /string table of 127 bytes runs past the end/ });
    // An entry with no terminating NUL.
    assertDecodeError(
      () => decodeWbxml(Uint8Array.from([0x02, 0xa4, 0x01, 0x6a, 0x02, 0x41, 0x42, 0x6d, 0x6c, 0x71, 0x83, 0x00, 0x01, 0x01, 0x01])),
      { what: 'wbxml', where: 'byte 10', message: /entry at offset 0 is not terminated/ },
    );
  });

  it('an OPAQUE length past the end is refused; a huge one hits the limit before any allocation', () => {
    assertDecodeError(() => decodeWbxml(wbMsg([0x60, 0x4b, 0xc3, 0x7f, 0x31, 0x01, 0x01])), { what: 'wbxml', where: `byte ${BODY_AT + 2}`, message: /OPAQUE of 127 bytes runs past the end of input/ });
    assertDecodeError(
      () => decodeWbxml(wbMsg([0x60, 0x4b, 0xc3, 0x8f, 0xff, 0xff, 0xff, 0x7f, 0x31, 0x01, 0x01])),
      { cls: LimitExceededError, what: 'wbxml', where: `byte ${BODY_AT + 2}`, message: /opaque data of 4294967295 bytes exceeds the 8388608-byte limit/ },
    );
  });

  it('nesting beyond limits.maxDepth is a LimitExceededError at the offending tag', () => {
    const err = assertDecodeError(() => decodeWbxml(wbMsg(Array(70).fill(0x48))), { cls: LimitExceededError, what: 'wbxml', where: `byte ${BODY_AT + 62}`, message: /element nesting deeper than 64/ });
    assert.equal(err.statusHint, 413);
    assertDecodeError(() => decodeWbxml(wbMsg(Array(10).fill(0x48)), { limits: { maxDepth: 8 } }), { cls: LimitExceededError, what: 'wbxml', where: `byte ${BODY_AT + 6}`, message: /deeper than 8/ });
  });

  it('more elements than limits.maxElements is a LimitExceededError', () => {
    assertDecodeError(() => decodeWbxml(wbMsg([0x12]), { limits: { maxElements: 10 } }), { cls: LimitExceededError, what: 'wbxml', where: /^byte \d+$/, message: /more than 10 elements/ });
  });

  it('input beyond limits.maxBytes is refused before parsing', () => {
    const input = wbMsg([0x12]);
    assertDecodeError(() => decodeWbxml(input, { limits: { maxBytes: 20 } }), { cls: LimitExceededError, what: 'wbxml', where: 'byte 0', message: new RegExp(`document of ${input.length} bytes exceeds the 20-byte limit`) });
    assert.doesNotThrow(() => decodeWbxml(input, { limits: { maxBytes: input.length } }));
  });

  it('long strings beyond limits.maxStringBytes are refused', () => {
    assertDecodeError(() => decodeWbxml(wbMsg([0x60, 0x4b, ...str('x'.repeat(100)), 0x01, 0x54, 0x01, 0x01]), { limits: { maxStringBytes: 50 } }), { cls: LimitExceededError, what: 'wbxml', where: `byte ${BODY_AT + 2}`, message: /string longer than 50 bytes/ });
  });

  it('trailing bytes are refused', () => {
    const input = Uint8Array.from([...wbMsg([0x12]), 0x00, 0x00]);
    assertDecodeError(() => decodeWbxml(input), { what: 'wbxml', where: `byte ${input.length - 2}`, message: /2 trailing bytes after the document's end/ });
  });

  it('invalid UTF-8 in an inline string is refused', () => {
    assertDecodeError(() => decodeWbxml(wbMsg([0x60, 0x4b, 0x03, 0xc3, 0x28, 0x00, 0x01, 0x54, 0x01, 0x01])), { what: 'wbxml', where: `byte ${BODY_AT + 2}`, message: /inline string is not valid UTF-8/ });
    // An encoded surrogate (CESU) is not UTF-8 either.
    assertDecodeError(() => decodeWbxml(wbMsg([0x60, 0x4b, 0x03, 0xed, 0xa0, 0x80, 0x00, 0x01, 0x54, 0x01, 0x01])), { what: 'wbxml', where: `byte ${BODY_AT + 2}`, message: /not valid UTF-8/ });
  });

  it('ENTITY outside Unicode is refused', () => {
    assertDecodeError(() => decodeWbxml(wbMsg([0x60, 0x4b, 0x02, 0x81, 0x80, 0x80, 0x00, 0x01, 0x54, 0x01, 0x01])), { what: 'wbxml', where: `byte ${BODY_AT + 2}`, message: /ENTITY 2097152 is not a Unicode scalar value/ });
    assertDecodeError(() => decodeWbxml(wbMsg([0x60, 0x4b, 0x02, 0x83, 0xb0, 0x00, 0x01, 0x54, 0x01, 0x01])), { what: 'wbxml', where: `byte ${BODY_AT + 2}`, message: /ENTITY 55296 is not a Unicode scalar value/ });
  });

  it('PI, extension and attribute tokens are refused', () => {
    assertDecodeError(() => decodeWbxml(wbMsg([0x43])), { what: 'wbxml', where: `byte ${BODY_AT}`, message: /token 0x43 \(PI\/extension\) is not used in SyncML/ });
    assertDecodeError(() => decodeWbxml(wbMsg([0x60, 0x4b, 0xc0, 0x01, 0x01])), { what: 'wbxml', where: `byte ${BODY_AT + 2}`, message: /token 0xc0/ });
    assertDecodeError(() => decodeWbxml(wbMsg([0xe0])), { what: 'wbxml', where: `byte ${BODY_AT}`, message: /attributes are not used in SyncML \(tag byte 0xe0\)/ });
  });

  it('wrong root, wrong vocabulary, bad header fields', () => {
    assertDecodeError(() => decodeWbxml(Uint8Array.from([...WB_12, 0x46, 0x4b, ...str('1'), 0x01, 0x01])), { what: 'syncml', where: 'SyncML', message: /root element is <Alert>, expected <SyncML>/ });
    assertDecodeError(() => decodeWbxml(Uint8Array.from([0x02, 0xa4, 0x03, 0x6a, 0x00, 0x4a, 0x01])), { what: 'wbxml', where: 'byte 1', message: /document is devinf, not SyncML/ });
    assertDecodeError(() => decodeWbxml(Uint8Array.from([0x02, 0x81, 0x00, 0x6a, 0x00, 0x6d, 0x01])), { what: 'wbxml', where: 'byte 1', message: /unsupported public id 0x80/ });
    assertDecodeError(() => decodeWbxml(Uint8Array.from([0x04, 0xa4, 0x01, 0x6a, 0x00, 0x6d, 0x01])), { what: 'wbxml', where: 'byte 0', message: /unsupported WBXML version byte 0x04/ });
    assertDecodeError(() => decodeWbxml(Uint8Array.from([0x02, 0xa4, 0x01, 0x04, 0x00, 0x6d, 0x01])), { what: 'wbxml', where: 'byte 3', message: /unsupported charset MIBenum 4/ });
    assertDecodeError(() => decodeWbxml(new Uint8Array(0)), { what: 'wbxml', where: 'byte 0', message: /empty input/ });
  });

  it('LITERAL tags must name a known element (including __proto__)', () => {
    assertDecodeError(
      () => decodeWbxml(Uint8Array.from([0x02, 0xa4, 0x01, 0x6a, 0x0a, ...utf8('__proto__'), 0x00, 0x44, 0x00, 0x01])),
      { what: 'wbxml', where: 'byte 15', message: /LITERAL tag "__proto__" is not in code page 0/ },
    );
    // A LITERAL that does name SyncML is fine.
    const lit = [0x02, 0xa4, 0x01, 0x6a, 0x07, ...utf8('SyncML'), 0x00, 0x44, 0x00, ...WB_HDR, 0x6b, 0x12, 0x01, 0x01];
    assert.equal(decodeWbxml(Uint8Array.from(lit)).body.final, true);
  });

  it('structural errors carry the element path, as in XML', () => {
    assertDecodeError(() => decodeWbxml(wbMsg([0x60, 0x54, 0x01, 0x01])), { what: 'syncml', where: 'SyncML/SyncBody/Replace[1]', message: /missing <CmdID>/ });
    assertDecodeError(
      () => decodeWbxml(wbMsg([0x48, 0x4b, ...str('1'), 0x01, 0x69, 0x4b, ...str('2'), 0x01, 0x01, 0x01])),
      { what: 'syncml', where: 'SyncML/SyncBody/Atomic[1]/Status[1]', message: /<Status> inside a container/ },
    );
    assertDecodeError(() => decodeWbxml(wbMsg([0x6a, 0x4b, ...str('1'), 0x01, 0x01])), { what: 'syncml', where: 'SyncML/SyncBody', message: /<Sync> is not used in SyncML DM/ });
    assertDecodeError(() => decodeWbxml(wbMsg([0x58, 0x4b, ...str('1'), 0x01, 0x01])), { what: 'syncml', where: 'SyncML/SyncBody', message: /<Map> is not used in SyncML DM/ });
  });

  it('SyncML 1.1 public id decodes with version 1.1', () => {
    assert.equal(decodeWbxml(wbMsg([0x12], [0x02, 0x9f, 0x53, 0x6a, 0x00])).version, '1.1');
  });

  it('an embedded TNDS that is not valid WBXML is a DecodeError on the Data path', () => {
    const type = [0x5a, 0x00, 0x01, 0x53, ...str('application/vnd.syncml.dmtnds+wbxml'), 0x01, 0x00, 0x00, 0x01];
    assertDecodeError(
      () => decodeWbxml(wbMsg([0x60, 0x4b, ...str('1'), 0x01, 0x54, ...type, 0x4f, 0xc3, 0x03, 0x02, 0xa4, 0x01, 0x01, 0x01, 0x01])),
      { what: 'syncml', where: 'SyncML/SyncBody/Replace[1]/Item[1]/Data', message: /embedded tnds document: wbxml: / },
    );
  });
});

// ---------------------------------------------------------------------------
// Deep nesting

describe('deep nesting never overflows the stack', () => {
  it('XML nested 50,000 deep is a LimitExceededError', () => {
    const input = xmlDoc('<Atomic>'.repeat(50_000));
    assertDecodeError(() => decodeXml(input), { cls: LimitExceededError, what: 'xml', where: `line 1, column ${input.indexOf('<Atomic>') + 62 * 8 + 1}`, message: /element nesting deeper than 64/ });
  });

  it('XML nested beyond a custom maxDepth', () => {
    assertDecodeError(() => decodeXml(xmlDoc('<Atomic><CmdID>1</CmdID>'.repeat(10) + '</Atomic>'.repeat(10)), { limits: { maxDepth: 8 } }), { cls: LimitExceededError, what: 'xml', where: /^line 1, column \d+$/, message: /deeper than 8/ });
  });

  it('XML element count beyond maxElements, and size beyond maxBytes', () => {
    assertDecodeError(() => decodeXml(xmlDoc('<Final/>'), { limits: { maxElements: 10 } }), { cls: LimitExceededError, what: 'xml', where: /^line 1, column \d+$/, message: /more than 10 elements/ });
    const bytes = new TextEncoder().encode(xmlDoc(''));
    assertDecodeError(() => decodeXml(bytes, { limits: { maxBytes: 100 } }), { cls: LimitExceededError, what: 'xml', where: 'byte 0', message: new RegExp(`document of ${bytes.length} bytes exceeds the 100-byte limit`) });
    assertDecodeError(() => decodeXml(xmlDoc(''), { limits: { maxBytes: 100 } }), { cls: LimitExceededError, what: 'xml', where: 'char 0', message: /exceeds the 100-byte limit/ });
  });

  it('WBXML nested 50,000 deep is a LimitExceededError', () => {
    assertDecodeError(() => decodeWbxml(wbMsg(Array(50_000).fill(0x48))), { cls: LimitExceededError, what: 'wbxml', where: `byte ${BODY_AT + 62}`, message: /element nesting deeper than 64/ });
  });

  it('embedded WBXML documents count their own depth', () => {
    const deepTnds = [0x02, 0x00, 0x00, 0x6a, 0x1b, ...utf8('-//OMA//DTD-DM-DDF 1.2//EN'), 0x00, 0x00, 0x02, ...Array(100).fill(0x64)];
    const type = [0x5a, 0x00, 0x01, 0x53, ...str('application/vnd.syncml.dmtnds+wbxml'), 0x01, 0x00, 0x00, 0x01];
    assertDecodeError(
      () => decodeWbxml(wbMsg([0x60, 0x4b, ...str('1'), 0x01, 0x54, ...type, 0x4f, 0xc3, ...mb(deepTnds.length), ...deepTnds, 0x01, 0x01, 0x01])),
      { what: 'syncml', where: 'SyncML/SyncBody/Replace[1]/Item[1]/Data', message: /element nesting deeper than 64/ },
    );
  });

  it('a raised maxDepth still never overflows the JS stack', () => {
    const limits = { maxDepth: 100_000 };
    const xml = xmlDoc('<Atomic><CmdID>1</CmdID>'.repeat(50_000) + '</Atomic>'.repeat(50_000));
    assert.throws(() => decodeXml(xml, { limits }), (e) => e instanceof DecodeError);
    assert.throws(() => decodeWbxml(wbMsg(Array(50_000).fill(0x48)), { limits }), (e) => e instanceof DecodeError);
  });
});
