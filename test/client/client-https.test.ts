/** The client over HTTPS with a configured CA: trusted → session completes; untrusted → the session fails, nothing crashes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DmClient } from '../../src/client/dm-client.js';
import { parseDeviceConfig } from '../../src/client/device-config.js';
import { InMemoryTreeStore } from '../../src/tree/index.js';
import { haveCommand } from '../support/paths.js';
import { startScriptedServer, serverMessage } from '../support/scripted-dm-server.js';

const skip = haveCommand('openssl') ? false : 'SKIP: openssl not installed (needed to make a test certificate)';
if (skip) console.log(`# ${skip}`);

test('HTTPS with the server certificate trusted through tls.caFile', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-tls-'));
  try {
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const tls = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    const server = await startScriptedServer((ex) => serverMessage(ex.message, 1, 212), tls);
    try {
      const raw = {
        device: { devId: 'IMEI:001010123456789' },
        accounts: [{ serverId: 'dmsrv', serverUri: server.url, clientAuth: { type: 'BASIC', name: 'dev', secret: 'pw' } }],
        session: { retries: 0 },
      };
      const trusted = await DmClient.open({ config: { ...parseDeviceConfig({ ...raw, tls: { caFile: join(dir, 'cert.pem') } }, 'test'), tls: { caFile: join(dir, 'cert.pem') } }, store: new InMemoryTreeStore() });
      const ok = await trusted.runSession();
      await trusted.close();
      assert.equal(ok.state, 'completed', ok.reason);

      const untrusted = await DmClient.open({ config: parseDeviceConfig(raw, 'test'), store: new InMemoryTreeStore() });
      const bad = await untrusted.runSession();
      await untrusted.close();
      assert.equal(bad.state, 'failed');
      assert.match(bad.reason ?? '', /certificate/i);
      assert.equal(server.exchanges.length, 1, 'the untrusted attempt never reached the server');
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
