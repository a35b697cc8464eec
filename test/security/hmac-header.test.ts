// The x-syncml-hmac header value (facts §4.3): tolerant parse, strict format.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, EncodeError, LimitExceededError } from '../../src/errors.js';
import { formatHmacHeader, HMAC_HEADER_MAX_LENGTH, HMAC_HEADER_NAME, parseHmacHeader } from '../../src/security/index.js';

const MAC = 'aSBvnDHzBa7JhdjeEEUR2g==';
const isControl = (c: string): boolean => (c < ' ' && c !== '\t') || c === '\x7f';

function assertDecodeError(value: string, pattern: RegExp): void {
  assert.throws(
    () => parseHmacHeader(value),
    (err: unknown) => err instanceof DecodeError && err.what === 'x-syncml-hmac' && pattern.test(err.message),
    value,
  );
}

describe('parseHmacHeader', () => {
  it('reads the canonical form', () => {
    assert.equal(HMAC_HEADER_NAME, 'x-syncml-hmac');
    assert.deepEqual(parseHmacHeader(`algorithm=MD5, username="Bruce2", mac=${MAC}`), {
      algorithm: 'MD5',
      username: 'Bruce2',
      mac: MAC,
    });
  });

  it('tolerates any order, spaces, missing algorithm, case, quoting and empty elements', () => {
    const expected = { algorithm: 'MD5', username: 'Bruce2', mac: MAC };
    const variants = [
      `username="Bruce2",mac=${MAC}`,
      `mac=${MAC}, username="Bruce2", algorithm=md5`,
      `  algorithm = MD5 ,\tusername = "Bruce2" , mac = ${MAC}  `,
      `Algorithm=MD5, UserName="Bruce2", MAC="${MAC}"`,
      `username=Bruce2, mac=${MAC}`,
      `, username="Bruce2",, mac=${MAC},`,
      `username="Bruce2", mac=${MAC}, x-extension="ignored, really"`,
    ];
    for (const v of variants) assert.deepEqual(parseHmacHeader(v), expected, v);
  });

  it('unescapes quoted usernames', () => {
    assert.equal(parseHmacHeader(`username="a \\"quoted\\" name\\\\x", mac=${MAC}`).username, 'a "quoted" name\\x');
    assert.equal(parseHmacHeader(`username="with, comma = sign", mac=${MAC}`).username, 'with, comma = sign');
  });

  it('rejects missing, empty or malformed required parameters', () => {
    assertDecodeError(`mac=${MAC}`, /missing username/);
    assertDecodeError('username="u"', /missing mac/);
    assertDecodeError(`username="", mac=${MAC}`, /empty username/);
    assertDecodeError('username="u", mac=', /empty value/);
    assertDecodeError('username="u", mac=!!!!', /not base64/);
    assertDecodeError('username="u", mac=QnJ1Y2Uy', /16-byte/);
    assertDecodeError('', /missing username/);
  });

  it('rejects unknown algorithms and duplicate keys', () => {
    assertDecodeError(`algorithm=SHA1, username="u", mac=${MAC}`, /unsupported algorithm/);
    assertDecodeError(`username="u", mac=${MAC}, username="v"`, /duplicate parameter "username"/);
    assertDecodeError(`username="u", mac=${MAC}, MAC=${MAC}`, /duplicate parameter "mac"/);
    assertDecodeError(`algorithm=MD5, algorithm=MD5, username="u", mac=${MAC}`, /duplicate/);
  });

  it('rejects bad syntax', () => {
    assertDecodeError(`username="u, mac=${MAC}`, /unterminated/);
    assertDecodeError(`username="u\\`, /unterminated/);
    assertDecodeError(`username "u", mac=${MAC}`, /expected "="/);
    assertDecodeError(`username="u" mac=${MAC}`, /expected ","/);
    assertDecodeError(`=u, mac=${MAC}`, /parameter name/);
    assertDecodeError(`username="u\r\nX-Injected: 1", mac=${MAC}`, /control character/);
    assertDecodeError(`username=u"v, mac=${MAC}`, /unexpected/);
  });

  it('gives bad headers statusHint 401 and a char position', () => {
    try {
      parseHmacHeader('username="u" mac=x');
      assert.fail('no error');
    } catch (err) {
      assert.ok(err instanceof DecodeError);
      assert.equal(err.statusHint, 401);
      assert.equal(err.where, 'char 13');
    }
  });

  it('rejects oversized headers with LimitExceededError', () => {
    const padded = `username="${'u'.repeat(HMAC_HEADER_MAX_LENGTH)}", mac=${MAC}`;
    assert.throws(() => parseHmacHeader(padded), LimitExceededError);
    const justFits = `username="${'u'.repeat(HMAC_HEADER_MAX_LENGTH - 50)}", mac=${MAC}`;
    assert.ok(justFits.length <= HMAC_HEADER_MAX_LENGTH);
    assert.equal(parseHmacHeader(justFits).mac, MAC);
  });

  it('never throws anything but DecodeError on arbitrary input', () => {
    const pieces = fc.constantFrom('username', 'mac', 'algorithm', '=', ',', '"', '\\', ' ', 'MD5', MAC, 'x', '\n');
    const headerish = fc.array(pieces, { maxLength: 20 }).map((a) => a.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 1100 }), headerish), (s) => {
        try {
          parseHmacHeader(s);
        } catch (err) {
          assert.ok(err instanceof DecodeError, String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatHmacHeader', () => {
  it('escapes the username so it parses back unchanged', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 100 }).filter((u) => ![...u].some(isControl)), (username) => {
        const value = formatHmacHeader({ username, mac: MAC });
        assert.deepEqual(parseHmacHeader(value), { algorithm: 'MD5', username, mac: MAC });
      }),
    );
  });

  it('refuses header injection, empty names, bad macs and oversize', () => {
    assert.throws(() => formatHmacHeader({ username: 'u\r\nX: y', mac: MAC }), EncodeError);
    assert.throws(() => formatHmacHeader({ username: '', mac: MAC }), EncodeError);
    assert.throws(() => formatHmacHeader({ username: 'u', mac: 'a b' }), EncodeError);
    assert.throws(() => formatHmacHeader({ username: 'u'.repeat(HMAC_HEADER_MAX_LENGTH), mac: MAC }), EncodeError);
  });
});
