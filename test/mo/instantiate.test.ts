// instantiateMo: MOs as data turned into tree nodes, and the checks on
// descriptions and values.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MoDescriptionError, MoInstanceError, instantiateMo, interior, leaf, validateMoDescription, type MoDescription,
} from '../../src/mo/index.js';
import { DmTree } from '../../src/tree/index.js';
import { ok, rejects } from '../tree/helpers.js';

/** A VM-management-like MO with a placeholder root, as later issues will add. */
const VMS: MoDescription = {
  id: 'urn:oma:mo:ext-dmvisor-vm:1.0',
  name: 'VM',
  root: interior('<x>', [
    leaf('Name', { accessTypes: ['Get', 'Replace'] }),
    leaf('VCpu', { format: 'int', accessTypes: ['Get', 'Replace'], defaultValue: '1' }),
    leaf('Autostart', { format: 'bool', accessTypes: ['Get', 'Replace'], occurrence: 'ZeroOrOne' }),
    interior('Disks', [
      interior('<x>', [leaf('Size', { format: 'int', accessTypes: ['Add', 'Get'] })], { accessTypes: ['Add', 'Delete', 'Get'], occurrence: 'ZeroOrN', maxOccurrence: 2 }),
    ], { accessTypes: ['Get'] }),
    interior('Operations', [
      interior('Start', [], { accessTypes: ['Exec', 'Get'] }),
      interior('Stop', [], { accessTypes: ['Get'] }),
    ], { accessTypes: ['Get'] }),
    interior('Ext', undefined, { accessTypes: ['Get'], occurrence: 'ZeroOrOne' }),
  ], { accessTypes: ['Get', 'Delete'], occurrence: 'ZeroOrMore', dfType: 'urn:oma:mo:ext-dmvisor-vm:1.0', acl: 'Get=*&Exec=ops&Add=ops&Replace=ops&Delete=ops' }),
};

