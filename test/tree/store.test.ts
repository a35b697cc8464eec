// Persistence: snapshots, the TreeStore port, the in-memory store and the
// crash-safe file store (a real temporary directory).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DmTree, FileTreeStore, InMemoryTreeStore, SnapshotCorruptError, TreeStoreError, loadTree, type TreeSnapshot,
} from '../../src/tree/index.js';
import { sampleTree, stateOf } from './helpers.js';

describe('snapshots', () => {
  it('round-trip every stored thing: values (text and binary), formats, types, ACLs, titles, TStamps, VerNos, permanence, order', () => {
    const { tree } = sampleTree();
    tree.replace('./Vendor/App?prop=Title', { data: 'The app' }, 'srv1');
    tree.replace('./Vendor/App/Count', { data: '5' }, 'srv1');
    const snap = tree.snapshot();
    const copy = DmTree.fromSnapshot(JSON.parse(JSON.stringify(snap)));
    assert.equal(stateOf(copy), stateOf(tree));
    assert.deepEqual(copy.readValue('./Vendor/App/Blob'), new Uint8Array([1, 2, 3]));
    assert.equal(copy.info('./Vendor/Locked').permanent, true);
    assert.equal(copy.effectiveAcl('.'), 'Add=*&Get=*');
    assert.equal(copy.get('./Vendor/Locked/Secret', 'srv1').status, 425);
    assert.equal(copy.delete('./Vendor/Locked', 'srv2').status, 405);
  });

  const corrupt: [string, (s: Record<string, unknown>) => unknown][] = [
    ['not an object', () => 42],
    ['wrong format tag', (s) => ({ ...s, format: 'other' })],
    ['unknown version', (s) => ({ ...s, version: 2 })],
    ['root not interior', (s) => ({ ...s, root: { name: '', format: 'chr', tstamp: 0, acl: 'Get=*' } })],
    ['root without ACL', (s) => ({ ...s, root: { ...(s.root as object), acl: undefined } })],
    ['bad ACL', (s) => ({ ...s, root: { ...(s.root as object), acl: 'Get=' } })],
    ['leaf with children', (s) => ({ ...s, root: { ...(s.root as object), children: [{ name: 'x', format: 'chr', tstamp: 0, children: [] }] } })],
    ['duplicate names', (s) => ({ ...s, root: { ...(s.root as object), children: [{ name: 'x', format: 'chr', tstamp: 0 }, { name: 'x', format: 'chr', tstamp: 0 }] } })],
    ['bad name', (s) => ({ ...s, root: { ...(s.root as object), children: [{ name: '..', format: 'chr', tstamp: 0 }] } })],
    ['missing tstamp', (s) => ({ ...s, root: { ...(s.root as object), children: [{ name: 'x', format: 'chr' }] } })],
    ['bad verNo', (s) => ({ ...s, root: { ...(s.root as object), children: [{ name: 'x', format: 'chr', tstamp: 0, verNo: 70000 }] } })],
    ['bad base64', (s) => ({ ...s, root: { ...(s.root as object), children: [{ name: 'x', format: 'bin', tstamp: 0, valueBase64: '**' }] } })],
    ['interior value', (s) => ({ ...s, root: { ...(s.root as object), children: [{ name: 'x', format: 'node', tstamp: 0, value: 'v', children: [] }] } })],
  ];
  for (const [why, mutate] of corrupt) {
    it(`refuses a snapshot with ${why}`, () => {
      const snap = new DmTree().snapshot() as unknown as Record<string, unknown>;
      assert.throws(() => DmTree.fromSnapshot(mutate(snap), {}, 'test'), (e: unknown) =>
        e instanceof SnapshotCorruptError && e.code === 'DMV_ERR_SNAPSHOT_CORRUPT' && e.statusHint === 510 && e.where.startsWith('test:'));
    });
  }
});

describe('InMemoryTreeStore', () => {
  it('keeps its own copy and loads into an equal tree', async () => {
    const store = new InMemoryTreeStore();
    assert.equal(await loadTree(store), undefined);
    const { tree } = sampleTree();
    await store.save(tree.snapshot());
    tree.setValue('./Vendor/App/Name', 'changed after save');
    const loaded = await loadTree(store);
    assert.equal(loaded!.readValue('./Vendor/App/Name'), 'demo');
  });
});

