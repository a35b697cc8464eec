// DM URIs (facts §5.1): syntax, escaping, limits (→ 414).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_URI_LIMITS, UriSyntaxError, UriTooLongError, childUri, escapeSegment, formatDmUri, parseDmUri, resolveUriLimits,
} from '../../src/tree/index.js';

describe('parseDmUri', () => {
  it('reads the root, ./-prefixed and relative forms alike', () => {
    assert.deepEqual(parseDmUri('.'), { segments: [], path: '.' });
    assert.deepEqual(parseDmUri('./DevInfo/Mod'), { segments: ['DevInfo', 'Mod'], path: './DevInfo/Mod' });
    assert.deepEqual(parseDmUri('DevInfo/Mod'), parseDmUri('./DevInfo/Mod'));
  });

  it('splits off ?prop= and ?list=', () => {
    assert.deepEqual(parseDmUri('./A?prop=ACL').query, { kind: 'prop', name: 'ACL' });
    assert.deepEqual(parseDmUri('A/B?list=TNDS+ACL+Value').query, { kind: 'list', attribute: 'TNDS+ACL+Value' });
    assert.equal(parseDmUri('.?list=Struct').path, '.');
  });

  it('decodes %hh escapes as UTF-8 and re-escapes canonically', () => {
    const p = parseDmUri('./A%20B/%C3%A9t%C3%A9/x%2Fy');
    assert.deepEqual(p.segments, ['A B', 'été', 'x/y']);
    assert.equal(p.path, './A%20B/été/x%2Fy');
    assert.deepEqual(parseDmUri(p.path).segments, p.segments);
  });

  it('accepts the RFC 2396 pchar set and dots inside names', () => {
    assert.deepEqual(parseDmUri("./a:b@c&d=e+f$g,h-i_j!k~l*m'n(o)p/v1.2").segments, ["a:b@c&d=e+f$g,h-i_j!k~l*m'n(o)p", 'v1.2']);
  });

  const bad: [string, string][] = [
    ['', 'empty'], ['./', 'trailing /'], ['A/', 'trailing /'], ['./A/', 'trailing /'], ['A//B', 'empty segment'],
    ['/A', 'absolute'], ['./A/../B', '".." segment'], ['..', '".." segment'], ['./.', '"." segment'], ['A/%2E', '"%2E" segment'],
    ['A/%zz', 'bad escape'], ['A/%4', 'bad escape'], ['A/%FF', 'not UTF-8'], ['A/b\u0001c', 'control'], ['A/%0A', 'control'],
    ['A?foo=1', 'unknown query'], ['A?prop=', 'empty property'], ['A?list=', 'empty attribute'],
  ];
  for (const [uri, why] of bad) {
    it(`refuses ${JSON.stringify(uri)} (${why}) with a 400 UriSyntaxError`, () => {
      assert.throws(() => parseDmUri(uri), (e: unknown) => e instanceof UriSyntaxError && e.statusHint === 400 && e.code === 'DMV_ERR_URI');
    });
  }

  it('enforces MaxDepth, MaxSegLen and MaxTotLen with 414', () => {
    const limits = { maxDepth: 3, maxSegLen: 5, maxTotLen: 14 };
    assert.equal(parseDmUri('./a/b/c', limits).segments.length, 3);
    const too = (uri: string, limit: string): void => {
      assert.throws(() => parseDmUri(uri, limits), (e: unknown) => e instanceof UriTooLongError && e.limit === limit && e.statusHint === 414);
    };
    too('./a/b/c/d', 'MaxDepth');
    too('./abcdef', 'MaxSegLen');
    too('./abcde/abcde/x', 'MaxTotLen'); // 15 characters
    assert.equal(parseDmUri('abcde/abcde/x'.slice(0, 11), limits).path.length, 13);
    // measured on the canonical escaped form: "a b" is "a%20b" (5)
    assert.equal(parseDmUri('a b', limits).path, './a%20b');
    too('a  b', 'MaxSegLen');
  });

  it('treats 0 as unlimited', () => {
    const deep = Array.from({ length: 200 }, (_, i) => `n${i}`).join('/');
    assert.equal(parseDmUri(deep, { maxDepth: 0, maxSegLen: 0, maxTotLen: 0 }).segments.length, 200);
    assert.throws(() => parseDmUri(deep), UriTooLongError);
  });

  it('has documented defaults and validates configured limits', () => {
    assert.deepEqual({ ...DEFAULT_URI_LIMITS }, { maxDepth: 32, maxTotLen: 1024, maxSegLen: 128 });
    assert.deepEqual({ ...resolveUriLimits({ maxDepth: 4 }) }, { maxDepth: 4, maxTotLen: 1024, maxSegLen: 128 });
    assert.throws(() => resolveUriLimits({ maxDepth: -1 }), RangeError);
    assert.throws(() => resolveUriLimits({ maxTotLen: 70000 }), RangeError);
  });

  it('refuses a huge URI before parsing it', () => {
    assert.throws(() => parseDmUri('a/'.repeat(100_000) + 'a'), UriTooLongError);
  });
});

describe('escaping', () => {
  it('escapes only what changes meaning or is invisible', () => {
    assert.equal(escapeSegment('a b%c/d?e#f\u007f'), 'a%20b%25c%2Fd%3Fe%23f%7F');
    assert.equal(escapeSegment('été+*'), 'été+*');
    assert.equal(formatDmUri([]), '.');
    assert.equal(formatDmUri(['A', 'b c']), './A/b%20c');
    assert.equal(childUri('.', 'A'), './A');
    assert.equal(childUri('./A', 'x/y'), './A/x%2Fy');
  });

  it('round-trips any names through format and parse', () => {
    const name = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' })
      .filter((s) => s !== '.' && s !== '..' && ![...s].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f'));
    fc.assert(fc.property(fc.array(name, { maxLength: 6 }), (names) => {
      const uri = formatDmUri(names);
      const p = parseDmUri(uri, { maxDepth: 0, maxSegLen: 0, maxTotLen: 0 });
      assert.deepEqual(p.segments, names);
      assert.equal(p.path, uri);
    }));
  });
});
