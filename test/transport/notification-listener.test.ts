import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { NotificationListener } from '../../src/transport/notification-listener.js';
import { encodePackage0, encodeWapPush, PushApplicationId } from '../../src/notification/index.js';

const p0 = encodePackage0({ uiMode: 1, initiator: 1, sessionId: 0x2a, serverId: 'srv1' }, { serverPassword: 'pw', nonce: new Uint8Array(16) });

function waitFor<T>(arr: T[], n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => (arr.length >= n ? resolve() : Date.now() - start > 3000 ? reject(new Error('timed out')) : setTimeout(tick, 5));
    tick();
  });
}

test('receives package #0 over real UDP, framed as a WSP push or bare, and over HTTP', async () => {
  const got: { bytes: Uint8Array; transport: string }[] = [];
  const rejected: string[] = [];
  const listener = new NotificationListener((bytes, origin) => { got.push({ bytes, transport: origin.transport }); }, { udpPort: 0, httpPort: 0, onReject: (r) => rejected.push(r) });
  const { udpPort, httpPort } = await listener.start();
  const sock = dgram.createSocket('udp4');
  try {
    const push = encodeWapPush({ tid: 1, pduType: 0x06, contentType: 'application/vnd.syncml.notification', applicationId: PushApplicationId.SYNCML_DM, body: p0 });
    await new Promise<void>((r, j) => sock.send(push, udpPort!, '127.0.0.1', (e) => (e ? j(e) : r())));
    await new Promise<void>((r, j) => sock.send(p0, udpPort!, '127.0.0.1', (e) => (e ? j(e) : r())));
    const res = await fetch(`http://127.0.0.1:${httpPort}/notify`, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.notification' }, body: p0 });
    assert.equal(res.status, 202);
    const bad = await fetch(`http://127.0.0.1:${httpPort}/notify`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    assert.equal(bad.status, 415);
    await waitFor(got, 3);
    for (const g of got) assert.deepEqual(g.bytes, p0);
    assert.deepEqual(got.map((g) => g.transport).sort(), ['http', 'udp', 'udp']);
    assert.equal(rejected.length, 1);
  } finally {
    sock.close();
    await listener.stop();
  }
});

test('a handler that throws is reported and the listener keeps working', async () => {
  const rejected: string[] = [];
  let calls = 0;
  const listener = new NotificationListener(() => { calls++; throw new Error('bad package'); }, { udpPort: 0, onReject: (r) => rejected.push(r) });
  const { udpPort } = await listener.start();
  const sock = dgram.createSocket('udp4');
  try {
    for (let i = 0; i < 2; i++) await new Promise<void>((r, j) => sock.send(p0, udpPort!, '127.0.0.1', (e) => (e ? j(e) : r())));
    await waitFor(rejected, 2);
    assert.equal(calls, 2);
    assert.deepEqual(rejected, ['bad package', 'bad package']);
  } finally {
    sock.close();
    await listener.stop();
  }
});
