import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { DecodeError, EncodeError, LimitExceededError } from '../../src/errors.js';
import {
  MAX_CONTENT_TYPE_LENGTH,
  MediaType,
  WSP_CONTENT_TYPES,
  classifyDmContentType,
  dmMediaTypeFor,
  formatContentType,
  isDmMessageMediaType,
  parseContentType,
  wspContentTypeCode,
  wspMediaType,
} from '../../src/syncml/media-types.js';

/** Compare a params object by content (it has a null prototype). */
function plain(params: Readonly<Record<string, string>>): Record<string, string> {
  return { ...params };
}

describe('MediaType constants', () => {
  it('holds the names from the facts sheet, all lower case and unique', () => {
    const values = Object.values(MediaType);
    assert.equal(new Set(values).size, values.length);
    for (const v of values) assert.equal(v, v.toLowerCase());
    assert.equal(MediaType.DM_XML, 'application/vnd.syncml.dm+xml');
    assert.equal(MediaType.DM_WBXML, 'application/vnd.syncml.dm+wbxml');
    assert.equal(MediaType.LEGACY_SYNCML_XML, 'application/vnd.syncml+xml');
    assert.equal(MediaType.LEGACY_SYNCML_WBXML, 'application/vnd.syncml+wbxml');
    assert.equal(MediaType.NOTIFICATION, 'application/vnd.syncml.notification');
    assert.equal(MediaType.TNDS_XML, 'application/vnd.syncml.dmtnds+xml');
    assert.equal(MediaType.TNDS_WBXML, 'application/vnd.syncml.dmtnds+wbxml');
    assert.equal(MediaType.DDF_XML, 'application/vnd.syncml.dmddf+xml');
    assert.equal(MediaType.DDF_WBXML, 'application/vnd.syncml.dmddf+wbxml');
    assert.equal(MediaType.DEVINF_XML, 'application/vnd.syncml-devinf+xml');
    assert.equal(MediaType.DEVINF_WBXML, 'application/vnd.syncml-devinf+wbxml');
    assert.equal(MediaType.CONNECTIVITY_WBXML, 'application/vnd.wap.connectivity-wbxml');
    assert.equal(MediaType.CONNECTIVITY_XML, 'text/vnd.wap.connectivity-xml');
    assert.ok(Object.isFrozen(MediaType));
  });

  it('every constant parses back to itself', () => {
    for (const v of Object.values(MediaType)) assert.equal(parseContentType(v).mediaType, v);
  });

  it('dmMediaTypeFor', () => {
    assert.equal(dmMediaTypeFor('xml'), MediaType.DM_XML);
    assert.equal(dmMediaTypeFor('wbxml'), MediaType.DM_WBXML);
  });
});

describe('WSP well-known content types', () => {
  const table: ReadonlyArray<[number, string]> = [
    [0x44, 'application/vnd.syncml.notification'],
    [0x42, 'application/vnd.syncml.dm+wbxml'],
    [0x43, 'application/vnd.syncml.dm+xml'],
    [0x36, 'application/vnd.wap.connectivity-wbxml'],
    [0x35, 'text/vnd.wap.connectivity-xml'],
  ];
  for (const [code, type] of table) {
    it(`0x${code.toString(16)} ⇄ ${type}`, () => {
      assert.equal(wspMediaType(code), type);
      assert.equal(wspContentTypeCode(type), code);
      assert.equal(wspContentTypeCode(type.toUpperCase()), code);
    });
  }
  it('has exactly these rows', () => assert.equal(WSP_CONTENT_TYPES.length, table.length));
  it('unknown entries', () => {
    assert.equal(wspMediaType(0xc4), undefined); // short-integer form is not the table value
    assert.equal(wspMediaType(0), undefined);
    assert.equal(wspContentTypeCode(MediaType.TNDS_WBXML), undefined);
    assert.equal(wspContentTypeCode('application/vnd.syncml+xml'), undefined);
  });
});

