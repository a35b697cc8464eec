/**
 * Example-based tests of the SyncML codecs: a realistic package #1, escaping,
 * namespaces, WBXML headers and a hand-assembled byte vector, embedded TNDS /
 * DevInf in both encodings, binary Data, and what the encoders refuse.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { decodeWbxml, decodeXml, encodeMessage, sniffEncoding } from '../../src/syncml/codec.js';
import { encodeXml } from '../../src/syncml/xml-encoder.js';
import { encodeWbxml, encodeWbxmlCommand } from '../../src/syncml/wbxml-encoder.js';
import type { EmbeddedDocument, Item, ReplaceCommand, SyncMLMessage } from '../../src/syncml/model.js';
import { DecodeError, EncodeError } from '../../src/errors.js';

const utf8 = (s: string): number[] => [...new TextEncoder().encode(s)];
const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function tiny(commands: SyncMLMessage['body']['commands'] = [], final = true): SyncMLMessage {
  return {
    version: '1.2',
    header: { verDTD: '1.2', verProto: 'DM/1.2', sessionID: '1', msgID: '1', target: { locURI: 'a' }, source: { locURI: 'b' } },
    body: { commands, final },
  };
}

function firstItem(m: SyncMLMessage): Item {
  const c = m.body.commands[0] as { items?: Item[]; item?: Item };
  return c.items ? c.items[0] : c.item!;
}

// ---------------------------------------------------------------------------

const PKG1 = `<?xml version="1.0" encoding="UTF-8"?>
<SyncML xmlns="SYNCML:SYNCML1.2">
  <SyncHdr>
    <VerDTD>1.2</VerDTD>
    <VerProto>DM/1.2</VerProto>
    <SessionID>1A2B</SessionID>
    <MsgID>1</MsgID>
    <Target>
      <LocURI>https://dm.example.com/oma-dm</LocURI>
    </Target>
    <Source>
      <LocURI>IMEI:357924080021735</LocURI>
      <LocName>Bruce2</LocName>
    </Source>
    <Cred>
      <Meta><Format xmlns="syncml:metinf">b64</Format><Type xmlns="syncml:metinf">syncml:auth-md5</Type></Meta>
      <Data>Zz6EivR3yeaaENcRN6lpAQ==</Data>
    </Cred>
    <Meta><MaxMsgSize xmlns="syncml:metinf">16384</MaxMsgSize><MaxObjSize xmlns="syncml:metinf">524288</MaxObjSize></Meta>
  </SyncHdr>
  <SyncBody>
    <Alert>
      <CmdID>1</CmdID>
      <Data>1201</Data>
    </Alert>
    <Replace>
      <CmdID>2</CmdID>
      <Meta><Format xmlns="syncml:metinf">chr</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta>
      <Item>
        <Source><LocURI>./DevInfo/DevId</LocURI></Source>
        <Data>IMEI:357924080021735</Data>
      </Item>
      <Item>
        <Source><LocURI>./DevInfo/Man</LocURI></Source>
        <Data>Northwind Devices</Data>
      </Item>
      <Item>
        <Source><LocURI>./DevInfo/Lang</LocURI></Source>
        <Data>en-US</Data>
      </Item>
      <Item>
        <Source><LocURI>./DevInfo/DmV</LocURI></Source>
        <Data>1.2</Data>
      </Item>
    </Replace>
    <Final/>
  </SyncBody>
</SyncML>
`;

const PKG1_MODEL: SyncMLMessage = {
  version: '1.2',
  header: {
    verDTD: '1.2',
    verProto: 'DM/1.2',
    sessionID: '1A2B',
    msgID: '1',
    target: { locURI: 'https://dm.example.com/oma-dm' },
    source: { locURI: 'IMEI:357924080021735', locName: 'Bruce2' },
    cred: { meta: { format: 'b64', type: 'syncml:auth-md5' }, data: 'Zz6EivR3yeaaENcRN6lpAQ==' },
    meta: { maxMsgSize: 16384, maxObjSize: 524288 },
  },
  body: {
    commands: [
      { kind: 'Alert', cmdID: '1', data: 1201, items: [] },
      {
        kind: 'Replace',
        cmdID: '2',
        meta: { format: 'chr', type: 'text/plain' },
        items: [
          { source: { locURI: './DevInfo/DevId' }, data: 'IMEI:357924080021735' },
          { source: { locURI: './DevInfo/Man' }, data: 'Northwind Devices' },
          { source: { locURI: './DevInfo/Lang' }, data: 'en-US' },
          { source: { locURI: './DevInfo/DmV' }, data: '1.2' },
        ],
      },
    ],
    final: true,
  },
};

describe('package #1 in XML', () => {
  it('decodes to the expected model', () => {
    assert.deepStrictEqual(decodeXml(PKG1), PKG1_MODEL);
  });

  it('decodes the same from UTF-8 bytes, with or without a BOM', () => {
    assert.deepStrictEqual(decodeXml(new TextEncoder().encode(PKG1)), PKG1_MODEL);
    assert.deepStrictEqual(decodeXml(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8(PKG1)])), PKG1_MODEL);
  });

  it('re-encodes to XML and WBXML that decode to the same model', () => {
    assert.deepStrictEqual(decodeXml(encodeXml(PKG1_MODEL, { indent: 2, declaration: true })), PKG1_MODEL);
    assert.deepStrictEqual(decodeWbxml(encodeWbxml(PKG1_MODEL)), PKG1_MODEL);
    assert.deepStrictEqual(decodeXml(encodeMessage(PKG1_MODEL, 'xml')), PKG1_MODEL);
    assert.deepStrictEqual(decodeWbxml(encodeMessage(PKG1_MODEL, 'wbxml')), PKG1_MODEL);
  });

  it('is written in the Synthesis RTK element order', () => {
    const xml = encodeXml(PKG1_MODEL);
    const order = ['<VerDTD>', '<VerProto>', '<SessionID>', '<MsgID>', '<Target>', '<Source>', '<Cred>', '<Meta>', '</SyncHdr>', '<Alert>', '<Replace>', '<Final/>'];
    const at = order.map((t) => xml.indexOf(t));
    assert.ok(at.every((p, i) => p >= 0 && (i === 0 || p > at[i - 1])), `order ${JSON.stringify(at)}`);
  });

  it('sniffs as XML, its WBXML as WBXML', () => {
    assert.equal(sniffEncoding(new TextEncoder().encode(PKG1)), 'xml');
    assert.equal(sniffEncoding(encodeWbxml(PKG1_MODEL)), 'wbxml');
  });

  it('trims layout whitespace around identifiers but not inside Data', () => {
    const m = decodeXml(PKG1.replace('<MsgID>1</MsgID>', '<MsgID>\n  1\t</MsgID>').replace('<Data>en-US</Data>', '<Data>  en-US \n</Data>'));
    assert.equal(m.header.msgID, '1');
    assert.equal((m.body.commands[1] as ReplaceCommand).items[2].data, '  en-US \n');
  });
});

// ---------------------------------------------------------------------------

describe('XML escaping', () => {
  const withData = (data: string): SyncMLMessage => tiny([{ kind: 'Replace', cmdID: '1', items: [{ target: { locURI: './x' }, data }] }]);

  it('escapes & < > and writes \\r as a character reference', () => {
    const xml = encodeXml(withData('a&b<c>d\re]]>f'));
    assert.ok(xml.includes('<Data>a&amp;b&lt;c&gt;d&#13;e]]&gt;f</Data>'), xml);
  });

  it('& < > and ]]> come back as they were', () => {
    const s = 'Tom & Jerry <ops> say: 5 > 3 && ]]> "quoted" \'single\' é 😀';
    assert.equal(firstItem(decodeXml(encodeXml(withData(s)))).data, s);
  });

  it('escapes identifiers and Meta text too', () => {
    const m = tiny([{ kind: 'Get', cmdID: '<1&>', meta: { type: 'a&b' }, items: [{ target: { locURI: './a<b>' } }] }]);
    const xml = encodeXml(m);
    assert.ok(xml.includes('<CmdID>&lt;1&amp;&gt;</CmdID>'));
    assert.ok(xml.includes('<Type xmlns="syncml:metinf">a&amp;b</Type>'));
    assert.ok(xml.includes('<LocURI>./a&lt;b&gt;</LocURI>'));
    assert.deepStrictEqual(decodeXml(xml), m);
  });

  it('reads the predefined entities and character references', () => {
    const m = decodeXml(encodeXml(withData('x')).replace('<Data>x</Data>', '<Data>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x1F600;</Data>'));
    assert.equal(firstItem(m).data, '<>&"\'AB😀');
  });

  it('\\r survives an XML round trip', () => {
    assert.equal(firstItem(decodeXml(encodeXml(withData('a\rb\r\nc')))).data, 'a\rb\r\nc');
  });

  it('literal line ends are normalised to \\n, as XML requires', () => {
    const m = decodeXml(encodeXml(withData('x')).replace('<Data>x</Data>', '<Data>a\r\nb\rc</Data>'));
    assert.equal(firstItem(m).data, 'a\nb\nc');
  });

  it('Data keeps whitespace exactly; empty Data is <Data/> and reads back as ""', () => {
    for (const s of ['  padded  ', '\n', '\t\t', ' ']) assert.equal(firstItem(decodeXml(encodeXml(withData(s), { indent: 2 }))).data, s);
    const xml = encodeXml(withData(''));
    assert.ok(xml.includes('<Data/>'));
    assert.equal(firstItem(decodeXml(xml)).data, '');
  });
});

describe('CDATA', () => {
  const wrap = (data: string): string => encodeXml(tiny([{ kind: 'Replace', cmdID: '1', items: [{ data: 'x' }] }])).replace('<Data>x</Data>', `<Data>${data}</Data>`);

  it('is read as text, markup and all', () => {
    assert.equal(firstItem(decodeXml(wrap('<![CDATA[<b>Authorised use only</b> & monitored]]>'))).data, '<b>Authorised use only</b> & monitored');
  });

  it('joins with the text around it', () => {
    assert.equal(firstItem(decodeXml(wrap('a&amp;<![CDATA[<&>]]>b<![CDATA[]]>c<!-- note -->d'))).data, 'a&<&>bcd');
  });

  it('an unterminated CDATA section is a DecodeError', () => {
    assert.throws(() => decodeXml(wrap('<![CDATA[abc')), (e) => e instanceof DecodeError && e.what === 'xml' && /unterminated CDATA section/.test(e.message));
  });
});

// ---------------------------------------------------------------------------

describe('XML namespaces', () => {
  it('puts SYNCML:SYNCML1.2 on the root and syncml:metinf on every meta child (exact output)', () => {
    const m = tiny([{ kind: 'Get', cmdID: '2', meta: { format: 'chr', mem: { sharedMem: true, freeMem: 5 } }, items: [{ target: { locURI: './x' } }] }]);
    assert.equal(encodeXml(m),
      '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>'
      + '<Target><LocURI>a</LocURI></Target><Source><LocURI>b</LocURI></Source></SyncHdr>'
      + '<SyncBody><Get><CmdID>2</CmdID><Meta><Format xmlns="syncml:metinf">chr</Format>'
      + '<Mem xmlns="syncml:metinf"><SharedMem xmlns="syncml:metinf"/><FreeMem xmlns="syncml:metinf">5</FreeMem></Mem></Meta>'
      + '<Item><Target><LocURI>./x</LocURI></Target></Item></Get><Final/></SyncBody></SyncML>');
  });

  it('writes SYNCML:SYNCML1.1 for version 1.1', () => {
    assert.ok(encodeXml({ ...tiny(), version: '1.1' }).startsWith('<SyncML xmlns="SYNCML:SYNCML1.1">'));
  });

  it('with { declaration, indent } starts with the XML declaration and lays out elements', () => {
    const xml = encodeXml(tiny(), { declaration: true, indent: 2 });
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n+<SyncML xmlns="SYNCML:SYNCML1.2">\n {2}<SyncHdr>\n {4}<VerDTD>1.2<\/VerDTD>/);
    assert.ok(xml.endsWith('</SyncML>\n'));
    assert.ok(encodeXml(tiny(), { declaration: true }).startsWith('<?xml version="1.0" encoding="UTF-8"?><SyncML'));
  });

  it('with { declaration, indent } puts the root on the line right after the declaration', () => {
    assert.ok(encodeXml(tiny(), { declaration: true, indent: 2 }).startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<SyncML '));
  });

  it('the Meta element itself stays in the SyncML namespace', () => {
    const xml = encodeXml(tiny([{ kind: 'Get', cmdID: '2', meta: { format: 'chr' }, items: [{}] }]));
    assert.ok(xml.includes('<Meta><Format xmlns="syncml:metinf">chr</Format></Meta>'));
  });
});

// ---------------------------------------------------------------------------

describe('WBXML header', () => {
  it('is 02 A4 01 6A 00 for SyncML 1.2 (WBXML 1.2, public id 0x1201, UTF-8, no string table)', () => {
    assert.equal(toHex(encodeWbxml(tiny()).subarray(0, 5)), '02a4016a00');
  });

  it('is 02 9F 53 6A 00 for SyncML 1.1 (public id 0x0FD3)', () => {
    assert.equal(toHex(encodeWbxml({ ...tiny(), version: '1.1' }).subarray(0, 5)), '029f536a00');
  });

  it('starts with the requested WBXML version byte', () => {
    for (const version of [1, 2, 3] as const) assert.equal(encodeWbxml(tiny(), { version })[0], version);
    assert.throws(() => encodeWbxml(tiny(), { version: 4 as 1 }), EncodeError);
  });

  it('a public id in the string table is understood', () => {
    const fpi = utf8('-//SYNCML//DTD SyncML 1.2//EN');
    const body = encodeWbxml(tiny()).subarray(5);
    const input = Uint8Array.from([0x03, 0x00, 0x00, 0x6a, fpi.length + 1, ...fpi, 0x00, ...body]);
    assert.deepStrictEqual(decodeWbxml(input), tiny());
  });

  it('WBXML 1.0 (no charset field) and "unknown" public id 0x01 are understood', () => {
    const body = encodeWbxml(tiny()).subarray(5);
    assert.deepStrictEqual(decodeWbxml(Uint8Array.from([0x00, 0xa4, 0x01, 0x00, ...body])), tiny());
    assert.deepStrictEqual(decodeWbxml(Uint8Array.from([0x02, 0x01, 0x6a, 0x00, ...body])), tiny());
  });
});

/**
 * A hand-assembled WBXML message (checked with libwbxml: `wbxml2xml -o out.xml in.wbxml`
 * renders it as the SyncML 1.2 document below, with `<Data><![CDATA[v]]></Data>`):
 *
 *   <SyncML><SyncHdr>VerDTD 1.2, VerProto DM/1.2, SessionID 1, MsgID 1, Target a, Source b</SyncHdr>
 *   <SyncBody><Replace><CmdID>2</CmdID><Meta><Format>chr</Format></Meta>
 *     <Item><Target><LocURI>./x</LocURI></Target><Data>v</Data></Item></Replace><Final/></SyncBody></SyncML>
 */
