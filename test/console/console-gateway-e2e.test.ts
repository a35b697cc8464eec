/**
 * A gateway in the console, in a real browser (Debian's chromium via
 * playwright-core) against a real DmServer and a real host agent (process
 * driver, gateway on) with two VMs — one transparent, one proxy: the host
 * page reads the gateway's Device Inventory (a real DM session with the
 * host), and runs fan-outs — every VM of the host, then a chosen one —
 * followed to completion with the aggregated progress and each VM's own
 * result; a malformed command set is refused in the form.
 *
 * Skipped (visibly) without /usr/bin/chromium: `.ci/run` installs it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DmServer } from '../../src/server/dm-server.js';
import { defaultConsoleDir } from '../../src/server/console-static.js';
import { HostAgent } from '../../src/virt/host-agent.js';
import { apiClient, waitForOperation } from '../../src/virt/scenario.js';
import { accessibilityViolations, CHROMIUM, launch, NO_CHROMIUM, shot, signIn, startRealHost, watchProblems } from '../support/console-browser.js';

const TOKEN = 'console-gateway-token-0123456789';
const HOST = 'urn:dmvisor:host:gwconsole';
const enc = encodeURIComponent;

test('gateway in the console: the host\'s Device Inventory read from the real gateway, fan-outs to every VM and to a chosen one run to completion with per-device results', async (t) => {
  if (!existsSync(CHROMIUM)) { t.skip(NO_CHROMIUM); return; }
  assert.ok(existsSync(join(defaultConsoleDir(), 'index.html')), `the console is not built in ${defaultConsoleDir()}: run npm run build:console (npm test does)`);
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-console-gw-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger: pino({ level: 'silent' }) });
  const browser = await launch(dir);
  let host: HostAgent | undefined;
  try {
    const base = server.url;
    const call = apiClient(base, TOKEN);
    host = await startRealHost({ base, token: TOKEN, dir, hostDevId: HOST, gateway: true });
    for (const [name, mode] of [['ent-t', 'transparent'], ['ent-p', 'proxy']] as const) {
      const r = await call('POST', `/api/devices/${enc(HOST)}/vms`, { name, kind: 'enterprise', image: 'enterprise', mode });
      assert.equal(r.status, 202, JSON.stringify(r.json));
      assert.equal((await waitForOperation(call, r.json.operationId)).state, 'succeeded');
    }
    const transparentId = `${HOST}:vm:ent-t`;
    const proxyId = `${HOST}/ent-p`;

    const page = browser.pages()[0] ?? await browser.newPage();
    page.setDefaultTimeout(30_000);
    const problems = watchProblems(page);
    await signIn(page, base, TOKEN);
    await page.goto(`${base}/#/hosts/${enc(HOST)}`);

    // The inventory, read from the gateway in a session with it.
    const inv = page.getByRole('region', { name: 'Gateway inventory' });
    await inv.getByRole('button', { name: 'Read inventory' }).click();
    const table = inv.getByRole('table');
    const rowOf = (id: string) => table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: id, exact: true }) });
    await rowOf(transparentId).waitFor();
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (c) => (c as unknown as { innerText: string }).innerText.trim())));
    assert.deepEqual(rows.map((r) => [r[0], r[2], r[3]!.split('\n')[0], r[4]]), [
      [proxyId, 'ent-p', 'proxy (through the gateway)', 'reachable'],
      [transparentId, 'ent-t', 'transparent (notified through the gateway)', 'reachable'],
    ]);
    assert.match(rows[0]![3]!, /\nprefix \.\/\S+$/, 'a proxied VM shows its prefix in the gateway\'s tree');
    assert.doesNotMatch(rows[1]![3]!, /prefix/, 'a transparent VM is addressed by itself');
    for (const r of rows) { assert.ok(r[1] && r[1] !== '—', `a local id: ${JSON.stringify(r)}`); assert.ok(r[5] && r[5] !== '—', `a last contact: ${JSON.stringify(r)}`); }
    assert.equal(await rowOf(proxyId).getByRole('link', { name: proxyId }).getAttribute('href'), `#/devices/${enc(proxyId)}`);

    // A malformed command set is named in the form; nothing is sent.
    const form = page.getByRole('form', { name: 'Fan-out' });
    await form.getByLabel('Commands').fill('Copy ./A ./B');
    await form.getByRole('button', { name: 'Run fan-out' }).click();
    await form.getByRole('alert').filter({ hasText: 'Commands: line 1: write VERB target [data]' }).waitFor();

    // Every VM of the host: one Get, each VM answers with its own DevId (a proxied VM's is local to the gateway).
    await form.getByLabel('Commands').fill('Get ./DevInfo/DevId');
    await form.getByRole('button', { name: 'Run fan-out' }).click();
    const fan = page.locator('.fanout');
    await fan.locator('.fanout-summary').filter({ hasText: '2 of 2 done: 2 succeeded' }).waitFor();
    await fan.locator('.badge').first().filter({ hasText: 'succeeded' }).waitFor();
    await page.getByRole('img', { name: 'Progress: 2 of 2 done: 2 succeeded' }).waitFor();
    for (const [id, own] of [[transparentId, transparentId], [proxyId, 'ent-p']]) {
      const row = fan.getByRole('row').filter({ has: page.getByRole('rowheader', { name: id, exact: true }) });
      await row.getByText('succeeded').waitFor();
      assert.equal(await row.locator('td').last().innerText(), `Get ./DevInfo/DevId: 200 OK\n./DevInfo/DevId = ${own}`);
    }
    await shot(page, 'console-gateway');
    assert.deepEqual(await accessibilityViolations(page), [], 'host page with its gateway');

    // A chosen device only.
    await form.getByRole('radio', { name: 'Chosen devices' }).check();
    await form.getByRole('button', { name: 'Run fan-out' }).click();
    await form.getByRole('alert').filter({ hasText: 'Devices: choose at least one device' }).waitFor();
    await form.getByRole('checkbox', { name: proxyId }).check();
    await form.getByLabel('Commands').fill('Add ./Mark console\nGet ./Mark');
    await form.getByRole('button', { name: 'Run fan-out' }).click();
    await fan.locator('.fanout-summary').filter({ hasText: '1 of 1 done: 1 succeeded' }).waitFor();
    const only = fan.getByRole('row').filter({ has: page.getByRole('rowheader', { name: proxyId, exact: true }) });
    await only.getByText('= console').waitFor();
    assert.equal(await fan.getByRole('rowheader', { name: transparentId, exact: true }).count(), 0, 'the other VM is not in this fan-out');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await host?.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
