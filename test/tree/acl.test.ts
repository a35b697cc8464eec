// ACL values (facts §5.4): grammar, typed errors, grants, scrubbing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AclSyntaxError, aclGrants, aclServerIds, formatAcl, isValidAcl, parseAcl, removeServerFromAcl, type AclCommand,
} from '../../src/tree/index.js';

describe('parseAcl / formatAcl', () => {
  it('reads the spec example', () => {
    assert.deepEqual(parseAcl('Add=srv1&Get=*&Replace=srv1+srv2'), [
      { command: 'Add', serverIds: ['srv1'] },
      { command: 'Get', serverIds: ['*'] },
      { command: 'Replace', serverIds: ['srv1', 'srv2'] },
    ]);
    assert.equal(formatAcl(parseAcl('Add=srv1&Get=*&Replace=srv1+srv2')), 'Add=srv1&Get=*&Replace=srv1+srv2');
  });

  it('reads the empty ACL as "inherit" and writes it back empty', () => {
    assert.deepEqual(parseAcl(''), []);
    assert.equal(formatAcl([]), '');
  });

  it('merges a repeated command and drops duplicate ids', () => {
    assert.equal(formatAcl(parseAcl('Get=a&Exec=b&Get=b+a')), 'Get=a+b&Exec=b');
  });

  it('accepts printable non-ASCII ids and ids with URL characters', () => {
    assert.ok(isValidAcl('Get=dm.example.com&Replace=https://x.example/dm?x:y'));
    assert.ok(isValidAcl('Get=serveur-é'));
  });

  const bad: [string, number, RegExp][] = [
    ['Get', 0, /no "="/], ['Copy=srv1', 0, /unknown command/], ['get=srv1', 0, /unknown command/],
    ['Get=', 4, /no server id/], ['Get=a&', 6, /empty entry/], ['&Get=a', 0, /empty entry/],
    ['Get=a++b', 6, /empty server id/], ['Get=a b', 4, /cannot carry/], ['Get=a*', 4, /cannot carry/],
    ['Add=a&Get=b=c', 10, /cannot carry/],
  ];
  for (const [text, pos, re] of bad) {
    it(`refuses ${JSON.stringify(text)} at offset ${pos}`, () => {
      assert.throws(() => parseAcl(text), (e: unknown) => e instanceof AclSyntaxError && e.position === pos && re.test(e.message)
        && e.statusHint === 400 && e.code === 'DMV_ERR_ACL_SYNTAX' && e.acl === text);
      assert.equal(isValidAcl(text), false);
    });
  }

  it('round-trips any well-formed ACL', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9._:/-]{1,10}$/);
    const cmd = fc.constantFrom<AclCommand>('Add', 'Delete', 'Exec', 'Get', 'Replace');
    const entries = fc.uniqueArray(fc.record({ command: cmd, serverIds: fc.uniqueArray(fc.oneof(id, fc.constant('*')), { minLength: 1, maxLength: 4 }) }), { selector: (e) => e.command, maxLength: 5 });
    fc.assert(fc.property(entries, (acl) => {
      const text = formatAcl(acl);
      assert.deepEqual(parseAcl(text), acl.map((e) => ({ command: e.command, serverIds: [...e.serverIds] })));
      assert.equal(formatAcl(parseAcl(text)), text);
    }));
  });
});

describe('aclGrants', () => {
  it('grants named ids exactly and everyone on *', () => {
    const acl = 'Get=*&Replace=srv1+srv2&Exec=srv3';
    assert.ok(aclGrants(acl, 'Get', 'anyone'));
    assert.ok(aclGrants(acl, 'Replace', 'srv2'));
    assert.ok(!aclGrants(acl, 'Replace', 'SRV2'), 'case-sensitive');
    assert.ok(!aclGrants(acl, 'Replace', 'srv'), 'no prefix match');
    assert.ok(!aclGrants(acl, 'Delete', 'srv1'), 'absent command grants nothing');
    assert.ok(aclGrants('Get=a+*', 'Get', 'b'), '* overrides named ids');
    assert.deepEqual(aclServerIds(acl, 'Exec'), ['srv3']);
    assert.deepEqual(aclServerIds(parseAcl(acl), 'Add'), []);
  });
});

describe('removeServerFromAcl', () => {
  it('drops the id and commands left without ids, keeps *', () => {
    assert.equal(removeServerFromAcl('Add=a&Get=*&Replace=a+b&Delete=a', 'a'), 'Get=*&Replace=b');
    assert.equal(removeServerFromAcl('Get=*', '*'), 'Get=*');
    assert.equal(removeServerFromAcl('Get=a', 'a'), '');
  });
});
