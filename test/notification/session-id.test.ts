// Package #0 session id ↔ SyncHdr SessionID (facts §7.1).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, EncodeError } from '../../src/errors.js';
import { parseSessionIdHeader, sessionIdToHeader } from '../../src/notification/index.js';

describe('session id header', () => {
  it('formats uppercase hex without leading zeros', () => {
    assert.equal(sessionIdToHeader(0x1234), '1234');
    assert.equal(sessionIdToHeader(0x00ab), 'AB');
    assert.equal(sessionIdToHeader(1), '1');
    assert.equal(sessionIdToHeader(0xffff), 'FFFF');
    assert.equal(sessionIdToHeader(0x0a0b), 'A0B');
  });

  it('vector: session 4660 is "1234"', () => {
    assert.equal(sessionIdToHeader(4660), '1234');
    assert.equal(parseSessionIdHeader('1234'), 4660);
  });

  it('round-trips every session id', () => {
    for (let n = 1; n <= 0xffff; n++) assert.equal(parseSessionIdHeader(sessionIdToHeader(n)), n);
  });

  it('refuses out-of-range ids', () => {
    for (const n of [0, -1, 0x10000, 1.5, Number.NaN]) assert.throws(() => sessionIdToHeader(n), EncodeError, String(n));
  });

  it('parses only the canonical form', () => {
    const cases: Array<[string, string]> = [
      ['', 'char 0'],
      ['0', 'char 0'],
      ['00AB', 'char 0'],
      ['ab', 'char 0'],
      ['1G', 'char 1'],
      ['12345', 'char 4'],
      [' 12', 'char 0'],
      ['12 ', 'char 2'],
      ['+1', 'char 0'],
      ['0x12', 'char 0'],
    ];
    for (const [text, where] of cases) {
      assert.throws(
        () => parseSessionIdHeader(text),
        (e: unknown) => e instanceof DecodeError && e.what === 'SessionID' && e.where === where,
        text,
      );
    }
  });

  it('never throws anything but DecodeError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), (s) => {
        try {
          const n = parseSessionIdHeader(s);
          assert.equal(sessionIdToHeader(n), s);
        } catch (err) {
          assert.ok(err instanceof DecodeError, String(err));
        }
      }),
    );
  });
});