const TINY_VECTOR = `
  02 a4 01 6a 00                    version 1.2, public id 0x1201, charset 106 (UTF-8), string table 0
  6d                                SyncML (0x2d | content)
    6c                              SyncHdr (0x2c)
      71 03 31 2e 32 00 01          VerDTD (0x31) STR_I "1.2" END
      72 03 44 4d 2f 31 2e 32 00 01 VerProto (0x32) STR_I "DM/1.2" END
      65 03 31 00 01                SessionID (0x25) "1"
      5b 03 31 00 01                MsgID (0x1b) "1"
      6e 57 03 61 00 01 01          Target (0x2e) LocURI (0x17) "a"
      67 57 03 62 00 01 01          Source (0x27) LocURI "b"
    01                              END SyncHdr
    6b                              SyncBody (0x2b)
      60                            Replace (0x20)
        4b 03 32 00 01              CmdID (0x0b) "2"
        5a                          Meta (0x1a)
          00 01                     SWITCH_PAGE 1 (MetInf)
          47 03 63 68 72 00 01      Format (0x07) "chr"
          00 00                     SWITCH_PAGE 0 before Meta's END
        01                          END Meta
        54                          Item (0x14)
          6e 57 03 2e 2f 78 00 01 01  Target LocURI "./x"
          4f 03 76 00 01            Data (0x0f) "v"
        01                          END Item
      01                            END Replace
      12                            Final (0x12, no content)
    01                              END SyncBody
  01                                END SyncML`;

