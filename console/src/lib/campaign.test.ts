import { describe, it, expect } from 'vitest';
import { campaignActions, campaignSettings, describeFilter, emptyCampaignForm, isProblem, parseDevInfo, progressSegments, progressSummary } from './campaign.ts';

const progress = { waiting: 0, pending: 0, sent: 0, accepted: 0, succeeded: 0, failed: 0, cancelled: 0, expired: 0 };

describe('campaign form', () => {
  it('builds the filter from every field, trimmed, DevIds split and deduplicated', () => {
    const s = campaignSettings({ ...emptyCampaignForm(), name: ' strict policy ', search: ' VM ', parentDevId: ' HOST:1 ', devInfo: 'Mod = Enterprise VM\n\n Man=Acme ', devIds: 'a, b\nb\n', batchSize: '20', maxFailurePercent: '5' });
    expect(s).toEqual({ name: 'strict policy', filter: { devIds: ['a', 'b'], search: 'VM', parentDevId: 'HOST:1', devInfo: { Mod: 'Enterprise VM', Man: 'Acme' } }, batchSize: 20, maxFailureRate: 0.05 });
  });
  it('keeps = inside a DevInfo value', () => {
    expect(parseDevInfo('Ext/X=a=b')).toEqual({ values: { 'Ext/X': 'a=b' } });
  });
  it('names the field to fix', () => {
    const f = { ...emptyCampaignForm(), name: 'x', search: 'a' };
    const field = (over: Partial<typeof f>) => { const r = campaignSettings({ ...f, ...over }); return isProblem(r) ? r.field : undefined; };
    expect(field({ name: '  ' })).toBe('name');
    expect(field({ search: '' })).toBe('filter');
    expect(field({ devInfo: 'no equals sign' })).toBe('devInfo');
    expect(field({ devInfo: '=value' })).toBe('devInfo');
    expect(field({ batchSize: '0' })).toBe('batchSize');
    expect(field({ batchSize: '1.5' })).toBe('batchSize');
    expect(field({ maxFailurePercent: '101' })).toBe('maxFailurePercent');
    expect(field({ maxFailurePercent: 'x' })).toBe('maxFailurePercent');
    expect(field({})).toBeUndefined();
  });
  it('defaults batch size and failure rate when left empty', () => {
    expect(campaignSettings({ ...emptyCampaignForm(), name: 'n', search: 's', batchSize: '', maxFailurePercent: '' })).toMatchObject({ batchSize: 100, maxFailureRate: 0.1 });
  });
});

describe('campaign progress', () => {
  it('splits targets into segments that add up to 100 %', () => {
    const c = { targets: 10, progress: { ...progress, succeeded: 4, failed: 1, expired: 1, pending: 1, sent: 1, waiting: 2 } };
    const segs = progressSegments(c);
    expect(segs.map((s) => [s.key, s.count])).toEqual([['succeeded', 4], ['failed', 2], ['cancelled', 0], ['in-flight', 2], ['waiting', 2]]);
    expect(segs.reduce((a, s) => a + s.percent, 0)).toBeCloseTo(100);
    expect(progressSummary(c)).toBe('6 of 10 done: 4 succeeded, 2 failed, 2 in flight, 2 waiting');
  });
  it('copes with a campaign that matched no device', () => {
    expect(progressSegments({ targets: 0, progress }).every((s) => s.percent === 0)).toBe(true);
    expect(progressSummary({ targets: 0, progress })).toBe('0 of 0 done');
  });
  it('offers the actions the state allows', () => {
    expect(campaignActions('running')).toEqual(['pause', 'cancel']);
    expect(campaignActions('paused')).toEqual(['resume', 'cancel']);
    expect(campaignActions('completed')).toEqual([]);
    expect(campaignActions('cancelled')).toEqual([]);
  });
  it('says the filter in words', () => {
    expect(describeFilter({ parentDevId: 'H', devInfo: { Mod: 'E' } })).toBe('running on host H and Mod = "E"');
    expect(describeFilter({ devIds: ['a', 'b', 'c', 'd'] })).toBe('4 listed DevIds');
  });
});
