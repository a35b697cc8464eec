/**
 * Virtualization figures (issue 6):
 * - API call → "Enterprise VM registered as a device", `process` driver: a
 *   real server and host in this process, the VM a real child process. The
 *   clock starts before `POST /api/devices/{host}/vms` and stops when the
 *   server has the VM's device checked in (its first session completed) —
 *   polled every 5 ms through the admin API. Includes notifying the host,
 *   the host's session, image download (first run) or cache hit, spawning
 *   node for the guest, the guest's DM session. Several VMs, median reported.
 * - memory per running VM, `process` driver: VmRSS of the guest processes
 *   (Enterprise: client running; Personal: no client), from /proc.
 * - memory per in-process simulated VM: N VMs in a {@link SimHypervisor},
 *   each with its node in the host's `./Virt` tree and, for half of them, a
 *   guest DM tree (standard MOs + one account); heap growth after a full GC
 *   divided by N.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { readFileSync } from 'node:fs';
import { DmTree } from '../src/tree/dm-tree.js';
import { moResolver } from '../src/mo/index.js';
import { SimHypervisor } from '../src/virt/sim-driver.js';
import { installVirtMo, putVm } from '../src/virt/vm-tree.js';
import type { ProcessHypervisor } from '../src/virt/process-driver.js';
import { apiClient, runScenario, waitForOperation } from '../src/virt/scenario.js';

export interface VirtBenchResult {
  registerMs: number[];
  registerMedianMs: number;
  rssEnterpriseBytes: number;
  rssPersonalBytes: number;
  simVms: number;
  bytesPerSimVm: number;
}

const gc: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function simMemory(n: number): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const host = new DmTree({ resolveMo: moResolver() });
  installVirtMo(host, { virtualization: 'TypeI', driver: 'sim', product: 'dmvisor-sim', version: '1' }, ['dmvisor']);
  const sim = new SimHypervisor();
  for (let i = 0; i < n; i++) {
    const name = `vm${i}`;
    const enterprise = i % 2 === 0;
    sim.defineSync(name, 1024, 1, enterprise ? {
      devId: `urn:dmvisor:host:h:vm:${name}`,
      account: { serverId: 'dmvisor', addresses: [{ addr: 'http://127.0.0.1:8080/dm' }], authPref: 'DIGEST', auth: [{ level: 'CLCRED', type: 'DIGEST', name, secret: 'secret', data: new Uint8Array(16) }] },
    } : undefined);
    void sim.start(name);
    putVm(host, name, {
      name, kind: enterprise ? 'Enterprise' : 'Personal', image: enterprise ? 'enterprise' : 'personal', digest: `sha256:${'0'.repeat(64)}`, state: 'running',
      memoryMB: 1024, vcpus: 1, clientInstalled: enterprise, managementMode: enterprise ? 'direct' : 'none', bootstrap: enterprise ? 'customized' : 'none',
      ...(enterprise ? { clientDevId: `urn:dmvisor:host:h:vm:${name}` } : {}),
    });
  }
  gc();
  const after = process.memoryUsage().heapUsed;
  if (sim.state('vm0') !== 'running' || !host.exists('./Virt/VMs/vm0')) throw new Error('unreachable');
  return (after - before) / n;
}

/** Run the virtualization figures. */
export async function runVirtBench(quick: boolean): Promise<VirtBenchResult> {
  const runs = quick ? 3 : 7;
  const run = await runScenario({ port: 0 });
  if (!run.ok) { await run.stop(); throw new Error(`scenario failed: ${JSON.stringify(run.steps.filter((s) => !s.ok))}`); }
  const api = apiClient(run.server.url, run.token);
  const hv = run.host!.hypervisor as ProcessHypervisor;
  const rssEnterpriseBytes = rss(hv.pid('enterprise')!);
  const rssPersonalBytes = rss(hv.pid('personal')!);
  const registerMs: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const name = `bench${i}`;
      const devId = `${run.hostDevId}:vm:${name}`;
      const t0 = performance.now();
      const r = await api('POST', `/api/devices/${encodeURIComponent(run.hostDevId)}/vms`, { name, kind: 'enterprise', image: 'enterprise' });
      if (r.status !== 202) throw new Error(`POST vms: ${JSON.stringify(r.json)}`);
      for (;;) {
        const d = await api('GET', `/api/devices/${encodeURIComponent(devId)}`);
        if (d.json?.lastSeenAt) break;
        if (performance.now() - t0 > 30000) throw new Error('the VM did not register within 30 s');
        await new Promise((res) => setTimeout(res, 5));
      }
      registerMs.push(performance.now() - t0);
      await waitForOperation(api, r.json.operationId);
      const del = await api('POST', `/api/devices/${encodeURIComponent(run.hostDevId)}/vms/${name}/delete`, {});
      await waitForOperation(api, del.json.operationId);
    }
  } finally {
    await run.stop();
  }
  const sorted = [...registerMs].sort((a, b) => a - b);
  const simVms = quick ? 500 : 5000;
  return { registerMs, registerMedianMs: sorted[Math.floor(sorted.length / 2)], rssEnterpriseBytes, rssPersonalBytes, simVms, bytesPerSimVm: simMemory(simVms) };
}

/** The figures as a printable block. */
export function formatVirtBench(r: VirtBenchResult, table: (head: string[], rows: string[][]) => string): string {
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const mib = (x: number) => `${(x / 2 ** 20).toFixed(1)} MiB`;
  return `Virtualization (process driver: VMs are child processes; ${r.registerMs.length} Enterprise VMs created one after another)\n` + table(
    ['figure', 'value', 'target', ''],
    [
      ['API call → Enterprise VM registered (median)', `${ms(r.registerMedianMs)} (runs: ${r.registerMs.map((x) => x.toFixed(0)).join(', ')})`, '≤ 1.5 s', r.registerMedianMs <= 1500 ? '✓' : '✗'],
      ['memory per running VM, process driver (Enterprise, client)', `${mib(r.rssEnterpriseBytes)} RSS`, 'report', ''],
      ['memory per running VM, process driver (Personal, no client)', `${mib(r.rssPersonalBytes)} RSS`, 'report', ''],
      [`memory per simulated VM (in-process, ${r.simVms} VMs)`, `${(r.bytesPerSimVm / 1024).toFixed(1)} KiB`, '≤ 100 KB', r.bytesPerSimVm <= 100_000 ? '✓' : '✗'],
    ],
  );
}
