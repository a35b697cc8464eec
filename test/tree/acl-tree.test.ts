// ACLs in the tree (facts §5.4): inheritance, Add checked on the parent, the
// creator fallback, who may change an ACL, scrubbing a deleted ServerID.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ROOT_ACL, DmTree } from '../../src/tree/index.js';
import { ok, rejects, sampleTree } from './helpers.js';

describe('effective ACL', () => {
  it('defaults the root to Add=*&Get=* and lets it be configured, never empty', () => {
    assert.equal(DEFAULT_ROOT_ACL, 'Add=*&Get=*');
    assert.equal(new DmTree().effectiveAcl('.'), 'Add=*&Get=*');
    assert.equal(new DmTree({ rootAcl: 'Get=*' }).effectiveAcl('.'), 'Get=*');
    assert.throws(() => new DmTree({ rootAcl: '' }), RangeError);
    assert.throws(() => new DmTree({ rootAcl: 'Get' }), { code: 'DMV_ERR_ACL_SYNTAX' });
  });

  it('inherits the nearest ancestor’s ACL as a whole, never per command', () => {
    const { tree } = sampleTree();
    assert.equal(tree.effectiveAcl('./Vendor/App/Name'), 'Add=srv1&Get=*&Replace=srv1');
    tree.setAcl('./Vendor/App', 'Get=srv2');
    assert.equal(tree.effectiveAcl('./Vendor/App/Name'), 'Get=srv2');
    // srv1 had Replace through ./Vendor, but ./Vendor/App's own ACL replaces it entirely
    rejects(tree, 425, () => tree.replace('./Vendor/App/Name', { data: 'x' }, 'srv1'));
    assert.equal(tree.get('./Vendor/App/Name', 'srv1').status, 425);
    assert.equal(tree.get('./Vendor/App/Name', 'srv2').status, 200);
  });

  it('checks Add against the parent, not the new node', () => {
    const { tree } = sampleTree();
    tree.setAcl('./Vendor/App', 'Add=srv2&Get=*');
    ok(() => tree.add('./Vendor/App/ByTwo', { data: 'x' }, 'srv2'));
    rejects(tree, 425, () => tree.add('./Vendor/App/ByOne', { data: 'x' }, 'srv1'));
  });
});

describe('creator fallback', () => {
  it('gives an interior node created without Replace on the parent an ACL for its creator', () => {
    const tree = new DmTree();
    ok(() => tree.add('./Mine', { meta: { format: 'node' } }, 'srvA'));
    assert.equal(tree.info('./Mine').acl, 'Add=srvA&Delete=srvA&Get=*&Replace=srvA');
    // the creator can manage what it created…
    ok(() => tree.add('./Mine/Leaf', { data: 'v' }, 'srvA'));
    ok(() => tree.replace('./Mine/Leaf', { data: 'w' }, 'srvA'));
    ok(() => tree.delete('./Mine/Leaf', 'srvA'));
    // …others still read it, but cannot change it
    assert.equal(tree.get('./Mine', 'srvB').status, 200);
    rejects(tree, 425, () => tree.add('./Mine/Other', { data: 'v' }, 'srvB'));
  });

  it('keeps named readers of the parent and adds the creator', () => {
    const tree = new DmTree();
    tree.createNode('./P', { format: 'node', acl: 'Add=*&Get=r1+r2' });
    ok(() => tree.add('./P/Q', { meta: { format: 'node' } }, 'srvA'));
    assert.equal(tree.info('./P/Q').acl, 'Add=srvA&Delete=srvA&Get=r1+r2+srvA&Replace=srvA');
  });

  it('does not apply to leaves, nor when the server has Replace on the parent', () => {
    const { tree } = sampleTree();
    ok(() => tree.add('./Vendor/App/Leaf', { data: 'x' }, 'srv1'));
    ok(() => tree.add('./Vendor/App/Sub', { meta: { format: 'node' } }, 'srv1'));
    assert.equal(tree.info('./Vendor/App/Leaf').acl, '');
    assert.equal(tree.info('./Vendor/App/Sub').acl, '');
    const t2 = new DmTree();
    ok(() => t2.add('./Leaf', { data: 'x' }, 'srvA'));
    assert.equal(t2.info('./Leaf').acl, '');
  });
});

