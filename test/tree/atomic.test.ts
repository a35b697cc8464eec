// Atomic (facts §5.2): beginAtomic() / rollback() restores the tree exactly
// (values, properties, ACLs, TStamps, VerNos, child order).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TNDS_XML_TYPE, TreeUsageError } from '../../src/tree/index.js';
import { ok, sampleTree, stateOf } from './helpers.js';

const ALL = 'Add=*&Delete=*&Exec=*&Get=*&Replace=*';

describe('beginAtomic', () => {
  it('rolls back every kind of change exactly', () => {
    const { tree, clock } = sampleTree();
    tree.setAcl('./Vendor', ALL);
    const before = stateOf(tree);
    const scope = tree.beginAtomic();
    assert.equal(tree.inAtomic, true);
    clock.advance(5000);
    ok(() => tree.add('./Vendor/App/New', { data: 'n' }, 's'));
    ok(() => tree.replace('./Vendor/App/Count', { data: '9' }, 's'));
    ok(() => tree.delete('./Vendor/App/Blob', 's'));
    ok(() => tree.replace('./Vendor/App/Name?prop=Name', { data: 'Renamed' }, 's'));
    ok(() => tree.replace('./Vendor/App?prop=ACL', { data: 'Get=*' }, 's'));
    ok(() => tree.replace('./Vendor?prop=Title', { data: 'T' }, 's'));
    ok(() => tree.copy('./Vendor/Copy', './Vendor/App', 's'));
    ok(() => tree.add('./Vendor', { meta: { type: TNDS_XML_TYPE }, data: '<MgmtTree><Node><NodeName>T</NodeName></Node></MgmtTree>' }, 's'));
    tree.setValue('./Vendor/Locked/Secret', 'owner change');
    assert.notEqual(stateOf(tree), before);
    assert.equal(scope.rollback(), true);
    assert.equal(tree.inAtomic, false);
    assert.equal(stateOf(tree), before);
    assert.deepEqual(tree.childNames('./Vendor/App'), ['Name', 'Count', 'Blob']);
  });

  it('restores child order after delete-and-re-add of the same name', () => {
    const { tree } = sampleTree();
    tree.setAcl('./Vendor', ALL);
    const before = stateOf(tree);
    const scope = tree.beginAtomic();
    ok(() => tree.delete('./Vendor/App/Name', 's'));
    ok(() => tree.add('./Vendor/App/Name', { data: 'again' }, 's'));
    assert.deepEqual(tree.childNames('./Vendor/App'), ['Count', 'Blob', 'Name']);
    scope.rollback();
    assert.deepEqual(tree.childNames('./Vendor/App'), ['Name', 'Count', 'Blob']);
    assert.equal(stateOf(tree), before);
  });

  it('keeps changes on commit; a failed command inside undoes only itself', () => {
    const { tree } = sampleTree();
    tree.setAcl('./Vendor', ALL);
    const scope = tree.beginAtomic();
    ok(() => tree.add('./Vendor/A', { data: 'a' }, 's'));
    const mid = stateOf(tree);
    assert.equal(tree.add('./Vendor/B/C', { meta: { format: 'int' }, data: 'x' }, 's').status, 415);
    assert.equal(stateOf(tree), mid);
    scope.commit();
    assert.equal(tree.readValue('./Vendor/A'), 'a');
    assert.equal(tree.exists('./Vendor/B'), false);
  });

  it('refuses nesting and reuse of a closed scope', () => {
    const { tree } = sampleTree();
    const scope = tree.beginAtomic();
    assert.throws(() => tree.beginAtomic(), TreeUsageError);
    scope.commit();
    assert.throws(() => scope.rollback(), TreeUsageError);
    assert.throws(() => scope.commit(), TreeUsageError);
    tree.beginAtomic().rollback();
  });

  it('undoes provider writes through the provider, and says when an effect could not be undone', () => {
    const { tree } = sampleTree();
    tree.setAcl('./Vendor', ALL);
    let live = 'v1';
    tree.setValueProvider('./Vendor/App/Name', { read: () => live, write: (v) => { live = String(v); } });
    const undone: string[] = [];
    tree.createNode('./Vendor/Run', { format: 'node' });
    tree.setExecHandler('./Vendor/Run', (ctx) => (ctx.data === 'undoable' ? { status: 200, undo: () => undone.push('run') } : 200));
    let scope = tree.beginAtomic();
    ok(() => tree.replace('./Vendor/App/Name', { data: 'v2' }, 's'));
    assert.equal(live, 'v2');
    ok(() => tree.exec('./Vendor/Run', 'undoable', 's'));
    assert.equal(scope.rollback(), true);
    assert.equal(live, 'v1');
    assert.deepEqual(undone, ['run']);
    scope = tree.beginAtomic();
    ok(() => tree.exec('./Vendor/Run', 'final', 's'));
    assert.equal(scope.rollback(), false, 'an Exec without undo cannot be rolled back');
  });

  it('restores the tree exactly after any sequence of commands', () => {
    const names = fc.constantFrom('A', 'B', 'C');
    const path = fc.array(names, { minLength: 1, maxLength: 3 }).map((p) => './Vendor/' + p.join('/'));
    const op = fc.oneof(
      fc.record({ k: fc.constant('add-leaf' as const), uri: path, v: fc.string({ maxLength: 4 }) }),
      fc.record({ k: fc.constant('add-node' as const), uri: path }),
      fc.record({ k: fc.constant('replace' as const), uri: path, v: fc.string({ maxLength: 4 }) }),
      fc.record({ k: fc.constant('delete' as const), uri: path }),
      fc.record({ k: fc.constant('rename' as const), uri: path, v: names }),
      fc.record({ k: fc.constant('acl' as const), uri: path, v: fc.constantFrom('', 'Get=*', ALL) }),
      fc.record({ k: fc.constant('copy' as const), uri: path, from: path }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 25 }), fc.boolean(), (ops, prefix) => {
      const { tree, clock } = sampleTree();
      tree.setAcl('./Vendor', ALL);
      if (prefix) tree.add('./Vendor/A', { meta: { format: 'node' } }, 's');
      const before = stateOf(tree);
      const scope = tree.beginAtomic();
      for (const o of ops) {
        clock.advance(1000);
        switch (o.k) {
          case 'add-leaf': tree.add(o.uri, { data: o.v }, 's'); break;
          case 'add-node': tree.add(o.uri, { meta: { format: 'node' } }, 's'); break;
          case 'replace': tree.replace(o.uri, { data: o.v }, 's'); break;
          case 'delete': tree.delete(o.uri, 's'); break;
          case 'rename': tree.replace(`${o.uri}?prop=Name`, { data: o.v }, 's'); break;
          case 'acl': tree.replace(`${o.uri}?prop=ACL`, { data: o.v }, 's'); break;
          case 'copy': tree.copy(o.uri, o.from, 's'); break;
        }
      }
      assert.equal(scope.rollback(), true);
      assert.equal(stateOf(tree), before);
    }), { numRuns: 200 });
  });
});
