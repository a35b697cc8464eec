/**
 * The behaviour every store backend must show, as one suite run on SQLite
 * (`:memory:` and a file) and on PostgreSQL. A backend supplies a fixture
 * that opens stores on its database; tests use DevIds unique to themselves,
 * so they can share a database.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  CAMPAIGN_STEP_MAX, DeviceExistsError, DeviceNotFoundError, InvalidTransitionError, OperationNotFoundError, SessionExistsError,
  SessionNotFoundError, StoreClosedError, StoreError, StoreInputError,
  type Store, type StoreOptions,
} from '../../src/store/index.js';

/** How a backend opens stores for the suite. */
export interface StoreFixture {
  /** Open a store; on a shared database every call opens the same one. */
  open(options?: StoreOptions): Promise<Store>;
  /** Close everything opened and drop the database. */
  cleanup(): Promise<void>;
}

let counter = 0;
/** A DevId no other test uses. */
export function uniqueDevId(tag: string): string {
  counter += 1;
  return `${tag}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

const T0 = new Date('2026-01-01T00:00:00Z');
/** T0 plus some seconds. */
export function at(seconds: number): Date {
  return new Date(T0.getTime() + seconds * 1000);
}

async function device(store: Store, tag: string, type: 'basic' | 'md5' | 'hmac' = 'md5'): Promise<string> {
  const devId = uniqueDevId(tag);
  await store.registerDevice({ devId, clientAuth: { type, name: 'user-' + devId, secret: 'pw' } });
  return devId;
}

async function rejects(p: Promise<unknown>, cls: abstract new (...a: never[]) => Error, code?: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.ok(e instanceof StoreError);
    if (code) assert.equal((e as StoreError).code, code);
    return true;
  });
}

/** Define the suite for one backend. */
export function storeContract(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(name, () => {
    let fixture: StoreFixture | undefined;
    let store: Store;
    const ready = (async () => {
      fixture = await makeFixture();
      store = await fixture.open();
    })();
    after(async () => {
      await ready.catch(() => undefined);
      await fixture?.cleanup();
    });

    describe('devices', () => {
      it('registers a device and reads it back with credentials', async () => {
        await ready;
        const devId = uniqueDevId('reg');
        const created = await store.registerDevice({
          devId,
          clientAuth: { type: 'hmac', name: 'dev1', secret: 'ZmFrZWhhc2hmYWtlaGFzaA==', secretKind: 'md5-hash' },
          serverAuth: { type: 'md5', name: 'dmvisor', secret: 'srvpw' },
          notifyAddress: 'udp://127.0.0.1:2948',
          parentDevId: 'host-1',
        });
        assert.equal(created.devId, devId);
        const d = await store.getDevice(devId);
        assert.ok(d);
        assert.deepEqual(d.clientAuth, { type: 'hmac', name: 'dev1', secret: 'ZmFrZWhhc2hmYWtlaGFzaA==', secretKind: 'md5-hash' });
        assert.deepEqual(d.serverAuth, { type: 'md5', name: 'dmvisor', secret: 'srvpw', secretKind: 'password' });
        assert.equal(d.notifyAddress, 'udp://127.0.0.1:2948');
        assert.equal(d.parentDevId, 'host-1');
        assert.equal(d.clientNonce, undefined);
        assert.ok(d.createdAt instanceof Date);
      });

      it('refuses a second registration of the same DevId with DeviceExistsError', async () => {
        await ready;
        const devId = await device(store, 'dup');
        await rejects(store.registerDevice({ devId, clientAuth: { type: 'basic', name: 'x', secret: 'y' } }), DeviceExistsError, 'DMV_ERR_STORE_DEVICE_EXISTS');
      });

      it('validates credentials', async () => {
        await ready;
        await rejects(store.registerDevice({ devId: uniqueDevId('v'), clientAuth: { type: 'basic', name: 'x', secret: 'ZmFrZWhhc2hmYWtlaGFzaA==', secretKind: 'md5-hash' } }), StoreInputError);
        await rejects(store.registerDevice({ devId: uniqueDevId('v'), clientAuth: { type: 'md5', name: 'x', secret: 'short', secretKind: 'md5-hash' } }), StoreInputError);
        await rejects(store.registerDevice({ devId: uniqueDevId('v'), clientAuth: { type: 'x509' as 'md5', name: 'x', secret: 'y' } }), StoreInputError);
        await rejects(store.registerDevice({ devId: '', clientAuth: { type: 'md5', name: 'x', secret: 'y' } }), StoreInputError);
      });

      it('answers undefined for an unknown device and DeviceNotFoundError when writing to one', async () => {
        await ready;
        assert.equal(await store.getDevice(uniqueDevId('none')), undefined);
        await rejects(store.setClientNonce(uniqueDevId('none'), new Uint8Array([1])), DeviceNotFoundError, 'DMV_ERR_STORE_DEVICE_NOT_FOUND');
        await rejects(store.recordCheckIn(uniqueDevId('none'), { sessionId: 's', at: at(0) }), DeviceNotFoundError);
        await rejects(store.createOperation(uniqueDevId('none'), { commands: [{ verb: 'Get', target: 'a' }] }), DeviceNotFoundError);
      });

      it('keeps both nonces as bytes', async () => {
        await ready;
        const devId = await device(store, 'nonce');
        await store.setClientNonce(devId, new Uint8Array([0, 1, 2, 255]));
        await store.setServerNonce(devId, new Uint8Array([9, 8]));
        const d = await store.getDevice(devId);
        assert.deepEqual(d?.clientNonce, new Uint8Array([0, 1, 2, 255]));
        assert.deepEqual(d?.serverNonce, new Uint8Array([9, 8]));
        await store.setClientNonce(devId, new Uint8Array([7]));
        assert.deepEqual((await store.getDevice(devId))?.clientNonce, new Uint8Array([7]));
      });

      it('records a check-in: DevInfo, DevDetail, session, time', async () => {
        await ready;
        const devId = await device(store, 'checkin');
        await store.recordCheckIn(devId, { devInfo: { DevId: devId, Man: 'Acme', Mod: 'VM-1', DmV: '1.2', Lang: 'en' }, devDetail: { SwV: '2.0' }, sessionId: 'sess-1', at: at(5) });
        const d = await store.getDevice(devId);
        assert.equal(d?.devInfo?.Man, 'Acme');
        assert.equal(d?.devDetail?.SwV, '2.0');
        assert.equal(d?.lastSessionId, 'sess-1');
        assert.equal(d?.lastSeenAt?.getTime(), at(5).getTime());
        await store.recordCheckIn(devId, { sessionId: 'sess-2', at: at(6) });
        const d2 = await store.getDevice(devId);
        assert.equal(d2?.devInfo?.Man, 'Acme', 'a check-in without DevInfo keeps the last one');
        assert.equal(d2?.lastSessionId, 'sess-2');
      });

      it('updates credentials and clears optional fields', async () => {
        await ready;
        const devId = uniqueDevId('upd');
        await store.registerDevice({ devId, clientAuth: { type: 'md5', name: 'a', secret: 'b' }, serverAuth: { type: 'basic', secret: 's' }, notifyAddress: 'x' });
        const d = await store.updateDevice(devId, { clientAuth: { type: 'basic', name: 'c', secret: 'd' }, serverAuth: null, notifyAddress: null });
        assert.equal(d.clientAuth.type, 'basic');
        assert.equal(d.serverAuth, undefined);
        assert.equal(d.notifyAddress, undefined);
        await rejects(store.updateDevice(uniqueDevId('none'), { notifyAddress: 'x' }), DeviceNotFoundError);
      });

      it('lists devices a page at a time, in DevId order, without secrets', async () => {
        await ready;
        const prefix = uniqueDevId('list');
        const ids: string[] = [];
        for (let i = 0; i < 25; i++) {
          const devId = `${prefix}-${String(i).padStart(2, '0')}`;
          ids.push(devId);
          await store.registerDevice({ devId, clientAuth: { type: 'md5', name: devId, secret: 'secret' } });
        }
        const seen: string[] = [];
        let after: string | undefined;
        let pages = 0;
        do {
          const page = await store.listDevices({ limit: 10, search: prefix, ...(after ? { after } : {}) });
          pages += 1;
          for (const d of page.devices) {
            seen.push(d.devId);
            assert.equal((d as Record<string, unknown>).clientAuth, undefined);
            assert.equal(d.clientAuthType, 'md5');
          }
          after = page.next;
        } while (after);
        assert.equal(pages, 3);
        assert.deepEqual(seen, ids);
        const upper = await store.listDevices({ search: prefix.toUpperCase() + '-07' });
        assert.deepEqual(upper.devices.map((d) => d.devId), [ids[7]]);
        assert.equal((await store.listDevices({ search: prefix + '%' })).devices.length, 0, '% is literal');
        await rejects(store.listDevices({ limit: 0 }), StoreInputError);
      });

      it('keeps the last-known tree: upsert by URI, remove a subtree', async () => {
        await ready;
        const devId = await device(store, 'tree');
        await store.updateTree(devId, [
          { uri: 'A/B', value: '1', format: 'int' },
          { uri: 'A/B/C', value: '2' },
          { uri: 'A/BC', value: '3', type: 'text/plain' },
          { uri: 'A/B', value: '4', format: 'int' },
        ], at(1));
        let tree = await store.getTree(devId);
        assert.deepEqual(tree.map((n) => [n.uri, n.value]), [['./A/B', '4'], ['./A/B/C', '2'], ['./A/BC', '3']], 'URIs are kept absolute');
        assert.equal(tree[2]?.type, 'text/plain');
        assert.deepEqual((await store.getTree(devId, './A/B')).map((n) => n.uri), ['./A/B', './A/B/C']);
        await store.updateTree(devId, [{ uri: 'A/B', remove: true }, { uri: 'A/B/D', value: 'new' }]);
        tree = await store.getTree(devId);
        assert.deepEqual(tree.map((n) => n.uri), ['./A/B/D', './A/BC'], 'the sibling A/BC is not part of the subtree of A/B');
        await store.updateTree(devId, [{ uri: './A/B/D/', value: 'normalized' }]);
        assert.deepEqual((await store.getTree(devId, 'A/B/')).map((n) => [n.uri, n.value]), [['./A/B/D', 'normalized']]);
        assert.equal((await store.getTree(devId, '.')).length, 2, 'the root holds everything');
        await rejects(store.getTree(uniqueDevId('none')), DeviceNotFoundError);
      });

      it('deletes a device with its operations', async () => {
        await ready;
        const devId = await device(store, 'del');
        const op = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'x' }] });
        assert.equal(await store.deleteDevice(devId), true);
        assert.equal(await store.getDevice(devId), undefined);
        assert.equal(await store.getOperation(op.id), undefined);
        assert.equal(await store.deleteDevice(devId), false);
      });
    });

    describe('operations', () => {
      it('creates a pending operation with an unguessable id and its commands', async () => {
        await ready;
        const devId = await device(store, 'create');
        const op = await store.createOperation(devId, {
          commands: [
            { verb: 'Replace', target: './Vendor/X', data: 'hello', format: 'chr', type: 'text/plain' },
            { verb: 'Exec', target: './Vendor/Run', data: new Uint8Array([1, 2, 3]), format: 'bin' },
            { verb: 'Copy', target: './B', source: './A' },
          ],
          atomic: true,
          notify: true,
          expiresAt: at(3600),
        });
        assert.match(op.id, /^op_[a-z2-7]{26}$/);
        assert.equal(op.state, 'pending');
        assert.equal(op.atomic, true);
        assert.equal(op.notify, true);
        assert.equal(op.attempts, 0);
        assert.equal(op.expiresAt?.getTime(), at(3600).getTime());
        assert.deepEqual(op.commands.map((c) => [c.index, c.verb, c.target]), [[0, 'Replace', './Vendor/X'], [1, 'Exec', './Vendor/Run'], [2, 'Copy', './B']]);
        assert.equal(op.commands[0]?.data, 'hello');
        assert.deepEqual(op.commands[1]?.data, new Uint8Array([1, 2, 3]));
        assert.equal(op.commands[1]?.correlator, `${op.id}.1`);
        assert.equal(op.commands[2]?.source, './A');
        assert.deepEqual(await store.getOperation(op.id), op);
        assert.equal(await store.getOperation('op_nope'), undefined);
      });

      it('refuses malformed operations', async () => {
        await ready;
        const devId = await device(store, 'bad');
        await rejects(store.createOperation(devId, { commands: [] }), StoreInputError);
        await rejects(store.createOperation(devId, { commands: [{ verb: 'Sync' as 'Get', target: 'x' }] }), StoreInputError);
        await rejects(store.createOperation(devId, { commands: [{ verb: 'Copy', target: 'x' }] }), StoreInputError);
        await rejects(store.createOperation(devId, { commands: [{ verb: 'Get', target: '' }] }), StoreInputError);
      });

      it('claims the device\'s pending operations once, in creation order, skipping expired ones', async () => {
        await ready;
        const devId = await device(store, 'claim');
        const other = await device(store, 'claim-other');
        const a = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'a' }] });
        const expired = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'e' }], expiresAt: at(10) });
        const b = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'b' }, { verb: 'Get', target: 'b2' }] });
        const c = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'c' }], expiresAt: at(1000) });
        const o = await store.createOperation(other, { commands: [{ verb: 'Get', target: 'o' }] });
        const claimed = await store.claimPending(devId, 'S-claim-1', at(20));
        assert.deepEqual(claimed.map((x) => x.id), [a.id, b.id, c.id]);
        for (const x of claimed) {
          assert.equal(x.state, 'sent');
          assert.equal(x.sessionId, 'S-claim-1');
          assert.equal(x.sentAt?.getTime(), at(20).getTime());
          assert.equal(x.devId, devId);
        }
        assert.equal(claimed[1]?.commands.length, 2);
        assert.deepEqual(await store.claimPending(devId, 'S-claim-2', at(21)), []);
        assert.equal((await store.getOperation(expired.id))?.state, 'pending');
        assert.equal((await store.getOperation(o.id))?.state, 'pending');
        await rejects(store.claimPending(uniqueDevId('none'), 'S', at(0)), DeviceNotFoundError);
      });

      it('completes an operation as succeeded when every command answered 2xx', async () => {
        await ready;
        const devId = await device(store, 'ok');
        const op = await store.createOperation(devId, { commands: [{ verb: 'Get', target: './DevInfo/Man' }, { verb: 'Replace', target: './X', data: 'v' }] });
        await store.claimPending(devId, 'S-ok', at(0));
        await store.recordCommandSent(op.id, 0, { at: at(1) });
        const mid = await store.recordCommandResult(op.id, 0, { status: 200, reason: 'OK', results: [{ source: './DevInfo/Man', data: 'Acme', format: 'chr' }], at: at(2) });
        assert.equal(mid.state, 'sent', 'results alone do not complete an operation');
        await store.recordCommandResult(op.id, 1, { status: 200, at: at(2) });
        const done = await store.completeOperation(op.id, at(3));
        assert.equal(done.state, 'succeeded');
        assert.equal(done.completedAt?.getTime(), at(3).getTime());
        assert.equal(done.commands[0]?.status, 200);
        assert.equal(done.commands[0]?.reason, 'OK');
        assert.deepEqual(done.commands[0]?.results, [{ source: './DevInfo/Man', data: 'Acme', format: 'chr' }]);
        assert.equal(done.commands[0]?.sentAt?.getTime(), at(1).getTime());
        assert.equal(done.commands[0]?.answeredAt?.getTime(), at(2).getTime());
        assert.deepEqual(await store.completeOperation(op.id), done, 'completing again is a no-op');
      });

      it('completes as failed, keeping each command\'s code and a readable reason', async () => {
        await ready;
        const devId = await device(store, 'fail');
        const op = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'a' }, { verb: 'Delete', target: 'b' }, { verb: 'Get', target: 'c' }] });
        await store.claimPending(devId, 'S-fail', at(0));
        await store.recordCommandResult(op.id, 0, { status: 200 });
        await store.recordCommandResult(op.id, 1, { status: 404, reason: 'Not found' });
        const done = await store.completeOperation(op.id);
        assert.equal(done.state, 'failed');
        assert.deepEqual(done.commands.map((c) => c.status), [200, 404, undefined]);
        assert.match(done.reason ?? '', /#1 Delete b: 404 \(Not found\)/);
        assert.match(done.reason ?? '', /#2 Get c: no status/);
      });

      it('refuses results for a pending operation or a missing command, and unknown ids', async () => {
        await ready;
        const devId = await device(store, 'res');
        const op = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'a' }] });
        await rejects(store.recordCommandResult(op.id, 0, { status: 200 }), InvalidTransitionError, 'DMV_ERR_STORE_TRANSITION');
        await rejects(store.completeOperation(op.id), InvalidTransitionError);
        await store.claimPending(devId, 'S-res', at(0));
        await rejects(store.recordCommandResult(op.id, 5, { status: 200 }), StoreInputError);
        await rejects(store.recordCommandResult(op.id, 0, { status: 20 }), StoreInputError);
        await rejects(store.recordCommandResult('op_unknown', 0, { status: 200 }), OperationNotFoundError, 'DMV_ERR_STORE_OPERATION_NOT_FOUND');
        await rejects(store.cancelOperation('op_unknown'), OperationNotFoundError);
        await rejects(store.markNotified('op_unknown'), OperationNotFoundError);
      });

      it('keeps an operation answered 202 accepted until its Generic Alert arrives', async () => {
        await ready;
        const devId = await device(store, 'async');
        const op = await store.createOperation(devId, { commands: [{ verb: 'Replace', target: './VM/1/Image', data: 'img' }, { verb: 'Exec', target: './VM/1/Ops/Create' }] });
        const correlator = op.commands[1]!.correlator!;
        await store.claimPending(devId, 'S-async', at(0));
        await store.recordCommandResult(op.id, 0, { status: 200 });
        await store.recordCommandResult(op.id, 1, { status: 202, reason: 'Accepted for processing' });
        const accepted = await store.completeOperation(op.id, at(1));
        assert.equal(accepted.state, 'accepted');
        assert.equal(accepted.completedAt, undefined);
        const found = await store.operationByCorrelator(correlator);
        assert.equal(found?.operation.id, op.id);
        assert.equal(found?.index, 1);
        assert.equal(await store.operationByCorrelator('no-such-correlator'), undefined);

        const intruder = await device(store, 'intruder');
        const foreign = await store.recordAlert(intruder, { correlator, data: '200', at: at(2) });
        assert.equal(foreign.operation, undefined, 'another device\'s alert does not touch the operation');
        assert.equal((await store.getOperation(op.id))?.state, 'accepted');

        const outcome = await store.recordAlert(devId, {
          type: 'org.example.vm.create', format: 'int', mark: 'informational', data: '200', sourceUri: './VM/1/Ops/Create', correlator, at: at(3),
        });
        assert.equal(outcome.operation?.id, op.id);
        assert.equal(outcome.operation?.state, 'succeeded');
        assert.equal(outcome.alert.operationId, op.id);
        const cmd = outcome.operation?.commands[1];
        assert.equal(cmd?.status, 200);
        assert.match(cmd?.reason ?? '', /Generic Alert/);
        assert.deepEqual(cmd?.results, [{ source: './VM/1/Ops/Create', data: '200', format: 'int', type: 'org.example.vm.create' }]);
      });

      it('fails an accepted operation whose Generic Alert reports an error; an alert during the session waits for completeOperation', async () => {
        await ready;
        const devId = await device(store, 'async-fail');
        const op = await store.createOperation(devId, { commands: [{ verb: 'Exec', target: './X' }] });
        await store.claimPending(devId, 'S-af', at(0));
        await store.recordCommandResult(op.id, 0, { status: 202 });
        await store.completeOperation(op.id);
        const r = await store.recordAlert(devId, { correlator: op.commands[0]!.correlator!, data: '500', mark: 'critical' });
        assert.equal(r.operation?.state, 'failed');
        assert.match(r.operation?.reason ?? '', /500/);

        const op2 = await store.createOperation(devId, { commands: [{ verb: 'Exec', target: './Y' }] });
        await store.claimPending(devId, 'S-af2', at(0));
        await store.recordCommandResult(op2.id, 0, { status: 202 });
        const early = await store.recordAlert(devId, { correlator: op2.commands[0]!.correlator!, data: '200' });
        assert.equal(early.operation?.state, 'sent');
        assert.equal((await store.completeOperation(op2.id)).state, 'succeeded');
      });

      it('uses the correlator the session reports when it differs from the default', async () => {
        await ready;
        const devId = await device(store, 'corr');
        const op = await store.createOperation(devId, { commands: [{ verb: 'Exec', target: './Z' }] });
        await store.claimPending(devId, 'S-corr', at(0));
        await store.recordCommandSent(op.id, 0, { correlator: 'custom-42' });
        assert.equal((await store.operationByCorrelator('custom-42', devId))?.operation.id, op.id);
        await rejects(store.recordCommandSent(op.id, 3), StoreInputError);
      });

      it('cancels pending and sent operations for good, and refuses to cancel a finished one', async () => {
        await ready;
        const devId = await device(store, 'cancel');
        const p = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'p' }] });
        const cancelled = await store.cancelOperation(p.id, 'operator changed their mind', at(1));
        assert.equal(cancelled.state, 'cancelled');
        assert.equal(cancelled.reason, 'operator changed their mind');
        assert.equal((await store.cancelOperation(p.id)).state, 'cancelled', 'idempotent');
        assert.deepEqual(await store.claimPending(devId, 'S-c1', at(2)), [], 'a cancelled operation is never claimed');

        const s = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 's' }] });
        await store.claimPending(devId, 'S-c2', at(3));
        assert.equal((await store.cancelOperation(s.id)).state, 'cancelled');
        assert.deepEqual(await store.releaseSession('S-c2'), [], 'release does not revive a cancelled operation');
        assert.deepEqual(await store.claimPending(devId, 'S-c3', at(4)), []);
        const late = await store.recordCommandResult(s.id, 0, { status: 200 });
        assert.equal(late.state, 'cancelled', 'a late result is recorded, the state stays');
        assert.equal(late.commands[0]?.status, 200);
        assert.equal((await store.completeOperation(s.id)).state, 'cancelled');

        const done = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'd' }] });
        await store.claimPending(devId, 'S-c4', at(5));
        await store.recordCommandResult(done.id, 0, { status: 200 });
        await store.completeOperation(done.id);
        await rejects(store.cancelOperation(done.id), InvalidTransitionError);
      });

      it('releases a dead session\'s operations for retry, visibly', async () => {
        await ready;
        const devId = await device(store, 'release');
        const plain = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'a' }, { verb: 'Replace', target: 'b', data: '1' }] });
        const atomic = await store.createOperation(devId, { commands: [{ verb: 'Add', target: 'c' }, { verb: 'Add', target: 'd' }], atomic: true });
        const finished = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'e' }] });
        await store.claimPending(devId, 'S-dead', at(0));
        await store.recordCommandResult(plain.id, 0, { status: 200 });
        await store.recordCommandResult(atomic.id, 0, { status: 200 });
        await store.recordCommandResult(finished.id, 0, { status: 200 });
        await store.completeOperation(finished.id);

        const released = await store.releaseSession('S-dead', at(10));
        assert.deepEqual(released, [plain.id, atomic.id]);
        for (const id of released) {
          const o = await store.getOperation(id);
          assert.equal(o?.state, 'pending');
          assert.equal(o?.attempts, 1);
          assert.equal(o?.previousSessionId, 'S-dead');
          assert.equal(o?.sessionId, undefined);
          assert.match(o?.reason ?? '', /retry: session S-dead/);
        }
        assert.equal((await store.getOperation(finished.id))?.state, 'succeeded');
        const retried = await store.claimPending(devId, 'S-retry', at(11));
        assert.deepEqual(retried.map((o) => o.id), [plain.id, atomic.id]);
        assert.equal(retried[0]?.commands[0]?.status, 200, 'an answered command keeps its status: the driver does not resend it');
        assert.equal(retried[0]?.commands[1]?.status, undefined);
        assert.equal(retried[1]?.commands[0]?.status, undefined, 'an Atomic is resent whole');
        assert.deepEqual(await store.releaseSession('S-retry'), [plain.id, atomic.id]);
        assert.equal((await store.getOperation(plain.id))?.attempts, 2);
        assert.deepEqual(await store.releaseSession('S-unknown'), []);
      });

      it('expires accepted operations past their expiry, not sent ones', async () => {
        await ready;
        const devId = await device(store, 'expire');
        const acc = await store.createOperation(devId, { commands: [{ verb: 'Exec', target: 'd' }], expiresAt: at(200) });
        await store.claimPending(devId, 'S-exp1', at(50));
        await store.recordCommandResult(acc.id, 0, { status: 202 });
        assert.equal((await store.completeOperation(acc.id)).state, 'accepted');
        const inflight = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'e' }], expiresAt: at(200) });
        assert.deepEqual((await store.claimPending(devId, 'S-exp2', at(60))).map((o) => o.id), [inflight.id]);

        assert.ok(!(await store.expireOperations(at(199))).includes(acc.id));
        const expired = await store.expireOperations(at(500));
        assert.ok(expired.includes(acc.id));
        assert.ok(!expired.includes(inflight.id));
        const a = await store.getOperation(acc.id);
        assert.equal(a?.state, 'expired');
        assert.equal(a?.reason, 'expired awaiting the Generic Alert');
        assert.equal((await store.getOperation(inflight.id))?.state, 'sent', 'an operation in a live session is not expired under it');
        assert.deepEqual(await store.expireOperations(at(500)), [], 'idempotent');
        // A late alert is recorded on the command; the operation stays expired.
        const late = await store.recordAlert(devId, { correlator: acc.commands[0]!.correlator!, data: '200' });
        assert.equal(late.operation?.state, 'expired');
        assert.equal(late.operation?.commands[0]?.status, 200);
      });

      it('expires a pending operation and never claims it', async () => {
        await ready;
        const devId = await device(store, 'expire2');
        const soon = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'a' }], expiresAt: at(100) });
        const later = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'b' }], expiresAt: at(10_000) });
        const never = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'c' }] });
        const expired = await store.expireOperations(at(100));
        assert.ok(expired.includes(soon.id));
        assert.ok(!expired.includes(later.id) && !expired.includes(never.id));
        const o = await store.getOperation(soon.id);
        assert.equal(o?.state, 'expired');
        assert.equal(o?.reason, 'expired before delivery');
        assert.deepEqual((await store.claimPending(devId, 'S-e2', at(101))).map((x) => x.id), [later.id, never.id]);
      });

      it('lists a device\'s operations in creation order, optionally by state', async () => {
        await ready;
        const devId = await device(store, 'listops');
        const a = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'a' }] });
        const b = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'b' }] });
        const c = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'c' }] });
        await store.cancelOperation(b.id);
        assert.deepEqual((await store.listOperations(devId)).map((o) => o.id), [a.id, b.id, c.id]);
        assert.deepEqual((await store.listOperations(devId, { state: 'pending' })).map((o) => o.id), [a.id, c.id]);
        assert.deepEqual((await store.listOperations(devId, { state: ['cancelled'] })).map((o) => o.id), [b.id]);
        assert.deepEqual((await store.listOperations(devId, { limit: 2 })).map((o) => o.id), [b.id, c.id]);
      });

      it('gathers the last-known tree from Get results and successful Add/Replace/Delete', async () => {
        await ready;
        const devId = await device(store, 'gather');
        await store.updateTree(devId, [{ uri: 'Old/Leaf', value: 'x' }, { uri: 'Old', format: 'node' }]);
        const op = await store.createOperation(devId, {
          commands: [
            { verb: 'Get', target: './DevInfo?list=Struct' },
            { verb: 'Get', target: './DevInfo/Man' },
            { verb: 'Replace', target: './Cfg/Level/', data: '3', format: 'int' },
            { verb: 'Add', target: './Cfg/Blob', data: new Uint8Array([255]) },
            { verb: 'Delete', target: './Old' },
            { verb: 'Replace', target: './Cfg/Denied', data: 'no' },
          ],
        });
        await store.claimPending(devId, 'S-gather', at(0));
        await store.recordCommandResult(op.id, 0, { status: 200, results: [{ source: './DevInfo?list=Struct', data: 'Man/Mod' }] });
        await store.recordCommandResult(op.id, 1, { status: 200, results: [{ source: './DevInfo/Man', data: 'Acme', format: 'chr', type: 'text/plain' }] });
        await store.recordCommandResult(op.id, 2, { status: 200 });
        await store.recordCommandResult(op.id, 3, { status: 200 });
        await store.recordCommandResult(op.id, 4, { status: 200 });
        await store.recordCommandResult(op.id, 5, { status: 425 });
        const tree = await store.getTree(devId);
        assert.deepEqual(tree.map((n) => [n.uri, n.value, n.format ?? null]), [
          ['./Cfg/Blob', '/w==', 'b64'],
          ['./Cfg/Level', '3', 'int'],
          ['./DevInfo/Man', 'Acme', 'chr'],
        ]);
      });

      it('records notification times', async () => {
        await ready;
        const devId = await device(store, 'notify');
        const op = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'a' }], notify: true });
        await store.markNotified(op.id, at(7));
        assert.equal((await store.getOperation(op.id))?.notifiedAt?.getTime(), at(7).getTime());
      });
    });

    describe('sessions and trace', () => {
      it('traces a session: messages in order, bytes and decoded text, end state', async () => {
        await ready;
        const devId = await device(store, 'trace');
        const id = uniqueDevId('sess');
        const s = await store.startSession({ id, devId, initiator: 'server', dmSessionId: '1A', node: 'node-a', at: at(0) });
        assert.equal(s.state, 'open');
        assert.equal(s.traced, true);
        assert.equal(await store.appendMessage(id, { direction: 'in', encoding: 'wbxml', bytes: new Uint8Array([2, 0, 0, 106]), decoded: '<SyncML>…</SyncML>', at: at(1) }), 1);
        assert.equal(await store.appendMessage(id, { direction: 'out', encoding: 'wbxml', bytes: new Uint8Array([2, 0]), decoded: 'Status 212', at: at(2) }), 2);
        const ended = await store.endSession(id, { state: 'completed', at: at(3) });
        assert.equal(ended.state, 'completed');
        assert.deepEqual(ended.releasedOperations, []);
        assert.deepEqual(await store.endSession(id, { state: 'failed' }).then((e) => e.state), 'completed', 'ending twice keeps the first end');
        const got = await store.getSession(id);
        assert.equal(got?.messageCount, 2);
        assert.equal(got?.dmSessionId, '1A');
        assert.equal(got?.node, 'node-a');
        assert.equal(got?.endedAt?.getTime(), at(3).getTime());
        assert.deepEqual(got?.messages.map((m) => [m.seq, m.direction, m.size, m.decoded]), [[1, 'in', 4, '<SyncML>…</SyncML>'], [2, 'out', 2, 'Status 212']]);
        assert.deepEqual(got?.messages[0]?.bytes, new Uint8Array([2, 0, 0, 106]));
        assert.deepEqual((await store.listSessions(devId)).map((x) => x.id), [id]);
        assert.equal(await store.getSession('no-such-session'), undefined);
      });

      it('refuses duplicate session ids and messages for unknown sessions', async () => {
        await ready;
        const id = uniqueDevId('sess-dup');
        await store.startSession({ id, devId: 'unregistered-device', initiator: 'client' });
        await rejects(store.startSession({ id, devId: 'x', initiator: 'client' }), SessionExistsError, 'DMV_ERR_STORE_SESSION_EXISTS');
        await rejects(store.appendMessage('no-such-session', { direction: 'in', encoding: 'xml' }), SessionNotFoundError);
        await rejects(store.endSession('no-such-session', { state: 'aborted' }), SessionNotFoundError);
      });

      it('ending a session releases the operations it still holds', async () => {
        await ready;
        const devId = await device(store, 'endrel');
        const id = uniqueDevId('sess-er');
        await store.startSession({ id, devId, initiator: 'client', at: at(0) });
        const done = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'a' }] });
        const open = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'b' }] });
        await store.claimPending(devId, id, at(1));
        await store.recordCommandResult(done.id, 0, { status: 200 });
        await store.completeOperation(done.id);
        const ended = await store.endSession(id, { state: 'aborted', reason: 'connection lost', at: at(2) });
        assert.deepEqual(ended.releasedOperations, [open.id]);
        assert.equal(ended.reason, 'connection lost');
        const o = await store.getOperation(open.id);
        assert.equal(o?.state, 'pending');
        assert.equal(o?.previousSessionId, id);
      });

      it('keeps messages of the newest maxTracedSessionsPerDevice sessions and at most maxSessionsPerDevice sessions', async () => {
        await ready;
        const s2 = await fixture!.open({ maxTracedSessionsPerDevice: 2, maxSessionsPerDevice: 4 });
        const devId = await device(s2, 'retain');
        const other = await device(s2, 'retain-other');
        const ids: string[] = [];
        const otherId = uniqueDevId('sess-other');
        await s2.startSession({ id: otherId, devId: other, initiator: 'client' });
        await s2.appendMessage(otherId, { direction: 'in', encoding: 'xml', decoded: 'other' });
        await s2.endSession(otherId, { state: 'completed' });
        for (let i = 0; i < 6; i++) {
          const id = `${devId}-s${i}`;
          ids.push(id);
          await s2.startSession({ id, devId, initiator: 'client', at: at(i) });
          await s2.appendMessage(id, { direction: 'in', encoding: 'xml', decoded: `message ${i}`, at: at(i) });
          await s2.endSession(id, { state: 'completed', at: at(i) });
        }
        const listed = await s2.listSessions(devId);
        assert.deepEqual(listed.map((s) => s.id), [ids[5], ids[4], ids[3], ids[2]]);
        assert.deepEqual(listed.map((s) => s.traced), [true, true, false, false]);
        assert.equal((await s2.getSession(ids[5]!))?.messages.length, 1);
        const old = await s2.getSession(ids[3]!);
        assert.equal(old?.messages.length, 0);
        assert.equal(old?.messageCount, 1, 'the summary survives its trace');
        assert.equal(await s2.getSession(ids[0]!), undefined);
        assert.equal((await s2.getSession(otherId))?.messages.length, 1, 'another device\'s trail is untouched');
      });

      it('traceBodies errors: drops the bodies of clean sessions, keeps failed and erroneous ones', async () => {
        await ready;
        const s2 = await fixture!.open({ traceBodies: 'errors' });
        const devId = await device(s2, 'errs');
        const run = async (end: 'completed' | 'failed', error?: string) => {
          const id = uniqueDevId('sess-e');
          await s2.startSession({ id, devId, initiator: 'client' });
          await s2.appendMessage(id, { direction: 'in', encoding: 'xml', bytes: new Uint8Array([60, 62]), decoded: '<>', ...(error ? { error } : {}) });
          await s2.endSession(id, { state: end });
          return (await s2.getSession(id))!;
        };
        const clean = await run('completed');
        assert.equal(clean.messages[0]?.bytes, undefined);
        assert.equal(clean.messages[0]?.decoded, undefined);
        assert.equal(clean.messages[0]?.size, 2, 'metadata stays');
        const failed = await run('failed');
        assert.equal(failed.messages[0]?.decoded, '<>');
        const erroneous = await run('completed', 'bad WBXML at byte 3');
        assert.equal(erroneous.hasError, true);
        assert.equal(erroneous.messages[0]?.error, 'bad WBXML at byte 3');
        assert.deepEqual(erroneous.messages[0]?.bytes, new Uint8Array([60, 62]));
      });

      it('traceBodies none keeps only metadata; long bodies are cut to maxTraceBodyBytes', async () => {
        await ready;
        const none = await fixture!.open({ traceBodies: 'none' });
        const devId = await device(none, 'nobody');
        const id = uniqueDevId('sess-n');
        await none.startSession({ id, devId, initiator: 'client' });
        await none.appendMessage(id, { direction: 'out', encoding: 'xml', bytes: new Uint8Array(10), decoded: 'ten bytes!' });
        const m = (await none.getSession(id))?.messages[0];
        assert.deepEqual([m?.bytes, m?.decoded, m?.size, m?.truncated], [undefined, undefined, 10, false]);

        const cut = await fixture!.open({ maxTraceBodyBytes: 4 });
        const id2 = uniqueDevId('sess-c');
        await cut.startSession({ id: id2, devId, initiator: 'client' });
        await cut.appendMessage(id2, { direction: 'in', encoding: 'xml', bytes: new Uint8Array([1, 2, 3, 4, 5, 6]), decoded: 'abcdef' });
        const c = (await cut.getSession(id2))?.messages[0];
        assert.deepEqual([c?.bytes, c?.decoded, c?.size, c?.truncated], [new Uint8Array([1, 2, 3, 4]), 'abcd', 6, true]);
      });

      it('releases stale open sessions and their operations', async () => {
        await ready;
        const devId = await device(store, 'stale');
        const id = uniqueDevId('sess-stale');
        await store.startSession({ id, devId, initiator: 'client', at: at(0) });
        await store.appendMessage(id, { direction: 'in', encoding: 'xml', at: at(1) });
        const op = await store.createOperation(devId, { commands: [{ verb: 'Get', target: 'a' }] });
        await store.claimPending(devId, id, at(1));
        const fresh = uniqueDevId('sess-fresh');
        await store.startSession({ id: fresh, devId, initiator: 'client', at: at(100) });
        const swept = await store.releaseStaleSessions(at(50), at(60));
        const mine = swept.filter((s) => s.sessionId === id || s.sessionId === fresh);
        assert.deepEqual(mine, [{ sessionId: id, releasedOperations: [op.id] }]);
        const s = await store.getSession(id);
        assert.equal(s?.state, 'aborted');
        assert.match(s?.reason ?? '', /abandoned/);
        assert.equal((await store.getSession(fresh))?.state, 'open');
        assert.equal((await store.getOperation(op.id))?.attempts, 1);
      });
    });

    describe('alerts and settings', () => {
      it('stores Generic Alerts without a correlator and lists them newest first', async () => {
        await ready;
        const devId = await device(store, 'alerts');
        const a1 = await store.recordAlert(devId, { type: 'org.example.event', mark: 'warning', data: 'disk full', sourceUri: './Disk', at: at(1) });
        assert.equal(a1.operation, undefined);
        await store.recordAlert(devId, { type: 'org.example.event', data: 'ok', at: at(2) });
        const list = await store.listAlerts(devId);
        assert.deepEqual(list.map((a) => a.data), ['ok', 'disk full']);
        assert.equal(list[1]?.mark, 'warning');
        assert.equal(list[1]?.sourceUri, './Disk');
        assert.equal(list[1]?.at.getTime(), at(1).getTime());
      });

      it('gets, sets, overwrites and deletes settings', async () => {
        await ready;
        const key = uniqueDevId('api.token');
        assert.equal(await store.getSetting(key), undefined);
        await store.setSetting(key, 'abc');
        assert.equal(await store.getSetting(key), 'abc');
        await store.setSetting(key, 'def');
        assert.equal(await store.getSetting(key), 'def');
        assert.equal(await store.deleteSetting(key), true);
        assert.equal(await store.getSetting(key), undefined);
        assert.equal(await store.deleteSetting(key), false);
      });
    });

    describe('idempotency keys', () => {
      it('creating again with the same key returns the first operation; other keys and devices are separate', async () => {
        await ready;
        const a = await device(store, 'idemA');
        const b = await device(store, 'idemB');
        const cmds = [{ verb: 'Get' as const, target: './DevInfo/Man' }];
        const first = await store.createOperation(a, { commands: cmds, idempotencyKey: 'req-1' });
        assert.equal(first.replayed, undefined);
        const again = await store.createOperation(a, { commands: cmds, idempotencyKey: 'req-1' });
        assert.equal(again.id, first.id);
        assert.equal(again.replayed, true);
        assert.notEqual((await store.createOperation(a, { commands: cmds, idempotencyKey: 'req-2' })).id, first.id);
        assert.notEqual((await store.createOperation(b, { commands: cmds, idempotencyKey: 'req-1' })).id, first.id, 'keys are per device');
        const both = await Promise.all([0, 1, 2].map(() => store.createOperation(a, { commands: cmds, idempotencyKey: 'race' })));
        assert.equal(new Set(both.map((o) => o.id)).size, 1, 'concurrent creates with one key make one operation');
        assert.equal((await store.listOperations(a)).length, 3);
        await rejects(store.createOperation(a, { commands: cmds, idempotencyKey: '' }), StoreInputError);
      });
    });

    describe('bulk registration', () => {
      it('registers many devices in one call, all or none', async () => {
        await ready;
        const tag = uniqueDevId('bulk');
        const list = Array.from({ length: 450 }, (_, i) => ({ devId: `${tag}-${i}`, clientAuth: { type: 'md5' as const, name: `n${i}`, secret: 'pw' } }));
        assert.equal(await store.registerDevices(list), 450);
        assert.equal((await store.getDevice(`${tag}-449`))?.clientAuth.name, 'n449');
        const again = [{ devId: `${tag}-new`, clientAuth: { type: 'md5' as const, name: 'x', secret: 'pw' } }, list[300]!];
        await rejects(store.registerDevices(again), DeviceExistsError);
        assert.equal(await store.getDevice(`${tag}-new`), undefined, 'nothing of a refused batch is kept');
        await rejects(store.registerDevices([list[0]!, list[0]!]), StoreInputError);
        await rejects(store.registerDevices([]), StoreInputError);
      });
    });

    describe('campaigns', () => {
      /** Run a device's session in the store: claim, answer every command with `status`, complete. */
      async function serve(devId: string, status: number): Promise<number> {
        const sid = uniqueDevId('cs');
        await store.startSession({ id: sid, devId, initiator: 'client' });
        const ops = await store.claimPending(devId, sid);
        for (const op of ops) {
          await store.recordCommandResults(op.commands.map((c) => ({ opId: op.id, index: c.index, result: { status } })));
          await store.completeOperation(op.id);
        }
        await store.endSession(sid, { state: 'completed' });
        return ops.length;
      }

      it('targets a filtered group, stores the data once, delivers in batches, finishes', async () => {
        await ready;
        const tag = uniqueDevId('cmpA');
        const vms: string[] = [];
        for (let i = 0; i < 7; i++) {
          const devId = `${tag}-vm${i}`;
          await store.registerDevice({ devId, clientAuth: { type: 'md5', name: devId, secret: 'pw' } });
          await store.recordCheckIn(devId, { devInfo: { Mod: i < 5 ? 'Enterprise VM' : 'Personal VM' }, sessionId: 'x', at: at(1) });
          vms.push(devId);
        }
        await rejects(store.createCampaign({ name: 'none', filter: { search: `${tag}-nobody` }, commands: [{ verb: 'Get', target: './DevInfo/Man' }] }), StoreInputError);
        await rejects(store.createCampaign({ name: 'bad', filter: {}, commands: [{ verb: 'Get', target: './X' }] }), StoreInputError);
        const payload = 'policy=strict\n'.repeat(50);
        const c = await store.createCampaign({
          name: 'enterprise policy', filter: { search: tag, devInfo: { Mod: 'Enterprise VM' } },
          commands: [{ verb: 'Replace', target: './Vendor/Policy', data: payload }], batchSize: 2, maxFailureRate: 0.5,
        });
        assert.equal(c.targets, 5);
        assert.equal(c.state, 'running');
        assert.deepEqual(c.progress, { waiting: 5, pending: 0, sent: 0, accepted: 0, succeeded: 0, failed: 0, cancelled: 0, expired: 0 });
        const first = await store.advanceCampaign(c.id);
        assert.deepEqual(first.map((q) => q.devId), vms.slice(0, 2), 'a batch of 2, in device order');
        assert.deepEqual(await store.advanceCampaign(c.id), [], 'the batch is full');
        const op = await store.getOperation(first[0]!.operationId);
        assert.equal(op?.commands[0]!.data, payload, 'the device operation reads its data from the campaign');
        for (const q of first) assert.equal(await serve(q.devId, 200), 1);
        const second = await store.advanceCampaign(c.id);
        assert.deepEqual(second.map((q) => q.devId), vms.slice(2, 4));
        for (const q of second) await serve(q.devId, 200);
        const third = await store.advanceCampaign(c.id);
        assert.deepEqual(third.map((q) => q.devId), [vms[4]]);
        await serve(vms[4]!, 200);
        assert.deepEqual(await store.advanceCampaign(c.id), []);
        const done = await store.getCampaign(c.id);
        assert.equal(done?.state, 'completed');
        assert.equal(done?.progress.succeeded, 5);
        const page1 = await store.listCampaignTargets(c.id, { limit: 3 });
        assert.equal(page1.targets.length, 3);
        assert.equal(page1.targets[0]!.state, 'succeeded');
        assert.equal(page1.targets[0]!.commands?.[0]?.status, 200);
        const page2 = await store.listCampaignTargets(c.id, { limit: 3, after: page1.next! });
        assert.equal(page2.targets.length, 2);
        assert.equal(page2.next, undefined);
        assert.ok((await store.listCampaigns()).some((x) => x.id === c.id));
      });

      it('queues a large batch in steps of at most CAMPAIGN_STEP_MAX devices (one short transaction each)', async () => {
        await ready;
        const tag = uniqueDevId('cmpStep');
        const n = CAMPAIGN_STEP_MAX * 2 + 7;
        await store.registerDevices(Array.from({ length: n }, (_, i) => ({ devId: `${tag}-${i}`, clientAuth: { type: 'md5' as const, name: 'n', secret: 'pw' } })));
        const c = await store.createCampaign({ name: 'big batch', filter: { search: tag }, commands: [{ verb: 'Get', target: './DevInfo/Mod' }], batchSize: n });
        assert.equal((await store.advanceCampaign(c.id)).length, CAMPAIGN_STEP_MAX);
        assert.equal((await store.advanceCampaign(c.id)).length, CAMPAIGN_STEP_MAX);
        assert.equal((await store.advanceCampaign(c.id)).length, 7);
        assert.deepEqual(await store.advanceCampaign(c.id), [], 'all queued, none finished');
        assert.equal((await store.getCampaign(c.id))?.progress.pending, n);
        await store.setCampaignState(c.id, 'cancel');
      });

      it('pauses when the failure rate passes the limit; resume and cancel', async () => {
        await ready;
        const tag = uniqueDevId('cmpB');
        for (let i = 0; i < 6; i++) await store.registerDevice({ devId: `${tag}-${i}`, clientAuth: { type: 'md5', name: 'n', secret: 'pw' } });
        const c = await store.createCampaign({ name: 'risky', filter: { search: tag }, commands: [{ verb: 'Exec', target: './Vendor/Reboot' }], batchSize: 2, maxFailureRate: 0.25 });
        const first = await store.advanceCampaign(c.id);
        await serve(first[0]!.devId, 200);
        await serve(first[1]!.devId, 500);
        assert.deepEqual(await store.advanceCampaign(c.id), [], 'one failure in two is over 25%');
        const paused = await store.getCampaign(c.id);
        assert.equal(paused?.state, 'paused');
        assert.match(paused?.reason ?? '', /1 of 2 finished devices failed \(50\.0% > 25\.0%\)/);
        await rejects(store.setCampaignState(c.id, 'pause'), InvalidTransitionError);
        assert.equal((await store.setCampaignState(c.id, 'resume')).state, 'running');
        const cancelled = await store.setCampaignState(c.id, 'cancel', 'operator changed their mind');
        assert.equal(cancelled.state, 'cancelled');
        assert.equal(cancelled.progress.cancelled, 4, 'devices never served are cancelled');
        assert.deepEqual(await store.advanceCampaign(c.id), []);
        assert.equal((await store.listCampaignTargets(c.id)).targets.filter((t) => t.state === 'cancelled').length, 4);
        assert.equal(await store.getCampaign('cmp_nope'), undefined);
      });
    });

    describe('lifecycle', () => {
      it('fails with StoreClosedError after close', async () => {
        await ready;
        const s2 = await fixture!.open();
        await s2.close();
        await s2.close();
        await rejects(s2.getDevice('x'), StoreClosedError, 'DMV_ERR_STORE_CLOSED');
      });
    });
  });
}
