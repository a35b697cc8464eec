/**
 * Round-trip properties of the SyncML codecs over every message the
 * arbitraries produce (see arbitraries.ts for what "canonical" means).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { decodeWbxml, decodeXml } from '../../src/syncml/codec.js';
import { encodeXml } from '../../src/syncml/xml-encoder.js';
import { encodeWbxml } from '../../src/syncml/wbxml-encoder.js';
import type { DataValue, SyncMLMessage } from '../../src/syncml/model.js';
import { arbCommand, arbMessage, sampleMessage } from './arbitraries.js';

const NUM_RUNS = 300;

/** Fail on any Buffer in a decoded model (deepStrictEqual would too, but this names the place). */
function assertPlainBytes(value: unknown, path = 'msg'): void {
  if (value instanceof Uint8Array) {
    assert.equal(Object.getPrototypeOf(value), Uint8Array.prototype, `${path} is a ${value.constructor.name}, not a plain Uint8Array`);
    return;
  }
  if (Array.isArray(value)) value.forEach((v, i) => assertPlainBytes(v, `${path}[${i}]`));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) assertPlainBytes(v, `${path}.${k}`);
  }
}

function xmlRoundTrip(m: SyncMLMessage, options?: { indent?: number; declaration?: boolean }): void {
  const xml = encodeXml(m, options);
  const back = decodeXml(xml);
  assert.deepStrictEqual(back, m);
  // Bytes in, same model out.
  assert.deepStrictEqual(decodeXml(new TextEncoder().encode(xml)), m);
}

describe('XML round trip', () => {
  // The XML decoder currently turns the `&#13;` the encoder writes for `\r`
  // into `\n` (line-end normalisation runs after entity expansion), so the
  // properties that must pass today use messages without `\r`; the todo test
  // below is the same property with `\r`.
  it('decodeXml(encodeXml(m)) deep-equals m', () => {
    fc.assert(fc.property(arbMessage({ encoding: 'xml', carriageReturn: false }), (m) => xmlRoundTrip(m)), { numRuns: NUM_RUNS });
  });

  it('…with { indent: 2, declaration: true }', () => {
    fc.assert(fc.property(arbMessage({ encoding: 'xml', carriageReturn: false }), (m) => xmlRoundTrip(m, { indent: 2, declaration: true })), { numRuns: NUM_RUNS });
  });

  it('…with { indent: 1 } and { declaration: true } alone', () => {
    fc.assert(fc.property(arbMessage({ encoding: 'xml', carriageReturn: false }), (m) => {
      xmlRoundTrip(m, { indent: 1 });
      xmlRoundTrip(m, { declaration: true });
    }), { numRuns: 100 });
  });

  it('decodeXml(encodeXml(m)) deep-equals m, texts with \\r', () => {
    fc.assert(fc.property(arbMessage({ encoding: 'xml' }), (m) => xmlRoundTrip(m, { indent: 2 })), { numRuns: NUM_RUNS });
  });

  it('the sample message round-trips', () => {
    xmlRoundTrip(sampleMessage());
    xmlRoundTrip(sampleMessage(), { indent: 4, declaration: true });
  });
});

describe('WBXML round trip', () => {
  for (const version of [1, 2, 3] as const) {
    it(`decodeWbxml(encodeWbxml(m, { version: ${version} })) deep-equals m`, () => {
      fc.assert(fc.property(arbMessage({ encoding: 'wbxml' }), (m) => {
        const bytes = encodeWbxml(m, { version });
        assert.equal(bytes[0], version);
        const back = decodeWbxml(bytes);
        assertPlainBytes(back);
        assert.deepStrictEqual(back, m);
      }), { numRuns: version === 2 ? NUM_RUNS : 150 });
    });
  }

  it('decoded bytes do not alias the input', () => {
    fc.assert(fc.property(arbMessage({ encoding: 'wbxml' }), (m) => {
      const bytes = encodeWbxml(m);
      const back = decodeWbxml(bytes);
      bytes.fill(0xff);
      assert.deepStrictEqual(back, m);
    }), { numRuns: 100 });
  });

  it('decoding a Buffer gives plain, unaliased Uint8Array data', () => {
    fc.assert(fc.property(arbMessage({ encoding: 'wbxml' }), (m) => {
      const buf = Buffer.from(encodeWbxml(m));
      const back = decodeWbxml(buf);
      buf.fill(0xff);
      assertPlainBytes(back);
      assert.deepStrictEqual(back, m);
    }), { numRuns: 100 });
  });

  it('the sample message round-trips', () => {
    assert.deepStrictEqual(decodeWbxml(encodeWbxml(sampleMessage())), sampleMessage());
  });
});

describe('cross-encoding stability', () => {
  it('XML → model → WBXML → model → XML gives the same XML', () => {
    fc.assert(fc.property(arbMessage({ encoding: 'xml' }), (m) => {
      const xml1 = encodeXml(m);
      const m1 = decodeXml(xml1);
      const m2 = decodeWbxml(encodeWbxml(m1));
      assert.equal(encodeXml(m2), encodeXml(m1));
      // …and with the `\r`-free messages, the first XML itself.
    }), { numRuns: NUM_RUNS });
  });

  it('XML → model → WBXML → model → XML is the identity on \\r-free messages', () => {
    fc.assert(fc.property(arbMessage({ encoding: 'xml', carriageReturn: false }), (m) => {
      const xml = encodeXml(m, { indent: 2 });
      const m2 = decodeWbxml(encodeWbxml(decodeXml(xml)));
      assert.equal(encodeXml(m2, { indent: 2 }), xml);
    }), { numRuns: NUM_RUNS });
  });

  it('WBXML → model → XML → model → WBXML gives the same bytes when there is no binary Data', () => {
    const hasBytes = (v: unknown): boolean => v instanceof Uint8Array
      || (typeof v === 'object' && v !== null && Object.values(v).some(hasBytes));
    fc.assert(fc.property(arbMessage({ encoding: 'wbxml', carriageReturn: false }).filter((m) => !hasBytes(m)), (m) => {
      const bytes = encodeWbxml(m);
      const m2 = decodeXml(encodeXml(decodeWbxml(bytes)));
      assert.deepStrictEqual(encodeWbxml(m2), bytes);
    }), { numRuns: 150 });
  });

  it('binary Data (Format bin) becomes its base64 text in XML', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
      const m = sampleMessage();
      m.body.commands = [{ kind: 'Replace', cmdID: '1', meta: { format: 'bin' }, items: [{ target: { locURI: './x' }, data }] }];
      const back = decodeXml(encodeXml(decodeWbxml(encodeWbxml(m))));
      const item = (back.body.commands[0] as { items: { data?: DataValue }[] }).items[0];
      assert.equal(item.data, Buffer.from(data).toString('base64'));
    }), { numRuns: 100 });
  });
});

describe('commands in isolation', () => {
  it('every command kind round-trips alone in a body, both encodings', () => {
    for (const encoding of ['xml', 'wbxml'] as const) {
      fc.assert(fc.property(arbCommand({ encoding, carriageReturn: false }), (cmd) => {
        const m = sampleMessage();
        m.body.commands = [cmd];
        const back = encoding === 'xml' ? decodeXml(encodeXml(m)) : decodeWbxml(encodeWbxml(m));
        assert.deepStrictEqual(back, m);
      }), { numRuns: 150 });
    }
  });
});