const TINY_MODEL: SyncMLMessage = tiny([{ kind: 'Replace', cmdID: '2', meta: { format: 'chr' }, items: [{ target: { locURI: './x' }, data: 'v' }] }]);

function vectorBytes(annotated: string): Uint8Array {
  return fromHex(annotated.split('\n').map((line) => (/^\s*((?:[0-9a-f]{2}\s)*[0-9a-f]{2})(\s|$)/.exec(line)?.[1] ?? '')).join(''));
}

describe('WBXML hand-made vector', () => {
  it('encodes to exactly the hand-assembled bytes', () => {
    const expected = vectorBytes(TINY_VECTOR);
    assert.equal(expected.length, 89);
    assert.equal(toHex(encodeWbxml(TINY_MODEL)), toHex(expected));
  });

  it('decodes from them', () => {
    assert.deepStrictEqual(decodeWbxml(vectorBytes(TINY_VECTOR)), TINY_MODEL);
  });

  it('the header-only message (no Meta) is exactly 53 bytes', () => {
    assert.equal(toHex(encodeWbxml(tiny())),
      '02a4016a006d6c7103312e3200017203444d2f312e32000165033100015b033100016e57036100010167570362000101016b120101');
  });

  it('every Meta switches back to page 0 before its END, so a command encodes the same anywhere', () => {
    const replace = toHex(encodeWbxmlCommand(TINY_MODEL.body.commands[0]));
    assert.ok(toHex(vectorBytes(TINY_VECTOR)).includes(replace));
    const twice = toHex(encodeWbxml(tiny([...TINY_MODEL.body.commands, ...TINY_MODEL.body.commands])));
    assert.ok(twice.includes(replace + replace));
  });
});

