// Base64, nonces, constant-time comparison and auth-type names (facts §4).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, DmvisorError } from '../../src/errors.js';
import {
  AAUTH_TYPE_BY_META,
  AUTH_BASIC,
  AUTH_MAC,
  AUTH_MD5,
  META_BY_AAUTH_TYPE,
  NONCE_LENGTH,
  constantTimeEqual,
  createNonce,
  decodeBase64,
  defaultRandomSource,
  encodeBase64,
  metaTypeForAAuthType,
  parseAuthMetaType,
} from '../../src/security/index.js';

describe('base64', () => {
  it('round-trips arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        assert.deepEqual(decodeBase64(encodeBase64(bytes)), bytes);
      }),
    );
  });

  it('encodes known values and works on subarray views', () => {
    assert.equal(encodeBase64(new TextEncoder().encode('Nonce')), 'Tm9uY2U=');
    const big = new Uint8Array([0, 1, 2, 0x4e, 0x6f, 0x6e, 0x63, 0x65, 9]);
    assert.equal(encodeBase64(big.subarray(3, 8)), 'Tm9uY2U=');
    assert.deepEqual(decodeBase64(''), new Uint8Array(0));
  });

  it('skips XML whitespace', () => {
    assert.deepEqual(decodeBase64(' Tm9u\r\n\tY2U= \n'), new TextEncoder().encode('Nonce'));
  });

  it('rejects invalid base64 with a positioned DecodeError', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['Tm9u*2U=', 'char 4', /invalid base64 character/],
      ['Tm9uY2U', 'char 7', /multiple of 4/],
      ['Tm9uY2U=A', 'char 8', /after "="/],
      ['Tm9uY===', 'char 7', /more than two/],
      ['Tm9uY2V=', 'char 8', /non-canonical/],
      ['Tm9u-_U=', 'char 4', /invalid/],
      ['Tm9uY2U=====', 'char 9', /more than two/],
    ];
    for (const [text, where, reason] of cases) {
      assert.throws(
        () => decodeBase64(text, 'NextNonce'),
        (err: unknown) => err instanceof DecodeError && err.what === 'NextNonce' && err.where === where && reason.test(err.message),
        text,
      );
    }
  });

  it('never throws anything but DecodeError', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          decodeBase64(s);
        } catch (err) {
          assert.ok(err instanceof DecodeError);
        }
      }),
    );
  });
});

describe('createNonce', () => {
  it('returns 16 bytes from the injected source', () => {
    const seen: number[] = [];
    const nonce = createNonce((n) => {
      seen.push(n);
      return new Uint8Array(n).fill(7);
    });
    assert.deepEqual(seen, [NONCE_LENGTH]);
    assert.equal(NONCE_LENGTH, 16);
    assert.deepEqual(nonce, new Uint8Array(16).fill(7));
  });

  it('uses the CSPRNG by default and returns plain Uint8Arrays', () => {
    const a = createNonce();
    const b = createNonce();
    assert.equal(a.length, 16);
    assert.equal(Object.getPrototypeOf(a), Uint8Array.prototype);
    assert.notDeepEqual(a, b);
    assert.equal(defaultRandomSource(3).length, 3);
  });

  it('refuses a source that returns too few bytes', () => {
    assert.throws(() => createNonce(() => new Uint8Array(8)), DmvisorError);
  });
});

describe('constantTimeEqual', () => {
  it('compares bytes and strings', () => {
    assert.equal(constantTimeEqual('abc', 'abc'), true);
    assert.equal(constantTimeEqual('abc', 'abd'), false);
    assert.equal(constantTimeEqual('abc', 'abcd'), false);
    assert.equal(constantTimeEqual('', ''), true);
    assert.equal(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
    assert.equal(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0])), false);
    assert.equal(constantTimeEqual(new Uint8Array([0x61]), 'a'), true);
  });

  it('agrees with plain equality', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
        assert.equal(constantTimeEqual(a, b), Buffer.from(a).equals(Buffer.from(b)));
      }),
    );
  });
});

describe('auth type names', () => {
  it('has the Meta Type strings and the AAuthType mapping', () => {
    assert.equal(AUTH_BASIC, 'syncml:auth-basic');
    assert.equal(AUTH_MD5, 'syncml:auth-md5');
    assert.equal(AUTH_MAC, 'syncml:auth-MAC');
    assert.deepEqual({ ...META_BY_AAUTH_TYPE }, { BASIC: AUTH_BASIC, DIGEST: AUTH_MD5, HMAC: AUTH_MAC });
    for (const [meta, aauth] of Object.entries(AAUTH_TYPE_BY_META)) {
      assert.equal(META_BY_AAUTH_TYPE[aauth], meta);
    }
  });

  it('recognises received names case-insensitively', () => {
    assert.equal(parseAuthMetaType('syncml:auth-mac'), AUTH_MAC);
    assert.equal(parseAuthMetaType(' SYNCML:AUTH-MD5 '), AUTH_MD5);
    assert.equal(parseAuthMetaType('syncml:auth-X509'), undefined);
    assert.equal(metaTypeForAAuthType('digest'), AUTH_MD5);
    assert.equal(metaTypeForAAuthType('HMAC'), AUTH_MAC);
    assert.equal(metaTypeForAAuthType('HTTP-BASIC'), undefined);
    assert.equal(metaTypeForAAuthType('toString'), undefined);
    assert.equal(metaTypeForAAuthType('__proto__'), undefined);
  });
});
