/**
 * Server side of the bootstrap benchmark (bench/bootstrap-bench.ts): a real
 * `DmServer` on a fresh SQLite file with one enrollment secret, run as a
 * child process so the load generator's CPU is not the server's. Prints
 * `{ url }` over IPC when listening; on `mark` starts counting its CPU time;
 * on `stats` answers the CPU time since the mark, the number of registered
 * devices and how each was bootstrapped; on `stop` exits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DmServer } from '../src/server/dm-server.js';

export const BENCH_TOKEN = 'bootstrap-bench-token-0001';
export const BENCH_ENROLLMENT = { name: 'bench-fleet', secret: 'bench-enrollment-secret' };

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'dmv-bootbench-'));
  const server = await DmServer.start({ db: join(dir, 'dm.db'), port: 0, apiToken: BENCH_TOKEN, logger: pino({ level: 'silent' }), trace: 'none' });
  await server.store.setSetting('bootstrap:enrollments', JSON.stringify([{ ...BENCH_ENROLLMENT, profile: 'default', createdAt: new Date().toISOString() }]));
  const cleanup = async () => { await server.stop(); rmSync(dir, { recursive: true, force: true }); process.exit(0); };
  process.on('disconnect', () => { void cleanup(); });
  let mark = process.cpuUsage();
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'stop') void cleanup();
    else if (m.cmd === 'mark') { mark = process.cpuUsage(); process.send!({ ok: true }); }
    else if (m.cmd === 'stats') {
      void (async () => {
        let after: string | undefined;
        const methods: Record<string, number> = {};
        let devices = 0;
        for (;;) {
          const page = await server.store.listDevices({ limit: 1000, ...(after ? { after } : {}) });
          for (const d of page.devices) { devices++; methods[d.bootstrapMethod ?? 'none'] = (methods[d.bootstrapMethod ?? 'none'] ?? 0) + 1; }
          if (!page.next) break;
          after = page.next;
        }
        const cpu = process.cpuUsage(mark);
        process.send!({ devices, methods, rss: process.memoryUsage().rss, cpuMs: (cpu.user + cpu.system) / 1000 });
      })();
    }
  });
  process.send!({ url: server.url });
}

// Only as a forked child (the generator imports the constants above).
if (process.send) void main();
