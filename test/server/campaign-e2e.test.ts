/**
 * A campaign end to end over real sockets: devices listening for
 * notifications on UDP, a server whose campaign timer queues batches and
 * wakes each device, the operator driving it all with `dmvisor campaign`
 * (a child process against the admin API).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DmServer } from '../../src/server/dm-server.js';
import { DmClient } from '../../src/client/dm-client.js';
import { parseDeviceConfig } from '../../src/client/device-config.js';
import { InMemoryTreeStore } from '../../src/tree/index.js';
import { repoRoot } from '../support/paths.js';

const TOKEN = 'campaign-token-0123456789';
const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');

function run(args: string[], url: string): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args, '--url', url], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DMVISOR_API_TOKEN: TOKEN } });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    child.on('exit', (status) => resolve({ status, out }));
  });
}

test('dmvisor campaign: a Replace to every Enterprise VM of a fleet, in batches of 2, devices woken over UDP; a failing campaign pauses', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-campaign-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger: pino({ level: 'silent' }), campaignTickMs: 50 });
  const clients: DmClient[] = [];
  try {
    for (let i = 0; i < 6; i++) {
      const devId = `IMEI:39000000000000${i}`;
      const mod = i < 5 ? 'Enterprise VM' : 'Personal VM';
      const c = await DmClient.open({
        config: parseDeviceConfig({
          device: { devId, mod }, notifications: { udpPort: 0, host: '127.0.0.1' }, session: { retries: 0 },
          accounts: [{ serverId: 'dmvisor', serverUri: `${server.url}/dm`, encoding: 'wbxml', clientAuth: { type: 'DIGEST', name: `d${i}`, secret: 'pw' } }],
        }, 't'),
        store: new InMemoryTreeStore(),
      });
      c.tree.createNode('./Vendor', { format: 'node', acl: 'Get=dmvisor&Replace=dmvisor' });
      if (i !== 4) c.tree.createNode('./Vendor/Policy', { value: 'open' }); // device 4 lacks the node: its Replace fails (404)
      const { udpPort } = await c.listen();
      const reg = await fetch(`${server.url}/api/devices`, {
        method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ devId, clientAuth: { type: 'md5', name: `d${i}`, secret: 'pw' }, notifyAddress: `udp://127.0.0.1:${udpPort}` }),
      });
      assert.equal(reg.status, 201);
      assert.equal((await c.runSession()).state, 'completed', 'first check-in reports DevInfo');
      clients.push(c);
    }
    const created = await run(['campaign', 'create', '--name', 'strict policy', '--devinfo', 'Mod=Enterprise VM', '--set', './Vendor/Policy', 'strict',
      '--batch', '2', '--max-failure-rate', '0.5', '--notify'], server.url);
    assert.equal(created.status, 0, created.out);
    const [, id, targets] = /campaign (cmp_\w+) created: (\d+) device/.exec(created.out) ?? [];
    assert.equal(targets, '5', 'the Personal VM is not a target');
    const shown = await run(['campaign', 'show', id!, '--wait', '30'], server.url);
    assert.equal(shown.status, 0, shown.out);
    assert.match(shown.out, /completed\n {2}5\/5 done: 4 succeeded, 1 failed/);
    for (const [i, c] of clients.entries()) assert.equal(c.tree.exists('./Vendor/Policy') ? c.tree.readValue('./Vendor/Policy') : 'none', i < 4 ? 'strict' : i === 4 ? 'none' : 'open');
    const listed = await run(['campaign', 'targets', id!], server.url);
    assert.match(listed.out, /IMEI:390000000000000 {2}succeeded {2}\(Replace 200\)/);
    assert.match(listed.out, /IMEI:390000000000004 {2}failed {2}\(Replace 404\)/);

    // All fail: the first finished batch is over the limit, so the campaign pauses and the rest wait.
    const risky = await run(['campaign', 'create', '--name', 'bad path', '--search', 'IMEI:3900', '--set', './Vendor/Nope', 'x', '--batch', '2', '--max-failure-rate', '0.2', '--notify'], server.url);
    const riskyId = /campaign (cmp_\w+) created/.exec(risky.out)?.[1];
    const paused = await run(['campaign', 'show', riskyId!, '--wait', '30'], server.url);
    assert.equal(paused.status, 1, paused.out);
    assert.match(paused.out, /paused — paused: 2 of 2 finished devices failed/);
    assert.match(paused.out, /4 waiting/);
    const cancelled = await run(['campaign', 'cancel', riskyId!], server.url);
    assert.match(cancelled.out, /cancelled/);
    const list = await run(['campaign', 'list'], server.url);
    assert.match(list.out, /completed .* strict policy/);
    assert.match(list.out, /cancelled .* bad path/);
    const bad = await fetch(`${server.url}/api/campaigns`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', filter: { color: 'red' }, commands: [{ verb: 'Get', target: './A' }] }) });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { field: string } }).error.field, 'filter.color');
  } finally {
    for (const c of clients) await c.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
