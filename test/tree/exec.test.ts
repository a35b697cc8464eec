// Live code behind nodes: value providers, Exec handlers, and the Generic
// Alerts (1226) an asynchronous Exec reports with (facts §2.6; facts-2 §G.1).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { DmTree, TreeUsageError, type ExecContext, type GenericAlert } from '../../src/tree/index.js';
import { ok, rejects, sampleTree } from './helpers.js';

describe('value providers', () => {
  it('serve Get, Size and listings from a function', () => {
    const { tree } = sampleTree();
    let fw = '1.0.0';
    tree.setValueProvider('./Vendor/App/Name', () => fw);
    assert.equal(tree.get('./Vendor/App/Name', 'srv1').items![0].data, '1.0.0');
    fw = '1.0.10';
    assert.equal(tree.get('./Vendor/App/Name?prop=Size', 'srv1').items![0].data, '6');
    assert.equal(tree.get('./Vendor/App?list=StructData', 'srv1').items![1].data, '1.0.10');
    assert.equal(tree.readValue('./Vendor/App/Name'), '1.0.10');
  });

  it('are read-only without write (405), and take writes with write', () => {
    const { tree } = sampleTree();
    tree.setValueProvider('./Vendor/App/Name', () => 'fixed');
    rejects(tree, 405, () => tree.replace('./Vendor/App/Name', { data: 'x' }, 'srv1'));
    const writes: unknown[] = [];
    tree.setValueProvider('./Vendor/App/Count', { read: () => '3', write: (v, ctx) => { writes.push([v, ctx.serverId, ctx.uri, ctx.format]); } });
    ok(() => tree.replace('./Vendor/App/Count', { data: '8' }, 'srv1'));
    assert.deepEqual(writes, [['8', 'srv1', './Vendor/App/Count', 'int']]);
  });

  it('can refuse a write with a status, and failures of read answer 500', () => {
    const { tree } = sampleTree();
    tree.setValueProvider('./Vendor/App/Count', { read: () => '3', write: () => 403 });
    rejects(tree, 403, () => tree.replace('./Vendor/App/Count', { data: '8' }, 'srv1'));
    tree.setValueProvider('./Vendor/App/Name', () => { throw new Error('sensor offline'); });
    const out = tree.get('./Vendor/App/Name', 'srv1');
    assert.equal(out.status, 500);
    assert.match(out.reason!, /sensor offline/);
  });

  it('can be detached, and only attach to leaves', () => {
    const { tree } = sampleTree();
    tree.setValueProvider('./Vendor/App/Name', () => 'live');
    tree.setValueProvider('./Vendor/App/Name', undefined);
    assert.equal(tree.readValue('./Vendor/App/Name'), 'demo');
    assert.throws(() => tree.setValueProvider('./Vendor/App', () => 'x'), TreeUsageError);
  });
});

