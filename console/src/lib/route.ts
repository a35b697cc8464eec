/** The console's pages, addressed by the URL hash so `/` is the only path the server must serve. */
export type Route =
  | { page: 'fleet' }
  | { page: 'device'; devId: string }
  | { page: 'host'; devId: string }
  | { page: 'session'; id: string }
  | { page: 'metrics' }
  | { page: 'campaigns' }
  | { page: 'campaign'; id: string }
  | { page: 'bootstrap' };

/** Parse `#/devices/<id>`, `#/hosts/<id>`, `#/sessions/<id>`, `#/campaigns[/<id>]`, `#/bootstrap`, `#/metrics`; anything else is the fleet. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const arg = parts.length === 2 && parts[1] !== '' ? safeDecode(parts[1]) : undefined;
  if (parts[0] === 'devices' && arg !== undefined) return { page: 'device', devId: arg };
  if (parts[0] === 'hosts' && arg !== undefined) return { page: 'host', devId: arg };
  if (parts[0] === 'sessions' && arg !== undefined) return { page: 'session', id: arg };
  if (parts[0] === 'campaigns' && arg !== undefined) return { page: 'campaign', id: arg };
  if (parts[0] === 'metrics' && parts.length === 1) return { page: 'metrics' };
  if (parts[0] === 'campaigns' && parts.length === 1) return { page: 'campaigns' };
  if (parts[0] === 'bootstrap' && parts.length === 1) return { page: 'bootstrap' };
  return { page: 'fleet' };
}

/** The hash of a route (DevIds are encoded: they hold `:` and may hold `/`). */
export function routeHash(r: Route): string {
  switch (r.page) {
    case 'fleet': return '#/';
    case 'device': return `#/devices/${encodeURIComponent(r.devId)}`;
    case 'host': return `#/hosts/${encodeURIComponent(r.devId)}`;
    case 'session': return `#/sessions/${encodeURIComponent(r.id)}`;
    case 'metrics': return '#/metrics';
    case 'campaigns': return '#/campaigns';
    case 'campaign': return `#/campaigns/${encodeURIComponent(r.id)}`;
    case 'bootstrap': return '#/bootstrap';
  }
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