// ---------------------------------------------------------------------------

const TNDS: EmbeddedDocument = {
  kind: 'tnds',
  root: {
    name: 'MgmtTree',
    children: [
      { name: 'VerDTD', children: ['1.2'] },
      {
        name: 'Node',
        children: [
          { name: 'NodeName', children: ['DevInfo'] },
          { name: 'RTProperties', children: [{ name: 'Format', children: [{ name: 'node', children: [] }] }] },
          { name: 'Node', children: [{ name: 'NodeName', children: ['Man'] }, { name: 'Value', children: ['Acme & Co <Ltd>'] }] },
        ],
      },
    ],
  },
};

const DEVINF: EmbeddedDocument = {
  kind: 'devinf',
  root: { name: 'DevInf', children: [{ name: 'VerDTD', children: ['1.2'] }, { name: 'Man', children: ['Acme'] }, { name: 'Rx-Pref', children: [] }] },
};

const TNDS_XML = 'application/vnd.syncml.dmtnds+xml';
const TNDS_WBXML = 'application/vnd.syncml.dmtnds+wbxml';
const DEVINF_XML = 'application/vnd.syncml-devinf+xml';
const DEVINF_WBXML = 'application/vnd.syncml-devinf+wbxml';

function resultsWith(type: string, data: EmbeddedDocument, onCommand = false): SyncMLMessage {
  const meta = { format: 'xml', type };
  return tiny([{
    kind: 'Results', cmdID: '3', msgRef: '1', cmdRef: '2',
    ...(onCommand ? { meta } : {}),
    items: [{ source: { locURI: './DevInfo' }, ...(onCommand ? {} : { meta }), data }],
  }]);
}

