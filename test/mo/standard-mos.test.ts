// The standard MOs (facts §6) instantiated into a tree, and the rules the
// tree then enforces on server commands.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEVDETAIL_MO_ID, DEVINFO_MO_ID, DMACC_MO_ID, INBOX_MO_ID, STANDARD_MOS, createStandardTree, listDmAccounts, moResolver,
  validateMoDescription, type StandardTreeOptions,
} from '../../src/mo/index.js';
import { DmTree } from '../../src/tree/index.js';
import { ok, rejects, stateOf, TestClock } from '../tree/helpers.js';

const options = (over: Partial<StandardTreeOptions> = {}): StandardTreeOptions => ({
  now: new TestClock().now,
  devInfo: { devId: 'IMEI:493005100592800', man: 'Northwind', mod: 'NW-1', dmV: 'dmvisor/0.1', lang: 'en-US' },
  devDetail: { devTyp: 'host', oem: 'Northwind', fwV: '1.2.3', swV: '0.1.0', hwV: 'x86_64', lrgObj: true },
  accounts: {
    dmsrv: {
      serverId: 'srv1', name: 'Main', addresses: [{ addr: 'https://dm.example.com/dm', ports: [443] }], authPref: 'DIGEST',
      auth: [{ level: 'CLCRED', type: 'DIGEST', name: 'dev', secret: 's3cret', data: new Uint8Array([1, 2]) }],
    },
  },
  ...over,
});

describe('standard MOs', () => {
  it('are valid descriptions with the OMA identifiers', () => {
    for (const mo of Object.values(STANDARD_MOS)) validateMoDescription(mo);
    assert.deepEqual(Object.fromEntries(Object.values(STANDARD_MOS).map((m) => [m.name, m.id])), {
      DevInfo: 'urn:oma:mo:oma-dm-devinfo:1.0', DevDetail: 'urn:oma:mo:oma-dm-devdetail:1.0',
      DMAcc: 'urn:oma:mo:oma-dm-dmacc:1.0', Inbox: 'urn:oma:mo:oma-dm-inbox:1.0', Virt: 'urn:x-dmvisor:mo:virt:1.0',
      // GwMO: the identifiers OMNA registers (shared/spec/oma-dm-facts-2.md §A.2).
      GwConfig: 'urn:oma:mo:oma-gwmo-config:1.1', GwDevInv: 'urn:oma:mo:oma-gwmo-deviceinventory:1.1',
      GwEDTrigger: 'urn:oma:mo:oma-gwmo-edtrigger:1.0', GwFanout: 'urn:oma:mo:oma-gwmo-fanout:1.0', GwImgInv: 'urn:oma:mo:oma-gwmo-imageinventory:1.0',
    });
  });
});

describe('DevInfo', () => {
  it('holds the device values, read-only and permanent', () => {
    const tree = createStandardTree(options());
    assert.equal(tree.get('./DevInfo', 'srv1').items![0].data, 'DevId/Man/Mod/DmV/Lang');
    assert.equal(tree.info('./DevInfo').type, DEVINFO_MO_ID);
    assert.equal(tree.get('./DevInfo/DevId', 'anyone').items![0].data, 'IMEI:493005100592800');
    rejects(tree, 405, () => tree.replace('./DevInfo/Mod', { data: 'x' }, 'srv1'));
    rejects(tree, 405, () => tree.delete('./DevInfo/Mod', 'srv1'));
    rejects(tree, 405, () => tree.delete('./DevInfo', 'srv1'));
    rejects(tree, 405, () => tree.add('./DevInfo/Foo', { data: 'x' }, 'srv1'));
    rejects(tree, 405, () => tree.add('./DevInfo/Ext/Vendor', { data: 'x' }, 'srv1'));
    rejects(tree, 405, () => tree.replace('./DevInfo/Mod?prop=Name', { data: 'Model' }, 'srv1'));
  });
});

