/**
 * Failed authentication is rate-limited per source and per (device id,
 * source) without locking out honest devices: the limiter alone with a fake
 * clock, then a real server where a prober hammers one device id.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { AuthFailureLimiter } from '../../src/server/auth-failure-limiter.js';
import { DmServer } from '../../src/server/dm-server.js';
import { DmClient } from '../../src/client/dm-client.js';
import { parseDeviceConfig } from '../../src/client/device-config.js';
import { InMemoryTreeStore } from '../../src/tree/index.js';

test('limiter: a device id is limited per source; the source as a whole; both refill; memory is bounded', () => {
  let now = 0;
  const l = new AuthFailureLimiter({ perSourceBurst: 5, perSourceRefillPerSecond: 1, perDeviceBurst: 2, perDeviceRefillPerSecond: 0.5, maxEntries: 10 }, () => now);
  assert.equal(l.retryAfter('a', 'X'), 0);
  l.fail('a', 'X');
  l.fail('a', 'X');
  assert.equal(l.retryAfter('a', 'X'), 2, 'X from a waits for one token at 0.5/s');
  assert.equal(l.retryAfter('b', 'X'), 0, 'the same device from elsewhere is not locked out');
  assert.equal(l.retryAfter('a', 'Y'), 0, 'another device from the same source still may');
  l.fail('a', 'Y');
  l.fail('a', 'Z');
  l.fail('a', 'W');
  assert.equal(l.retryAfter('a', 'V'), 1, 'the source spent its burst of 5');
  now = 2000;
  assert.equal(l.retryAfter('a', 'X'), 0, 'refilled');
  for (let i = 0; i < 50; i++) l.fail(`s${i}`, 'D');
  assert.ok(l.size <= 10);
});

test('a prober with wrong passwords gets 429 + Retry-After; the honest device keeps working; metrics count it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-limits-'));
  const server = await DmServer.start({
    db: join(dir, 'dm.db'), port: 0, apiToken: 'auth-limits-token-0123', logger: pino({ level: 'silent' }),
    authLimits: { perDeviceBurst: 3, perDeviceRefillPerSecond: 0.01, perSourceBurst: 1000 },
  });
  try {
    const reg = (devId: string, secret: string) => fetch(`${server.url}/api/devices`, {
      method: 'POST', headers: { authorization: 'Bearer auth-limits-token-0123', 'content-type': 'application/json' },
      body: JSON.stringify({ devId, clientAuth: { type: 'md5', name: devId, secret } }),
    });
    assert.equal((await reg('IMEI:380000000000001', 'right')).status, 201);
    assert.equal((await reg('IMEI:380000000000002', 'other')).status, 201);
    const client = (devId: string, secret: string) => DmClient.open({
      config: parseDeviceConfig({ device: { devId }, accounts: [{ serverId: 'dmvisor', serverUri: `${server.url}/dm`, encoding: 'xml', clientAuth: { type: 'DIGEST', name: devId, secret } }], session: { retries: 0 } }, 't'),
      store: new InMemoryTreeStore(),
    });
    const prober = await client('IMEI:380000000000001', 'guess');
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) outcomes.push((await prober.runSession()).reason ?? '');
    const limited = await prober.runSession();
    await prober.close();
    assert.equal(limited.state, 'failed');
    assert.match(limited.reason ?? '', /429/, `${JSON.stringify(outcomes)} then ${limited.reason}`);
    const honest = await client('IMEI:380000000000002', 'other');
    assert.equal((await honest.runSession()).state, 'completed', 'another device from the same address is not locked out');
    await honest.close();
    assert.doesNotMatch(outcomes[0]!, /429/, 'the first session was judged on its credentials');
    assert.match(await (await fetch(`${server.url}/metrics`)).text(), /dmvisor_rate_limited_total [1-9]/);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
