/**
 * A server session moved between "nodes" after every message — snapshot,
 * through the stored JSON form, restored — behaves exactly like one that
 * stayed put: the same messages byte for byte and the same events, for the
 * hard cases (authentication, Atomic, async Exec, large objects both ways,
 * work spread over packages).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceTree, runPair, type PairOptions } from './session-pair.js';
import { decodeSessionState, encodeSessionState } from '../../src/server/session-state.js';
import { encodeXml } from '../../src/syncml/index.js';
import type { DmTree } from '../../src/tree/index.js';

function viaStorage(o: () => PairOptions): void {
  const plain = runPair(o());
  let moves = 0;
  const moved = runPair({
    ...o(),
    moveServer: (engine) => {
      moves++;
      const text = encodeSessionState({ v: 1, engine, startedAt: 0, messages: 0, answered: [], operations: [] });
      return decodeSessionState(text).engine;
    },
  });
  assert.ok(moves >= 1);
  assert.deepEqual(moved.client, plain.client);
  assert.deepEqual(moved.server, plain.server);
  assert.deepEqual(moved.messages.map((m) => [m.from, m.bytes, encodeXml(m.message)]), plain.messages.map((m) => [m.from, m.bytes, encodeXml(m.message)]));
  assert.deepEqual(moved.serverEvents, plain.serverEvents);
}

function vendorTree(extra: (t: DmTree) => void = () => undefined): DmTree {
  const tree = deviceTree();
  tree.createNode('./Vendor', { format: 'node', acl: 'Add=dmvisor&Exec=dmvisor&Get=dmvisor&Replace=dmvisor' });
  tree.createNode('./Vendor/A', { value: 'a0' });
  extra(tree);
  return tree;
}

test('md5 with a stale nonce, server credentials checked by the device', () => {
  viaStorage(() => ({ tree: vendorTree(), serverScheme: 'md5', clientNonce: new Uint8Array([1, 2, 3]), operations: [{ id: 'g', commands: [{ verb: 'Get', target: './Vendor/A' }] }] }));
});

test('HMAC on every message', () => {
  viaStorage(() => ({ tree: vendorTree(), clientScheme: 'hmac', serverScheme: 'hmac', encoding: 'wbxml', operations: [{ id: 'r', commands: [{ verb: 'Replace', target: './Vendor/A', data: 'a1' }] }] }));
});

test('Atomic rollback', () => {
  viaStorage(() => ({ tree: vendorTree(), operations: [{ id: 'at', atomic: true, commands: [{ verb: 'Replace', target: './Vendor/A', data: 'x' }, { verb: 'Replace', target: './Vendor/Missing', data: 'y' }] }] }));
});

test('asynchronous Exec with its Generic Alert', () => {
  viaStorage(() => ({
    tree: vendorTree((t) => {
      t.createNode('./Vendor/Update', { value: '' });
      t.setExecHandler('./Vendor/Update', (ctx) => { ctx.report({ type: 'org.dmvisor.Update', format: 'int', data: '200' }); return { status: 202 }; });
    }),
    operations: [{ id: 'upd', commands: [{ verb: 'Exec', target: './Vendor/Update' }] }],
  }));
});

test('large objects both ways, binary and text, both encodings', () => {
  for (const encoding of ['xml', 'wbxml'] as const) {
    viaStorage(() => ({
      tree: vendorTree((t) => { t.createNode('./Vendor/Big', { value: 'x'.repeat(6000) }); t.createNode('./Vendor/Bin', { value: '', format: 'bin' }); }),
      encoding, clientMaxMsgSize: 1800, serverMaxMsgSize: 1800,
      operations: [{ id: 'lo', commands: [
        { verb: 'Replace', target: './Vendor/A', data: 'line\n'.repeat(900) },
        { verb: 'Replace', target: './Vendor/Bin', data: new Uint8Array(5000).map((_, i) => i % 251), format: 'bin' },
        { verb: 'Get', target: './Vendor/Big' },
      ] }],
    }));
  }
});

test('many operations spread over packages', () => {
  viaStorage(() => ({ tree: vendorTree(), clientMaxMsgSize: 1500, operations: Array.from({ length: 40 }, (_, i) => ({ id: `g${i}`, commands: [{ verb: 'Get' as const, target: './DevInfo/Man' }] })) }));
});

test('a malformed or foreign stored state is refused', () => {
  assert.throws(() => decodeSessionState('{'), /not JSON/);
  assert.throws(() => decodeSessionState('{"v":2}'), /unknown shape or version/);
  assert.throws(() => decodeSessionState('null'), /unknown shape or version/);
  const bytes = decodeSessionState(encodeSessionState({ v: 1, engine: { v: 1 } as never, startedAt: 0, messages: 0, answered: [], operations: [], devInfo: { a: 'b' } }));
  assert.deepEqual(bytes.devInfo, { a: 'b' });
});
