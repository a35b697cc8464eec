// Package #0 digest and nonce resynchronisation (facts §7.2).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  decodePackage0,
  DEFAULT_RESET_NONCE_FORM,
  encodePackage0,
  resetNonce,
  verifyPackage0Digest,
  type ResetNonceForm,
} from '../../src/notification/index.js';
import { computePackage0Digest } from '../../src/security/index.js';

const serverId = 'com.mgmtsrv.manage';
const serverPassword = 'serverpwd';
const stored = new TextEncoder().encode('Nonce');
const fields = { uiMode: 1, initiator: 0, sessionId: 0x1234, serverId } as const;

describe('resetNonce', () => {
  it('has both readings of "0x00000000"', () => {
    assert.deepEqual(resetNonce('zero-bytes'), new Uint8Array(4));
    assert.deepEqual(resetNonce('ascii-hex'), new TextEncoder().encode('0x00000000'));
    assert.equal(DEFAULT_RESET_NONCE_FORM, 'zero-bytes');
    assert.deepEqual(resetNonce(), new Uint8Array(4));
  });
});

describe('computePackage0Digest', () => {
  it('is MD5(B64(MD5(id:pwd)) ":" nonce ":" B64(MD5(trigger))), raw', () => {
    const trigger = new Uint8Array(Buffer.from('02d0000000123412636f6d2e6d676d747372762e6d616e616765', 'hex'));
    const b64md5 = (d: Uint8Array | string): string => createHash('md5').update(d).digest('base64');
    for (const nonce of [stored, resetNonce('zero-bytes'), resetNonce('ascii-hex')]) {
      const expected = createHash('md5')
        .update(`${b64md5(`${serverId}:${serverPassword}`)}:`)
        .update(nonce)
        .update(`:${b64md5(trigger)}`)
        .digest();
      assert.deepEqual(computePackage0Digest(serverId, serverPassword, nonce, trigger), new Uint8Array(expected));
    }
  });
});

describe('verifyPackage0Digest with nonce resync', () => {
  const forms: ResetNonceForm[] = ['zero-bytes', 'ascii-hex'];

  for (const form of forms) {
    it(`matches a package signed with the ${form} reset nonce only when that form is configured`, () => {
      const d = decodePackage0(encodePackage0(fields, { serverPassword, nonce: resetNonce(form) }));
      const other: ResetNonceForm = form === 'zero-bytes' ? 'ascii-hex' : 'zero-bytes';
      assert.equal(verifyPackage0Digest(d, { serverPassword, nonce: stored }), null, 'resync off by default');
      assert.equal(verifyPackage0Digest(d, { serverPassword, nonce: stored, allowNonceResync: false, resetNonce: form }), null);
      assert.equal(verifyPackage0Digest(d, { serverPassword, nonce: stored, allowNonceResync: true, resetNonce: form }), 'reset');
      assert.equal(verifyPackage0Digest(d, { serverPassword, nonce: stored, allowNonceResync: true, resetNonce: other }), null);
      assert.equal(verifyPackage0Digest(d, { serverPassword: 'wrong', nonce: stored, allowNonceResync: true, resetNonce: form }), null);
    });
  }

  it('prefers the stored nonce', () => {
    const d = decodePackage0(encodePackage0(fields, { serverPassword, nonce: stored }));
    for (const form of forms) {
      assert.equal(verifyPackage0Digest(d, { serverPassword, nonce: stored, allowNonceResync: true, resetNonce: form }), 'stored');
    }
  });

  it('uses zero-bytes by default when resync is allowed', () => {
    const d = decodePackage0(encodePackage0(fields, { serverPassword, nonce: new Uint8Array(4) }));
    assert.equal(verifyPackage0Digest(d, { serverPassword, nonce: stored, allowNonceResync: true }), 'reset');
  });

  it('a stored nonce equal to the reset nonce reports stored', () => {
    const d = decodePackage0(encodePackage0(fields, { serverPassword, nonce: resetNonce('ascii-hex') }));
    assert.equal(verifyPackage0Digest(d, { serverPassword, nonce: resetNonce('ascii-hex'), allowNonceResync: true }), 'stored');
  });
});