describe('?prop=ACL', () => {
  it('reads a node’s own ACL, empty when inherited', () => {
    const { tree } = sampleTree();
    assert.equal(tree.get('./Vendor?prop=ACL', 'srv1').items![0].data, 'Add=srv1&Get=*&Replace=srv1');
    assert.deepEqual(tree.get('./Vendor/App?prop=ACL', 'srv1').items, [{ source: { locURI: './Vendor/App?prop=ACL' }, data: '' }]);
  });

  it('lets a server with Replace on the parent rewrite a leaf’s ACL, but not the leaf’s own Replace', () => {
    const { tree } = sampleTree();
    tree.setAcl('./Vendor/App/Name', 'Get=*&Replace=srv2');
    rejects(tree, 425, () => tree.replace('./Vendor/App/Name?prop=ACL', { data: 'Get=*' }, 'srv2'));
    tree.setAcl('./Vendor/App', 'Get=*&Replace=srv3');
    ok(() => tree.replace('./Vendor/App/Name?prop=ACL', { data: 'Get=*&Replace=srv3' }, 'srv3'));
    assert.equal(tree.info('./Vendor/App/Name').acl, 'Get=*&Replace=srv3');
  });

  it('lets a server with Replace on an interior node rewrite its ACL', () => {
    const { tree } = sampleTree();
    tree.setAcl('./Vendor/App', 'Get=*&Replace=srv4');
    ok(() => tree.replace('./Vendor/App?prop=ACL', { data: 'Get=*&Replace=srv4&Delete=srv4' }, 'srv4'));
    rejects(tree, 425, () => tree.replace('./Vendor/App?prop=ACL', { data: 'Get=*' }, 'srv5'));
  });

  it('supports the two-step takeover of a child', () => {
    const { tree } = sampleTree();
    // srv1 has Replace on ./Vendor, nothing on ./Vendor/Locked
    rejects(tree, 425, () => tree.replace('./Vendor/Locked/Secret', { data: 'mine' }, 'srv1'));
    ok(() => tree.replace('./Vendor/Locked?prop=ACL', { data: 'Get=srv1&Replace=srv1' }, 'srv1'));
    ok(() => tree.replace('./Vendor/Locked/Secret', { data: 'mine' }, 'srv1'));
  });

  it('allows clearing an ACL back to inheritance, never the root’s', () => {
    const { tree } = sampleTree();
    tree.setAcl('./Vendor/App', 'Get=srv2');
    ok(() => tree.replace('./Vendor/App?prop=ACL', { data: '' }, 'srv1'));
    assert.equal(tree.effectiveAcl('./Vendor/App'), 'Add=srv1&Get=*&Replace=srv1');
    tree.setAcl('.', 'Add=*&Get=*&Replace=admin');
    rejects(tree, 405, () => tree.replace('.?prop=ACL', { data: '' }, 'admin'));
    rejects(tree, 425, () => tree.replace('.?prop=ACL', { data: 'Get=*' }, 'srv1'));
    ok(() => tree.replace('.?prop=ACL', { data: 'Add=*&Get=*&Replace=admin+srv1' }, 'admin'));
  });

  it('refuses a malformed ACL with 400', () => {
    const { tree } = sampleTree();
    const out = rejects(tree, 400, () => tree.replace('./Vendor/App?prop=ACL', { data: 'Get=*&Copy=srv1' }, 'srv1'));
    assert.match(out.reason!, /unknown command/);
  });
});

describe('scrubServerId', () => {
  it('removes a deleted server from every ACL; an emptied root falls back to Get=*', () => {
    const tree = new DmTree({ rootAcl: 'Add=gone&Replace=gone' });
    tree.createNode('./A', { format: 'node', acl: 'Get=*&Replace=gone+stay' });
    tree.createNode('./A/B', { acl: 'Delete=gone' });
    tree.createNode('./C', { format: 'node', acl: 'Get=stay' });
    assert.equal(tree.scrubServerId('gone'), 3);
    assert.equal(tree.effectiveAcl('.'), 'Get=*');
    assert.equal(tree.info('./A').acl, 'Get=*&Replace=stay');
    assert.equal(tree.info('./A/B').acl, '');
    assert.equal(tree.info('./C').acl, 'Get=stay');
  });
});
