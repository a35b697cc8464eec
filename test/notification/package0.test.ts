// Package #0 codec (facts §7.1, §7.2). Vector values are copied from
// shared/spec/vectors.json (package0).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, EncodeError } from '../../src/errors.js';
import {
  decodePackage0,
  encodePackage0,
  INITIATOR,
  PACKAGE0_CONTENT_TYPE,
  PACKAGE0_VERSION,
  UI_MODE,
  verifyPackage0Digest,
  type Initiator,
  type Package0Fields,
  type UiMode,
} from '../../src/notification/index.js';

const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

const V = {
  trigger_hex: '02d0000000123412636f6d2e6d676d747372762e6d616e616765',
  fields: { version: 11, uiMode: 1, initiator: 0, sessionId: 4660, serverId: 'com.mgmtsrv.manage' },
  serverPassword: 'serverpwd',
  nonce_ascii: 'Nonce',
  digest_hex: '83cf52982568e638899b600d4b9c3745',
};
const vectorFields: Package0Fields = V.fields as Package0Fields;
const vectorSecret = { serverPassword: V.serverPassword, nonce: ascii(V.nonce_ascii) };
const vectorBytes = hex(V.digest_hex + V.trigger_hex);

describe('package #0 vector', () => {
  it('encodes to the exact trigger bytes and digest', () => {
    const out = encodePackage0(vectorFields, vectorSecret);
    assert.equal(toHex(out.subarray(16)), V.trigger_hex);
    assert.equal(toHex(out.subarray(0, 16)), V.digest_hex);
    assert.deepEqual(out, vectorBytes);
  });

  it('header bytes are the spec appendix example', () => {
    assert.equal(toHex(vectorBytes.subarray(16, 24)).toUpperCase(), '02D0000000123412');
  });

  it('decodes every field', () => {
    const d = decodePackage0(vectorBytes);
    assert.deepEqual(
      { version: d.version, uiMode: d.uiMode, initiator: d.initiator, sessionId: d.sessionId, serverId: d.serverId },
      V.fields,
    );
    assert.equal(d.futureUse, 0);
    assert.equal(toHex(d.digest), V.digest_hex);
    assert.equal(toHex(d.trigger), V.trigger_hex);
    assert.deepEqual(d.vendorSpecific, new Uint8Array(0));
  });

  it('verifies with the stored nonce', () => {
    assert.equal(verifyPackage0Digest(decodePackage0(vectorBytes), vectorSecret), 'stored');
    assert.equal(verifyPackage0Digest(decodePackage0(vectorBytes), { ...vectorSecret, serverPassword: 'x' }), null);
    assert.equal(verifyPackage0Digest(decodePackage0(vectorBytes), { ...vectorSecret, nonce: ascii('nonce') }), null);
  });

  it('returns copies, not views of the input', () => {
    const input = Buffer.from(vectorBytes);
    const d = decodePackage0(input);
    input.fill(0);
    assert.equal(toHex(d.digest), V.digest_hex);
    assert.equal(Object.getPrototypeOf(d.trigger), Uint8Array.prototype);
  });
});

