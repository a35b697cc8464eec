import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotificationGate } from '../../src/session/notification-gate.js';
import type { ClientAccount } from '../../src/session/client-account.js';
import { encodePackage0, resetNonce } from '../../src/notification/index.js';

const nonce = new TextEncoder().encode('ServerNonce12345');
const account: ClientAccount = {
  serverId: 'com.mgmtsrv.manage', serverUri: 'http://127.0.0.1/dm', encoding: 'xml',
  client: { scheme: 'md5', name: 'dev', secret: 'devpw', nonce: new Uint8Array(16) },
  server: { scheme: 'md5', name: 'com.mgmtsrv.manage', secret: 'serverpwd', nonce },
};
const accounts = (id: string) => (id === account.serverId ? account : undefined);
const pkg = (fields: Partial<Parameters<typeof encodePackage0>[0]> = {}, secret: { serverPassword: string; nonce: Uint8Array } = { serverPassword: "serverpwd", nonce }) =>
  encodePackage0({ uiMode: 1, initiator: 1, sessionId: 0x1234, serverId: account.serverId, ...fields }, secret);

test('a verified notification starts a session with the hex session id', () => {
  const v = new NotificationGate(accounts).accept(pkg(), 0);
  assert.equal(v.kind, 'start');
  if (v.kind === 'start') { assert.equal(v.sessionId, '1234'); assert.equal(v.nonce, 'stored'); assert.equal(v.account, account); }
});

test('bad digest, unknown server, garbage are rejected with a reason', () => {
  const gate = new NotificationGate(accounts);
  assert.deepEqual(gate.accept(pkg({}, { serverPassword: 'wrong', nonce }), 0), { kind: 'rejected', reason: 'digest does not verify', serverId: account.serverId });
  assert.equal(gate.accept(pkg({ serverId: 'other' }), 0).kind, 'rejected');
  const garbage = gate.accept(new Uint8Array([1, 2, 3]), 0);
  assert.equal(garbage.kind, 'rejected');
});

test('nonce resync: accepted only when allowed, in the configured form', () => {
  for (const form of ['zero-bytes', 'ascii-hex'] as const) {
    const bytes = pkg({ sessionId: 7 }, { serverPassword: 'serverpwd', nonce: resetNonce(form) });
    assert.equal(new NotificationGate(accounts).accept(bytes, 0).kind, 'rejected');
    const v = new NotificationGate(accounts, { allowNonceResync: true, resetNonce: form }).accept(bytes, 0);
    assert.equal(v.kind === 'start' && v.nonce, 'reset');
    const other = form === 'zero-bytes' ? 'ascii-hex' : 'zero-bytes';
    assert.equal(new NotificationGate(accounts, { allowNonceResync: true, resetNonce: other }).accept(bytes, 0).kind, 'rejected');
  }
});

test('duplicates within the window start one session; after it, another', () => {
  const gate = new NotificationGate(accounts, { duplicateWindowMs: 1000 });
  assert.equal(gate.accept(pkg(), 0).kind, 'start');
  assert.equal(gate.accept(pkg(), 500).kind, 'rejected');
  assert.equal(gate.accept(pkg({ sessionId: 0x1235 }), 600).kind, 'start');
  assert.equal(gate.accept(pkg(), 2000).kind, 'start');
});

test('UI mode 3 asks the user; UI mode 2 informs', () => {
  const informed: string[] = [];
  const no = new NotificationGate(accounts, { askUser: () => false, inform: (s) => informed.push(s) });
  assert.equal(no.accept(pkg({ uiMode: 3 }), 0).kind, 'rejected');
  const yes = new NotificationGate(accounts, { askUser: () => true, inform: (s) => informed.push(s) });
  assert.equal(yes.accept(pkg({ uiMode: 3 }), 0).kind, 'start');
  assert.equal(yes.accept(pkg({ uiMode: 2, sessionId: 9 }), 0).kind, 'start');
  assert.deepEqual(informed, [account.serverId]);
});
