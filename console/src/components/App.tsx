/** The console shell: sign-in, header with navigation and live status, the routed page, live events. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { AdminApi, ApiError } from '../api.ts';
import { connectEvents, type LiveState } from '../events.ts';
import { parseRoute, routeHash, type Route } from '../lib/route.ts';
import type { ServerEvent } from '../types.ts';
import { SignIn } from './SignIn.tsx';
import { FleetPage } from './FleetPage.tsx';
import { DevicePage } from './DevicePage.tsx';
import { HostPage } from './HostPage.tsx';
import { SessionPage } from './SessionPage.tsx';
import { Charts } from './Charts.tsx';
import { CampaignPage, CampaignsPage } from './Campaigns.tsx';
import { BootstrapPage } from './BootstrapPage.tsx';

const TOKEN_KEY = 'dmvisor.apiToken';

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function App() {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(TOKEN_KEY));
  const api = useMemo(() => (token ? new AdminApi(token) : undefined), [token]);
  const route = useRoute();
  const signOut = () => { sessionStorage.removeItem(TOKEN_KEY); setToken(null); };
  const [live, setLive] = useState<LiveState>('connecting');
  const [events, setEvents] = useState<ServerEvent[]>([]);
  /** Bumped on each event so pages refetch what they show; per device for the device pages. */
  const [tick, setTick] = useState(0);
  const [deviceTicks, setDeviceTicks] = useState<ReadonlyMap<string, number>>(new Map());

  useEffect(() => {
    if (!api) return;
    return connectEvents(api, (e) => {
      setEvents((list) => [e, ...list].slice(0, 30));
      setTick((t) => t + 1);
      setDeviceTicks((m) => new Map(m).set(e.devId, (m.get(e.devId) ?? 0) + 1));
    }, setLive, signOut);
  }, [api]);
  const onAuthError = (e: unknown) => { if (e instanceof ApiError && e.status === 401) signOut(); };

  if (!api) {
    return <SignIn onSignedIn={(t) => { sessionStorage.setItem(TOKEN_KEY, t); setToken(t); }} />;
  }
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="brand" href="#/">dmvisor</a>
        <nav aria-label="Main">
          <a href={routeHash({ page: 'fleet' })} aria-current={route.page === 'fleet' ? 'page' : undefined}>Fleet</a>
          <a href={routeHash({ page: 'campaigns' })} aria-current={route.page === 'campaigns' || route.page === 'campaign' ? 'page' : undefined}>Campaigns</a>
          <a href={routeHash({ page: 'bootstrap' })} aria-current={route.page === 'bootstrap' ? 'page' : undefined}>Bootstrap</a>
          <a href={routeHash({ page: 'metrics' })} aria-current={route.page === 'metrics' ? 'page' : undefined}>Metrics</a>
        </nav>
        <span class={`live live-${live}`} role="status" aria-live="polite">{live === 'live' ? '● live' : live === 'connecting' ? '○ connecting' : '○ offline, retrying'}</span>
        <button type="button" onClick={signOut}>Sign out</button>
      </header>
      <div class="layout">
        <main id="main" tabIndex={-1}>
          {route.page === 'fleet' && <FleetPage api={api} tick={tick} onAuthError={onAuthError} />}
          {route.page === 'device' && <DevicePage key={route.devId} api={api} devId={route.devId} tick={deviceTicks.get(route.devId) ?? 0} />}
          {route.page === 'host' && <HostPage key={route.devId} api={api} devId={route.devId} tick={tick} />}
          {route.page === 'session' && <SessionPage key={route.id} api={api} id={route.id} />}
          {route.page === 'metrics' && <Charts api={api} large />}
          {route.page === 'campaigns' && <CampaignsPage api={api} tick={tick} />}
          {route.page === 'campaign' && <CampaignPage key={route.id} api={api} id={route.id} tick={tick} />}
          {route.page === 'bootstrap' && <BootstrapPage api={api} />}
        </main>
        <aside class="events" aria-label="Live events">
          <h2>Live events</h2>
          {events.length === 0 ? <p class="muted">Nothing yet. Check-ins, operation changes and authentication failures appear here.</p> : (
            <ol aria-live="polite">
              {events.map((e, i) => <li key={`${e.at}-${i}`} class={`ev ev-${e.type}`}>{describeEvent(e)}</li>)}
            </ol>
          )}
        </aside>
      </div>
    </>
  );
}

function describeEvent(e: ServerEvent) {
  const time = new Date(e.at).toLocaleTimeString();
  const dev = <a href={routeHash({ page: 'device', devId: e.devId })}>{e.devId}</a>;
  switch (e.type) {
    case 'session-end': return <>{time} {dev} checked in: session {e.state}{e.reason ? ` (${e.reason})` : ''}, {e.messages} messages</>;
    case 'operation': return <>{time} {dev} operation {e.operationId.slice(0, 10)}… {e.state}</>;
    case 'auth-failure': return <>{time} {dev} failed authentication</>;
  }
}