describe('embedded TNDS and DevInf', () => {
  it('TNDS is inline markup in XML, in the DM DDF namespace', () => {
    const xml = encodeXml(resultsWith(TNDS_XML, TNDS));
    assert.ok(xml.includes('<Data><MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD><Node><NodeName>DevInfo</NodeName>'), xml);
    assert.ok(xml.includes('<Value>Acme &amp; Co &lt;Ltd&gt;</Value>'));
    assert.ok(xml.includes('<Format><node/></Format>'));
    assert.deepStrictEqual(decodeXml(xml), resultsWith(TNDS_XML, TNDS));
    assert.deepStrictEqual(decodeXml(encodeXml(resultsWith(TNDS_XML, TNDS), { indent: 2 })), resultsWith(TNDS_XML, TNDS));
  });

  it('TNDS is a nested WBXML document in OPAQUE, its Type rewritten to +wbxml', () => {
    const bytes = encodeWbxml(resultsWith(TNDS_XML, TNDS));
    const hex = toHex(bytes);
    assert.ok(hex.includes(toHex(Uint8Array.from(utf8(TNDS_WBXML)))), 'Type is +wbxml on the wire');
    assert.ok(!hex.includes(toHex(Uint8Array.from(utf8(TNDS_XML)))), 'no +xml Type on the wire');
    // OPAQUE, length, then the nested header: WBXML 1.2, public id in the string table at 0, UTF-8, the DM DDF FPI, SWITCH_PAGE 2, MgmtTree.
    const fpi = toHex(Uint8Array.from(utf8('-//OMA//DTD-DM-DDF 1.2//EN')));
    assert.match(hex, new RegExp(`4fc3[0-9a-f]{2,4}0200006a1b${fpi}00000260`));
    const back = decodeWbxml(bytes);
    assert.deepStrictEqual(back, resultsWith(TNDS_WBXML, TNDS));
    // …and back to XML, where the Type is +xml again.
    assert.equal(encodeXml(back), encodeXml(resultsWith(TNDS_XML, TNDS)));
  });

  it('a Type on the command applies to its items', () => {
    assert.deepStrictEqual(decodeWbxml(encodeWbxml(resultsWith(TNDS_XML, TNDS, true))), resultsWith(TNDS_WBXML, TNDS, true));
    assert.deepStrictEqual(decodeXml(encodeXml(resultsWith(TNDS_WBXML, TNDS, true))), resultsWith(TNDS_XML, TNDS, true));
  });

  it('DevInf round-trips in both encodings, Type rewritten', () => {
    const xml = encodeXml(resultsWith(DEVINF_WBXML, DEVINF));
    assert.ok(xml.includes(`<Type xmlns="syncml:metinf">${DEVINF_XML}</Type>`));
    assert.ok(xml.includes('<Data><DevInf xmlns="syncml:devinf"><VerDTD>1.2</VerDTD><Man>Acme</Man><Rx-Pref/></DevInf></Data>'), xml);
    assert.deepStrictEqual(decodeXml(xml), resultsWith(DEVINF_XML, DEVINF));
    const bytes = encodeWbxml(resultsWith(DEVINF_XML, DEVINF));
    // Nested DevInf: WBXML 1.2, public id 0x1203 (A4 03), UTF-8, no string table, DevInf (0x0a | content).
    assert.ok(toHex(bytes).includes('02a4036a004a'), toHex(bytes));
    assert.deepStrictEqual(decodeWbxml(bytes), resultsWith(DEVINF_WBXML, DEVINF));
  });

  it("libwbxml's XML rendering of our TNDS message decodes to the same model", () => {
    // Output of `wbxml2xml` for encodeWbxml(resultsWith(TNDS_XML, …)) of a smaller tree (libwbxml rewrites +wbxml to +xml).
    const libwbxml = `<?xml version="1.0"?>
<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN" "http://www.openmobilealliance.org/tech/DTD/OMA-TS-SyncML_RepPro_DTD-V1_2.dtd">
<SyncML xmlns="SYNCML:SYNCML1.2">
<SyncHdr>
<VerDTD>1.2</VerDTD>
<VerProto>DM/1.2</VerProto>
<SessionID>1</SessionID>
<MsgID>1</MsgID>
<Target>
<LocURI>a</LocURI>
</Target>
<Source>
<LocURI>b</LocURI>
</Source>
</SyncHdr>
<SyncBody>
<Results>
<CmdID>3</CmdID>
<CmdRef>2</CmdRef>
<Item>
<Source>
<LocURI>./DevInfo</LocURI>
</Source>
<Meta>
<Format xmlns="syncml:metinf">xml</Format>
<Type xmlns="syncml:metinf">application/vnd.syncml.dmtnds+xml</Type>
</Meta>
<Data><MgmtTree xmlns="syncml:dmddf1.2">
<VerDTD>1.2</VerDTD>
<Node>
<NodeName>DevInfo</NodeName>
<Node>
<NodeName>Man</NodeName>
<Value>Acme</Value>
</Node>
</Node>
</MgmtTree>
</Data>
</Item>
</Results>
<Final/>
</SyncBody>
</SyncML>
`;
    const tree: EmbeddedDocument = {
      kind: 'tnds',
      root: {
        name: 'MgmtTree',
        children: [
          { name: 'VerDTD', children: ['1.2'] },
          { name: 'Node', children: [{ name: 'NodeName', children: ['DevInfo'] }, { name: 'Node', children: [{ name: 'NodeName', children: ['Man'] }, { name: 'Value', children: ['Acme'] }] }] },
        ],
      },
    };
    const expected = tiny([{ kind: 'Results', cmdID: '3', cmdRef: '2', items: [{ source: { locURI: './DevInfo' }, meta: { format: 'xml', type: TNDS_XML }, data: tree }] }]);
    assert.deepStrictEqual(decodeXml(libwbxml), expected);
  });

  it('an embedded document whose Type disagrees with its WBXML vocabulary is a DecodeError', () => {
    const bytes = encodeWbxml(resultsWith(TNDS_XML, DEVINF));
    assert.throws(() => decodeWbxml(bytes), (e) => e instanceof DecodeError && e.where === 'SyncML/SyncBody/Results[1]/Item[1]/Data' && /announces tnds but the embedded WBXML is devinf/.test(e.message));
  });
});