describe('parseContentType: accepted input', () => {
  const cases: ReadonlyArray<[string, string, Record<string, string>]> = [
    ['application/vnd.syncml.dm+xml', 'application/vnd.syncml.dm+xml', {}],
    ['APPLICATION/VND.SYNCML.DM+WBXML', 'application/vnd.syncml.dm+wbxml', {}],
    ['application/vnd.syncml.dm+xml; charset=utf-8', 'application/vnd.syncml.dm+xml', { charset: 'utf-8' }],
    ['application/vnd.syncml.dm+xml;charset="UTF-8"', 'application/vnd.syncml.dm+xml', { charset: 'UTF-8' }],
    ['  application/vnd.syncml+xml ;\tCharSet = utf-8\t', 'application/vnd.syncml+xml', { charset: 'utf-8' }],
    [
      'application/vnd.syncml.dm+wbxml; SEC=USERPIN; MAC=4639DEAE5DD39BDF0634EED9C49CAF07A4D8E16B',
      'application/vnd.syncml.dm+wbxml',
      { sec: 'USERPIN', mac: '4639DEAE5DD39BDF0634EED9C49CAF07A4D8E16B' },
    ],
    [
      'application/vnd.wap.connectivity-wbxml;sec=NETWPIN;mac="9275088636c12f48a0e775b2574a8215cb1bc26f"',
      'application/vnd.wap.connectivity-wbxml',
      { sec: 'NETWPIN', mac: '9275088636c12f48a0e775b2574a8215cb1bc26f' },
    ],
    ['text/plain; x="a \\"quoted\\" \\\\ value"', 'text/plain', { x: 'a "quoted" \\ value' }],
    ['text/plain; x=""', 'text/plain', { x: '' }],
    ['text/plain; x="a;b=c"', 'text/plain', { x: 'a;b=c' }],
    ['text/plain;', 'text/plain', {}],
    ['text/plain;; a=1 ;', 'text/plain', { a: '1' }],
    ['text/plain; name="caf\u00e9"', 'text/plain', { name: 'caf\u00e9' }],
    ['text/plain; proto=1; __proto=2', 'text/plain', { proto: '1', __proto: '2' }],
  ];
  for (const [header, mediaType, params] of cases) {
    it(JSON.stringify(header), () => {
      const parsed = parseContentType(header);
      assert.equal(parsed.mediaType, mediaType);
      assert.deepEqual(plain(parsed.params), params);
    });
  }

  it('params has no prototype and is frozen', () => {
    const { params } = parseContentType('text/plain; a=1');
    assert.equal(Object.getPrototypeOf(params), null);
    assert.ok(Object.isFrozen(params));
    assert.equal(params.toString, undefined);
  });

  it('accepts a header of exactly the limit', () => {
    const base = 'text/plain; a=';
    const header = base + 'x'.repeat(MAX_CONTENT_TYPE_LENGTH - base.length);
    assert.equal(header.length, MAX_CONTENT_TYPE_LENGTH);
    assert.equal(parseContentType(header).params.a?.length, MAX_CONTENT_TYPE_LENGTH - base.length);
  });
});

