// Hostile input to the package #0 decoder: nothing but DecodeError may escape.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, LimitExceededError } from '../../src/errors.js';
import { decodePackage0, encodePackage0, PACKAGE0_DEFAULT_MAX_SIZE } from '../../src/notification/index.js';

const valid = encodePackage0(
  { uiMode: 1, initiator: 0, sessionId: 0x1234, serverId: 'com.mgmtsrv.manage' },
  { serverPassword: 'serverpwd', nonce: new TextEncoder().encode('Nonce') },
);

function decodeError(bytes: Uint8Array, options?: Parameters<typeof decodePackage0>[1]): DecodeError {
  try {
    decodePackage0(bytes, options);
  } catch (err) {
    assert.ok(err instanceof DecodeError, `not a DecodeError: ${String(err)}`);
    assert.equal(err.what, 'package0');
    assert.match(err.where, /^byte \d+$/);
    return err;
  }
  assert.fail(`decoded ${Buffer.from(bytes).toString('hex')}`);
}

describe('package #0 hostile input', () => {
  it('every truncation is a DecodeError', () => {
    assert.equal(valid.length, 42);
    for (let len = 0; len < valid.length; len++) {
      const err = decodeError(valid.subarray(0, len));
      assert.equal(err.where, len < 24 ? `byte ${len}` : 'byte 23', `length ${len}`);
    }
  });

  it('rejects a zero-length server id', () => {
    const b = new Uint8Array(valid);
    b[23] = 0;
    assert.equal(decodeError(b).where, 'byte 23');
  });

  it('rejects a declared length beyond the input', () => {
    const b = new Uint8Array(valid);
    b[23] = 19;
    assert.match(decodeError(b).message, /exceeds/);
  });

  it('rejects non-ASCII and control bytes in the server id, at their offset', () => {
    for (const bad of [0x80, 0xff, 0x00, 0x0a, 0x7f]) {
      const b = new Uint8Array(valid);
      b[30] = bad;
      assert.equal(decodeError(b).where, 'byte 30');
    }
  });

  it('rejects session id 0', () => {
    const b = new Uint8Array(valid);
    b[21] = 0;
    b[22] = 0;
    assert.equal(decodeError(b).where, 'byte 21');
  });

  it('rejects input over the size limit with LimitExceededError', () => {
    const big = new Uint8Array(PACKAGE0_DEFAULT_MAX_SIZE + 1);
    big.set(valid);
    const err = decodeError(big);
    assert.ok(err instanceof LimitExceededError);
    assert.equal(err.statusHint, 413);
    assert.equal(decodePackage0(big.subarray(0, PACKAGE0_DEFAULT_MAX_SIZE)).vendorSpecific.length, PACKAGE0_DEFAULT_MAX_SIZE - 42);
    assert.ok(decodeError(valid, { maxSize: 41 }) instanceof LimitExceededError);
  });

  it('random bytes never throw anything but DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1100 }), fc.boolean(), (bytes, strict) => {
        try {
          decodePackage0(bytes, { strictVersion: strict, strictFutureUse: strict });
        } catch (err) {
          assert.ok(err instanceof DecodeError, String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated valid packages never throw anything but DecodeError', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), (edits) => {
        const b = new Uint8Array(valid);
        for (const [at, v] of edits) b[at] = v;
        try {
          decodePackage0(b);
        } catch (err) {
          assert.ok(err instanceof DecodeError, String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