describe('Exec handlers', () => {
  const execTree = (): { tree: DmTree; calls: ExecContext[]; alerts: GenericAlert[] } => {
    const alerts: GenericAlert[] = [];
    const tree = new DmTree({ onGenericAlert: (a) => alerts.push(a) });
    tree.createNode('./Ops', { format: 'node', acl: 'Get=*&Exec=srv1' });
    tree.createNode('./Ops/Reboot', { format: 'node' });
    tree.createNode('./Ops/Update', { format: 'node' });
    tree.createNode('./Ops/Plain', { value: 'not executable' });
    const calls: ExecContext[] = [];
    tree.setExecHandler('./Ops/Reboot', (ctx) => { calls.push(ctx); return 200; });
    tree.setExecHandler('./Ops/Update', (ctx) => {
      calls.push(ctx);
      void delay(5).then(() => ctx.report({ type: 'org.openmobilealliance.dm.firmwareupdate.update', format: 'int', data: '200' }));
      return { status: 202 };
    });
    return { tree, calls, alerts };
  };

  it('runs synchronously with 200, given data, server and correlator', () => {
    const { tree, calls } = execTree();
    ok(() => tree.exec('./Ops/Reboot', 'now', 'srv1', 'c-1'));
    assert.equal(calls.length, 1);
    assert.equal(calls[0].uri, './Ops/Reboot');
    assert.equal(calls[0].data, 'now');
    assert.equal(calls[0].serverId, 'srv1');
    assert.equal(calls[0].correlator, 'c-1');
    assert.equal(calls[0].inAtomic, false);
  });

  it('answers 202 and later queues a Generic Alert with the correlator', async () => {
    const { tree, alerts } = execTree();
    assert.deepEqual(tree.exec('Ops/Update', undefined, 'srv1', 'corr-42'), { status: 202 });
    assert.equal(tree.pendingGenericAlerts.length, 0);
    await delay(20);
    const expected: GenericAlert = {
      sourceUri: './Ops/Update', type: 'org.openmobilealliance.dm.firmwareupdate.update', format: 'int', data: '200', serverId: 'srv1', correlator: 'corr-42',
    };
    assert.deepEqual(alerts, [expected]);
    assert.deepEqual(tree.takeGenericAlerts(), [expected]);
    assert.deepEqual(tree.takeGenericAlerts(), []);
  });

  it('omits the correlator when the Exec had none, and lets the handler set Mark, Format and Source', async () => {
    const tree = new DmTree();
    tree.createNode('./Job', { format: 'node', acl: 'Exec=*&Get=*' });
    tree.setExecHandler('./Job', (ctx) => {
      ctx.report({ type: 'urn:example:at:job:1.0', mark: 'critical', data: 'failed', sourceUri: './Job/Result' });
      return 202;
    });
    assert.equal(tree.exec('./Job', undefined, 'any').status, 202);
    assert.deepEqual(tree.takeGenericAlerts(), [{ sourceUri: './Job/Result', type: 'urn:example:at:job:1.0', format: 'chr', mark: 'critical', data: 'failed', serverId: 'any' }]);
  });

  it('answers 404, 405 (not executable), 425 and 415', () => {
    const { tree } = execTree();
    rejects(tree, 404, () => tree.exec('./Ops/Nope', undefined, 'srv1'));
    rejects(tree, 405, () => tree.exec('./Ops/Plain', undefined, 'srv1'));
    rejects(tree, 405, () => tree.exec('./Ops', undefined, 'srv1'));
    rejects(tree, 425, () => tree.exec('./Ops/Reboot', undefined, 'srv2'));
    rejects(tree, 415, () => tree.exec('./Ops/Reboot', { kind: 'tnds', root: { name: 'MgmtTree', children: [] } }, 'srv1'));
  });

  it('passes on a handler’s error status, maps a throw to 500 and undoes the handler’s tree changes', () => {
    const { tree } = execTree();
    tree.setExecHandler('./Ops/Reboot', () => ({ status: 403, reason: 'busy' }));
    assert.deepEqual(tree.exec('./Ops/Reboot', undefined, 'srv1'), { status: 403, reason: 'busy' });
    tree.setExecHandler('./Ops/Reboot', () => {
      tree.createNode('./Ops/Reboot/Started', { value: 'yes' });
      throw new Error('boom');
    });
    const out = rejects(tree, 500, () => tree.exec('./Ops/Reboot', undefined, 'srv1'));
    assert.match(out.reason!, /boom/);
  });

  it('lets the owner queue alerts of its own', () => {
    const tree = new DmTree();
    tree.queueGenericAlert({ sourceUri: './GwMO', type: 'urn:oma:at:oma-gwmo:deviceattached:1.0', format: 'chr', data: 'vm-7' });
    assert.equal(tree.pendingGenericAlerts.length, 1);
    assert.equal(tree.takeGenericAlerts()[0].data, 'vm-7');
  });
});