describe('DevDetail', () => {
  it('reports the tree’s own URI limits, live values and LrgObj as bool', () => {
    let fw = '1.2.3';
    const tree = createStandardTree(options({ uriLimits: { maxDepth: 12, maxTotLen: 300, maxSegLen: 40 }, devDetail: { ...options().devDetail, fwV: () => fw } }));
    const values = Object.fromEntries(tree.get('./DevDetail/URI?list=StructData', 'x').items!.slice(1).map((i) => [i.source!.locURI, i.data]));
    assert.deepEqual(values, { './DevDetail/URI/MaxDepth': '12', './DevDetail/URI/MaxTotLen': '300', './DevDetail/URI/MaxSegLen': '40' });
    fw = '2.0.0';
    assert.equal(tree.get('./DevDetail/FwV', 'x').items![0].data, '2.0.0');
    assert.deepEqual(tree.get('./DevDetail/LrgObj', 'x').items![0], { source: { locURI: './DevDetail/LrgObj' }, meta: { format: 'bool', type: 'text/plain' }, data: 'true' });
    assert.equal(tree.info('./DevDetail').type, DEVDETAIL_MO_ID);
    rejects(tree, 405, () => tree.replace('./DevDetail/URI/MaxDepth', { data: '1' }, 'srv1'));
  });
});

describe('DMAcc', () => {
  it('describes each account with the MO identifier and an ACL for its server', () => {
    const tree = createStandardTree(options());
    assert.equal(tree.info('./DMAcc').type, '');
    assert.equal(tree.info('./DMAcc/dmsrv').type, DMACC_MO_ID);
    assert.equal(tree.info('./DMAcc/dmsrv').acl, 'Add=srv1&Delete=srv1&Get=srv1&Replace=srv1');
    assert.equal(tree.get('./DMAcc/dmsrv/AppID', 'srv1').items![0].data, 'w7');
    assert.equal(tree.get('./DMAcc/dmsrv/ServerID', 'other').status, 425);
    assert.deepEqual(listDmAccounts(tree), [{
      node: 'dmsrv', serverId: 'srv1', name: 'Main', authPref: 'DIGEST',
      addresses: [{ addr: 'https://dm.example.com/dm', addrType: 'URI', ports: [443] }],
      auth: [{ level: 'CLCRED', type: 'DIGEST', name: 'dev', secret: 's3cret', data: new Uint8Array([1, 2]) }],
    }]);
  });

  it('never lets a server read secrets, but lets it replace them, in the right format', () => {
    const tree = createStandardTree(options());
    const base = './DMAcc/dmsrv/AppAuth/CLCRED';
    assert.equal(tree.get(`${base}/AAuthSecret`, 'srv1').status, 405);
    assert.equal(tree.get(`${base}/AAuthData`, 'srv1').status, 405);
    const listed = tree.get(`${base}?list=StructData`, 'srv1').items!;
    assert.equal(listed.find((i) => i.source!.locURI.endsWith('AAuthSecret'))!.data, undefined);
    ok(() => tree.replace(`${base}/AAuthSecret`, { data: 'new' }, 'srv1'));
    rejects(tree, 415, () => tree.replace(`${base}/AAuthData`, { meta: { format: 'chr' }, data: 'x' }, 'srv1'));
    ok(() => tree.replace(`${base}/AAuthData`, { meta: { format: 'b64' }, data: 'AAEC' }, 'srv1'));
    assert.deepEqual(tree.readValue(`${base}/AAuthData`), new Uint8Array([0, 1, 2]));
  });

  it('enforces the MO on server changes: unknown nodes, formats, access types, occurrences', () => {
    const tree = createStandardTree(options());
    const a = './DMAcc/dmsrv';
    rejects(tree, 405, () => tree.add(`${a}/Foo`, { data: 'x' }, 'srv1'));
    rejects(tree, 415, () => tree.add(`${a}/AppAddr/a2`, { meta: { format: 'chr' }, data: 'x' }, 'srv1'));
    rejects(tree, 415, () => tree.add(`${a}/PrefConRef`, { meta: { format: 'node' } }, 'srv1'));
    rejects(tree, 418, () => tree.add(`${a}/Name`, { data: 'again' }, 'srv1'));
    rejects(tree, 405, () => tree.delete(`${a}/ServerID`, 'srv1'));
    rejects(tree, 405, () => tree.delete(`${a}/AppAddr/a1`, 'srv1'));
    rejects(tree, 405, () => tree.replace(`${a}/ServerID?prop=Name`, { data: 'Srv' }, 'srv1'));
    ok(() => tree.add(`${a}/AppAddr/a2/Addr`, { data: 'https://backup.example.com/dm' }, 'srv1'));
    assert.equal(tree.info(`${a}/AppAddr/a2`).interior, true);
    ok(() => tree.add(`${a}/AppAddr/a2/AddrType`, { data: 'URI' }, 'srv1'));
    ok(() => tree.delete(`${a}/AppAddr/a1`, 'srv1'));
    ok(() => tree.delete(`${a}/Name`, 'srv1'));
    ok(() => tree.replace(`${a}?prop=Name`, { data: 'main' }, 'srv1'));
    assert.deepEqual(tree.childNames('./DMAcc'), ['main']);
  });

  it('lets a server with Add on DMAcc create an account node by node', () => {
    const tree = createStandardTree(options());
    rejects(tree, 425, () => tree.add('./DMAcc/acc2', { meta: { format: 'node' } }, 'srv2'));
    tree.setAcl('./DMAcc', 'Add=*&Get=*');
    ok(() => tree.add('./DMAcc/acc2', { meta: { format: 'node' } }, 'srv2'));
    assert.equal(tree.info('./DMAcc/acc2').type, DMACC_MO_ID);
    assert.equal(tree.info('./DMAcc/acc2').acl, 'Add=srv2&Delete=srv2&Get=*&Replace=srv2');
    ok(() => tree.add('./DMAcc/acc2/AppID', { data: 'w7' }, 'srv2'));
    ok(() => tree.add('./DMAcc/acc2/ServerID', { data: 'srv2' }, 'srv2'));
    ok(() => tree.add('./DMAcc/acc2/AppAddr/x/Addr', { data: 'https://two.example/dm' }, 'srv2'));
    assert.equal(listDmAccounts(tree)[1].addresses[0].addr, 'https://two.example/dm');
  });
});

