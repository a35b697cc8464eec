/**
 * The operator's path end to end, all as child processes over real sockets:
 * `dmvisor server`, a device running `dmvisor client --daemon`, and the
 * operator commands `devices`, `set --notify`, `get --notify`, `notify`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/paths.js';

const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const TOKEN = 'operator-token-123456';

function start(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string; waitFor: (re: RegExp) => Promise<RegExpExecArray> } {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout!.on('data', (c) => { out += c; });
  child.stderr!.on('data', (c) => { out += c; });
  return {
    child,
    output: () => out,
    waitFor: (re) => new Promise((resolve, reject) => {
      const t = setTimeout(() => { clearInterval(i); reject(new Error(`timed out waiting for ${re}: ${out}`)); }, 15000);
      const i = setInterval(() => { const m = re.exec(out); if (m) { clearTimeout(t); clearInterval(i); resolve(m); } }, 20);
    }),
  };
}

function run(args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DMVISOR_API_TOKEN: TOKEN } });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    child.on('exit', (status) => resolve({ status, out }));
  });
}

test('dmvisor server + client --daemon + operator commands', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-op-'));
  const server = start(['server', '--port', '0', '--db', join(dir, 'dm.db')], { DMVISOR_API_TOKEN: TOKEN });
  let device: ReturnType<typeof start> | undefined;
  try {
    const [, url] = await server.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    assert.doesNotMatch(server.output(), /API token/, 'a configured token is never printed');
    const devId = 'IMEI:353333333333333';
    writeFileSync(join(dir, 'device.json'), JSON.stringify({
      stateDir: './state', device: { devId, mod: 'Personal VM', fwV: '7.1' },
      accounts: [{ serverId: 'dmvisor', serverUri: `${url}/dm`, encoding: 'wbxml', clientAuth: { type: 'DIGEST', name: 'personal', secret: 'pw' } }],
      notifications: { udpPort: 0 },
    }));
    device = start(['client', '--config', join(dir, 'device.json'), '--daemon']);
    const [, udpPort] = await device.waitFor(/udp\/(\d+)/);
    const reg = await fetch(`${url}/api/devices`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ devId, clientAuth: { type: 'md5', name: 'personal', secret: 'pw' }, notifyAddress: `udp://127.0.0.1:${udpPort}` }),
    });
    assert.equal(reg.status, 201);

    const list = await run(['devices', '--url', url]);
    assert.equal(list.status, 0, list.out);
    assert.match(list.out, /IMEI:353333333333333 .* md5 +last seen never/);

    const set = await run(['set', devId, './DMAcc/dmvisor/Name', 'Personal DM', '--add', '--notify', '--url', url, '--wait', '20']);
    assert.equal(set.status, 0, set.out + device.output());
    assert.match(set.out, /Add \.\/DMAcc\/dmvisor\/Name: 200/);
    const get = await run(['get', devId, './DevDetail/FwV', '--notify', '--url', url, '--wait', '20']);
    assert.equal(get.status, 0, get.out);
    assert.match(get.out, /\.\/DevDetail\/FwV = 7\.1/);
    assert.match(get.out, /state: succeeded/);
    const missing = await run(['get', devId, './Nope', '--notify', '--url', url, '--wait', '20']);
    assert.equal(missing.status, 1);
    assert.match(missing.out, /Get \.\/Nope: 404/);

    const sessions = await run(['sessions', devId, '--url', url]);
    assert.equal(sessions.status, 0, sessions.out);
    const lines = sessions.out.trim().split('\n');
    assert.equal(lines.length, 3, sessions.out);
    assert.match(lines[0]!, /^[0-9a-f]{24} {2}\S+ {2}server-initiated {2}completed \d+ ms {2}\d+ messages/);
    const trace = await run(['trace', lines[2]!.split(' ')[0]!, '--url', url]);
    assert.equal(trace.status, 0, trace.out);
    assert.match(trace.out, /#1 device → server {2}wbxml/);
    assert.match(trace.out, /Alert 1200/);
    assert.match(trace.out, /Add .*\.\/DMAcc\/dmvisor\/Name/);
    const xml = await run(['trace', lines[2]!.split(' ')[0]!, '--url', url, '--xml']);
    assert.match(xml.out, /<SyncML xmlns="SYNCML:SYNCML1\.2">/);
    assert.equal((await run(['trace', 'nope', '--url', url])).status, 1);

    const badToken = await run(['devices', '--url', url, '--token', 'wrong']);
    assert.equal(badToken.status, 1);
    assert.match(badToken.out, /HTTP 401/);
  } finally {
    device?.child.kill('SIGTERM');
    server.child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => server.child.on('exit', (c) => r(c)));
    assert.equal(code, 0, server.output());
    rmSync(dir, { recursive: true, force: true });
  }
});
