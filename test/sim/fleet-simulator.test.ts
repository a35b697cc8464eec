/**
 * The fleet simulator against a real DmServer on 127.0.0.1: in-process
 * (FleetSimulator) and as `dmvisor simulate` in a child process. Operations
 * queued for simulated devices (polled, and woken by HTTP notifications)
 * must all be delivered, and every session must complete.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DmServer } from '../../src/server/dm-server.js';
import { FleetSimulator, SimulatorError } from '../../src/sim/fleet-simulator.js';
import { apiCall } from '../support/admin-api.js';
import { repoRoot } from '../support/paths.js';

const TOKEN = 'sim-test-token-123456';
const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');

async function withServer(fn: (server: DmServer) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-sim-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), host: '127.0.0.1', port: 0, apiToken: TOKEN, logger: pino({ level: 'silent' }), campaignTickMs: 200 });
  try {
    await fn(server);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Wait until every operation id in `ids` reached `succeeded` (or fail with their states). */
async function waitDelivered(base: string, ids: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let states: string[] = [];
  while (Date.now() < deadline) {
    states = await Promise.all(ids.map(async (id) => (await apiCall(base, TOKEN, 'GET', `/api/operations/${id}`)).json.state as string));
    if (states.every((s) => s === 'succeeded')) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`operations not all delivered: ${JSON.stringify(states.reduce<Record<string, number>>((a, s) => ({ ...a, [s]: (a[s] ?? 0) + 1 }), {}))}`);
}

test('in-process: 300 simulated devices register in bulk, poll, get notified; every session completes and every operation is delivered', async () => {
  await withServer(async (server) => {
    const sim = await FleetSimulator.start({
      server: server.url, token: TOKEN, hosts: 50, vmsPerHost: 5, pollSeconds: 2, register: true, notifyHost: '127.0.0.1', concurrency: 32, prefix: 'T1',
    });
    try {
      assert.equal(sim.devices, 300);
      const list = await apiCall(server.url, TOKEN, 'GET', '/api/devices?search=T1:h7:vm&limit=500');
      assert.equal(list.status, 200);
      assert.equal(list.json.devices.length, 5, 'host 7 VMs registered');
      assert.equal(list.json.devices[0].parentDevId, 'T1:h7');

      // Polled: a Replace + Get for 40 devices (hosts and VMs).
      const ids: string[] = [];
      for (let k = 0; k < 300; k += 7) {
        const devId = sim.device(k).devId;
        const r = await apiCall(server.url, TOKEN, 'POST', `/api/devices/${encodeURIComponent(devId)}/operations`, {
          commands: [{ verb: 'Replace', target: './Vendor/Setting', data: 'on' }, { verb: 'Get', target: './DevInfo/Mod' }],
        });
        assert.equal(r.status, 201, JSON.stringify(r.json));
        ids.push(r.json.id);
      }
      // Woken: notify on, through the shared HTTP listener.
      for (const k of [3, 150, 299]) {
        const r = await apiCall(server.url, TOKEN, 'POST', `/api/devices/${encodeURIComponent(sim.device(k).devId)}/operations`, {
          commands: [{ verb: 'Get', target: './DevDetail/FwV' }], notify: true,
        });
        assert.equal(r.status, 201, JSON.stringify(r.json));
        assert.ok(r.json.notifiedSessionId, `notified: ${JSON.stringify(r.json)}`);
        ids.push(r.json.id);
      }
      await waitDelivered(server.url, ids, 20_000);
      const got = await apiCall(server.url, TOKEN, 'GET', `/api/operations/${ids[ids.length - 1]}`);
      assert.equal(got.json.commands[0].results?.[0]?.data ?? got.json.commands[0].results?.[0]?.value, '1.0', JSON.stringify(got.json.commands[0]));
      // Run until every device has polled at least once.
      while (sim.stats().completed < 300) await new Promise((r) => setTimeout(r, 100));
    } finally {
      const s = await sim.stop();
      assert.equal(s.failed, 0, `failures: ${JSON.stringify(s.errors)}`);
      assert.ok(s.sessions >= 300, `${s.sessions} sessions`);
      assert.equal(s.completed, s.sessions);
      assert.ok(s.notifications >= 3 && s.serverInitiated >= 3, `notifications ${s.notifications}, server-initiated ${s.serverInitiated}`);
      assert.ok(Number.isFinite(s.latencyMs.p99) && s.latencyMs.p50 <= s.latencyMs.p99);
    }
  });
});

