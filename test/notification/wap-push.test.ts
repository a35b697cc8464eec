import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeWapPush, encodeWapPush, PushApplicationId, encodePackage0 } from '../../src/notification/index.js';
import { DecodeError } from '../../src/errors.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// oma-dm-facts-2.md §F.2: a CP bootstrap push with SEC=NETWPIN and a MAC, addressed to wml.ua.
const CP_BODY = hex('030b6a00c54601c600015501873600000603773700010101');
const CP_MAC = '86A0288254B69DFAA6E8D8A59BCFD8D38F27621A';

test('encodes the worked CP bootstrap push byte for byte', () => {
  const bytes = encodeWapPush({
    tid: 1, pduType: 0x06, contentType: 'application/vnd.wap.connectivity-wbxml', sec: 0, mac: CP_MAC,
    applicationId: PushApplicationId.WML_UA, body: CP_BODY,
  });
  const expected = Buffer.concat([hex('01 06 31 1F 2D B6 91 80 92'), Buffer.from(CP_MAC), hex('00 AF 82'), CP_BODY]);
  assert.equal(Buffer.from(bytes).toString('hex'), expected.toString('hex'));
  const back = decodeWapPush(bytes);
  assert.equal(back.contentType, 'application/vnd.wap.connectivity-wbxml');
  assert.equal(back.sec, 0);
  assert.equal(back.mac, CP_MAC);
  assert.equal(back.applicationId, PushApplicationId.WML_UA);
  assert.deepEqual(back.body, CP_BODY);
});

test('a package #0 push: short content type 0xC4 and app id syncml.dm (0x87)', () => {
  const p0 = encodePackage0({ uiMode: 0, initiator: 1, sessionId: 7, serverId: 'srv' }, { serverPassword: 'x', nonce: new Uint8Array(4) });
  const bytes = encodeWapPush({ tid: 1, pduType: 0x06, contentType: 'application/vnd.syncml.notification', applicationId: PushApplicationId.SYNCML_DM, body: p0 });
  // The spec appendix example: 01 06 03 C4 AF 87.
  assert.equal(Buffer.from(bytes.subarray(0, 6)).toString('hex'), '010603c4af87');
  const back = decodeWapPush(bytes);
  assert.equal(back.contentType, 'application/vnd.syncml.notification');
  assert.deepEqual(back.body, p0);
});

test('round trip and hostile input', () => {
  fc.assert(fc.property(
    fc.record({
      tid: fc.integer({ min: 0, max: 255 }),
      pduType: fc.constantFrom(0x06 as const, 0x07 as const),
      contentType: fc.constantFrom('application/vnd.syncml.notification', 'application/vnd.syncml.dm+wbxml', 'application/x-custom'),
      sec: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      mac: fc.option(fc.stringMatching(/^[0-9A-F]{40}$/), { nil: undefined }),
      applicationId: fc.option(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom('x-wap-application:syncml.dm')), { nil: undefined }),
      body: fc.uint8Array({ maxLength: 300 }),
    }),
    (p) => {
      const push = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as unknown as Parameters<typeof encodeWapPush>[0];
      const back = decodeWapPush(encodeWapPush(push));
      assert.deepEqual(back, push);
    },
  ), { numRuns: 300 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
    try { decodeWapPush(bytes); } catch (e) { assert.ok(e instanceof DecodeError, String(e)); }
  }), { numRuns: 2000 });
});