// ---------------------------------------------------------------------------

describe('binary Data', () => {
  const bin = Uint8Array.from([0x00, 0x01, 0xfe, 0xff, 0x80, 0x03, 0xc3]);
  const withBytes = (format: string | undefined): SyncMLMessage =>
    tiny([{ kind: 'Replace', cmdID: '1', ...(format ? { meta: { format } } : {}), items: [{ target: { locURI: './fw' }, data: bin }] }]);

  it('is OPAQUE (C3, length, bytes) in WBXML and comes back as a plain Uint8Array', () => {
    const bytes = encodeWbxml(withBytes('bin'));
    assert.ok(toHex(bytes).includes('4fc307' + toHex(bin) + '01'), toHex(bytes));
    const data = firstItem(decodeWbxml(bytes)).data;
    assert.ok(data instanceof Uint8Array);
    assert.equal(Object.getPrototypeOf(data), Uint8Array.prototype);
    assert.deepStrictEqual(data, bin);
  });

  it('is base64 text in XML', () => {
    const xml = encodeXml(withBytes('bin'));
    assert.ok(xml.includes(`<Data>${Buffer.from(bin).toString('base64')}</Data>`), xml);
    assert.equal(firstItem(decodeXml(xml)).data, 'AAH+/4ADww==');
  });

  it('a Format on the Item overrides the command\'s when deciding bytes vs text', () => {
    const m = tiny([{ kind: 'Replace', cmdID: '1', meta: { format: 'chr' }, items: [{ meta: { format: 'bin' }, data: Uint8Array.from([0x41]) }] }]);
    assert.deepStrictEqual(decodeWbxml(encodeWbxml(m)), m);
  });

  it('OPAQUE under a text Format is read as UTF-8 text (libwbxml writes text that way)', () => {
    const m = tiny([{ kind: 'Replace', cmdID: '1', meta: { format: 'chr' }, items: [{ data: Uint8Array.from(utf8('héllo')) }] }]);
    assert.equal(firstItem(decodeWbxml(encodeWbxml(m))).data, 'héllo');
  });

  it('OPAQUE that is not UTF-8 stays bytes whatever the Format', () => {
    assert.deepStrictEqual(firstItem(decodeWbxml(encodeWbxml(withBytes(undefined)))).data, bin);
  });

  it('empty bytes are an empty OPAQUE', () => {
    const m = tiny([{ kind: 'Replace', cmdID: '1', meta: { format: 'bin' }, items: [{ data: new Uint8Array(0) }] }]);
    assert.ok(toHex(encodeWbxml(m)).includes('4fc30001'));
    assert.deepStrictEqual(decodeWbxml(encodeWbxml(m)), m);
  });
});

