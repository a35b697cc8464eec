/**
 * The console's operator workflows in a real browser (Debian's chromium via
 * playwright-core) against a real DmServer: a campaign created from the form
 * and completed by real DM clients woken over UDP, watched to the end with
 * each device's status code; pause/resume/cancel; bootstrap profiles and an
 * enrollment secret shown once; a bootstrapped device's method; VM actions
 * against a real host agent (process driver) and its gateway (management
 * mode switch); and VM failures answered inside the browser (install-client
 * refused, duplicate name) with the exact request bodies checked.
 *
 * Skipped (visibly) without /usr/bin/chromium: `.ci/run` installs it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Route } from 'playwright-core';
import { DmServer } from '../../src/server/dm-server.js';
import { defaultConsoleDir } from '../../src/server/console-static.js';
import { DmClient } from '../../src/client/dm-client.js';
import { parseDeviceConfig } from '../../src/client/device-config.js';
import { InMemoryTreeStore } from '../../src/tree/index.js';
import { HostAgent } from '../../src/virt/host-agent.js';
import { apiClient } from '../../src/virt/scenario.js';
import { apiCall } from '../support/admin-api.js';
import { accessibilityViolations, CHROMIUM, launch, NO_CHROMIUM, shot, signIn, startRealHost, watchProblems } from '../support/console-browser.js';

const TOKEN = 'console-ops-token-0123456789';
const logger = pino({ level: 'silent' });

async function api(base: string, method: string, path: string, body?: unknown) {
  const r = await apiCall(base, TOKEN, method, path, body);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

/** A real DM client listening for notifications on UDP, registered with the server. */
async function listeningDevice(base: string, devId: string, fwV: string): Promise<DmClient> {
  const name = `u-${devId.replace(/\W/g, '')}`;
  const config = parseDeviceConfig({
    device: { devId, man: 'Acme', mod: 'Campaign VM', fwV },
    accounts: [{ serverId: 'dmvisor', serverUri: `${base}/dm`, encoding: 'wbxml', clientAuth: { type: 'DIGEST', name, secret: 'vm-secret' } }],
    session: { retries: 0 },
    notifications: { udpPort: 0, host: '127.0.0.1' },
  }, 'test');
  const device = await DmClient.open({ config, store: new InMemoryTreeStore() });
  const { udpPort } = await device.listen();
  await api(base, 'POST', '/api/devices', { devId, clientAuth: { type: 'md5', name, secret: 'vm-secret' }, notifyAddress: `udp://127.0.0.1:${udpPort}` });
  return device;
}

