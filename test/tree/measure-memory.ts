/**
 * Memory cost of a standard DM tree (DevInfo + DevDetail + one DMAcc account +
 * Inbox). Not a test: run it by hand —
 *
 *   node --expose-gc --import tsx test/tree/measure-memory.ts [count]
 *
 * It builds `count` (default 1,000) trees, keeps them alive, and reports the
 * heap growth per tree measured with `process.memoryUsage()` around a forced
 * GC. The target is well under 50 KB per tree.
 *
 * `node --test dist/test/` runs every file under test/, this one included; it
 * does nothing then.
 */
import { createStandardTree } from '../../src/mo/index.js';
import type { DmTree } from '../../src/tree/index.js';

function build(i: number): DmTree {
  return createStandardTree({
    now: () => 1_700_000_000_000 + i,
    devInfo: { devId: `IMEI:49300510059${String(i).padStart(4, '0')}`, man: 'Northwind', mod: 'NW-1', dmV: 'dmvisor/0.1', lang: 'en-US' },
    devDetail: { devTyp: 'vm', oem: 'Northwind', fwV: '1.0', swV: '0.1.0', hwV: 'x86_64', lrgObj: true },
    accounts: {
      dmsrv: {
        serverId: 'dm.example.com', name: 'Northwind DM',
        addresses: [{ addr: 'https://dm.example.com/oma-dm', ports: [443] }], authPref: 'DIGEST',
        auth: [
          { level: 'CLCRED', type: 'DIGEST', name: `dev${i}`, secret: `secret-${i}`, data: new Uint8Array(16) },
          { level: 'SRVCRED', type: 'DIGEST', name: 'dm.example.com', secret: `srvsecret-${i}`, data: new Uint8Array(16) },
        ],
      },
    },
  });
}

function main(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    console.error('run with --expose-gc: node --expose-gc --import tsx test/tree/measure-memory.ts');
    process.exitCode = 1;
    return;
  }
  const count = Number(process.argv[2] ?? 1000);
  build(0); // warm up: load modules, shared MO descriptions, caches
  gc(); gc();
  const before = process.memoryUsage();
  const trees: DmTree[] = [];
  for (let i = 0; i < count; i++) trees.push(build(i));
  gc(); gc();
  const after = process.memoryUsage();
  const nodes = (trees[0].get('.?list=Struct', 'dm.example.com').items ?? []).length;
  const perTree = (after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers) / count;
  console.log(`${count} standard trees of ${nodes} nodes: ${(perTree / 1024).toFixed(1)} KiB per tree (heapUsed + arrayBuffers), ${(perTree / nodes).toFixed(0)} bytes per node`);
  if (trees.length !== count) throw new Error('unreachable');
}

if (process.env.NODE_TEST_CONTEXT === undefined) main();
