/**
 * Shared helpers of the tree and MO tests: a settable clock, a small example
 * tree, and "the tree is exactly as before" checks (snapshot equality covers
 * values, properties, ACLs, TStamps, VerNos and child order).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DmTree, type DmTreeOptions, type TreeOutcome } from '../../src/tree/index.js';

/** A clock the test moves by hand. */
export class TestClock {
  constructor(public ms = Date.UTC(2024, 2, 11, 8, 15, 2)) {}
  readonly now = (): number => this.ms;
  advance(ms = 1000): void {
    this.ms += ms;
  }
}

/** Canonical text of a tree's whole state. */
export function stateOf(tree: DmTree): string {
  return JSON.stringify(tree.snapshot());
}

/** Run `fn`, expect `status`, and check the tree did not change at all. */
export function rejects(tree: DmTree, status: number, fn: () => TreeOutcome): TreeOutcome {
  const before = stateOf(tree);
  const out = fn();
  assert.equal(out.status, status, `expected ${status}, got ${out.status} (${out.reason ?? ''})`);
  assert.equal(stateOf(tree), before, 'a rejected command changed the tree');
  return out;
}

/** Run `fn` and expect 200. */
export function ok(fn: () => TreeOutcome): TreeOutcome {
  const out = fn();
  assert.equal(out.status, 200, `expected 200, got ${out.status} (${out.reason ?? ''})`);
  return out;
}

/**
 * A small tree: root `Add=*&Get=*`, and
 * ./Vendor (ACL Add=srv1&Get=*&Replace=srv1)
 *   ./Vendor/App (interior, inherits)
 *     ./Vendor/App/Name  chr  "demo"
 *     ./Vendor/App/Count int  "3"
 *     ./Vendor/App/Blob  bin  [1,2,3]
 *   ./Vendor/Locked (ACL Get=srv2, permanent)
 *     ./Vendor/Locked/Secret chr "s"
 */
export function sampleTree(options: DmTreeOptions = {}): { tree: DmTree; clock: TestClock } {
  const clock = new TestClock();
  const tree = new DmTree({ now: clock.now, ...options });
  tree.createNode('./Vendor', { format: 'node', acl: 'Add=srv1&Get=*&Replace=srv1' });
  tree.createNode('./Vendor/App', { format: 'node' });
  tree.createNode('./Vendor/App/Name', { value: 'demo' });
  tree.createNode('./Vendor/App/Count', { format: 'int', value: '3' });
  tree.createNode('./Vendor/App/Blob', { format: 'bin', value: new Uint8Array([1, 2, 3]), type: 'application/octet-stream' });
  tree.createNode('./Vendor/Locked', { format: 'node', acl: 'Get=srv2', permanent: true });
  tree.createNode('./Vendor/Locked/Secret', { value: 's' });
  return { tree, clock };
}

/** Path of a file under test/fixtures/ (works from test/ and from dist/test/). */
export function fixturePath(...parts: string[]): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found');
    dir = up;
  }
  return join(dir, 'test', 'fixtures', ...parts);
}

/** A fixture file's text. */
export function fixtureText(...parts: string[]): string {
  return readFileSync(fixturePath(...parts), 'utf8');
}
