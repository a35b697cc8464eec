/** Our client against our server, in memory: every auth scheme, both encodings, operations matched to their results. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPair, deviceTree, DEV_ID, type PairRun } from './session-pair.js';
import type { ServerSessionEvent } from '../../src/session/server-session.js';

function results(run: PairRun): Extract<ServerSessionEvent, { type: 'command-result' }>[] {
  return run.serverEvents.filter((e): e is Extract<ServerSessionEvent, { type: 'command-result' }> => e.type === 'command-result');
}

for (const encoding of ['xml', 'wbxml'] as const) {
  for (const clientScheme of ['basic', 'md5', 'hmac'] as const) {
    test(`${encoding}, ${clientScheme}: Get and Replace operations reach the device and come back matched`, () => {
      const tree = deviceTree();
      tree.createNode('./Vendor', { format: 'node', acl: 'Add=dmvisor&Get=dmvisor&Replace=dmvisor&Delete=dmvisor' });
      tree.createNode('./Vendor/Mode', { value: 'personal' });
      const run = runPair({
        tree, encoding, clientScheme, serverScheme: clientScheme === 'hmac' ? 'hmac' : 'md5',
        operations: [{ id: 'op1', commands: [{ verb: 'Get', target: './DevDetail/FwV' }, { verb: 'Replace', target: './Vendor/Mode', data: 'enterprise', format: 'chr' }] }],
      });
      assert.equal(run.client.state, 'completed', run.client.reason);
      assert.equal(run.server?.state, 'completed', run.server?.reason);
      assert.deepEqual(run.server?.unfinishedOperations, []);
      assert.equal(tree.readValue('./Vendor/Mode'), 'enterprise');
      const r = results(run);
      const get = r.filter((e) => e.index === 0);
      assert.ok(get.some((e) => e.status === 200 && e.results === undefined));
      assert.equal(get.find((e) => e.results)?.results?.[0].data, '2.1');
      assert.ok(r.some((e) => e.index === 1 && e.status === 200));
      assert.ok(run.serverEvents.some((e) => e.type === 'authenticated'));
      const devinfo = run.serverEvents.find((e) => e.type === 'devinfo');
      assert.equal(devinfo?.type === 'devinfo' && devinfo.values['./DevInfo/Man'], 'Acme');
      // Session shape: pkg1, pkg2 (ops), pkg3 (statuses+results), pkg4 (status only) → 4 messages.
      assert.equal(run.messages.length, 4);
    });
  }
}

test('an unknown device is challenged like a wrong password and never sees an operation', () => {
  const unknown = runPair({ device: undefined, operations: [{ id: 'op', commands: [{ verb: 'Get', target: './DevInfo/Man' }] }] });
  const wrong = runPair({
    device: { devId: DEV_ID, client: { scheme: 'md5', name: 'vm-enterprise', secret: 'WRONG', nonce: new Uint8Array(4) }, server: { scheme: 'none', name: '', secret: '', nonce: new Uint8Array(0) } },
    operations: [{ id: 'op', commands: [{ verb: 'Get', target: './DevInfo/Man' }] }],
  });
  for (const run of [unknown, wrong]) {
    assert.equal(run.client.state, 'failed');
    assert.equal(run.server?.state, 'failed');
    assert.deepEqual(run.server?.unfinishedOperations, ['op']);
    for (const m of run.messages.filter((x) => x.from === 'server')) {
      assert.ok(m.message.body.commands.every((c) => c.kind === 'Status'), 'only Statuses to an unauthenticated device');
      const h = m.message.body.commands[0];
      assert.ok(h.kind === 'Status' && (h.data === 401 || h.data === 407) && h.chal, 'a challenge with a nonce');
    }
  }
  // The same shape of answers either way: nothing tells a prober whether the device exists.
  const shape = (run: PairRun) => run.messages.filter((m) => m.from === 'server').map((m) => m.message.body.commands.map((c) => (c.kind === 'Status' ? `${c.cmd}:${c.data}` : c.kind)).join(','));
  assert.deepEqual(shape(unknown), shape(wrong));
});

test('md5: a device whose nonce is stale is challenged, retries with the new nonce, and gets a fresh one for next time', () => {
  const run = runPair({
    clientNonce: new TextEncoder().encode('old-nonce'),
    device: { devId: DEV_ID, client: { scheme: 'md5', name: 'vm-enterprise', secret: 'client-secret', nonce: new TextEncoder().encode('server-side-nonce') }, server: { scheme: 'none', name: '', secret: '', nonce: new Uint8Array(0) } },
  });
  assert.equal(run.client.state, 'completed', run.client.reason);
  const nonces = run.serverEvents.filter((e) => e.type === 'client-nonce');
  assert.equal(nonces.length, 2, 'one for the challenge, one for the next session with 212');
  const statuses = run.messages.filter((m) => m.from === 'server').map((m) => m.message.body.commands[0]).map((c) => (c.kind === 'Status' ? c.data : 0));
  assert.deepEqual(statuses, [401, 212]);
});

test('the device checks our md5 credentials (SRVCRED) and we switch to its nonce', () => {
  const run = runPair({ serverScheme: 'md5', operations: [{ id: 'op', commands: [{ verb: 'Get', target: './DevInfo/Mod' }] }] });
  assert.equal(run.client.state, 'completed', run.client.reason);
  const clientHeaderStatuses = run.messages.filter((m) => m.from === 'client').slice(1).map((m) => m.message.body.commands[0]).map((c) => (c.kind === 'Status' ? c.data : 0));
  assert.equal(clientHeaderStatuses[0], 212, 'the client accepted our Cred');
  assert.ok(run.serverEvents.some((e) => e.type === 'server-nonce'), 'the client gave us a nonce for next time');
});

test('Atomic operation: a failure rolls the device back and each command reports its own code', () => {
  const tree = deviceTree();
  tree.createNode('./Vendor', { format: 'node', acl: 'Add=dmvisor&Get=dmvisor&Replace=dmvisor' });
  tree.createNode('./Vendor/A', { value: 'a0' });
  const run = runPair({
    tree,
    operations: [{ id: 'atomic', atomic: true, commands: [{ verb: 'Replace', target: './Vendor/A', data: 'a1' }, { verb: 'Replace', target: './Vendor/Missing', data: 'x' }] }],
  });
  assert.equal(run.client.state, 'completed');
  assert.equal(tree.readValue('./Vendor/A'), 'a0');
  assert.deepEqual(results(run).map((e) => [e.index, e.status]).sort(), [[0, 216], [1, 404]]);
});

test('asynchronous Exec: 202, then the Generic Alert carries the Correlator naming the operation command', () => {
  const tree = deviceTree();
  tree.createNode('./Vendor', { format: 'node', acl: 'Exec=dmvisor&Get=dmvisor' });
  tree.createNode('./Vendor/Update', { value: '' });
  tree.setExecHandler('./Vendor/Update', (ctx) => {
    ctx.report({ type: 'Reversed-Domain-Name: org.dmvisor.Update', format: 'int', data: '200' });
    return { status: 202 };
  });
  const run = runPair({ tree, operations: [{ id: 'upd', commands: [{ verb: 'Exec', target: './Vendor/Update' }] }] });
  assert.equal(run.client.state, 'completed', run.client.reason);
  assert.ok(results(run).some((e) => e.operationId === 'upd' && e.status === 202));
  const alert = run.serverEvents.find((e) => e.type === 'generic-alert');
  assert.equal(alert?.type === 'generic-alert' && alert.correlator, 'upd.0');
});

test('large objects both ways under a small MaxMsgSize', () => {
  const tree = deviceTree();
  tree.createNode('./Vendor', { format: 'node', acl: 'Add=dmvisor&Get=dmvisor&Replace=dmvisor' });
  tree.createNode('./Vendor/Big', { value: 'x'.repeat(6000) });
  tree.createNode('./Vendor/Cfg', { value: '' });
  const cfg = 'line of configuration\n'.repeat(400);
  for (const encoding of ['xml', 'wbxml'] as const) {
    const run = runPair({
      tree, encoding, clientMaxMsgSize: 2000, serverMaxMsgSize: 2000,
      operations: [{ id: 'lo', commands: [{ verb: 'Replace', target: './Vendor/Cfg', data: cfg }, { verb: 'Get', target: './Vendor/Big' }] }],
    });
    assert.equal(run.client.state, 'completed', run.client.reason);
    assert.ok(tree.readValue('./Vendor/Cfg') === cfg, 'the large Replace arrived whole');
    const got = results(run).find((e) => e.index === 1 && e.results);
    assert.ok(got?.results?.[0].data === 'x'.repeat(6000), 'the large Results came back whole');
    for (const m of run.messages) assert.ok(m.bytes <= 2000, `${m.from} message of ${m.bytes} bytes`);
  }
});

test('many operations are spread over packages that fit the client MaxMsgSize', () => {
  const tree = deviceTree();
  const ops = Array.from({ length: 60 }, (_, i) => ({ id: `g${i}`, commands: [{ verb: 'Get' as const, target: './DevInfo/Man' }] }));
  const run = runPair({ tree, clientMaxMsgSize: 1500, operations: ops });
  assert.equal(run.client.state, 'completed', run.client.reason);
  assert.equal(new Set(results(run).filter((e) => e.results).map((e) => e.operationId)).size, 60);
  for (const m of run.messages.filter((x) => x.from === 'server')) assert.ok(m.bytes <= 1500);
});