describe('Inbox', () => {
  it('takes Adds and answers Get (and anything but Add) with 405, here and below', () => {
    const tree = createStandardTree(options());
    assert.equal(tree.info('./Inbox').type, INBOX_MO_ID);
    rejects(tree, 405, () => tree.get('./Inbox', 'srv1'));
    rejects(tree, 405, () => tree.get('./Inbox?list=Struct', 'srv1'));
    ok(() => tree.add('./Inbox/fumo', { meta: { format: 'node', type: 'urn:oma:mo:oma-fumo:1.0' } }, 'srv1'));
    ok(() => tree.add('./Inbox/fumo/PkgName', { data: 'fw' }, 'srv1'));
    rejects(tree, 405, () => tree.get('./Inbox/fumo/PkgName', 'srv1'));
    rejects(tree, 405, () => tree.replace('./Inbox/fumo/PkgName', { data: 'x' }, 'srv1'));
    rejects(tree, 405, () => tree.delete('./Inbox/fumo', 'srv1'));
    // a listing from the root shows the Inbox node but nothing below it
    const uris = tree.get('.?list=Struct', 'srv1').items!.map((i) => i.source!.locURI);
    assert.ok(uris.includes('./Inbox'));
    assert.ok(!uris.some((u) => u.startsWith('./Inbox/')));
  });
});

describe('persistence of MO trees', () => {
  it('re-binds descriptions from a snapshot and re-attaches live values by instantiating again', () => {
    const opts = options();
    const tree = createStandardTree(opts);
    ok(() => tree.replace('./DMAcc/dmsrv/Name', { data: 'Renamed' }, 'srv1'));
    const loaded = DmTree.fromSnapshot(JSON.parse(JSON.stringify(tree.snapshot())), { resolveMo: moResolver(), now: opts.now });
    assert.equal(stateOf(loaded), stateOf(tree));
    rejects(loaded, 405, () => loaded.replace('./DevInfo/Mod', { data: 'x' }, 'srv1'));
    rejects(loaded, 405, () => loaded.get('./DMAcc/dmsrv/AppAuth/CLCRED/AAuthSecret', 'srv1'));
    rejects(loaded, 405, () => loaded.get('./Inbox', 'srv1'));
    let fw = '9.9';
    createStandardTree({ ...opts, devDetail: { ...opts.devDetail, fwV: () => fw } }, loaded);
    assert.equal(loaded.readValue('./DMAcc/dmsrv/Name'), 'Main', 'instantiating again writes the given values');
    assert.equal(loaded.get('./DevDetail/FwV', 'x').items![0].data, '9.9');
    fw = '10.0';
    assert.equal(loaded.readValue('./DevDetail/FwV'), '10.0');
  });
});
