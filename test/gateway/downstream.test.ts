/**
 * The gateway's downstream state across a restart, from the file it persists:
 * what was in flight is not run again, what the gateway owes survives, what
 * the server will resend is dropped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DownstreamHub, type DownstreamEvent, type DownstreamJob } from '../../src/gateway/downstream.js';

function job(id: string, state: DownstreamJob['state'], detached: boolean, correlator: string): DownstreamJob {
  return { id, node: 'vm', commands: [{ verb: 'Exec', target: './X', upstreamCorrelator: correlator }], state, answers: [null], send: [0], detached, expiresAt: Date.now() + 60_000 };
}

test('restart: an in-flight Exec ends "unknown" and a resent one is answered from the record; owed work is kept, the rest dropped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmvisor-ds-'));
  const stateFile = join(dir, 'gateway-downstream.json');
  // The journal as the gateway wrote it: the device, three jobs (one later updated), a line cut by the crash.
  writeFileSync(stateFile, [
    { t: 'dev', d: { node: 'vm', localId: 'vm', secret: 's', clientNonce: '', serverNonce: '', socketPath: join(dir, 'gw.sock') } },
    { t: 'job', j: job('inflight', 'queued', false, 'op1.0') },
    { t: 'job', j: job('owed', 'queued', true, 'op2.0') },
    { t: 'job', j: job('resent-later', 'queued', false, 'op3.0') },
    { t: 'job', j: job('inflight', 'sent', false, 'op1.0') },
  ].map((l) => JSON.stringify(l)).join('\n') + '\n{"t":"job","j":{"id":"cut');
  const events: DownstreamEvent[] = [];
  const delivered: string[] = [];
  const hub = await DownstreamHub.open({ stateFile, serverId: 'gw', deliver: (node) => { delivered.push(node); return true; }, onEvent: (e) => events.push(e) });
  try {
    const done = events.filter((e): e is Extract<DownstreamEvent, { event: 'job-done' }> => e.event === 'job-done');
    assert.deepEqual(done.map((e) => e.job.id), ['inflight']);
    assert.equal(done[0].job.answers[0]!.status, 500);
    assert.match(done[0].job.answers[0]!.reason!, /not run again/);
    assert.deepEqual(hub.pending('vm').map((j) => j.id), ['owed'], 'owed work kept; work the server resends dropped');
    // The server resends the in-flight Exec (same Correlator): answered from the record, nothing sent to the VM.
    const again = await hub.submit('vm', [{ verb: 'Exec', target: './X', upstreamCorrelator: 'op1.0' }]);
    assert.equal(again.state, 'done');
    assert.equal(again.answers[0]!.status, 500);
    assert.deepEqual(delivered, []);
    // What a second restart would see.
    const lines = readFileSync(stateFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { t: string; j?: DownstreamJob; c?: string });
    assert.deepEqual(lines.filter((l) => l.t === 'job').map((l) => l.j!.id), ['owed']);
    assert.ok(lines.some((l) => l.t === 'exec' && l.c === 'op1.0'), 'the record is persisted too');
    // New work for the VM asks it for a session (package #0 over its channel).
    await hub.submit('vm', [{ verb: 'Get', target: './DevInfo/DevId' }]);
    assert.deepEqual(delivered, ['vm']);
  } finally {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
