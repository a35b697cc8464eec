// Run-time properties, ?prop= (facts §5.3).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROPERTY_NAMES } from '../../src/tree/index.js';
import { ok, rejects, sampleTree } from './helpers.js';

const prop = (tree: ReturnType<typeof sampleTree>['tree'], uri: string, server = 'srv1'): unknown => {
  const out = tree.get(uri, server);
  assert.equal(out.status, 200, out.reason);
  return out.items![0].data;
};

describe('Get ?prop=', () => {
  it('reads every supported property', () => {
    const { tree } = sampleTree();
    assert.deepEqual([...PROPERTY_NAMES], ['ACL', 'Format', 'Name', 'Size', 'Title', 'TStamp', 'Type', 'VerNo']);
    assert.equal(prop(tree, './Vendor/App/Count?prop=Format'), 'int');
    assert.equal(prop(tree, './Vendor/App?prop=Format'), 'node');
    assert.equal(prop(tree, './Vendor/App/Count?prop=Name'), 'Count');
    assert.equal(prop(tree, './Vendor/App/Count?prop=Type'), 'text/plain');
    assert.equal(prop(tree, './Vendor/App/Blob?prop=Type'), 'application/octet-stream');
    assert.equal(prop(tree, './Vendor/App?prop=Type'), '');
    assert.equal(prop(tree, './Vendor/App/Count?prop=TStamp'), '20240311T081502Z');
    assert.equal(prop(tree, './Vendor/App/Count?prop=VerNo'), '0');
    assert.equal(prop(tree, './Vendor/App/Count?prop=Title'), '');
  });

  it('gives Size in bytes of the raw value, for leaves only', () => {
    const { tree } = sampleTree();
    assert.equal(prop(tree, './Vendor/App/Blob?prop=Size'), '3');
    ok(() => tree.replace('./Vendor/App/Name', { data: 'été' }, 'srv1'));
    assert.equal(prop(tree, './Vendor/App/Name?prop=Size'), '5');
    assert.equal(tree.get('./Vendor/App?prop=Size', 'srv1').status, 406);
  });

  it('answers 406 for an unknown property, 404 for a missing node, 425 without Get', () => {
    const { tree } = sampleTree();
    assert.equal(tree.get('./Vendor/App?prop=Color', 'srv1').status, 406);
    assert.equal(tree.get('./Vendor/App?prop=acl', 'srv1').status, 406);
    assert.equal(tree.get('./Vendor/Nope?prop=ACL', 'srv1').status, 404);
    assert.equal(tree.get('./Vendor/Locked?prop=Name', 'srv1').status, 425);
  });

  it('moves TStamp and VerNo on every change; VerNo wraps at 16 bits', () => {
    const { tree, clock } = sampleTree();
    clock.ms = Date.UTC(2030, 0, 2, 3, 4, 5);
    ok(() => tree.replace('./Vendor/App/Count', { data: '5' }, 'srv1'));
    assert.equal(prop(tree, './Vendor/App/Count?prop=TStamp'), '20300102T030405Z');
    assert.equal(prop(tree, './Vendor/App/Count?prop=VerNo'), '1');
    for (let i = 0; i < 0xffff; i++) tree.setValue('./Vendor/App/Count', String(i));
    assert.equal(prop(tree, './Vendor/App/Count?prop=VerNo'), '0');
  });
});

describe('Replace ?prop=', () => {
  it('renames with Name, keeping the node’s place among its siblings', () => {
    const { tree } = sampleTree();
    ok(() => tree.replace('./Vendor/App/Count?prop=Name', { data: 'Total' }, 'srv1'));
    assert.deepEqual(tree.childNames('./Vendor/App'), ['Name', 'Total', 'Blob']);
    assert.equal(tree.readValue('./Vendor/App/Total'), '3');
    ok(() => tree.replace('./Vendor/App/Total?prop=Name', { data: 'Total' }, 'srv1'));
  });

  it('refuses renames onto a sibling (418), of the root or a permanent node (405), bad names (400), without Replace (425)', () => {
    const { tree } = sampleTree({ uriLimits: { maxSegLen: 8 } });
    rejects(tree, 418, () => tree.replace('./Vendor/App/Count?prop=Name', { data: 'Name' }, 'srv1'));
    rejects(tree, 405, () => tree.replace('.?prop=Name', { data: 'Root' }, 'srv1'));
    tree.setAcl('./Vendor/Locked', 'Get=*&Replace=srv1');
    rejects(tree, 405, () => tree.replace('./Vendor/Locked?prop=Name', { data: 'Open' }, 'srv1'));
    rejects(tree, 400, () => tree.replace('./Vendor/App/Count?prop=Name', { data: '..' }, 'srv1'));
    rejects(tree, 400, () => tree.replace('./Vendor/App/Count?prop=Name', { data: '' }, 'srv1'));
    rejects(tree, 414, () => tree.replace('./Vendor/App/Count?prop=Name', { data: 'VeryLongName' }, 'srv1'));
    rejects(tree, 425, () => tree.replace('./Vendor/App/Count?prop=Name', { data: 'Other' }, 'srv2'));
  });

  it('sets and clears Title, at most 255 bytes (413)', () => {
    const { tree } = sampleTree();
    ok(() => tree.replace('./Vendor/App?prop=Title', { data: 'Front-end web server' }, 'srv1'));
    assert.equal(prop(tree, './Vendor/App?prop=Title'), 'Front-end web server');
    rejects(tree, 413, () => tree.replace('./Vendor/App?prop=Title', { data: 'é'.repeat(128) }, 'srv1'));
    ok(() => tree.replace('./Vendor/App?prop=Title', { data: '' }, 'srv1'));
    assert.equal(tree.info('./Vendor/App').title, undefined);
    rejects(tree, 425, () => tree.replace('./Vendor/App?prop=Title', { data: 'x' }, 'srv2'));
  });

  it('answers 405 for read-only properties and for Add/Delete/Exec/Copy on properties, 406 for unknown ones', () => {
    const { tree } = sampleTree();
    for (const p of ['Format', 'Size', 'TStamp', 'Type', 'VerNo']) {
      rejects(tree, 405, () => tree.replace(`./Vendor/App/Count?prop=${p}`, { data: '1' }, 'srv1'));
    }
    rejects(tree, 406, () => tree.replace('./Vendor/App/Count?prop=Color', { data: 'red' }, 'srv1'));
    rejects(tree, 405, () => tree.add('./Vendor/App/Count?prop=Title', { data: 'x' }, 'srv1'));
    rejects(tree, 405, () => tree.delete('./Vendor/App/Count?prop=Title', 'srv1'));
    rejects(tree, 405, () => tree.exec('./Vendor/App/Count?prop=Title', undefined, 'srv1'));
    rejects(tree, 404, () => tree.replace('./Vendor/Nope?prop=Title', { data: 'x' }, 'srv1'));
  });

  it('takes text property values as UTF-8 bytes too, and refuses other data with 415', () => {
    const { tree } = sampleTree();
    ok(() => tree.replace('./Vendor/App?prop=Title', { data: new TextEncoder().encode('bytes') }, 'srv1'));
    assert.equal(tree.info('./Vendor/App').title, 'bytes');
    rejects(tree, 415, () => tree.replace('./Vendor/App?prop=Title', { data: new Uint8Array([0xff]) }, 'srv1'));
    rejects(tree, 415, () => tree.replace('./Vendor/App?prop=Title', { data: { kind: 'tnds', root: { name: 'MgmtTree', children: [] } } }, 'srv1'));
  });
});
