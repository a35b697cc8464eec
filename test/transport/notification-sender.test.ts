import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sendNotification } from '../../src/transport/notification-sender.js';
import { NotificationListener } from '../../src/transport/notification-listener.js';
import { TransportError } from '../../src/transport/transport-error.js';
import { encodePackage0 } from '../../src/notification/index.js';

const p0 = encodePackage0({ uiMode: 0, initiator: 1, sessionId: 77, serverId: 'dmvisor' }, { serverPassword: 's', nonce: new Uint8Array(16) });

test('package #0 reaches our listener over real UDP (WSP push) and HTTP', async () => {
  const got: string[] = [];
  const listener = new NotificationListener((bytes, origin) => { assert.deepEqual(bytes, p0); got.push(origin.transport); }, { udpPort: 0, httpPort: 0 });
  const { udpPort, httpPort } = await listener.start();
  try {
    await sendNotification(`udp://127.0.0.1:${udpPort}`, p0);
    await sendNotification(`http://127.0.0.1:${httpPort}/notify`, p0);
    for (let i = 0; i < 200 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got.sort(), ['http', 'udp']);
  } finally {
    await listener.stop();
  }
});

test('bad addresses and refusals are typed errors', async () => {
  await assert.rejects(sendNotification('not a url', p0), TransportError);
  await assert.rejects(sendNotification('ftp://x/y', p0), TransportError);
  const listener = new NotificationListener(() => undefined, { httpPort: 0 });
  const { httpPort } = await listener.start();
  try {
    await assert.rejects(sendNotification(`http://127.0.0.1:${httpPort}/wrong-path`, p0), (e: unknown) => e instanceof TransportError && e.httpStatus === 404);
  } finally {
    await listener.stop();
  }
});
