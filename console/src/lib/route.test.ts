import { describe, it, expect } from 'vitest';
import { parseRoute, routeHash, type Route } from './route.ts';

describe('routes', () => {
  it('round-trips every page, with DevIds holding : and /', () => {
    const routes: Route[] = [
      { page: 'fleet' }, { page: 'metrics' }, { page: 'device', devId: 'IMEI:35/0' },
      { page: 'host', devId: 'host 1' }, { page: 'session', id: 'abc' },
      { page: 'campaigns' }, { page: 'campaign', id: 'cmp_01' }, { page: 'bootstrap' },
    ];
    for (const r of routes) expect(parseRoute(routeHash(r))).toEqual(r);
  });
  it('sends anything unknown or malformed to the fleet', () => {
    expect(parseRoute('')).toEqual({ page: 'fleet' });
    expect(parseRoute('#/devices/')).toEqual({ page: 'fleet' });
    expect(parseRoute('#/devices/%E0%A4%A')).toEqual({ page: 'fleet' });
    expect(parseRoute('#/nope/x')).toEqual({ page: 'fleet' });
    expect(parseRoute('#/devices/a/b')).toEqual({ page: 'fleet' });
    expect(parseRoute('#/bootstrap/x')).toEqual({ page: 'fleet' });
  });
});
