/**
 * Smartcard bootstrap through a real PC/SC stack: pcscd with vsmartcard's
 * vpcd reader ("Virtual PCD"), our card emulator (test/support/vpcd-card.ts)
 * holding a PKCS#15 application with the DM bootstrap file, the client's
 * PC/SC port (pyscard bridge). .ci/run installs pcscd, vsmartcard-vpcd and
 * python3-pyscard and starts pcscd; elsewhere the test skips, saying why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DmServer } from '../../src/server/dm-server.js';
import { DmClient, type DmClientLogEvent } from '../../src/client/dm-client.js';
import { parseDeviceConfig } from '../../src/client/device-config.js';
import { PCSC_BRIDGE_PY } from '../../src/client/pcsc-bridge.js';
import { listDmAccounts } from '../../src/mo/index.js';
import { insertCard } from '../support/vpcd-card.js';

const TOKEN = 'pcsc-test-token-000001';

/** Why PC/SC cannot be tested here, or undefined when it can. */
function pcscMissing(): string | undefined {
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const r = spawnSync(python, ['-c', PCSC_BRIDGE_PY], { input: '{"cmd":"readers"}\n', encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0 || !r.stdout) return `python3 with pyscard not runnable (${r.error?.message ?? r.stderr.trim()})`;
  const answer = JSON.parse(r.stdout.split('\n')[0]) as { readers?: string[]; error?: string };
  if (answer.error) return answer.error.includes('pyscard') ? 'python3-pyscard not installed' : `pcscd not reachable: ${answer.error}`;
  if (!answer.readers?.some((x) => x.includes('Virtual PCD'))) return 'pcscd has no vsmartcard "Virtual PCD" reader (install vsmartcard-vpcd, restart pcscd)';
  return undefined;
}

test('smartcard over PC/SC: pcscd + vpcd + emulated PKCS#15 card → account, first session, removal', async (t) => {
  const missing = pcscMissing();
  if (missing) { t.skip(`PC/SC stack unavailable: ${missing} (.ci/run installs pcscd, vsmartcard-vpcd, python3-pyscard)`); return; }
  const dir = mkdtempSync(join(tmpdir(), 'dmv-pcsc-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger: pino({ level: 'silent' }) });
  try {
    const devId = 'VM:pcsc-0001';
    const res = await fetch(`${server.url}/api/bootstrap/documents`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ devId, method: 'smartcard' }),
    });
    const built = await res.json() as { document: string };
    assert.equal(res.status, 201);
    const card = await insertCard(Buffer.from(built.document, 'base64'));
    const config = parseDeviceConfig({ stateDir: join(dir, 'state'), device: { devId }, session: { retries: 0 }, bootstrap: { smartcard: { pcsc: { reader: 'Virtual PCD' } } } }, 'test');
    let c: DmClient | undefined;
    for (let i = 0; i < 20 && !(c && listDmAccounts(c.tree).length); i++) {
      // pcscd notices an inserted virtual card within a moment.
      await c?.close();
      await new Promise((r) => setTimeout(r, 250));
      c = await DmClient.open({ config });
    }
    const first = await c!.contactNewServers();
    await c!.close();
    assert.equal(first[0]?.result.state, 'completed', first[0]?.result.reason);
    const dev = await (await fetch(`${server.url}/api/devices/${encodeURIComponent(devId)}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { bootstrapMethod: string; lastSeenAt?: string };
    assert.equal(dev.bootstrapMethod, 'smartcard');
    assert.ok(dev.lastSeenAt);
    await card.remove();
    const events: DmClientLogEvent[] = [];
    let again: DmClient | undefined;
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 250));
      again = await DmClient.open({ config, log: (e) => events.push(e) });
      if (listDmAccounts(again.tree).length === 0) break;
      await again.close();
    }
    assert.equal(listDmAccounts(again!.tree).length, 0, 'the removed card\'s account is gone');
    await again!.close();
    assert.ok(events.some((e) => e.event === 'bootstrap-removed'));
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
