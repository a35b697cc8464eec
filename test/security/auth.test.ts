// auth-basic, auth-md5 and HMAC-MD5 (facts §4.1, §4.3). Vector values are
// copied from shared/spec/vectors.json (auth_basic, auth_md5, hmac_md5).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { AuthError, EncodeError } from '../../src/errors.js';
import {
  computeHmacMac,
  computeMd5Cred,
  createHmacHeader,
  decodeBasicCred,
  encodeBasicCred,
  md5CredentialHash,
  parseHmacHeader,
  verifyBasicCred,
  verifyHmacMac,
  verifyMd5Cred,
  type Md5Secret,
} from '../../src/security/index.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

const V = {
  auth_basic: { username: 'Bruce2', password: 'OhBehave', cred: 'QnJ1Y2UyOk9oQmVoYXZl' },
  auth_md5: { username: 'Bruce2', password: 'OhBehave', nonce_ascii: 'Nonce', cred: 'Zz6EivR3yeaaENcRN6lpAQ==' },
  hmac_md5: {
    username: 'Bruce2',
    password: 'OhBehave',
    nonce_ascii: 'Nonce',
    body: '<SyncML xmlns="SYNCML:SYNCML1.2"></SyncML>',
    mac: 'aSBvnDHzBa7JhdjeEEUR2g==',
  },
};

describe('auth-basic', () => {
  const { username, password, cred } = V.auth_basic;

  it('matches the spec vector', () => {
    assert.equal(encodeBasicCred(username, password), cred);
    assert.deepEqual(decodeBasicCred(cred), { username, password });
    assert.equal(verifyBasicCred(cred, username, password), true);
  });

  it('rejects a wrong password or user', () => {
    assert.equal(verifyBasicCred(cred, username, 'OhBehave!'), false);
    assert.equal(verifyBasicCred(cred, 'Bruce', password), false);
  });

  it('accepts wrapped base64 and splits at the first colon', () => {
    assert.equal(verifyBasicCred('QnJ1Y2Uy\r\nOk9oQmVoYXZl', username, password), true);
    const data = encodeBasicCred('u', 'p:a:ss');
    assert.deepEqual(decodeBasicCred(data), { username: 'u', password: 'p:a:ss' });
  });

  it('round-trips UTF-8 names and passwords', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }).filter((u) => !u.includes(':')), fc.string({ unit: 'grapheme' }), (u, p) => {
        const data = encodeBasicCred(u, p);
        assert.deepEqual(decodeBasicCred(data), { username: u, password: p });
        assert.equal(verifyBasicCred(data, u, p), true);
      }),
    );
  });

  it('refuses to encode a username containing ":"', () => {
    assert.throws(() => encodeBasicCred('a:b', 'x'), EncodeError);
  });

  it('throws AuthError on garbage and returns false from verify', () => {
    const garbage = ['', '!!!!', 'QnJ1Y2Uy', 'QnJ1Y2UyOk9oQmVoYXZl=', '/w==', 'Zm9v'];
    for (const g of garbage) {
      assert.throws(() => decodeBasicCred(g), AuthError, g);
      assert.equal(verifyBasicCred(g, username, password), false);
    }
  });

  it('never throws anything but AuthError from decode', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          decodeBasicCred(s);
        } catch (err) {
          assert.ok(err instanceof AuthError, String(err));
        }
      }),
    );
  });
});

describe('auth-md5', () => {
  const { username, password, nonce_ascii, cred } = V.auth_md5;
  const nonce = ascii(nonce_ascii);
  const withPassword: Md5Secret = { username, password };
  const withHash: Md5Secret = { username, storedHash: md5CredentialHash(username, password) };

  it('matches the spec vector from the password and from the stored hash', () => {
    assert.equal(computeMd5Cred(withPassword, nonce), cred);
    assert.equal(computeMd5Cred(withHash, nonce), cred);
    assert.equal(verifyMd5Cred(cred, withPassword, nonce), true);
    assert.equal(verifyMd5Cred(cred, withHash, nonce), true);
  });

  it('the stored hash is B64(MD5(user:pass))', () => {
    assert.equal(md5CredentialHash(username, password), createHash('md5').update('Bruce2:OhBehave').digest('base64'));
  });

  it('uses the raw nonce bytes', () => {
    assert.notEqual(computeMd5Cred(withPassword, ascii('Tm9uY2U=')), cred);
    assert.equal(verifyMd5Cred(cred, withPassword, ascii('Nonce2')), false);
  });

  it('rejects wrong credentials and malformed data without throwing', () => {
    assert.equal(verifyMd5Cred(cred, { username, password: 'x' }, nonce), false);
    for (const bad of ['', 'Zz6EivR3yeaaENcRN6lpAQ', 'Zz6EivR3yeaaENcRN6lpAQ==Zz', '%%%%']) {
      assert.equal(verifyMd5Cred(bad, withPassword, nonce), false);
    }
  });

  it('throws AuthError (500) on a malformed stored hash', () => {
    for (const storedHash of ['', 'not base64!', 'QnJ1Y2Uy']) {
      assert.throws(
        () => computeMd5Cred({ username, storedHash }, nonce),
        (err: unknown) => err instanceof AuthError && err.statusHint === 500,
      );
    }
  });
});

describe('HMAC-MD5 (syncml:auth-MAC)', () => {
  const { username, password, nonce_ascii, body, mac } = V.hmac_md5;
  const nonce = ascii(nonce_ascii);
  const secret: Md5Secret = { username, password };

  it('matches the vector', () => {
    assert.equal(computeHmacMac(secret, nonce, ascii(body)), mac);
    assert.equal(computeHmacMac({ username, storedHash: md5CredentialHash(username, password) }, nonce, ascii(body)), mac);
    assert.equal(verifyHmacMac(mac, secret, nonce, ascii(body)), true);
  });

  it('agrees with the formula computed directly', () => {
    const b64md5 = (d: Uint8Array | string): string => createHash('md5').update(d).digest('base64');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 200 }), (n, b) => {
        const expected = createHash('md5')
          .update(`${b64md5(`${username}:${password}`)}:`)
          .update(n)
          .update(`:${b64md5(b)}`)
          .digest('base64');
        assert.equal(computeHmacMac(secret, n, b), expected);
      }),
    );
  });

  it('detects any change of body, nonce or password', () => {
    assert.equal(verifyHmacMac(mac, secret, nonce, ascii(`${body}\n`)), false);
    assert.equal(verifyHmacMac(mac, secret, ascii('nonce'), ascii(body)), false);
    assert.equal(verifyHmacMac(mac, { username, password: 'ohbehave' }, nonce, ascii(body)), false);
    assert.equal(verifyHmacMac('not*base64', secret, nonce, ascii(body)), false);
  });

  it('builds a header that parses back and verifies', () => {
    const header = createHmacHeader(secret, nonce, ascii(body));
    assert.equal(header, `algorithm=MD5, username="Bruce2", mac=${mac}`);
    const parsed = parseHmacHeader(header);
    assert.deepEqual(parsed, { algorithm: 'MD5', username, mac });
    assert.equal(verifyHmacMac(parsed.mac, secret, nonce, ascii(body)), true);
  });
});
