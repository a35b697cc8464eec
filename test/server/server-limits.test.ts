/**
 * The server under pressure and over time, over real HTTP on 127.0.0.1:
 * overload shedding (503 + Retry-After, before any work), the open-session
 * cap, operation expiry by the sweep, and the `--config` file of
 * `dmvisor server`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DmServer } from '../../src/server/dm-server.js';
import { parseServerConfig } from '../../src/server/server-config.js';
import { ConfigError } from '../../src/client/config-error.js';
import { ClientSession } from '../../src/session/client-session.js';
import { createStandardTree } from '../../src/mo/index.js';
import { repoRoot } from '../support/paths.js';
import { apiCall } from '../support/admin-api.js';

const logger = pino({ level: 'silent' });
const TOKEN = 'limits-token-0123456789';

const api = (base: string, method: string, path: string, body?: unknown) => apiCall(base, TOKEN, method, path, body);

/** Package 1 of a client-initiated session of `devId` (md5 credentials), as bytes. */
function package1(serverUrl: string, devId: string): { bytes: Uint8Array; contentType: string } {
  const tree = createStandardTree({ devInfo: { devId, man: 'Acme', mod: 'VM', dmV: '1.2', lang: 'en' }, devDetail: { devTyp: 'vm', oem: 'Acme', fwV: '1', swV: '1', hwV: 'A', lrgObj: false } });
  const cs = new ClientSession({
    tree, deviceId: devId, devInfo: [{ uri: './DevInfo/DevId', value: devId }], sessionId: '1', initiator: 'client',
    account: { serverId: 'dmvisor', serverUri: `${serverUrl}/dm`, encoding: 'xml', client: { scheme: 'md5', name: 'u', secret: 'p', nonce: new Uint8Array(0) }, server: { scheme: 'none', name: '', secret: '', nonce: new Uint8Array(0) } },
  });
  const out = cs.start();
  return { bytes: out.bytes, contentType: out.contentType };
}

