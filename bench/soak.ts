/**
 * `npm run soak` — the long fault run of the scale-out issue (the short one is
 * test/server/cluster-faults.test.ts, in CI). For `--minutes` (default 10):
 * two `dmvisor server --cluster` processes on one PostgreSQL schema behind a
 * round-robin balancer; `--devices` simulated devices (the real DM client)
 * that keep checking in while operations are queued for them; every
 * `--kill-every` seconds one node is killed with SIGKILL and started again;
 * some devices send bad credentials and garbage all along.
 *
 * At the end every operation queued must have reached a final state exactly
 * once (`succeeded`), none may be lost, and a command a device ran twice must
 * be visible as a re-send (`attempts`). Prints a table; exits 1 otherwise.
 *
 * `--drop-rate R` loses that fraction of the nodes' answers after the work was
 * done (the device sees a reset connection and resends); `--pg-restart-every S`
 * restarts PostgreSQL itself (pg_ctlcluster, as root) on a timer.
 *
 *   node dist/bench/soak.js [--minutes 10] [--devices 50] [--kill-every 30] [--drop-rate 0.01] [--pg-restart-every 0]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DmClient } from '../src/client/dm-client.js';
import { parseDeviceConfig } from '../src/client/device-config.js';
import { InMemoryTreeStore } from '../src/tree/index.js';
import { RoundRobinBalancer } from '../test/support/balancer.js';
import { TEST_PG_URL, dropSchema, postgresUnreachable } from '../test/support/postgres.js';
import { startServerProcess } from '../test/support/server-process.js';

const TOKEN = 'soak-token-0123456789abcdef';
const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'expired']);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { minutes: { type: 'string' }, devices: { type: 'string' }, 'kill-every': { type: 'string' }, 'drop-rate': { type: 'string' }, 'pg-restart-every': { type: 'string' } } });
  const dropRate = Number(values['drop-rate'] ?? 0.01);
  const pgRestartEvery = Number(values['pg-restart-every'] ?? 0);
  const minutes = Number(values.minutes ?? 10);
  const deviceCount = Number(values.devices ?? 50);
  const killEvery = Number(values['kill-every'] ?? 30);
  const why = await postgresUnreachable();
  if (why !== undefined) { console.log(`soak: SKIPPED — PostgreSQL not reachable at ${TEST_PG_URL} (${why})`); return; }
  const schema = `dmv_soak_${process.pid}`;
  const dir = mkdtempSync(join(os.tmpdir(), 'dmvisor-soak-'));
  const lb = new RoundRobinBalancer();
  const lbUrl = await lb.start();
  const config = join(dir, 'server.json');
  writeFileSync(config, JSON.stringify({
    db: `${TEST_PG_URL}?schema=${schema}`, host: '127.0.0.1', port: 0, cluster: true, publicUrl: `${lbUrl}/dm`, apiToken: TOKEN,
    sessionIdleSeconds: 5, operationSweepSeconds: 2, logLevel: 'silent', authLimits: { perSourceBurst: 1_000_000, perSourceRefillPerSecond: 1000 },
  }));
  const nodes = await Promise.all([startServerProcess(config), startServerProcess(config)]);
  lb.backends = nodes.map((n) => n.url);
  let dropped = 0;
  lb.dropAnswer = () => {
    if (Math.random() >= dropRate) return false;
    dropped++;
    return true;
  };
  // Requests are retried on another node when one dies under them; a POST carries an Idempotency-Key
  // so that a retry after a lost answer returns the operation the first one queued.
  let retriedPosts = 0;
  const api = async (method: string, path: string, body?: unknown, key?: string): Promise<Record<string, unknown>> => {
    for (let attempt = 0; ; attempt++) {
      const live = nodes.filter((n) => !lb.down.has(n.url));
      try {
        const r = await fetch(`${live[attempt % live.length]!.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}), ...(key ? { 'idempotency-key': key } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
        return (await r.json()) as Record<string, unknown>;
      } catch (e) {
        if (method !== 'GET') retriedPosts++;
        if (attempt > 10) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  const executed = new Map<string, number>();
  const ops: { id: string; token: string }[] = [];
  const clients: DmClient[] = [];
  const t0 = Date.now();
  const deadline = t0 + minutes * 60_000;
  let kills = 0;
  let sessions = 0;
  let sessionFailures = 0;
  let probes = 0;
  const latencies: number[] = [];
  try {
    for (let d = 0; d < deviceCount; d++) {
      const devId = `IMEI:399${String(d).padStart(12, '0')}`;
      await api('POST', '/api/devices', { devId, clientAuth: { type: 'md5', name: `s${d}`, secret: 'pw' } });
      const c = await DmClient.open({
        config: parseDeviceConfig({
          device: { devId }, session: { retries: 4, timeoutMs: 10_000 },
          accounts: [{ serverId: 'dmvisor', serverUri: `${lbUrl}/dm`, encoding: d % 2 ? 'wbxml' : 'xml', clientAuth: { type: 'DIGEST', name: `s${d}`, secret: 'pw' } }],
        }, 'soak'),
        store: new InMemoryTreeStore(),
      });
      c.tree.createNode('./Vendor', { format: 'node', acl: 'Exec=dmvisor&Get=dmvisor' });
      c.tree.createNode('./Vendor/Run', { value: '' });
      c.tree.setExecHandler('./Vendor/Run', (ctx) => { executed.set(String(ctx.data), (executed.get(String(ctx.data)) ?? 0) + 1); return { status: 200 }; });
      clients.push(c);
    }
    // Operations keep arriving while devices check in; a node dies and comes back on a timer.
    let seq = 0;
    const producer = (async () => {
      while (Date.now() < deadline) {
        const d = seq % deviceCount;
        const token = `soak-${seq++}`;
        const op = await api('POST', `/api/devices/IMEI:399${String(d).padStart(12, '0')}/operations`, { commands: [{ verb: 'Exec', target: './Vendor/Run', data: token }, { verb: 'Get', target: './DevInfo/DevId' }] }, token);
        if (typeof op.id === 'string') ops.push({ id: op.id, token });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const killer = (async () => {
      while (Date.now() + killEvery * 1000 < deadline) {
        await new Promise((r) => setTimeout(r, killEvery * 1000));
        const i = kills % 2;
        nodes[i]!.child.kill('SIGKILL');
        kills++;
        await new Promise((r) => setTimeout(r, 1000));
        const again = await startServerProcess(config);
        lb.backends = lb.backends.map((b) => (b === nodes[i]!.url ? again.url : b));
        lb.down.delete(nodes[i]!.url);
        nodes[i] = again;
        console.log(`soak: ${((Date.now() - t0) / 1000).toFixed(0)} s — node ${i + 1} killed and restarted; ${ops.length} operations queued, ${sessions} sessions`);
      }
    })();
    let pgRestarts = 0;
    const pgRestarter = (async () => {
      if (pgRestartEvery <= 0) return;
      const cluster = (await import('node:fs')).readdirSync('/etc/postgresql')[0];
      while (Date.now() + pgRestartEvery * 1000 < deadline) {
        await new Promise((r) => setTimeout(r, pgRestartEvery * 1000));
        const { execFileSync } = await import('node:child_process');
        execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', String(cluster), 'main', 'restart']);
        pgRestarts++;
        console.log(`soak: ${((Date.now() - t0) / 1000).toFixed(0)} s — PostgreSQL restarted`);
      }
    })();
    const prober = (async () => {
      // Bad credentials and garbage from the side: must not break anyone else.
      while (Date.now() < deadline) {
        probes++;
        await fetch(`${lbUrl}/dm`, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.dm+xml' }, body: '<SyncML><SyncHdr>garbage' }).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const devicesWork = clients.map(async (c) => {
      while (Date.now() < deadline) {
        const s = Date.now();
        const r = await c.runSession().catch((e: unknown) => ({ state: 'failed', reason: String(e) }));
        sessions++;
        if (r.state !== 'completed') sessionFailures++;
        else latencies.push(Date.now() - s);
        await new Promise((r2) => setTimeout(r2, 200 + Math.random() * 300));
      }
    });
    await Promise.all([producer, killer, pgRestarter, prober, ...devicesWork]);
    // Drain: every device checks in until its operations are final (at most 2 minutes).
    const drainEnd = Date.now() + 120_000;
    let open = ops.length;
    while (Date.now() < drainEnd) {
      const states = await Promise.all(ops.map((o) => api('GET', `/api/operations/${o.id}`)));
      open = states.filter((x) => !FINAL.has(String(x.state))).length;
      if (open === 0) break;
      await Promise.all(clients.map((c) => c.runSession().catch(() => undefined)));
    }
    const states = await Promise.all(ops.map((o) => api('GET', `/api/operations/${o.id}`)));
    const byState = new Map<string, number>();
    for (const x of states) byState.set(String(x.state), (byState.get(String(x.state)) ?? 0) + 1);
    let lost = 0;
    let silentDuplicates = 0;
    let reruns = 0;
    states.forEach((x, i) => {
      const runs = executed.get(ops[i]!.token) ?? 0;
      if (runs === 0) lost++;
      if (runs > 1) { reruns++; if (Number(x.attempts) < 1) silentDuplicates++; }
    });
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    const rows: [string, string][] = [
      ['duration', `${((Date.now() - t0) / 60_000).toFixed(1)} min (${minutes} min of load, then drain)`],
      ['machine', `${os.cpus()[0]?.model.trim()}, ${os.cpus().length} cores, Node ${process.version}; PostgreSQL on 127.0.0.1`],
      ['devices / nodes', `${deviceCount} / 2 (cluster mode, round-robin balancer)`],
      ['node kills (SIGKILL + restart)', String(kills)],
      ['answers lost on the way (device resent)', `${dropped} (drop rate ${dropRate})`],
      ['PostgreSQL restarts', String(pgRestarts)],
      ['sessions (completed / not)', `${sessions - sessionFailures} / ${sessionFailures}`],
      ['session latency p50 / p99', `${p(0.5)} / ${p(0.99)} ms`],
      ['garbage messages sent', String(probes)],
      ['operations queued', `${ops.length} (${retriedPosts} POSTs retried on the other node with their Idempotency-Key)`],
      ['operations by final state', [...byState].map(([k, v]) => `${k} ${v}`).join(', ')],
      ['not final after drain', String(open)],
      ['lost (never run on the device)', String(lost)],
      ['run twice (all with attempts ≥ 1)', `${reruns} (silent: ${silentDuplicates})`],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log('\nsoak result\n' + rows.map(([k, v]) => `${k.padEnd(w)}   ${v}`).join('\n'));
    const ok = open === 0 && lost === 0 && silentDuplicates === 0 && (byState.get('succeeded') ?? 0) === ops.length;
    console.log(ok ? '✓ every operation ended exactly once, nothing lost' : '✗ the soak found a problem');
    if (!ok) process.exitCode = 1;
  } finally {
    for (const c of clients) await c.close().catch(() => undefined);
    for (const n of nodes) n.child.kill('SIGKILL');
    await lb.close();
    await dropSchema(schema).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
