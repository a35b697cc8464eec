import { describe, it, expect } from 'vitest';
import { buildFleet, filterFleet, isHost, describeMode, reloadDelay, RELOAD_GAP_MS } from './fleet.ts';
import type { DeviceSummary } from '../types.ts';

const dev = (devId: string, extra: Partial<DeviceSummary> = {}): DeviceSummary => ({ devId, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', ...extra });

describe('fleet', () => {
  const devices = [
    dev('vm-b', { parentDevId: 'host-1', lastSeenAt: '2026-01-02T00:00:00Z' }),
    dev('host-1', { devInfo: { Man: 'Acme', Mod: 'Hypervisor box' } }),
    dev('phone', { devInfo: { Man: 'Other' }, lastSeenAt: '2026-01-02T00:00:00Z' }),
    dev('vm-a', { parentDevId: 'host-1' }),
    dev('orphan', { parentDevId: 'gone-host' }),
  ];

  it('nests devices under their registered parent, sorted; an unknown parent leaves the device top-level', () => {
    const f = buildFleet(devices);
    expect(f.map((e) => e.device.devId)).toEqual(['host-1', 'orphan', 'phone']);
    expect(f[0].children.map((c) => c.devId)).toEqual(['vm-a', 'vm-b']);
    expect(f.map(isHost)).toEqual([true, false, false]);
  });

  it('a device with reported VMs is a host even without registered children', () => {
    const f = buildFleet([dev('h2')], new Map([['h2', [{ name: 'personal', kind: 'personal' }]]]));
    expect(isHost(f[0])).toBe(true);
    expect(f[0].vms?.[0].name).toBe('personal');
  });

  it('search keeps a host for a matching child and narrows its children', () => {
    const f = filterFleet(buildFleet(devices), { text: 'VM-B', kind: 'all', presence: 'all' });
    expect(f.map((e) => e.device.devId)).toEqual(['host-1']);
    expect(f[0].children.map((c) => c.devId)).toEqual(['vm-b']);
  });

  it('search matches DevInfo values; a matching host keeps all its children', () => {
    const f = filterFleet(buildFleet(devices), { text: 'acme', kind: 'all', presence: 'all' });
    expect(f.map((e) => e.device.devId)).toEqual(['host-1']);
    expect(f[0].children).toHaveLength(2);
  });

  it('filters by kind and by check-in', () => {
    expect(filterFleet(buildFleet(devices), { text: '', kind: 'devices', presence: 'all' }).map((e) => e.device.devId)).toEqual(['orphan', 'phone']);
    expect(filterFleet(buildFleet(devices), { text: '', kind: 'hosts', presence: 'all' }).map((e) => e.device.devId)).toEqual(['host-1']);
    const never = filterFleet(buildFleet(devices), { text: '', kind: 'all', presence: 'never-seen' });
    expect(never.map((e) => e.device.devId)).toEqual(['host-1', 'orphan']);
    expect(never[0].children.map((c) => c.devId)).toEqual(['vm-a']);
  });

  it('describes management modes, and says nothing for an unknown one', () => {
    expect(describeMode('proxy')).toMatch(/gateway/);
    expect(describeMode(undefined)).toBeUndefined();
    expect(describeMode('future-mode')).toBe('future-mode');
  });
});

describe('live reloads', () => {
  it('loads at once the first time, then waits for bursts and keeps the gap between reloads', () => {
    expect(reloadDelay(true, 0, 10_000)).toBe(0);
    expect(reloadDelay(false, 10_000, 10_100)).toBe(RELOAD_GAP_MS - 100);
    expect(reloadDelay(false, 0, 60_000)).toBe(300);
  });
});
