/**
 * The operator surface: `dmvisor bootstrap build|card|enroll|push|profile`
 * against a real server, and `dmvisor client --once` picking the results up
 * (the CLI entry point run in-process; the server on real HTTP).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pino } from 'pino';
import { DmServer } from '../../src/server/dm-server.js';
import { main } from '../../src/cli/main.js';
import { DmClient } from '../../src/client/dm-client.js';
import { parseDeviceConfig } from '../../src/client/device-config.js';
import type { CliIo } from '../../src/cli/codec-command.js';
import { decodeProvisioningXml, decodeProvisioningWbxml, decodeCardImage, w7Accounts } from '../../src/bootstrap/index.js';
import { haveCommand } from '../support/paths.js';

const TOKEN = 'cli-bootstrap-token-0001';

function io(): CliIo & { out: string; err: string } {
  const o = { out: '', err: '' } as CliIo & { out: string; err: string };
  o.stdout = (t) => { o.out += t; };
  o.stderr = (t) => { o.err += t; };
  o.writeStdout = async () => undefined;
  o.readStdin = async () => new Uint8Array(0);
  return o;
}

test('CLI: build (customized), card (smartcard), enroll (client-initiated) then `client --once`; push (server-initiated, CP profile); registry says how', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmv-bcli-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger: pino({ level: 'silent' }) });
  const common = ['--url', server.url, '--token', TOKEN];
  try {
    const cases: { devId: string; method: string; args: string[]; config: (f: string) => object }[] = [
      {
        devId: 'VM:cli-custom', method: 'customized', args: ['build', '--dev-id', 'VM:cli-custom', '--sec', 'USERPIN', '--pin', '1357', '--out', join(dir, 'custom.wbxml')],
        config: (out) => ({ bootstrap: { documents: [{ file: 'custom.wbxml', sec: 'USERPIN', mac: /MAC=(\w+)/.exec(out)![1], pin: '1357' }] } }),
      },
      {
        devId: 'VM:cli-card', method: 'smartcard', args: ['card', '--dev-id', 'VM:cli-card', '--sec', 'NETWPIN', '--imsi', '001010123456789', '--out', join(dir, 'card.img')],
        config: () => ({ bootstrap: { smartcard: { virtual: 'card.img' } } }),
      },
      {
        devId: 'VM:cli-enroll', method: 'client-initiated', args: ['enroll', '--name', 'cli-fleet', '--secret', 'cli-fleet-secret-1'],
        config: () => ({
          accounts: [{ serverId: 'dmvisor-bootstrap', serverUri: `${server.url}/bootstrap`, clientAuth: { type: 'BASIC', name: 'cli-fleet', secret: 'cli-fleet-secret-1' } }],
          bootstrap: { server: 'dmvisor-bootstrap' },
        }),
      },
    ];
    for (const c of cases) {
      const b = io();
      assert.equal(await main(['bootstrap', ...c.args, ...common], b), 0, b.err);
      const cfg = join(dir, `${c.method}.json`);
      writeFileSync(cfg, JSON.stringify({ stateDir: `state-${c.method}`, device: { devId: c.devId }, session: { retries: 0 }, ...c.config(b.out) }));
      const run = io();
      assert.equal(await main(['client', '--config', cfg, '--once'], run), 0, run.out + run.err);
      assert.match(run.out, /bootstrap .* applied/);
      const dev = await (await fetch(`${server.url}/api/devices/${encodeURIComponent(c.devId)}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { bootstrapMethod: string; lastSeenAt?: string };
      assert.equal(dev.bootstrapMethod, c.method);
      assert.ok(dev.lastSeenAt);
    }
    assert.equal(decodeCardImage(readFileSync(join(dir, 'card.img'))).files[0].oid, '2.23.43.7.1');
    // Refusals: an unknown profile, a device that exists, a bad SEC — clear messages, exit 1 or 2.
    const e1 = io();
    assert.equal(await main(['bootstrap', 'build', '--dev-id', 'VM:cli-custom', '--out', join(dir, 'x'), ...common], e1), 1);
    assert.match(e1.err, /already bootstrapped/);
    const e2 = io();
    assert.equal(await main(['bootstrap', 'build', '--dev-id', 'VM:n', '--profile-name', 'nope', '--out', join(dir, 'x'), ...common], e2), 1);
    assert.match(e2.err, /no bootstrap profile/);
    const e3 = io();
    assert.equal(await main(['bootstrap', 'build', '--offline', '--server-uri', 'http://x/dm', '--server-id', 's', '--client-name', 'n', '--client-secret', 's', '--sec', 'BOGUS', '--out', join(dir, 'x')], e3), 1);
    assert.match(e3.err, /unknown SEC method/);
    const p = io();
    assert.equal(await main(['bootstrap', 'profile', 'cp-profile', '--profile', 'cp', ...common], p), 0, p.err);
    assert.match(p.out, /"profile":"cp"/);
    // push (server-initiated, CP profile) to a listening client.
    const devId = 'VM:cli-push';
    const listening = await DmClient.open({ config: parseDeviceConfig({ stateDir: join(dir, 'state-push'), device: { devId }, session: { retries: 0 }, bootstrap: { pin: '8642' }, notifications: { udpPort: 0 } }, 'push') });
    try {
      const ports = await listening.listen();
      const pu = io();
      assert.equal(await main(['bootstrap', 'push', devId, '--address', `udp://127.0.0.1:${ports.udpPort}`, '--profile-name', 'cp-profile', '--sec', 'USERPIN', '--pin', '8642', ...common], pu), 0, pu.err);
      assert.match(pu.out, /bootstrap pushed to VM:cli-push/);
      for (let i = 0; i < 200 && listening.followUps.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      assert.equal(listening.followUps[0]?.result.state, 'completed');
    } finally {
      await listening.close();
    }
    const pushed = await (await fetch(`${server.url}/api/devices/${encodeURIComponent(devId)}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { bootstrapMethod: string };
    assert.equal(pushed.bootstrapMethod, 'server-initiated');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: build --offline --profile cp writes a provisioning document libwbxml reads', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dmv-bcp-'));
  try {
    const out = join(dir, 'cp.wbxml');
    const o = io();
    assert.equal(await main(['bootstrap', 'build', '--offline', '--profile', 'cp', '--server-uri', 'https://dm.example.com/dm', '--server-id', 'acme',
      '--client-name', 'dev1', '--client-secret', 'pw', '--sec', 'USERPIN', '--pin', '1234', '--out', out], o), 0, o.err);
    assert.match(o.out, /SEC=USERPIN\nMAC=[0-9A-F]{40}/);
    const [acc] = w7Accounts(decodeProvisioningWbxml(readFileSync(out)));
    assert.equal(acc.serverId, 'acme');
    if (!haveCommand('wbxml2xml')) { t.skip('libwbxml2-utils not installed: wbxml2xml cross-check skipped'); return; }
    const r = spawnSync('wbxml2xml', ['-o', join(dir, 'cp.xml'), out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(w7Accounts(decodeProvisioningXml(readFileSync(join(dir, 'cp.xml'))))[0].addresses[0].addr, 'https://dm.example.com/dm');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
