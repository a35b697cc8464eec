/**
 * `dmvisor client` end to end: the built CLI as a child process, a scripted
 * DM server over real HTTP on 127.0.0.1, notifications over real UDP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { FileTreeStore, loadTree } from '../../src/tree/index.js';
import { moResolver } from '../../src/mo/index.js';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/paths.js';
import { startScriptedServer, serverMessage } from '../support/scripted-dm-server.js';
import { verifyMd5Cred, decodeBase64 } from '../../src/security/index.js';
import { encodePackage0, encodeWapPush, PushApplicationId } from '../../src/notification/index.js';
import type { StatusCommand, ResultsCommand } from '../../src/syncml/index.js';

const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const NONCE_B64 = 'c2VydmVyLWdhdmUtdGhpcw==';

/** Run the CLI without blocking this process (the scripted server lives here). */
function runCli(args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('exit', (status) => { clearTimeout(timer); resolve({ status, out }); });
  });
}

function config(dir: string, serverUri: string, extra: object = {}) {
  const path = join(dir, 'device.json');
  writeFileSync(path, JSON.stringify({
    stateDir: './state',
    device: { devId: 'IMEI:001010123456789', man: 'Acme', mod: 'Enterprise VM', fwV: '2.1' },
    accounts: [{
      serverId: 'dmsrv', serverUri, encoding: 'wbxml',
      clientAuth: { type: 'DIGEST', name: 'vm-enterprise', secret: 'client-secret', nonce: NONCE_B64 },
      serverAuth: { type: 'NONE' },
    }],
    ...extra,
  }));
  return path;
}

test('dmvisor client --once runs a full authenticated session over HTTP and persists its state', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-client-'));
  const server = await startScriptedServer((ex, i) => {
    const m = ex.message;
    if (i === 0) {
      // Package 1: Alert 1201, DevInfo, md5 Cred over the configured nonce.
      assert.equal(m.body.commands[0].kind === 'Alert' && m.body.commands[0].data, 1201);
      assert.ok(m.header.cred && verifyMd5Cred(m.header.cred.data, { username: 'vm-enterprise', password: 'client-secret' }, decodeBase64(NONCE_B64)));
      assert.equal(m.header.source.locName, 'vm-enterprise');
      return serverMessage(m, 1, 212, '<Get><CmdID>2</CmdID><Item><Target><LocURI>./DevDetail/FwV</LocURI></Target></Item></Get>'
        + '<Add><CmdID>3</CmdID><Item><Target><LocURI>./DMAcc/dmsrv/Name</LocURI></Target><Data>Enterprise DM</Data></Item></Add>');
    }
    if (i === 1) {
      assert.equal(m.header.cred, undefined, 'no Cred after 212');
      const statuses = m.body.commands.filter((c): c is StatusCommand => c.kind === 'Status');
      assert.deepEqual(statuses.map((s) => [s.cmdRef, s.data]), [['0', 200], ['2', 200], ['3', 200]]);
      const results = m.body.commands.find((c): c is ResultsCommand => c.kind === 'Results');
      assert.equal(results?.items[0].data, '2.1');
      return serverMessage(m, 2, 200);
    }
    throw new Error('unexpected third message');
  });
  try {
    const cfg = config(dir, server.url);
    const r = await runCli(['client', '--config', cfg, '--once']);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /session [0-9A-F]+ with dmsrv completed \(2 sent, 2 received\)/);
    assert.equal(server.exchanges.length, 2);
    // The tree was saved with the server's Add in it.
    const tree = await loadTree(new FileTreeStore(join(dir, 'state', 'tree.json')), { resolveMo: moResolver() });
    assert.equal(tree?.readValue('./DMAcc/dmsrv/Name'), 'Enterprise DM');
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dmvisor client --daemon answers a package #0 pushed over UDP with a server-initiated session', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-client-'));
  const seen: string[] = [];
  const server = await startScriptedServer((ex) => {
    const alert = ex.message.body.commands[0];
    seen.push(`${ex.message.header.sessionID}:${alert.kind === 'Alert' ? alert.data : alert.kind}`);
    return serverMessage(ex.message, 1, 212);
  });
  const cfg = config(dir, server.url, { notifications: { udpPort: 0, host: '127.0.0.1' } });
  const child = spawn(process.execPath, [cli, 'client', '--config', cfg, '--daemon'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  const sock = dgram.createSocket('udp4');
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('daemon did not start: ' + out)), 10000);
      const check = setInterval(() => {
        const m = /listening for notifications on udp\/(\d+)/.exec(out);
        if (m) { clearTimeout(t); clearInterval(check); resolve(Number(m[1])); }
      }, 20);
    });
    // The account's server credentials are NONE: the digest is keyed with an empty secret and nonce.
    const p0 = encodePackage0({ uiMode: 1, initiator: 1, sessionId: 0xbeef, serverId: 'dmsrv' }, { serverPassword: '', nonce: new Uint8Array(0) });
    const push = encodeWapPush({ tid: 9, pduType: 0x06, contentType: 'application/vnd.syncml.notification', applicationId: PushApplicationId.SYNCML_DM, body: p0 });
    await new Promise<void>((r, j) => sock.send(push, port, '127.0.0.1', (e) => (e ? j(e) : r())));
    const bad = encodePackage0({ uiMode: 1, initiator: 1, sessionId: 0xf00d, serverId: 'dmsrv' }, { serverPassword: 'forged', nonce: new Uint8Array(0) });
    await new Promise<void>((r, j) => sock.send(bad, port, '127.0.0.1', (e) => (e ? j(e) : r())));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no session: ' + out)), 10000);
      const check = setInterval(() => { if (/session BEEF with dmsrv completed/.test(out) && /notification rejected/.test(out)) { clearTimeout(t); clearInterval(check); resolve(); } }, 20);
    });
    assert.deepEqual(seen, ['BEEF:1200']);
    assert.match(out, /notification rejected: digest does not verify/);
  } finally {
    sock.close();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 0, out);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad config is refused with the field named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-client-'));
  try {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ device: { devId: 'x' }, accounts: [{ serverId: 'a b', serverUri: 'http://h/dm', clientAuth: { type: 'NONE' } }] }));
    let r = spawnSync(process.execPath, [cli, 'client', '--config', path, '--once'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /accounts\[0\]\.serverId: must not contain whitespace/);
    writeFileSync(path, '{ not json');
    r = spawnSync(process.execPath, [cli, 'client', '--config', path, '--once'], { encoding: 'utf8' });
    assert.match(r.stderr, /not valid JSON/);
    writeFileSync(path, JSON.stringify({ device: { devId: 'x' }, accounts: [{ serverId: 'a', serverUri: 'ftp://h', clientAuth: { type: 'NONE' } }] }));
    r = spawnSync(process.execPath, [cli, 'client', '--config', path, '--once'], { encoding: 'utf8' });
    assert.match(r.stderr, /accounts\[0\]\.serverUri: must be an http: or https: URL/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
