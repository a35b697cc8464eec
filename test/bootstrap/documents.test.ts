/**
 * Bootstrap documents and their security: MAC vectors from the fact sheet,
 * CP WBXML against libwbxml's vectors (and the tools, when installed), the
 * DM profile in both forms applied to a real tree, and every refusal leaving
 * the tree unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyBootstrap, buildCpDocument, buildDmBootstrapMessage, computeBootstrapMac, decodeProvisioningWbxml, decodeProvisioningXml,
  encodeProvisioningWbxml, encodeProvisioningXml, imsiKey, parseSecMethod, userPinMacString, w7Accounts, BootstrapRefusedError,
  CP_WBXML_TYPE, CP_XML_TYPE, DM_BOOTSTRAP_TYPE, bootstrapKey,
} from '../../src/bootstrap/index.js';
import { createStandardTree, listDmAccounts, moResolver, type DmAccount } from '../../src/mo/index.js';
import { AuthError, DecodeError } from '../../src/errors.js';
import { haveCommand } from '../support/paths.js';

const hello = new TextEncoder().encode('hello');
const IMSI = '001010123456789';
const MIN_CP = Buffer.from('030b6a00c54601c600015501873600000603773700010101', 'hex');
const CP_156 = Buffer.from('030b6a00c54601c6000155018736000006037737000187000138000006037372763100018707060344656d6f0001870001340000060368747470733a2f2f646d2e6578616d706c652e636f6d2f646d0001c600015701873000000600018d01873300000600019301873100000603636c69656e74310001870001320000060373656372657400018700012f00000603546d39755932553d0001010101', 'hex');

const account: DmAccount = {
  serverId: 'srv1', name: 'Demo', addresses: [{ addr: 'https://dm.example.com/dm', addrType: 'URI' }], authPref: 'DIGEST',
  auth: [
    { level: 'CLCRED', type: 'DIGEST', name: 'client1', secret: 'secret', data: new TextEncoder().encode('Nonce') },
    { level: 'SRVCRED', type: 'DIGEST', name: 'srv1', secret: 'srvsecret', data: new Uint8Array([1, 2, 3]) },
  ],
};

function tree() {
  return createStandardTree({ resolveMo: moResolver(), devInfo: { devId: 'IMEI:1', man: 'm', mod: 'm', dmV: '1.2', lang: 'en' }, devDetail: { devTyp: 'vm', oem: '', fwV: '', swV: '', hwV: '', lrgObj: true } });
}

test('security: fact-sheet vectors (IMSI key, NETWPIN, USERPIN, USERPINMAC, CP doc MACs)', () => {
  assert.equal(Buffer.from(imsiKey(IMSI)).toString('hex'), '0910101032547698');
  assert.equal(computeBootstrapMac('NETWPIN', { imsi: IMSI }, hello), '9275088636C12F48A0E775B2574A8215CB1BC26F');
  assert.equal(computeBootstrapMac('USERPIN', { pin: '1234' }, hello), '4639DEAE5DD39BDF0634EED9C49CAF07A4D8E16B');
  assert.equal(userPinMacString('1234', hello), '12340724');
  assert.equal(computeBootstrapMac('NETWPIN', { imsi: IMSI }, MIN_CP), '86A0288254B69DFAA6E8D8A59BCFD8D38F27621A');
  assert.equal(computeBootstrapMac('USERPIN', { pin: '1234' }, MIN_CP), 'C4FC3A5E26F16C098BC9F7996A0F8B12CD7B86FC');
  assert.equal(computeBootstrapMac('NETWPIN', { imsi: IMSI }, CP_156), '6BE3C7646F8D1064E1F91A4988827A3BC866932B');
  assert.equal(parseSecMethod('NETWORKID'), 'NETWPIN');
  assert.equal(parseSecMethod(2), 'USERNETWPIN');
  assert.equal(parseSecMethod('userpin_networkid'), 'USERNETWPIN');
  assert.throws(() => parseSecMethod('NOPE'), /unknown SEC/);
});

test('security: USERNETWPIN key variants differ and each verifies only itself', () => {
  const a = Buffer.from(bootstrapKey('USERNETWPIN', { pin: '1234', imsi: IMSI, userNetwPinKey: 'pin-colon-netw' })).toString('hex');
  const b = Buffer.from(bootstrapKey('USERNETWPIN', { pin: '1234', imsi: IMSI, userNetwPinKey: 'netw-then-pin' })).toString('hex');
  assert.equal(a, Buffer.from('1234:').toString('hex') + '0910101032547698');
  assert.equal(b, '0910101032547698' + Buffer.from('1234').toString('hex'));
  const bytes = buildDmBootstrapMessage([{ node: 'srv1', account }], { form: 'direct', target: '*', source: 'srv1' });
  for (const variant of ['pin-colon-netw', 'netw-then-pin'] as const) {
    const other = variant === 'pin-colon-netw' ? 'netw-then-pin' : 'pin-colon-netw';
    const mac = computeBootstrapMac('USERNETWPIN', { pin: '1234', imsi: IMSI, userNetwPinKey: variant }, bytes);
    const t = tree();
    assert.throws(() => applyBootstrap(t, { bytes, contentType: DM_BOOTSTRAP_TYPE, sec: 'USERNETWPIN', mac }, { secrets: { pin: '1234', imsi: IMSI, userNetwPinKey: other } }), AuthError);
    assert.equal(listDmAccounts(t).length, 0);
    applyBootstrap(t, { bytes, contentType: DM_BOOTSTRAP_TYPE, sec: 'USERNETWPIN', mac }, { secrets: { pin: '1234', imsi: IMSI, userNetwPinKey: variant } });
    assert.equal(listDmAccounts(t)[0]?.serverId, 'srv1');
  }
});

test('CP: decodes the libwbxml vectors; our encoding round-trips; w7 maps to DMAcc and back', () => {
  const min = decodeProvisioningWbxml(MIN_CP);
  assert.deepEqual(min, { version: '1.0', characteristics: [{ type: 'APPLICATION', parms: [{ name: 'APPID', value: 'w7' }], children: [] }] });
  const big = decodeProvisioningWbxml(CP_156);
  const [a] = w7Accounts(big);
  assert.equal(a.serverId, 'srv1');
  assert.equal(a.name, 'Demo');
  assert.equal(a.addresses[0].addr, 'https://dm.example.com/dm');
  assert.deepEqual(a.auth?.[0], { level: 'CLCRED', type: 'DIGEST', name: 'client1', secret: 'secret', data: new TextEncoder().encode('Nonce') });
  const doc = buildCpDocument([account]);
  assert.deepEqual(decodeProvisioningWbxml(encodeProvisioningWbxml(doc)), doc);
  assert.deepEqual(decodeProvisioningXml(encodeProvisioningXml(doc)), doc);
  assert.deepEqual(w7Accounts(doc)[0], account);
});

test('CP: cross-check with libwbxml (wbxml2xml reads ours, we read xml2wbxml\'s)', (t) => {
  if (!haveCommand('xml2wbxml') || !haveCommand('wbxml2xml')) { t.skip('libwbxml2-utils not installed (apt-get install libwbxml2-utils; .ci/run does)'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'dmv-cp-'));
  try {
    const doc = buildCpDocument([account, { ...account, serverId: 'srv2', addresses: [{ addr: '10.0.0.1', addrType: 'IPv4', ports: [8080] }] }]);
    writeFileSync(join(dir, 'ours.wbxml'), encodeProvisioningWbxml(doc));
    const r1 = spawnSync('wbxml2xml', ['-o', join(dir, 'ours.xml'), join(dir, 'ours.wbxml')], { encoding: 'utf8' });
    assert.equal(r1.status, 0, r1.stderr);
    assert.deepEqual(decodeProvisioningXml(readFileSync(join(dir, 'ours.xml'))), doc);
    writeFileSync(join(dir, 'doc.xml'), encodeProvisioningXml(doc));
    const r2 = spawnSync('xml2wbxml', ['-v', '1.3', '-n', '-o', join(dir, 'lib.wbxml'), join(dir, 'doc.xml')], { encoding: 'utf8' });
    assert.equal(r2.status, 0, r2.stderr);
    assert.deepEqual(decodeProvisioningWbxml(readFileSync(join(dir, 'lib.wbxml'))), doc);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const form of ['direct', 'tnds'] as const) {
  test(`DM profile (${form}): applies the account with ACL, nonces as bin, refs rewritten`, () => {
    const acc = { ...account, prefConRef: form === 'tnds' ? './Inbox/srv1/Name' : 'conn1' };
    const bytes = buildDmBootstrapMessage([{ node: 'srv1', account: acc }], { form, target: 'IMEI:1', source: 'srv1' });
    const mac = computeBootstrapMac('USERPIN', { pin: '1234' }, bytes);
    const t = tree();
    const out = applyBootstrap(t, { bytes, contentType: DM_BOOTSTRAP_TYPE, sec: 'USERPIN', mac }, { secrets: { pin: '1234' }, deviceId: 'IMEI:1' });
    assert.deepEqual(out.accounts, [{ node: 'srv1', serverId: 'srv1' }]);
    assert.equal(out.profile, 'dm');
    const [e] = listDmAccounts(t);
    assert.equal(e.serverId, 'srv1');
    assert.equal(e.addresses[0].addr, 'https://dm.example.com/dm');
    assert.equal(e.auth?.find((x) => x.level === 'CLCRED')?.secret, 'secret');
    assert.deepEqual(e.auth?.find((x) => x.level === 'SRVCRED')?.data, new Uint8Array([1, 2, 3]));
    assert.equal(e.prefConRef, form === 'tnds' ? './DMAcc/srv1/Name' : 'conn1');
    assert.equal(t.info('./DMAcc/srv1').acl, 'Add=srv1&Delete=srv1&Get=srv1&Replace=srv1');
  });
}

test('refusals leave the tree unchanged: wrong MAC/PIN, no SEC, truncated, hostile, wrong device, overwrite', () => {
  const bytes = buildDmBootstrapMessage([{ node: 'srv1', account }], { form: 'tnds', target: 'IMEI:1', source: 'srv1' });
  const mac = computeBootstrapMac('USERPIN', { pin: '1234' }, bytes);
  const t = tree();
  const before = JSON.stringify(t.snapshot());
  const doc = { bytes, contentType: DM_BOOTSTRAP_TYPE, sec: 'USERPIN' as const, mac };
  assert.throws(() => applyBootstrap(t, doc, { secrets: { pin: '9999' } }), AuthError);
  assert.throws(() => applyBootstrap(t, { ...doc, mac: '00'.repeat(20) }, { secrets: { pin: '1234' } }), AuthError);
  assert.throws(() => applyBootstrap(t, { bytes, contentType: DM_BOOTSTRAP_TYPE }), BootstrapRefusedError);
  const cut = bytes.subarray(0, bytes.length - 9);
  assert.throws(() => applyBootstrap(t, { bytes: cut, contentType: DM_BOOTSTRAP_TYPE }, { requireSecurity: false }), DecodeError);
  assert.throws(() => applyBootstrap(t, { bytes: MIN_CP.subarray(0, 10), contentType: CP_WBXML_TYPE }, { requireSecurity: false }), DecodeError);
  assert.throws(() => applyBootstrap(t, { bytes: new TextEncoder().encode('<!DOCTYPE x [<!ENTITY a "b">]><wap-provisioningdoc/>'), contentType: CP_XML_TYPE }, { requireSecurity: false }), DecodeError);
  const deep = '<wap-provisioningdoc>' + '<characteristic type="A">'.repeat(40) + '</characteristic>'.repeat(40) + '</wap-provisioningdoc>';
  assert.throws(() => applyBootstrap(t, { bytes: new TextEncoder().encode(deep), contentType: CP_XML_TYPE }, { requireSecurity: false }), DecodeError);
  assert.throws(() => applyBootstrap(t, doc, { secrets: { pin: '1234' }, deviceId: 'IMEI:2' }), /not to this device/);
  assert.equal(JSON.stringify(t.snapshot()), before);
  applyBootstrap(t, doc, { secrets: { pin: '1234' } });
  const once = JSON.stringify(listDmAccounts(t));
  // The same account again (DM form and CP form): refused as an overwrite, tree as it was.
  assert.throws(() => applyBootstrap(t, doc, { secrets: { pin: '1234' } }), /overwriting it is not permitted/);
  const direct = buildDmBootstrapMessage([{ node: 'other', account: { ...account, name: 'Evil' } }], { form: 'direct', target: '*', source: 'x' });
  assert.throws(() => applyBootstrap(t, { bytes: direct, contentType: DM_BOOTSTRAP_TYPE }, { requireSecurity: false }), /overwriting it is not permitted/);
  const cp = encodeProvisioningWbxml(buildCpDocument([{ ...account, name: 'Evil' }]));
  assert.throws(() => applyBootstrap(t, { bytes: cp, contentType: CP_WBXML_TYPE }, { requireSecurity: false }), /overwriting it is not permitted/);
  assert.equal(JSON.stringify(listDmAccounts(t)), once);
  // With permission, the CP bootstrap replaces the account (one account, new name).
  applyBootstrap(t, { bytes: cp, contentType: CP_WBXML_TYPE }, { requireSecurity: false, allowOverwrite: true });
  assert.deepEqual(listDmAccounts(t).map((a) => [a.serverId, a.name]), [['srv1', 'Evil']]);
});

test('CP profile with NETWPIN applies through applyBootstrap', () => {
  const bytes = encodeProvisioningWbxml(buildCpDocument([account]));
  const mac = computeBootstrapMac('NETWPIN', { imsi: IMSI }, bytes);
  const t = tree();
  const out = applyBootstrap(t, { bytes, contentType: CP_WBXML_TYPE, sec: 'NETWPIN', mac: mac.toLowerCase() }, { secrets: { imsi: IMSI } });
  assert.equal(out.profile, 'cp');
  assert.deepEqual(listDmAccounts(t).map((a) => a.serverId), ['srv1']);
  const typed = userPinMacString('4321', bytes);
  const t2 = tree();
  assert.throws(() => applyBootstrap(t2, { bytes, contentType: CP_WBXML_TYPE, sec: 'USERPINMAC' }, { secrets: { pin: typed.slice(0, 4) + '0000' } }), AuthError);
  applyBootstrap(t2, { bytes, contentType: CP_WBXML_TYPE, sec: 'USERPINMAC' }, { secrets: { pin: typed } });
  assert.equal(listDmAccounts(t2).length, 1);
});

test('hostile input: random and mutated bytes only ever raise typed errors; the tree never changes', () => {
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32; };
  const t = tree();
  const samples = [MIN_CP, CP_156, buildDmBootstrapMessage([{ node: 'srv1', account }], { form: 'tnds', target: '*', source: 'srv1' })];
  for (let i = 0; i < 600; i++) {
    const base = samples[i % samples.length];
    const bytes = new Uint8Array(i % 5 === 0 ? Array.from({ length: 1 + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)) : base);
    if (i % 5 !== 0) for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
    const cut = i % 3 === 0 ? bytes.subarray(0, Math.floor(rnd() * bytes.length)) : bytes;
    for (const contentType of [CP_WBXML_TYPE, DM_BOOTSTRAP_TYPE]) {
      try {
        applyBootstrap(t, { bytes: cut, contentType }, { requireSecurity: false });
        // A mutation may still be a valid document; then it was applied — undo for the next round.
        for (const a of listDmAccounts(t)) t.deleteNode(`./DMAcc/${a.node}`);
      } catch (e) {
        assert.ok(e instanceof DecodeError || e instanceof BootstrapRefusedError || (e as { code?: string }).code?.startsWith('DMV_ERR'), `${i}: ${String(e)}`);
      }
    }
  }
  assert.equal(JSON.stringify(listDmAccounts(t)), '[]');
});