// ---------------------------------------------------------------------------

describe('what the encoders refuse', () => {
  const withText = (data: string, cmdID = '1'): SyncMLMessage => tiny([{ kind: 'Replace', cmdID, items: [{ data }] }]);

  it('XML: control characters, U+FFFE/U+FFFF and U+0000 are EncodeErrors', () => {
    for (const s of ['a\u0001b', '\u0000', '\u001f', '\u000b', '\ufffe', '\uffff']) {
      assert.throws(() => encodeXml(withText(s)), (e) => e instanceof EncodeError && /XML 1.0 cannot carry/.test(e.message), JSON.stringify(s));
    }
    assert.throws(() => encodeXml(withText('x', 'id\u0002')), EncodeError);
  });

  it('XML: lone surrogates are EncodeErrors', () => {
    for (const s of ['\ud800', 'a\udc00b', '\ud83d']) {
      assert.throws(() => encodeXml(withText(s)), (e) => e instanceof EncodeError && /lone UTF-16 surrogate/.test(e.message), JSON.stringify(s));
    }
  });

  it('WBXML: U+0000 and lone surrogates are EncodeErrors; other controls are fine', () => {
    assert.throws(() => encodeWbxml(withText('a\u0000b')), (e) => e instanceof EncodeError && /U\+0000/.test(e.message));
    assert.throws(() => encodeWbxml(withText('\udfff')), (e) => e instanceof EncodeError && /lone UTF-16 surrogate/.test(e.message));
    assert.equal(firstItem(decodeWbxml(encodeWbxml(withText('a\u0001b')))).data, 'a\u0001b');
  });

  it('structural impossibilities are EncodeErrors', () => {
    assert.throws(() => encodeXml(tiny([{ kind: 'Get', cmdID: '1', items: [] }])), EncodeError);
    assert.throws(() => encodeWbxml(tiny([{ kind: 'Atomic', cmdID: '1', commands: [{ kind: 'Status', cmdID: '2', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: 200, items: [] }] }])), EncodeError);
    assert.throws(() => encodeXml(tiny([{ kind: 'Alert', cmdID: '1', data: 12000, items: [] }])), EncodeError);
    assert.throws(() => encodeXml(tiny([{ kind: 'Alert', cmdID: '1', data: 1.5, items: [] }])), EncodeError);
    assert.throws(() => encodeWbxml({ ...tiny(), header: { ...tiny().header, meta: { maxMsgSize: -1 } } }), EncodeError);
    const badName: EmbeddedDocument = { kind: 'tnds', root: { name: 'MgmtTree', children: [{ name: 'NotADdfName', children: [] }] } };
    assert.throws(() => encodeWbxml(resultsWith(TNDS_XML, badName)), EncodeError);
    const mixed: EmbeddedDocument = { kind: 'tnds', root: { name: 'MgmtTree', children: ['text', { name: 'Node', children: [] }] } };
    assert.throws(() => encodeXml(resultsWith(TNDS_XML, mixed)), EncodeError);
  });
});