describe('parseContentType: rejected input throws DecodeError', () => {
  const bad: ReadonlyArray<[string, unknown]> = [
    ['missing', undefined],
    ['not a string', 42],
    ['empty', ''],
    ['whitespace only', '   '],
    ['no subtype', 'application'],
    ['empty subtype', 'application/'],
    ['empty type', '/xml'],
    ['two slashes', 'application/vnd/x'],
    ['space inside type', 'application /xml'],
    ['space after slash', 'application/ xml'],
    ['comma list', 'application/vnd.syncml.dm+xml, text/plain'],
    ['missing semicolon', 'text/plain charset=utf-8'],
    ['parameter without value', 'text/plain; charset'],
    ['parameter with empty value', 'text/plain; charset='],
    ['parameter without name', 'text/plain; =utf-8'],
    ['unterminated quote', 'text/plain; charset="utf-8'],
    ['dangling escape', 'text/plain; a="x\\'],
    ['junk after quoted value', 'text/plain; a="x"y'],
    ['control char in quoted value', 'text/plain; a="x\u0001"'],
    ['DEL in quoted value', 'text/plain; a="x\u007f"'],
    ['CR LF injection', 'text/plain\r\nX-Evil: 1'],
    ['NUL', 'text/plain\u0000'],
    ['non-latin1 char', 'text/plain; a="\u20ac"'],
    ['non-ASCII in type', 'text/pl\u00e4in'],
    ['duplicate parameter', 'text/plain; a=1; a=2'],
    ['duplicate parameter, different case', 'application/vnd.syncml.dm+wbxml; SEC=USERPIN; sec=NETWPIN'],
    ['__proto__ parameter', 'text/plain; __proto__=x'],
    ['__PROTO__ parameter', 'text/plain; __PROTO__="x"'],
    ['constructor parameter', 'text/plain; constructor=x'],
    ['prototype parameter', 'text/plain; prototype=x'],
    ['too long', 'text/plain; a=' + 'x'.repeat(MAX_CONTENT_TYPE_LENGTH)],
  ];
  for (const [label, header] of bad) {
    it(label, () => {
      assert.throws(
        () => parseContentType(header as string),
        (err: unknown) => {
          assert.ok(err instanceof DecodeError, `expected DecodeError, got ${String(err)}`);
          assert.equal(err.what, 'content-type');
          assert.equal(err.where, 'header');
          return true;
        },
      );
    });
  }

  it('too long is a LimitExceededError (status 413)', () => {
    assert.throws(() => parseContentType('x'.repeat(MAX_CONTENT_TYPE_LENGTH + 1)), LimitExceededError);
  });

  it('malformed input hints 400 and never echoes control characters', () => {
    try {
      parseContentType('text/plain\u0007');
      assert.fail('should have thrown');
    } catch (err) {
      assert.ok(err instanceof DecodeError);
      assert.equal(err.statusHint, 400);
      assert.ok(!err.message.includes('\u0007'));
      assert.match(err.message, /U\+0007/);
    }
  });

  it('nothing leaks onto Object.prototype', () => {
    try {
      parseContentType('text/plain; __proto__=polluted');
    } catch {
      // expected
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('classifyDmContentType', () => {
  const good: ReadonlyArray<[string, 'xml' | 'wbxml', boolean]> = [
    ['application/vnd.syncml.dm+xml', 'xml', false],
    ['application/vnd.syncml.dm+wbxml', 'wbxml', false],
    ['application/vnd.syncml+xml', 'xml', true],
    ['application/vnd.syncml+wbxml', 'wbxml', true],
    ['Application/Vnd.SyncML.DM+XML; charset=UTF-8', 'xml', false],
    ['application/vnd.syncml+xml;charset="utf-8"', 'xml', true],
    ['application/vnd.syncml.dm+wbxml; SEC=USERNETWPIN; MAC=ABCDEF', 'wbxml', false],
  ];
  for (const [header, encoding, legacy] of good) {
    it(`${header} → ${encoding}${legacy ? ' (legacy)' : ''}`, () => {
      const r = classifyDmContentType(header);
      assert.equal(r.encoding, encoding);
      assert.equal(r.legacy, legacy);
      assert.ok(isDmMessageMediaType(r.mediaType));
    });
  }

  it('passes bootstrap security parameters and charset through', () => {
    const r = classifyDmContentType('application/vnd.syncml.dm+wbxml; SEC=USERPIN; MAC=4639DEAE; charset=utf-8');
    assert.deepEqual(plain(r.params), { sec: 'USERPIN', mac: '4639DEAE', charset: 'utf-8' });
  });

  const notDm = [
    MediaType.NOTIFICATION,
    MediaType.TNDS_WBXML,
    MediaType.DDF_XML,
    MediaType.DEVINF_XML,
    MediaType.CONNECTIVITY_WBXML,
    MediaType.CONNECTIVITY_XML,
    'application/xml',
    'text/xml',
    'application/vnd.syncml.dm+json',
    'application/vnd.syncml.ds+xml',
  ];
  for (const header of notDm) {
    it(`${header} is not a DM message (415)`, () => {
      assert.throws(
        () => classifyDmContentType(header),
        (err: unknown) => {
          assert.ok(err instanceof DecodeError);
          assert.equal(err.what, 'content-type');
          assert.equal(err.where, 'header');
          assert.equal(err.statusHint, 415);
          return true;
        },
      );
    });
  }

  for (const header of [undefined, '', 'application/vnd.syncml.dm+xml; charset', 'application/vnd.syncml.dm+xml; a=1; A=2']) {
    it(`malformed ${JSON.stringify(header)} throws DecodeError (400)`, () => {
      assert.throws(
        () => classifyDmContentType(header),
        (err: unknown) => err instanceof DecodeError && err.statusHint === 400,
      );
    });
  }
});

describe('formatContentType', () => {
  it('writes tokens bare and other values quoted', () => {
    assert.equal(formatContentType(MediaType.DM_XML), 'application/vnd.syncml.dm+xml');
    assert.equal(
      formatContentType(MediaType.DM_WBXML, { SEC: 'USERPIN', MAC: '4639DEAE' }),
      'application/vnd.syncml.dm+wbxml; SEC=USERPIN; MAC=4639DEAE',
    );
    assert.equal(formatContentType('text/plain', { a: 'x y', b: 'q"\\', c: '' }), 'text/plain; a="x y"; b="q\\"\\\\"; c=""');
  });

  it('round-trips through parseContentType', () => {
    const params = { charset: 'utf-8', note: 'a "b"; c\\d', sec: 'USERPIN' };
    const parsed = parseContentType(formatContentType(MediaType.DM_XML, params));
    assert.equal(parsed.mediaType, MediaType.DM_XML);
    assert.deepEqual(plain(parsed.params), params);
  });

  const bad: ReadonlyArray<[string, Record<string, string>]> = [
    ['text', {}],
    ['text/', {}],
    ['te xt/plain', {}],
    ['text/plain', { 'bad name': 'x' }],
    ['text/plain', { constructor: 'x' }],
    ['text/plain', { a: 'line\r\nbreak' }],
    ['text/plain', { a: '\u20ac' }],
  ];
  for (const [type, params] of bad) {
    it(`rejects ${JSON.stringify(type)} ${JSON.stringify(params)}`, () => {
      assert.throws(() => formatContentType(type, params), EncodeError);
    });
  }
});
