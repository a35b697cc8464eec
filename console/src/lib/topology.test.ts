import { describe, it, expect } from 'vitest';
import { layoutTopology, pathOf } from './topology.ts';

describe('topology', () => {
  it('tells each VM path from its management mode and client', () => {
    expect(pathOf({ name: 'a', managementMode: 'direct' })).toBe('direct');
    expect(pathOf({ name: 'b', managementMode: 'proxy' })).toBe('proxy');
    expect(pathOf({ name: 'c', managementMode: 'transparent', clientInstalled: true })).toBe('transparent');
    expect(pathOf({ name: 'd', clientInstalled: false, managementMode: 'direct' })).toBe('none');
    expect(pathOf({ name: 'e' })).toBe('unknown');
  });

  it('places VMs side by side inside the host, which fits inside the picture', () => {
    const L = layoutTopology(Array.from({ length: 5 }, (_, i) => ({ name: `vm${i}` })));
    for (const v of L.vms) {
      expect(v.box.x).toBeGreaterThan(L.host.x);
      expect(v.box.x + v.box.w).toBeLessThan(L.host.x + L.host.w);
      expect(v.box.y + v.box.h).toBeLessThanOrEqual(L.host.y + L.host.h);
    }
    for (let i = 1; i < L.vms.length; i++) expect(L.vms[i].box.x).toBeGreaterThanOrEqual(L.vms[i - 1].box.x + L.vms[i - 1].box.w);
    expect(layoutTopology([]).vms).toEqual([]);
  });
});
