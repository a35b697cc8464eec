import { describe, expect, it } from 'vitest';
import { describeReachable, fanoutProgress, fanoutTargets, isFanoutProblem, parseCommandLines, sortInventory } from './gateway.ts';
import { progressSummary } from './campaign.ts';

describe('parseCommandLines', () => {
  it('reads VERB target [data] lines, data keeping its spaces, verbs in any case', () => {
    expect(parseCommandLines('Get ./DevInfo/Mod\n\n  replace ./Vendor/Msg hello  world\nEXEC ./Vendor/Run')).toEqual([
      { verb: 'Get', target: './DevInfo/Mod' },
      { verb: 'Replace', target: './Vendor/Msg', data: 'hello  world' },
      { verb: 'Exec', target: './Vendor/Run' },
    ]);
  });
  it('names the line that is wrong', () => {
    expect(parseCommandLines('Get ./A\nCopy ./B ./C')).toEqual({ field: 'commands', message: 'line 2: write VERB target [data], VERB one of Get, Replace, Add, Delete, Exec' });
    expect(parseCommandLines('Get')).toMatchObject({ field: 'commands', message: /^line 1:/ });
    expect(parseCommandLines('Get ./A data')).toEqual({ field: 'commands', message: 'line 1: Get takes no data' });
    expect(parseCommandLines(`Get ./${'x'.repeat(1100)}`)).toMatchObject({ message: /longer than 1024/ });
  });
  it('refuses an empty set and more than 100 commands', () => {
    expect(parseCommandLines(' \n ')).toEqual({ field: 'commands', message: 'give at least one command' });
    expect(parseCommandLines(Array.from({ length: 101 }, (_, i) => `Get ./N${i}`).join('\n'))).toEqual({ field: 'commands', message: 'at most 100 commands' });
    expect(isFanoutProblem(parseCommandLines(Array.from({ length: 100 }, (_, i) => `Get ./N${i}`).join('\n')))).toBe(false);
  });
});

describe('fanoutTargets', () => {
  it('is the host for all its VMs, the chosen DevIds otherwise', () => {
    expect(fanoutTargets('H', true, ['a'])).toEqual({ host: 'H' });
    expect(fanoutTargets('H', false, ['a', 'b'])).toEqual({ devices: ['a', 'b'] });
    expect(fanoutTargets('H', false, [])).toMatchObject({ field: 'devices' });
  });
});

describe('fanoutProgress', () => {
  it('maps device states onto the progress bar, a missing operation counted failed', () => {
    const p = fanoutProgress({ total: 5, counts: { succeeded: 2, sent: 1, pending: 1, missing: 1 } });
    expect(p.targets).toBe(5);
    expect(p.progress).toEqual({ waiting: 0, pending: 1, sent: 1, accepted: 0, succeeded: 2, failed: 1, expired: 0, cancelled: 0 });
    expect(progressSummary(p)).toBe('3 of 5 done: 2 succeeded, 1 failed, 2 in flight');
  });
});

describe('inventory', () => {
  it('says reachability in words and orders by DeviceID', () => {
    expect([true, false, undefined].map((reachable) => describeReachable({ reachable }))).toEqual(['reachable', 'unreachable', 'not reported']);
    expect(sortInventory([{ node: 'n2', deviceId: 'b' }, { node: 'n1' }, { node: 'n3', deviceId: 'a' }]).map((d) => d.node)).toEqual(['n3', 'n2', 'n1']);
  });
});