test('bad options are refused with a typed error before anything starts', async () => {
  await assert.rejects(FleetSimulator.start({ server: 'http://127.0.0.1:1', hosts: 0, vmsPerHost: 1 }), SimulatorError);
  await assert.rejects(FleetSimulator.start({ server: 'not a url', hosts: 1, vmsPerHost: 1 }), SimulatorError);
  await assert.rejects(FleetSimulator.start({ server: 'http://127.0.0.1:1', hosts: 1, vmsPerHost: 1, pollSeconds: -1 }), SimulatorError);
  await assert.rejects(FleetSimulator.start({ server: 'http://127.0.0.1:1', hosts: 1, vmsPerHost: 1, register: true }), /token/);
});

test('CLI: `dmvisor simulate --register` as a child process, 200 devices, summary as JSON', async (t) => {
  if (!existsSync(cli)) { t.skip(`needs the build (${cli}): run npm run build`); return; }
  await withServer(async (server) => {
    const child = spawn(process.execPath, [cli, 'simulate', '--server', server.url, '--token', TOKEN, '--hosts', '40', '--vms-per-host', '4',
      '--poll', '1', '--duration', '4', '--register', '--prefix', 'T2', '--progress', '1', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { err += c; });
    // Queue operations once the devices exist (registration is the simulator's first step).
    const ids: string[] = [];
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const l = await apiCall(server.url, TOKEN, 'GET', '/api/devices?search=T2:h39:vm3');
      if (l.json.devices.length === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const devId of ['T2:h0', 'T2:h20:vm1', 'T2:h39:vm3']) {
      const r = await apiCall(server.url, TOKEN, 'POST', `/api/devices/${encodeURIComponent(devId)}/operations`, { commands: [{ verb: 'Replace', target: './Vendor/Setting', data: 'x' }] });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      ids.push(r.json.id);
    }
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 0, `exit ${code}\n${err}\n${out}`);
    const s = JSON.parse(out);
    assert.equal(s.devices, 200);
    assert.equal(s.failed, 0);
    assert.ok(s.completed >= 200, `${s.completed} sessions completed`);
    assert.match(err, /simulating 200 devices/);
    assert.match(err, /\d+ s: \d[\d,]* sessions, .* ok, 0 failed/, 'progress lines');
    await waitDelivered(server.url, ids, 1000);
  });
});

test('CLI usage errors exit 2 with a message: missing --server, a gateway mode not simulated yet, a bad number', async (t) => {
  if (!existsSync(cli)) { t.skip(`needs the build (${cli}): run npm run build`); return; }
  const run = (args: string[]): Promise<{ code: number | null; err: string }> => new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'simulate', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DMVISOR_URL: '' } });
    let err = '';
    child.stderr.on('data', (c) => { err += c; });
    child.on('exit', (code) => resolve({ code, err }));
  });
  const a = await run(['--hosts', '1']);
  assert.equal(a.code, 2);
  assert.match(a.err, /--server is required/);
  const b = await run(['--server', 'http://127.0.0.1:1', '--hosts', '1', '--mode', 'proxy']);
  assert.equal(b.code, 2);
  assert.match(b.err, /--mode proxy is not simulated yet/);
  const c = await run(['--server', 'http://127.0.0.1:1', '--hosts', 'many']);
  assert.equal(c.code, 2);
  assert.match(c.err, /--hosts takes a number/);
});

test('the notification listener refuses what is not a package #0 for a known device, and keeps serving', async () => {
  await withServer(async (server) => {
    const sim = await FleetSimulator.start({ server: server.url, token: TOKEN, hosts: 2, vmsPerHost: 1, pollSeconds: 60, register: true, notifyHost: '127.0.0.1', prefix: 'T3' });
    try {
      const base = sim.notifyAddress(0)!.replace(/\/n\/0$/, '');
      assert.equal((await fetch(`${base}/n/99`, { method: 'POST', body: 'x' })).status, 404, 'no such device');
      assert.equal((await fetch(`${base}/n/0`, { method: 'POST', body: 'not a package' })).status, 400);
      assert.equal((await fetch(`${base}/n/0`, { method: 'POST', body: new Uint8Array(10_000) })).status, 400, 'oversized');
      // The real thing still works: the server notifies device 1 and it runs the session.
      const r = await apiCall(server.url, TOKEN, 'POST', `/api/devices/${encodeURIComponent(sim.device(1).devId)}/operations`, { commands: [{ verb: 'Get', target: './DevInfo/Mod' }], notify: true });
      assert.equal(r.status, 201);
      await waitDelivered(server.url, [r.json.id], 10_000);
      const op = await apiCall(server.url, TOKEN, 'GET', `/api/operations/${r.json.id}`);
      assert.match(JSON.stringify(op.json.commands[0].results), /Simulated VM/);
    } finally {
      const s = await sim.stop();
      assert.equal(s.failed, 0, JSON.stringify(s.errors));
      assert.equal(s.notifications, 1);
    }
  });
});