test('campaigns in the console: create from the form, real devices complete it live, targets with codes; pause, resume, cancel', async (t) => {
  if (!existsSync(CHROMIUM)) { t.skip(NO_CHROMIUM); return; }
  assert.ok(existsSync(join(defaultConsoleDir(), 'index.html')), `the console is not built in ${defaultConsoleDir()}: run npm run build:console (npm test does)`);
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-console-campaign-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger, campaignTickMs: 300 });
  const devices: DmClient[] = [];
  const browser = await launch(dir);
  try {
    const base = server.url;
    devices.push(await listeningDevice(base, 'CAMP:vm-a', '5.1'), await listeningDevice(base, 'CAMP:vm-b', '5.2'));
    // Never checks in (no notification address): its campaign stays running until the operator acts.
    await api(base, 'POST', '/api/devices', { devId: 'IDLE:vm-z', clientAuth: { type: 'md5', name: 'u-idle', secret: 'vm-secret' } });
    const page = browser.pages()[0] ?? await browser.newPage();
    page.setDefaultTimeout(20_000);
    const problems = watchProblems(page);
    await signIn(page, base, TOKEN);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('heading', { level: 1, name: 'Campaigns' }).waitFor();
    await page.getByText('No campaigns yet.').waitFor();
    // The form says what is wrong and where, without asking the server.
    await page.getByLabel('Name', { exact: true }).fill('firmware check');
    await page.getByRole('button', { name: 'Start campaign' }).click();
    await page.getByRole('alert').filter({ hasText: 'Devices: say which devices' }).waitFor();
    await page.getByLabel('DevId contains').fill('CAMP:');
    await page.getByLabel('Batch size').fill('1');
    await page.getByLabel('Target URI').fill('./DevDetail/FwV');
    await page.getByRole('checkbox', { name: 'Wake each device when its batch is queued' }).check();
    await page.getByRole('button', { name: 'Start campaign' }).click();

    // The campaign page: progress moves by itself to completed; each device's code shows.
    await page.getByRole('heading', { level: 1, name: 'firmware check' }).waitFor();
    await page.locator('.campaign-summary').filter({ hasText: '2 of 2 done: 2 succeeded' }).waitFor();
    await page.locator('.actions .badge').filter({ hasText: 'completed' }).waitFor();
    await page.getByRole('img', { name: 'Progress: 2 of 2 done: 2 succeeded' }).waitFor();
    const targets = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Status codes' }) });
    for (const devId of ['CAMP:vm-a', 'CAMP:vm-b']) {
      const row = targets.getByRole('row').filter({ has: page.getByRole('rowheader', { name: devId }) });
      await row.getByText('succeeded').waitFor();
      await row.locator('.ok').filter({ hasText: /FwV: 200 / }).waitFor();
    }
    assert.equal(await page.getByRole('button', { name: 'Pause' }).count(), 0, 'a completed campaign offers no actions');
    await page.getByText('DevId contains "CAMP:" (2 matched)').waitFor();
    await shot(page, 'console-campaign');
    assert.deepEqual(await accessibilityViolations(page), [], 'campaign page');

    // Pause, resume, cancel a campaign whose device never answers.
    await api(base, 'POST', '/api/campaigns', { name: 'idle one', filter: { search: 'IDLE:' }, commands: [{ verb: 'Get', target: './DevInfo/Mod' }] });
    await page.getByRole('link', { name: 'Campaigns', exact: true }).first().click();
    const list = page.getByRole('table').filter({ hasText: 'firmware check' });
    await list.getByRole('row').filter({ hasText: 'firmware check' }).getByText('completed').waitFor();
    await list.getByRole('link', { name: 'idle one' }).click();
    await page.locator('.campaign-summary').filter({ hasText: '0 of 1 done: 1 in flight' }).waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('.actions .badge').filter({ hasText: 'paused' }).waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('.actions .badge').filter({ hasText: 'running' }).waitFor();
    await page.getByRole('button', { name: 'Cancel campaign' }).click();
    await page.locator('.actions .badge').filter({ hasText: 'cancelled' }).waitFor();
    const stored = await api(base, 'GET', '/api/campaigns?state=cancelled');
    assert.deepEqual(stored.campaigns.map((c: { name: string }) => c.name), ['idle one']);
    await page.getByRole('link', { name: 'Campaigns', exact: true }).first().click();
    await page.getByRole('table').filter({ hasText: 'idle one' }).waitFor();
    await shot(page, 'console-campaigns');
    assert.deepEqual(await accessibilityViolations(page), [], 'campaigns page');

    // Tablet width: the campaign form fits.
    await page.setViewportSize({ width: 768, height: 1024 });
    assert.ok(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1'), 'campaigns page wider than a tablet');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    for (const d of devices) await d.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bootstrap in the console: profiles explained, created and deleted; an enrollment secret shown once; a device shows how it was bootstrapped', async (t) => {
  if (!existsSync(CHROMIUM)) { t.skip(NO_CHROMIUM); return; }
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-console-bootstrap-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger });
  const browser = await launch(dir);
  try {
    const base = server.url;
    const page = browser.pages()[0] ?? await browser.newPage();
    page.setDefaultTimeout(15_000);
    const problems = watchProblems(page);
    page.on('dialog', (d) => void d.accept());
    await signIn(page, base, TOKEN);
    await page.getByRole('link', { name: 'Bootstrap' }).click();
    await page.getByRole('heading', { level: 1, name: 'Bootstrap' }).waitFor();
    const profiles = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'What a device gets' }) });
    await profiles.getByRole('row').filter({ hasText: 'default' }).getByText(/TNDS object through \.\/Inbox/).waitFor();

    // A CP profile with basic auth: saved through PUT, explained in words.
    const form = page.getByRole('form', { name: 'New or changed profile' });
    await form.getByLabel('Name').fill('cp-basic');
    await form.getByLabel('Document').selectOption('cp');
    await form.getByLabel('Device authenticates with').selectOption('basic');
    await form.getByLabel('Server authenticates with').selectOption('none');
    await form.getByText(/WAP provisioning \(CP\) document.*Basic/).waitFor();
    await form.getByRole('button', { name: 'Save profile' }).click();
    await page.getByRole('status').filter({ hasText: 'Profile cp-basic saved.' }).waitFor();
    const row = profiles.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'cp-basic' }) });
    await row.getByText(/WAP provisioning \(CP\) document/).waitFor();
    const saved = await api(base, 'GET', '/api/bootstrap/profiles/cp-basic');
    assert.deepEqual(saved, { name: 'cp-basic', profile: 'cp', form: 'tnds', clientAuth: 'basic', serverAuth: 'none' });
    // A wrong server URL is refused by the server, the error names the field.
    await form.getByLabel('Name').fill('bad');
    await form.getByLabel('DM server URL').fill('ftp://x.example/dm');
    await form.getByRole('button', { name: 'Save profile' }).click();
    await page.getByRole('alert').filter({ hasText: /serverUri: must be .* \(HTTP 400, invalid, field serverUri\)/ }).waitFor();

    // An enrollment secret for one device with that profile: the secret is shown once.
    const en = page.getByRole('form', { name: 'New enrollment secret' });
    await en.getByLabel('Name (what the device presents)').fill('vm-app-07');
    await en.getByLabel('Profile of the account issued').selectOption('cp-basic');
    await en.getByLabel('Only for DevId').fill('VM:app-07');
    await en.getByRole('button', { name: 'Create enrollment secret' }).click();
    const once = page.getByRole('region', { name: 'Enrollment secret vm-app-07 created' });
    await once.getByText('the server shows a secret only once').waitFor();
    const secret = await once.locator('code.secret').innerText();
    assert.match(secret, /^[A-Za-z0-9_-]{20,}$/);
    assert.match(await once.locator('pre').innerText(), new RegExp(`"secret": "${secret}"`));
    await shot(page, 'console-bootstrap');
    assert.deepEqual(await accessibilityViolations(page), [], 'bootstrap page');
    await once.getByRole('button', { name: /hide the secret/ }).click();
    await once.waitFor({ state: 'detached' });
    const enrollments = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'What it allows' }) });
    await enrollments.getByRole('row').filter({ hasText: 'vm-app-07' }).getByText('only the device VM:app-07').waitFor();
    assert.equal(await page.getByText(secret).count(), 0, 'the secret is not shown again');
    const listed = await api(base, 'GET', '/api/bootstrap/enrollments');
    assert.deepEqual(listed.enrollments.map((e: { name: string; secret?: string }) => [e.name, e.secret]), [['vm-app-07', undefined]]);

    // Delete: the enrollment, then the profile (default cannot be deleted: no button).
    await page.getByRole('button', { name: 'Delete enrollment vm-app-07' }).click();
    await page.getByText('No enrollment secrets.').waitFor();
    await page.getByRole('button', { name: 'Delete profile cp-basic' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('button', { name: 'Delete profile default' }).count(), 0);
    assert.equal((await apiCall(base, TOKEN, 'GET', '/api/bootstrap/profiles/cp-basic')).status, 404);

    // A device issued a customized bootstrap shows it on its page.
    await api(base, 'POST', '/api/bootstrap/documents', { devId: 'VM:web-01', method: 'customized' });
    await page.goto(`${base}/#/devices/${encodeURIComponent('VM:web-01')}`);
    await page.getByText(/customized \(document in the image or factory state\) — waiting for its first session/).waitFor();
    assert.deepEqual(problems.filter((p) => !/400 \/api\/bootstrap\/profiles\/bad$/.test(p)), []);
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('VM actions on a host: create from an image, stop, start, install the client, each operation followed to its result, a failure and a 409 (VM routes answered in the browser, exact bodies checked)', async (t) => {
  if (!existsSync(CHROMIUM)) { t.skip(NO_CHROMIUM); return; }
  const HOST = 'HOST:rack2-node1';
  const VM_P = `${HOST}:vm:personal-01`;
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-console-vmactions-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger });
  const browser = await launch(dir);
  try {
    const base = server.url;
    await api(base, 'POST', '/api/devices', { devId: HOST, clientAuth: { type: 'md5', name: 'u-host', secret: 'host-secret' } });
    await api(base, 'POST', '/api/devices', { devId: VM_P, parentDevId: HOST, clientAuth: { type: 'md5', name: 'u-vmp', secret: 'vm-secret' } });
    // What the VM API of the virt branch answers (docs/virt.md, src/server/vm-api.ts there).
    const images = [
      { name: 'personal', kind: 'Personal', withClient: false, digest: 'sha256:' + 'a'.repeat(64), size: 900, account: false, storedAt: new Date().toISOString() },
      { name: 'enterprise', kind: 'Enterprise', withClient: true, digest: 'sha256:' + 'b'.repeat(64), size: 1200, account: true, storedAt: new Date().toISOString() },
    ];
    type Vm = { name: string; kind: string; image: string; state: string; clientInstalled: boolean; managementMode: string; devId?: string; pending?: string; reason?: string; lastOperation?: { op: string; operationId: string } };
    const vms: Vm[] = [
      { name: 'personal-01', kind: 'Personal', image: 'personal', state: 'running', clientInstalled: true, managementMode: 'direct', devId: VM_P },
      { name: 'bare-03', kind: 'Personal', image: 'personal', state: 'stopped', clientInstalled: false, managementMode: 'none' },
    ];
    /** Operations queued on the host: each is in flight at its first read, then ends as `end` says. */
    const ops = new Map<string, { vm: Vm; op: string; reads: number; end: () => { state: string; status: number; data: string } }>();
    const sent: string[] = [];
    let n = 0;
    const opFor = (vm: Vm, op: string, end: () => { state: string; status: number; data: string }) => {
      const id = `op_vm${++n}`;
      vm.pending = op;
      vm.lastOperation = { op, operationId: id };
      ops.set(id, { vm, op, reads: 0, end });
      return id;
    };
    const page = browser.pages()[0] ?? await browser.newPage();
    page.setDefaultTimeout(15_000);
    const problems = watchProblems(page, [/ 409 \/api\/devices\/[^/]+\/vms$/]);
    page.on('dialog', (d) => void d.accept());
    await page.route('**/api/openapi.json', async (route) => {
      const res = await route.fetch();
      const doc = (await res.json()) as { paths: Record<string, unknown> };
      doc.paths['/api/devices/{hostDevId}/vms'] = { get: { summary: 'VMs of a host' }, post: { summary: 'Create a VM' } };
      await route.fulfill({ response: res, json: doc });
    });
    await page.route('**/api/images', (route) => route.fulfill({ json: { images } }));
    const hostOf = (route: Route) => decodeURIComponent(new URL(route.request().url()).pathname.split('/')[3]!);
    await page.route('**/api/devices/*/vms', async (route) => {
      const req = route.request();
      if (hostOf(route) !== HOST) return route.fulfill({ status: 404, json: { error: { code: 'not_found', message: 'not a host' } } });
      if (req.method() === 'GET') return route.fulfill({ json: { host: { devId: HOST, virtualization: 'TypeII', driver: 'process' }, vms } });
      const body = req.postDataJSON() as { name: string; kind: string; image: string; withClient?: boolean };
      sent.push(`POST vms ${JSON.stringify(body)}`);
      if (vms.some((v) => v.name === body.name)) return route.fulfill({ status: 409, json: { error: { code: 'exists', message: `host ${HOST} already has a VM named ${body.name} (running)`, field: 'name' } } });
      const vm: Vm = { name: body.name, kind: body.kind === 'enterprise' ? 'Enterprise' : 'Personal', image: body.image, state: 'creating', clientInstalled: true, managementMode: 'direct', devId: `${HOST}:vm:${body.name}` };
      vms.push(vm);
      const operationId = opFor(vm, 'create', () => { vm.state = 'running'; return { state: 'succeeded', status: 200, data: '200 {"state":"running","notifyAddress":"http://127.0.0.1:9/notify"}' }; });
      return route.fulfill({ status: 202, json: { ...vm, operationId } });
    });
    await page.route('**/api/devices/*/vms/*/*', (route) => {
      const [, , , , , name, action] = new URL(route.request().url()).pathname.split('/').map(decodeURIComponent);
      sent.push(`POST ${name} ${action} ${route.request().postData() ?? ''}`);
      const vm = vms.find((v) => v.name === name)!;
      const end = action === 'stop' ? () => { vm.state = 'stopped'; return { state: 'succeeded', status: 200, data: '200 {"state":"stopped"}' }; }
        : action === 'start' ? () => { vm.state = 'running'; return { state: 'succeeded', status: 200, data: '200 {"state":"running"}' }; }
          : () => { vm.reason = 'install-client failed: no channel to this guest'; return { state: 'failed', status: 500, data: '500 no channel to this guest' }; };
      const operationId = opFor(vm, action!, end);
      return route.fulfill({ status: 202, json: { ...vm, operationId } });
    });
    await page.route('**/api/operations/op_vm*', (route) => {
      const id = new URL(route.request().url()).pathname.split('/').pop()!;
      const o = ops.get(id)!;
      o.reads++;
      const target = o.op === 'create' ? './Virt/Operations/Create' : `./Virt/VMs/${o.vm.name}/Operations/${o.op === 'install-client' ? 'InstallClient' : o.op[0]!.toUpperCase() + o.op.slice(1)}`;
      const at = new Date().toISOString();
      const base = { id, devId: HOST, atomic: false, notify: true, attempts: 0, createdAt: at, updatedAt: at };
      if (o.reads <= 1) return route.fulfill({ json: { ...base, state: 'sent', commands: [{ index: 0, verb: 'Exec', target }] } });
      const end = o.end();
      delete o.vm.pending;
      return route.fulfill({ json: { ...base, state: end.state, completedAt: at, commands: [{ index: 0, verb: 'Exec', target, status: end.status, results: [{ data: end.data }] }] } });
    });

    await signIn(page, base, TOKEN);
    await page.goto(`${base}/#/hosts/${encodeURIComponent(HOST)}`);
    await page.getByRole('heading', { name: 'Manage VMs' }).waitFor();
    const table = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Actions' }) });
    const vmRow = (name: string) => table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${name}`) }) });
    assert.equal(await vmRow('personal-01').getByRole('link', { name: VM_P }).getAttribute('href'), `#/devices/${encodeURIComponent(VM_P)}`);
    await vmRow('bare-03').getByRole('button', { name: 'Install DM client bare-03' }).waitFor();
    assert.equal(await vmRow('personal-01').getByRole('button', { name: 'Start personal-01' }).count(), 0, 'a running VM is not offered Start');

    // Create an Enterprise VM from the image built for it (listed first for that kind).
    const form = page.getByRole('form', { name: 'New VM' });
    await form.getByLabel('Name').fill('-bad');
    await form.getByRole('radio', { name: 'Enterprise' }).check();
    await form.getByRole('button', { name: 'Create VM' }).click();
    await form.getByRole('alert').filter({ hasText: /^Name: 1–64 letters/ }).waitFor();
    assert.equal(await form.getByLabel('Image').inputValue(), 'enterprise');
    await form.getByText(/carries a ready DM account/).waitFor();
    await form.getByLabel('Name').fill('web-01');
    await form.getByRole('button', { name: 'Create VM' }).click();
    const createOp = page.locator('li.vm-op').filter({ hasText: 'Create Enterprise VM web-01' });
    await createOp.getByText('waiting for the host to report the result').waitFor();
    await createOp.locator('.badge').filter({ hasText: 'succeeded' }).waitFor();
    await createOp.locator('.ok').filter({ hasText: /— 200 OK/ }).waitFor();
    await vmRow('web-01').getByText('running').waitFor();
    assert.equal(await vmRow('web-01').getByRole('link', { name: `${HOST}:vm:web-01` }).getAttribute('href'), `#/devices/${encodeURIComponent(`${HOST}:vm:web-01`)}`);
    // The same name again: the server's 409 is shown, nothing else happens.
    await form.getByLabel('Name').fill('web-01');
    await form.getByRole('button', { name: 'Create VM' }).click();
    await page.getByRole('alert').filter({ hasText: /already has a VM named web-01 \(running\) \(HTTP 409, exists, field name\)/ }).waitFor();

    // Stop, then start again; then install the client on the bare VM, which the host refuses.
    await vmRow('personal-01').getByRole('button', { name: 'Stop personal-01' }).click();
    await page.locator('li.vm-op').filter({ hasText: 'Stop personal-01' }).locator('.badge').filter({ hasText: 'succeeded' }).waitFor();
    await vmRow('personal-01').getByRole('button', { name: 'Start personal-01' }).click();
    await page.locator('li.vm-op').filter({ hasText: 'Start personal-01' }).locator('.badge').filter({ hasText: 'succeeded' }).waitFor();
    await vmRow('personal-01').getByText('running').waitFor();
    await vmRow('bare-03').getByRole('button', { name: 'Install DM client bare-03' }).click();
    const install = page.locator('li.vm-op').filter({ hasText: 'Install DM client bare-03' });
    await install.locator('.badge').filter({ hasText: 'failed' }).waitFor();
    await install.locator('.bad').filter({ hasText: /— 500 / }).waitFor();
    await vmRow('bare-03').getByText('install-client failed: no channel to this guest').waitFor();
    await shot(page, 'console-vm-actions');
    assert.deepEqual(await accessibilityViolations(page), [], 'host page with VM actions');

    // Strictly the documented API: these bodies and paths, nothing else.
    assert.deepEqual(sent, [
      'POST vms {"name":"web-01","kind":"enterprise","image":"enterprise"}',
      'POST vms {"name":"web-01","kind":"enterprise","image":"enterprise"}',
      'POST personal-01 stop ',
      'POST personal-01 start ',
      'POST bare-03 install-client ',
    ]);
    await page.setViewportSize({ width: 768, height: 1024 });
    assert.ok(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1'), 'host page wider than a tablet');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});


test('VM actions against a real host agent (process driver): create an Enterprise VM from the form, follow it to running, open its device and switch it to transparent management, stop and delete it', async (t) => {
  if (!existsSync(CHROMIUM)) { t.skip(NO_CHROMIUM); return; }
  const HOST = 'urn:dmvisor:host:console1';
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-console-realvm-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: TOKEN, logger });
  const browser = await launch(dir);
  let host: HostAgent | undefined;
  try {
    const base = server.url;
    const call = apiClient(base, TOKEN);
    host = await startRealHost({ base, token: TOKEN, dir, hostDevId: HOST });
    const page = browser.pages()[0] ?? await browser.newPage();
    page.setDefaultTimeout(30_000);
    const problems = watchProblems(page);
    page.on('dialog', (d) => void d.accept());
    await signIn(page, base, TOKEN);
    await page.goto(`${base}/#/hosts/${encodeURIComponent(HOST)}`);
    const form = page.getByRole('form', { name: 'New VM' });
    await form.getByRole('radio', { name: 'Enterprise' }).check();
    await form.getByLabel('Name').fill('ent-01');
    await form.getByRole('button', { name: 'Create VM' }).click();
    const createOp = page.locator('li.vm-op').filter({ hasText: 'Create Enterprise VM ent-01' });
    await createOp.locator('.badge').filter({ hasText: 'succeeded' }).waitFor();
    const table = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Actions' }) });
    const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /^ent-01/ }) });
    await row.getByText('running').waitFor();
    const vmDevId = `${HOST}:vm:ent-01`;
    assert.equal(await row.getByRole('link', { name: vmDevId }).getAttribute('href'), `#/devices/${encodeURIComponent(vmDevId)}`);

    // The VM's own device: managed directly, behind the host's gateway; switch it to transparent (gateway #7).
    await row.getByRole('link', { name: vmDevId }).click();
    await page.getByRole('heading', { level: 1, name: vmDevId }).waitFor();
    const mgmt = page.getByRole('region', { name: 'Management' });
    await mgmt.getByText('direct to the server').waitFor();
    await mgmt.getByRole('link', { name: HOST }).waitFor();
    await mgmt.getByRole('button', { name: 'Switch to transparent' }).click();
    await mgmt.getByRole('status').filter({ hasText: /^Now managed transparent \(notified through the gateway\)\. The gateway's inventory record follows \(operation op_/ }).waitFor();
    assert.equal((await call('GET', `/api/devices/${encodeURIComponent(vmDevId)}/management`)).json.mode, 'transparent');
    await mgmt.getByRole('button', { name: 'Switch to direct' }).waitFor();
    assert.deepEqual(await accessibilityViolations(page), [], 'VM device page with its management');
    await page.goto(`${base}/#/hosts/${encodeURIComponent(HOST)}`);

    await row.getByRole('button', { name: 'Stop ent-01' }).click();
    await page.locator('li.vm-op').filter({ hasText: 'Stop ent-01' }).locator('.badge').filter({ hasText: 'succeeded' }).waitFor();
    await row.getByText('stopped').waitFor();
    await row.getByRole('button', { name: 'Delete ent-01' }).click();
    await page.locator('li.vm-op').filter({ hasText: 'Delete ent-01' }).locator('.badge').filter({ hasText: 'succeeded' }).waitFor();
    await row.waitFor({ state: 'detached' });
    const left = await call('GET', `/api/devices/${encodeURIComponent(HOST)}/vms`);
    assert.deepEqual(left.json.vms.filter((v: { name: string }) => v.name === 'ent-01'), []);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await host?.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