describe('FileTreeStore', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'dmvisor-tree-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('saves and loads, leaving no temporary file', async () => {
    const path = join(dir, 'tree.json');
    const store = new FileTreeStore(path);
    assert.equal(await store.load(), undefined);
    const { tree } = sampleTree();
    await store.save(tree.snapshot());
    tree.setValue('./Vendor/App/Name', 'second');
    await store.save(tree.snapshot());
    assert.deepEqual(await readdir(dir), ['tree.json']);
    const loaded = await loadTree(store, {}, path);
    assert.equal(stateOf(loaded!), stateOf(tree));
    assert.match(await readFile(path, 'utf8'), /^dmvisor-tree sha256=[0-9a-f]{64}\n\{/);
  });

  it('runs concurrent saves in order; the last one wins', async () => {
    const path = join(dir, 'order.json');
    const store = new FileTreeStore(path, { durable: false });
    const { tree } = sampleTree();
    const saves: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) {
      tree.setValue('./Vendor/App/Count', String(i));
      saves.push(store.save(tree.snapshot()));
    }
    await Promise.all(saves);
    const loaded = await loadTree(store);
    assert.equal(loaded!.readValue('./Vendor/App/Count'), '9');
  });

  it('ignores (and removes) a half-written temporary file from a crashed save', async () => {
    const path = join(dir, 'crash.json');
    const store = new FileTreeStore(path);
    const { tree } = sampleTree();
    await store.save(tree.snapshot());
    const good = stateOf(tree);
    // a save that crashed after writing half of its temporary file, before the rename
    const full = JSON.stringify(tree.snapshot());
    await writeFile(join(dir, '.crash.json.tmp-999999-1'), `dmvisor-tree sha256=${'0'.repeat(64)}\n${full.slice(0, full.length / 2)}`);
    const loaded = await loadTree(new FileTreeStore(path));
    assert.equal(stateOf(loaded!), good);
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('.crash')), []);
  });

  it('ignores a half-written temporary file when no save ever completed', async () => {
    const path = join(dir, 'never.json');
    await writeFile(join(dir, '.never.json.tmp-999999-1'), 'dmvisor-tree sha256=');
    assert.equal(await new FileTreeStore(path).load(), undefined);
  });

  const damage: [string, (text: string) => string][] = [
    ['truncated', (t) => t.slice(0, t.length - 10)],
    ['one byte altered', (t) => t.replace('"demo"', '"dem0"')],
    ['no header', (t) => t.slice(t.indexOf('\n') + 1)],
    ['garbage', () => 'hello'],
    ['empty', () => ''],
  ];
  for (const [why, mutate] of damage) {
    it(`gives a typed error, never a half tree, for a main file ${why}`, async () => {
      const path = join(dir, `damaged-${why.replace(/\W/g, '')}.json`);
      const store = new FileTreeStore(path);
      await store.save(sampleTree().tree.snapshot());
      await writeFile(path, mutate(await readFile(path, 'utf8')));
      await assert.rejects(loadTree(store), (e: unknown) => e instanceof SnapshotCorruptError && e.where.startsWith(path));
    });
  }

  it('gives a typed error for a checksummed file that is not a valid tree', async () => {
    const path = join(dir, 'invalid.json');
    const { createHash } = await import('node:crypto');
    const body = JSON.stringify({ format: 'dmvisor-tree', version: 1, root: { name: '', format: 'node', tstamp: 0, children: [] } } satisfies Partial<TreeSnapshot> & object);
    await writeFile(path, `dmvisor-tree sha256=${createHash('sha256').update(body).digest('hex')}\n${body}`);
    await assert.rejects(loadTree(new FileTreeStore(path)), /root ACL is empty/);
  });

  it('reports I/O failures as TreeStoreError', async () => {
    const store = new FileTreeStore(join(dir, 'no-such-dir', 'tree.json'));
    await assert.rejects(store.save(new DmTree().snapshot()), (e: unknown) => e instanceof TreeStoreError && e.code === 'DMV_ERR_TREE_STORE');
    await assert.rejects(new FileTreeStore(dir).load(), TreeStoreError);
  });
});
