/** Every scenario in test/fixtures/client-scenarios, run against a real tree. See scenario-runner.ts for the format. */
import { test } from 'node:test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../support/paths.js';
import { loadScenario, runScenario } from './scenario-runner.js';

const dir = fixture('client-scenarios');
for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
  const s = loadScenario(join(dir, f));
  test(`${f}: ${s.description}`, () => { runScenario(s); });
}