test('overload: a DM message beyond maxConcurrentMessages is answered 503 with Retry-After at once; the one in flight completes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-limits-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger, maxConcurrentMessages: 1 });
  try {
    const { port } = new URL(server.url);
    const p1 = package1(server.url, 'IMEI:100000000000001');
    // The first message holds its slot while its body is still arriving.
    let firstStatus: number | undefined;
    const slow = http.request({ host: '127.0.0.1', port, path: '/dm', method: 'POST', headers: { 'content-type': p1.contentType, 'content-length': p1.bytes.length } }, (res) => {
      firstStatus = res.statusCode;
      res.resume();
    });
    const firstDone = new Promise<void>((resolve, reject) => { slow.on('close', resolve); slow.on('error', reject); });
    slow.write(p1.bytes.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 100));
    const second = await fetch(`${server.url}/dm`, { method: 'POST', headers: { 'content-type': p1.contentType }, body: p1.bytes });
    assert.equal(second.status, 503);
    assert.equal(second.headers.get('retry-after'), '1');
    slow.end(p1.bytes.subarray(10));
    await firstDone;
    assert.equal(firstStatus, 200, 'the message in flight was served');
    const third = await fetch(`${server.url}/dm`, { method: 'POST', headers: { 'content-type': p1.contentType }, body: p1.bytes });
    assert.equal(third.status, 200, 'the slot is free again');
    assert.match(await (await fetch(`${server.url}/metrics`)).text(), /dmvisor_messages_shed_total 1\b/);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('maxOpenSessions: a new session is refused with 503 while the cap is reached; a session in progress is not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-limits-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger, maxOpenSessions: 1 });
  try {
    const a = package1(server.url, 'IMEI:100000000000002');
    const first = await fetch(`${server.url}/dm`, { method: 'POST', headers: { 'content-type': a.contentType }, body: a.bytes });
    assert.equal(first.status, 200, 'unknown device: challenged, session stays open for its retry');
    const b = package1(server.url, 'IMEI:100000000000003');
    const refused = await fetch(`${server.url}/dm`, { method: 'POST', headers: { 'content-type': b.contentType }, body: b.bytes });
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '5');
    assert.equal(server.endpoint.openSessions, 1);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an operation past expiresInSeconds becomes expired through the sweep and is never sent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-limits-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger, operationSweepMs: 100 });
  try {
    const devId = 'IMEI:100000000000004';
    assert.equal((await api(server.url, 'POST', '/api/devices', { devId, clientAuth: { type: 'md5', name: 'u', secret: 'p' } })).status, 201);
    const bad = await api(server.url, 'POST', `/api/devices/${devId}/operations`, { commands: [{ verb: 'Get', target: './DevInfo/Man' }], expiresInSeconds: 0 });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.field, 'expiresInSeconds');
    const op = await api(server.url, 'POST', `/api/devices/${devId}/operations`, { commands: [{ verb: 'Get', target: './DevInfo/Man' }], expiresInSeconds: 1 });
    assert.equal(op.status, 201);
    const deadline = Date.now() + 5000;
    let state = op.json.state;
    while (state !== 'expired' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await api(server.url, 'GET', `/api/operations/${op.json.id}`)).json.state;
    }
    assert.equal(state, 'expired');
    assert.match(await (await fetch(`${server.url}/metrics`)).text(), /dmvisor_operations_total\{state="expired"\} 1\b/);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('server config file: every field validated, errors name the field', () => {
  const ok = parseServerConfig({ port: 9000, db: 'x.db', trace: 'errors', tls: { certFile: 'c', keyFile: 'k' }, maxConcurrentMessages: 10, logLevel: 'warn' }, 'f.json');
  assert.deepEqual(ok, { port: 9000, db: 'x.db', trace: 'errors', tls: { certFile: 'c', keyFile: 'k' }, maxConcurrentMessages: 10, logLevel: 'warn' });
  const bad: [unknown, string][] = [
    [[], ''], [{ prot: 1 }, 'prot'], [{ port: 70000 }, 'port'], [{ port: '80' }, 'port'], [{ trace: 'some' }, 'trace'],
    [{ tls: { certFile: 'c' } }, 'tls.keyFile'], [{ publicUrl: 'ftp://x' }, 'publicUrl'], [{ apiToken: 'short' }, 'apiToken'],
    [{ maxOpenSessions: 0 }, 'maxOpenSessions'], [{ logLevel: 'loud' }, 'logLevel'],
  ];
  for (const [raw, field] of bad) {
    assert.throws(() => parseServerConfig(raw, 'f.json'), (e: unknown) => e instanceof ConfigError && e.path === field, JSON.stringify(raw));
  }
});

test('dmvisor server --config FILE: settings from the file, the command line wins, a bad file exits 1 naming the field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-limits-'));
  const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  const run = (args: string[], untilListening: boolean) => new Promise<{ status: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DMVISOR_API_TOKEN: '', DMVISOR_CONFIG: '' } });
    let out = '';
    const on = (c: Buffer) => { out += c; if (untilListening && /listening on/.test(out) && /store/.test(out)) child.kill('SIGTERM'); };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.on('exit', (status) => resolve({ status, out }));
  });
  try {
    writeFileSync(join(dir, 'server.json'), JSON.stringify({ port: 0, db: 'sub/dm.db', serverId: 'from-file', apiToken: 'file-token-0123456789', logLevel: 'silent' }));
    const good = await run(['server', '--config', join(dir, 'server.json'), '--host', '127.0.0.1'], true);
    assert.match(good.out, /listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.ok(good.out.includes(join(dir, 'sub', 'dm.db')), `db path resolved against the config file: ${good.out}`);
    assert.doesNotMatch(good.out, /API token/, 'the token came from the file');
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ port: 0, trace: 'everything' }));
    const bad = await run(['server', '--config', join(dir, 'bad.json')], false);
    assert.equal(bad.status, 1);
    assert.match(bad.out, /bad\.json: trace: must be one of all, errors, none/);
    writeFileSync(join(dir, 'broken.json'), '{ "port": ');
    const broken = await run(['server', '--config', join(dir, 'broken.json')], false);
    assert.equal(broken.status, 1);
    assert.match(broken.out, /broken\.json: not JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