describe('encodePackage0', () => {
  const base: Package0Fields = { uiMode: UI_MODE.USER_INTERACTION, initiator: INITIATOR.SERVER, sessionId: 0xab, serverId: 'srv' };

  it('defaults the version to 11 and packs bits big-endian', () => {
    assert.equal(PACKAGE0_VERSION, 11);
    assert.equal(PACKAGE0_CONTENT_TYPE, 'application/vnd.syncml.notification');
    const out = encodePackage0(base, vectorSecret);
    // 0000001011 11 1 000… → 0x02 0xF8 0x00 0x00 0x00
    assert.equal(toHex(out.subarray(16, 24)), '02f800000000ab03');
    assert.equal(decodePackage0(out).version, 11);
  });

  it('appends vendor-specific bytes and covers them with the digest', () => {
    const vendor = new Uint8Array([1, 2, 3, 0xff]);
    const out = encodePackage0({ ...base, vendorSpecific: vendor }, vectorSecret);
    const d = decodePackage0(out);
    assert.deepEqual(d.vendorSpecific, vendor);
    assert.equal(verifyPackage0Digest(d, vectorSecret), 'stored');
    out[out.length - 1] ^= 1;
    assert.equal(verifyPackage0Digest(decodePackage0(out), vectorSecret), null);
  });

  it('validates every field', () => {
    const bad: Array<Partial<Record<keyof Package0Fields, unknown>>> = [
      { version: 1024 },
      { version: -1 },
      { version: 1.5 },
      { uiMode: 4 },
      { uiMode: -1 },
      { initiator: 2 },
      { sessionId: 0 },
      { sessionId: 0x10000 },
      { sessionId: 1.5 },
      { serverId: '' },
      { serverId: 'x'.repeat(256) },
      { serverId: 'sérveur' },
      { serverId: 'a\nb' },
      { vendorSpecific: [1, 2] },
    ];
    for (const patch of bad) {
      assert.throws(() => encodePackage0({ ...base, ...patch } as Package0Fields, vectorSecret), EncodeError, JSON.stringify(patch));
    }
    assert.throws(() => encodePackage0(base, { serverPassword: 'p', nonce: 'n' as unknown as Uint8Array }), EncodeError);
  });

  it('accepts the extremes', () => {
    for (const patch of [{ version: 0 }, { version: 1023 }, { sessionId: 1 }, { sessionId: 0xffff }, { serverId: '~'.repeat(255) }]) {
      const fields = { ...base, ...patch };
      const d = decodePackage0(encodePackage0(fields, vectorSecret));
      assert.equal(d.version, fields.version ?? 11);
      assert.equal(d.sessionId, fields.sessionId);
      assert.equal(d.serverId, fields.serverId);
    }
  });
});

describe('decodePackage0 options', () => {
  const withHeader = (header: string): Uint8Array => {
    const b = new Uint8Array(vectorBytes);
    b.set(hex(header), 16);
    return b;
  };

  it('reports unknown versions unless strictVersion', () => {
    const v12 = withHeader('0300'); // version 12, ui-mode 0
    assert.equal(decodePackage0(v12).version, 12);
    assert.throws(
      () => decodePackage0(v12, { strictVersion: true }),
      (e: unknown) => e instanceof DecodeError && e.where === 'byte 16' && /version 12/.test(e.message),
    );
    assert.equal(decodePackage0(withHeader('0280'), { strictVersion: true }).version, 10);
    assert.equal(decodePackage0(vectorBytes, { strictVersion: true }).version, 11);
  });

  it('reports future-use bits unless strictFutureUse', () => {
    const b = withHeader('02d7ffffff'); // all 27 future-use bits set
    const d = decodePackage0(b);
    assert.equal(d.futureUse, 0x7ffffff);
    assert.equal(d.version, 11);
    assert.equal(d.uiMode, 1);
    assert.equal(d.initiator, 0);
    assert.equal(decodePackage0(withHeader('02d0000001')).futureUse, 1);
    assert.equal(decodePackage0(withHeader('02d8000000')).initiator, 1);
    assert.throws(() => decodePackage0(withHeader('02d0000001'), { strictFutureUse: true }), DecodeError);
  });
});

describe('package #0 property', () => {
  const fieldsArb = fc.record({
    version: fc.integer({ min: 0, max: 1023 }),
    uiMode: fc.constantFrom<UiMode>(0, 1, 2, 3),
    initiator: fc.constantFrom<Initiator>(0, 1),
    sessionId: fc.integer({ min: 1, max: 0xffff }),
    serverId: fc.stringMatching(/^[\x20-\x7e]{1,255}$/),
    vendorSpecific: fc.uint8Array({ maxLength: 64 }),
  });

  it('round-trips fields and the digest verifies', () => {
    fc.assert(
      fc.property(fieldsArb, fc.string(), fc.uint8Array({ maxLength: 32 }), (fields, serverPassword, nonce) => {
        const bytes = encodePackage0(fields, { serverPassword, nonce });
        assert.equal(bytes.length, 24 + fields.serverId.length + fields.vendorSpecific.length);
        const d = decodePackage0(bytes, { maxSize: 4096 });
        assert.deepEqual(
          {
            version: d.version,
            uiMode: d.uiMode,
            initiator: d.initiator,
            sessionId: d.sessionId,
            serverId: d.serverId,
            vendorSpecific: d.vendorSpecific,
          },
          { ...fields },
        );
        assert.equal(d.futureUse, 0);
        assert.deepEqual(d.trigger, bytes.subarray(16));
        assert.equal(verifyPackage0Digest(d, { serverPassword, nonce }), 'stored');
      }),
    );
  });
});