// ---------------------------------------------------------------------------

describe('Meta Types that are Object.prototype keys', () => {
  const TYPES = ['constructor', 'toString', '__proto__', 'hasOwnProperty'];

  it('encode like any other Type', () => {
    for (const type of TYPES) {
      const m = tiny([{ kind: 'Replace', cmdID: '1', meta: { type }, items: [{ data: 'x' }] }]);
      assert.deepStrictEqual(decodeXml(encodeXml(m)), m, type);
      assert.deepStrictEqual(decodeWbxml(encodeWbxml(m)), m, type);
    }
  });

  it('never announce an embedded document', () => {
    const str = (s: string): number[] => [0x03, ...utf8(s), 0x00];
    for (const type of TYPES) {
      const prefix = encodeWbxml(tiny([], false));
      const body = [0x60, 0x4b, ...str('1'), 0x01, 0x5a, 0x00, 0x01, 0x47, ...str('bin'), 0x01, 0x53, ...str(type), 0x01, 0x00, 0x00, 0x01,
        0x54, 0x4f, 0xc3, 0x02, 0x01, 0x02, 0x01, 0x01, 0x01];
      // Splice the Replace into the empty SyncBody (…6b 01 01 → …6b <body> 01 01).
      assert.equal(toHex(prefix.subarray(-3)), '6b0101');
      const bytes = Uint8Array.from([...prefix.subarray(0, prefix.length - 2), ...body, 0x01, 0x01]);
      const m = decodeWbxml(bytes);
      assert.deepStrictEqual(firstItem(m).data, Uint8Array.from([0x01, 0x02]), type);
    }
  });
});
