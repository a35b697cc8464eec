/**
 * Driving the web console in Debian's chromium (playwright-core) for the
 * browser tests: launch, sign in, axe-core checks, optional screenshots.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium, type Page } from 'playwright-core';
import { HostAgent } from '../../src/virt/host-agent.js';
import { parseHostConfig } from '../../src/virt/host-config.js';
import { buildImage, encodeImage } from '../../src/virt/image.js';
import { apiClient, freePort } from '../../src/virt/scenario.js';

export const CHROMIUM = '/usr/bin/chromium';

/** The visible reason a browser test skips. */
export const NO_CHROMIUM = `${CHROMIUM} not installed (apt-get install chromium; .ci/run does it): browser test of the console skipped`;

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Chromium with a fresh profile in `dir`. */
export function launch(dir: string) {
  return chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
}

/** Sign in through the form and wait for the live event stream. */
export async function signIn(page: Page, base: string, token: string) {
  await page.goto(base + '/');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('● live').waitFor();
}

/**
 * WCAG 2.1 A/AA violations axe-core finds on the page as it is now. Evaluated
 * through the DevTools protocol, so the console's CSP (no inline scripts)
 * stays in force for everything else.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const found = await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    .then((r) => r.violations.map((v) => v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')))`);
  return found as string[];
}

/** Save a screenshot as `<DMVISOR_SCREENSHOTS>/<name>.png` when that variable is set. */
export async function shot(page: Page, name: string, fullPage = true) {
  const dir = process.env.DMVISOR_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage });
}

/** Collect script errors, CSP errors and failed requests (except `expected`) as problems. */
export function watchProblems(page: Page, expected: RegExp[] = []): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) problems.push(`console error: ${m.text()}`); });
  page.on('response', (r) => {
    const u = new URL(r.url());
    const line = `${r.status()} ${u.pathname}${u.search}`;
    if (r.status() >= 400 && !expected.some((re) => re.test(' ' + line))) problems.push(`failed request: ${line}`);
  });
  return problems;
}

/**
 * A real host for browser tests: the server stores an Enterprise image (with a
 * ready DM account), registers the host, and a host agent (process driver,
 * Type II, gateway on when asked) starts and checks in.
 */
export async function startRealHost(o: { base: string; token: string; dir: string; hostDevId: string; gateway?: boolean }): Promise<HostAgent> {
  const call = apiClient(o.base, o.token);
  const enterprise = encodeImage(buildImage({
    name: 'enterprise', kind: 'Enterprise', withClient: true,
    account: { serverId: 'dmvisor', serverUri: `${o.base}/dm`, encoding: 'xml', clientAuth: { type: 'DIGEST', name: 'ent-vm', secret: 'ent-secret' } },
  }));
  assert.equal((await call('POST', '/api/images', undefined, enterprise)).status, 201);
  const notifyPort = await freePort();
  assert.equal((await call('POST', '/api/devices', { devId: o.hostDevId, clientAuth: { type: 'md5', name: 'host', secret: 'host-secret' }, notifyAddress: `http://127.0.0.1:${notifyPort}/notify` })).status, 201);
  return HostAgent.start({
    config: parseHostConfig({
      virtualization: 'TypeII',
      client: {
        stateDir: join(o.dir, 'host-state'), device: { devId: o.hostDevId },
        accounts: [{ serverId: 'dmvisor', serverUri: `${o.base}/dm`, clientAuth: { type: 'DIGEST', name: 'host', secret: 'host-secret' } }],
        notifications: { httpPort: notifyPort }, session: { retries: 0 },
      },
      vmsDir: join(o.dir, 'vms'), imageCacheDir: join(o.dir, 'cache'),
      ...(o.gateway ? { gateway: { enabled: true, proxyTimeoutMs: 3000 } } : {}),
    }, 'host.json', o.dir),
    registerTimeoutMs: 15000,
  });
}