describe('instantiateMo', () => {
  it('creates required nodes with defaults, given values, and placeholder instances', () => {
    validateMoDescription(VMS);
    const tree = new DmTree();
    instantiateMo(tree, VMS, { at: './Vendor/VMs/web01', values: { Name: 'web01', Disks: { d1: { Size: '20' } }, Ext: { Vendor: { Tag: 'x' } } } });
    assert.deepEqual(tree.childNames('./Vendor/VMs/web01'), ['Name', 'VCpu', 'Disks', 'Operations', 'Ext']);
    assert.equal(tree.readValue('./Vendor/VMs/web01/VCpu'), '1');
    assert.equal(tree.readValue('./Vendor/VMs/web01/Disks/d1/Size'), '20');
    assert.equal(tree.readValue('./Vendor/VMs/web01/Ext/Vendor/Tag'), 'x');
    assert.equal(tree.info('./Vendor/VMs/web01').type, VMS.id);
    assert.equal(tree.info('./Vendor/VMs/web01').acl, 'Get=*&Exec=ops&Add=ops&Replace=ops&Delete=ops');
    assert.equal(tree.description('./Vendor/VMs/web01/Disks/d1'), VMS.root.children![3].children![0]);
  });

  it('wires Exec handlers, and the MO’s AccessType still decides', () => {
    const tree = new DmTree();
    const started: string[] = [];
    instantiateMo(tree, VMS, {
      at: './VMs/a', values: { Name: 'a' },
      execHandlers: { 'Operations/Start': (ctx) => { started.push(ctx.uri); return 200; }, 'Operations/Stop': () => 200 },
    });
    ok(() => tree.exec('./VMs/a/Operations/Start', undefined, 'ops'));
    assert.deepEqual(started, ['./VMs/a/Operations/Start']);
    rejects(tree, 405, () => tree.exec('./VMs/a/Operations/Stop', undefined, 'ops'));
    rejects(tree, 425, () => tree.exec('./VMs/a/Operations/Start', undefined, 'other'));
  });

  it('enforces ZeroOrN (420), formats (415) and required minimums (405)', () => {
    const tree = new DmTree();
    instantiateMo(tree, VMS, { at: './VMs/a', values: { Name: 'a' } });
    ok(() => tree.add('./VMs/a/Disks/d1/Size', { meta: { format: 'int' }, data: '10' }, 'ops'));
    ok(() => tree.add('./VMs/a/Disks/d2', { meta: { format: 'node' } }, 'ops'));
    rejects(tree, 420, () => tree.add('./VMs/a/Disks/d3', { meta: { format: 'node' } }, 'ops'));
    rejects(tree, 415, () => tree.replace('./VMs/a/VCpu', { meta: { format: 'chr' }, data: 'x' }, 'ops'));
    rejects(tree, 415, () => tree.replace('./VMs/a/VCpu', { data: 'many' }, 'ops'));
    ok(() => tree.replace('./VMs/a/VCpu', { data: '4' }, 'ops'));
    ok(() => tree.delete('./VMs/a', 'ops'));
  });

  it('is idempotent and updates given values', () => {
    const tree = new DmTree();
    instantiateMo(tree, VMS, { at: './VMs/a', values: { Name: 'a' } });
    tree.setValue('./VMs/a/VCpu', '8');
    instantiateMo(tree, VMS, { at: './VMs/a', values: { Name: 'b' } });
    assert.equal(tree.readValue('./VMs/a/Name'), 'b');
    assert.equal(tree.readValue('./VMs/a/VCpu'), '8');
  });

  it('refuses bad locations and values with MoInstanceError', () => {
    const tree = new DmTree();
    const bad = (fn: () => void, re: RegExp): void => assert.throws(fn, (e: unknown) => e instanceof MoInstanceError && re.test(e.message));
    bad(() => instantiateMo(tree, VMS), /no fixed location/);
    bad(() => instantiateMo(tree, VMS, { at: '.' }), /root/);
    bad(() => instantiateMo(tree, VMS, { at: './a//b' }), /bad location/);
    bad(() => instantiateMo(tree, { ...VMS, root: { ...VMS.root, name: 'VM' } }, { at: './x/Other' }), /named VM/);
    bad(() => instantiateMo(tree, VMS, { at: './v1', values: { VCpu: 'many' } }), /not a valid int/);
    bad(() => instantiateMo(tree, VMS, { at: './v2', values: { Name: { x: 'y' } } }), /takes a string/);
    bad(() => instantiateMo(tree, VMS, { at: './v3', values: { Disks: 'x' } }), /takes an object/);
    bad(() => instantiateMo(tree, VMS, { at: './v4', values: { Operations: { Restart: {} } } }), /no such node/);
    bad(() => instantiateMo(tree, VMS, { at: './v5/vm', providers: { 'Nope/X': () => '1' } }), /does not exist/);
    assert.deepEqual(tree.childNames('.'), [], 'a failed instantiation leaves nothing behind');
    tree.createNode('./leaf', { value: 'x' });
    bad(() => instantiateMo(tree, VMS, { at: './leaf' }), /exists as a leaf/);
  });
});

describe('validateMoDescription', () => {
  const mo = (root: MoDescription['root'], extra: Partial<MoDescription> = {}): MoDescription => ({ id: 'urn:x:1.0', name: 'X', location: './X', root, ...extra });
  const cases: [string, MoDescription][] = [
    ['duplicate child name', mo(interior('X', [leaf('a'), leaf('a')]))],
    ['two placeholders', mo(interior('X', [leaf('<x>'), leaf('<y>')]))],
    ['leaf with children', mo({ ...leaf('X'), children: [] })],
    ['unknown format', mo(leaf('X', { format: 'text' as 'chr' }))],
    ['unknown access type', mo(leaf('X', { accessTypes: ['Read' as 'Get'] }))],
    ['duplicate access type', mo(leaf('X', { accessTypes: ['Get', 'Get'] }))],
    ['N without ZeroOrN', mo(leaf('X', { maxOccurrence: 3 }))],
    ['ZeroOrN without N', mo(leaf('X', { occurrence: 'ZeroOrN' }))],
    ['N out of range', mo(leaf('X', { occurrence: 'OneOrN', maxOccurrence: 1 }))],
    ['bad ACL', mo(leaf('X', { acl: 'Get=' }))],
    ['default on interior', mo(interior('X', [], { defaultValue: 'x' } as object))],
    ['bad name', mo(leaf('a/b'))],
    ['no location, literal root', mo(leaf('X'), { location: undefined })],
    ['relative location', mo(leaf('X'), { location: 'X' })],
    ['bad id', mo(leaf('X'), { id: 'has space' })],
  ];
  for (const [why, m] of cases) {
    it(`refuses ${why}`, () => assert.throws(() => validateMoDescription(m), MoDescriptionError));
  }
});
