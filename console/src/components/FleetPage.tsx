/** The fleet: hosts with their VMs and devices nested, plain devices, search and filters, live refresh. */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { AdminApi } from '../api.ts';
import type { DeviceSummary, VmInfo } from '../types.ts';
import { buildFleet, filterFleet, isHost, describeMode, reloadDelay, type FleetEntry, type FleetFilter } from '../lib/fleet.ts';
import { routeHash } from '../lib/route.ts';
import { ErrorBox, Loading, When, Badge } from './common.tsx';
import { Charts } from './Charts.tsx';

export function FleetPage({ api, tick, onAuthError }: { api: AdminApi; tick: number; onAuthError: (e: unknown) => void }) {
  const [devices, setDevices] = useState<DeviceSummary[] | undefined>();
  const [vms, setVms] = useState<Map<string, VmInfo[]>>(new Map());
  const [error, setError] = useState<unknown>();
  const [filter, setFilter] = useState<FleetFilter>({ text: '', kind: 'all', presence: 'all' });

  // Reload on live events at most every RELOAD_GAP_MS: a busy fleet sends events faster than a reload takes.
  const mounted = useRef(true);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const lastLoad = useRef(0);
  useEffect(() => () => { mounted.current = false; clearTimeout(timer.current); }, []);
  useEffect(() => {
    if (timer.current !== undefined) return; // the reload already scheduled will see this change too
    const load = async () => {
      timer.current = undefined;
      lastLoad.current = Date.now();
      try {
        const all = await api.allDevices();
        if (!mounted.current) return;
        setDevices(all);
        setError(undefined);
        // VMs of top-level devices, when the server has the VM API; a few at a time.
        const tops = all.filter((d) => !d.parentDevId);
        const found = new Map<string, VmInfo[]>();
        for (let i = 0; i < tops.length; i += 4) {
          const batch = await Promise.all(tops.slice(i, i + 4).map(async (d) => [d.devId, await api.vms(d.devId).catch(() => undefined)] as const));
          for (const [id, list] of batch) if (list && list.length > 0) found.set(id, list);
          if (!mounted.current) return;
        }
        setVms(found);
      } catch (e) {
        if (!mounted.current) return;
        onAuthError(e);
        setError(e);
      }
    };
    timer.current = setTimeout(() => void load(), reloadDelay(tick === 0, lastLoad.current, Date.now()));
  }, [api, tick]);

  const entries = useMemo(() => (devices ? filterFleet(buildFleet(devices, vms), filter) : []), [devices, vms, filter]);
  const hosts = entries.filter(isHost);
  const plain = entries.filter((e) => !isHost(e));

  return (
    <>
      <h1>Fleet</h1>
      <Charts api={api} />
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>Search <input type="search" value={filter.text} placeholder="DevId, manufacturer, model, VM name" onInput={(e) => setFilter({ ...filter, text: (e.target as HTMLInputElement).value })} /></label>
        <label>Show <select value={filter.kind} onChange={(e) => setFilter({ ...filter, kind: (e.target as HTMLSelectElement).value as FleetFilter['kind'] })}>
          <option value="all">hosts and devices</option><option value="hosts">hosts only</option><option value="devices">plain devices only</option>
        </select></label>
        <label>Checked in <select value={filter.presence} onChange={(e) => setFilter({ ...filter, presence: (e.target as HTMLSelectElement).value as FleetFilter['presence'] })}>
          <option value="all">any</option><option value="seen">has checked in</option><option value="never-seen">never</option>
        </select></label>
      </form>
      {error !== undefined && <ErrorBox error={error} what="Loading the fleet" />}
      {devices === undefined && error === undefined && <Loading what="devices" />}
      {devices !== undefined && devices.length === 0 && <p>No devices registered yet. Register one with <code>dmvisor device add</code> or <code>POST /api/devices</code>.</p>}
      {hosts.length > 0 && <h2>Hosts</h2>}
      {hosts.map((h) => <HostCard key={h.device.devId} entry={h} />)}
      {plain.length > 0 && (
        <section aria-labelledby="plain-h">
          <h2 id="plain-h">Devices</h2>
          <div class="table-wrap">
            <table class="devices">
              <caption class="sr-only">Devices not running on a registered host</caption>
              <thead><tr><th scope="col">DevId</th><th scope="col">Manufacturer / model</th><th scope="col">Last check-in</th><th scope="col">Notification</th></tr></thead>
              <tbody>{plain.map((e) => <DeviceRow key={e.device.devId} d={e.device} />)}</tbody>
            </table>
          </div>
        </section>
      )}
      {devices !== undefined && devices.length > 0 && entries.length === 0 && <p>Nothing matches the filter.</p>}
    </>
  );
}

function DeviceRow({ d }: { d: DeviceSummary }) {
  return (
    <tr>
      <th scope="row"><a href={routeHash({ page: 'device', devId: d.devId })}>{d.devId}</a></th>
      <td>{[d.devInfo?.Man, d.devInfo?.Mod].filter(Boolean).join(' ') || <span class="muted">unknown</span>}</td>
      <td><When at={d.lastSeenAt} /></td>
      <td>{d.notifyAddress ?? <span class="muted">none</span>}</td>
    </tr>
  );
}

/** A host with what runs on it: the VMs the server reports, and registered devices whose parent it is. */
function HostCard({ entry }: { entry: FleetEntry }) {
  const d = entry.device;
  const vmList = entry.vms ?? [];
  const listed = new Set(vmList.map((v) => v.devId).filter((x): x is string => !!x));
  const others = entry.children.filter((c) => !listed.has(c.devId));
  const byId = new Map(entry.children.map((c) => [c.devId, c]));
  return (
    <section class="card host" aria-label={`Host ${d.devId}`}>
      <header class="host-head">
        <h3><a href={routeHash({ page: 'device', devId: d.devId })}>{d.devId}</a> <Badge kind="host">host</Badge></h3>
        <span class="muted">{[d.devInfo?.Man, d.devInfo?.Mod].filter(Boolean).join(' ')} · last check-in <When at={d.lastSeenAt} /></span>
        <a class="button" href={routeHash({ page: 'host', devId: d.devId })}>Topology and VMs</a>
      </header>
      <div class="table-wrap">
        <table class="vms">
          <caption class="sr-only">What runs on host {d.devId}</caption>
          <thead><tr><th scope="col">VM / device</th><th scope="col">Kind</th><th scope="col">State</th><th scope="col">DM client</th><th scope="col">Management</th><th scope="col">Gateway</th><th scope="col">Last check-in</th></tr></thead>
          <tbody>
            {vmList.map((v) => {
              const dev = v.devId ? byId.get(v.devId) : undefined;
              return (
                <tr key={`vm-${v.name}`}>
                  <th scope="row">{v.devId ? <a href={routeHash({ page: 'device', devId: v.devId })}>{v.name}</a> : v.name}{v.devId && v.devId !== v.name && <div class="muted small">{v.devId}</div>}</th>
                  <td>{v.kind ?? '—'}</td>
                  <td>{v.state ? <Badge kind={v.state === 'running' ? 'ok' : 'muted'}>{v.state}</Badge> : '—'}</td>
                  <td>{v.clientInstalled === undefined ? '—' : v.clientInstalled ? 'installed' : 'not installed'}</td>
                  <td>{describeMode(v.managementMode) ?? '—'}</td>
                  <td>{v.gateway ?? (v.managementMode === 'transparent' || v.managementMode === 'proxy' ? d.devId : '—')}</td>
                  <td>{dev ? <When at={dev.lastSeenAt} /> : '—'}</td>
                </tr>
              );
            })}
            {others.map((c) => (
              <tr key={`dev-${c.devId}`}>
                <th scope="row"><a href={routeHash({ page: 'device', devId: c.devId })}>{c.devId}</a>{c.devInfo?.Mod && <div class="muted small">{[c.devInfo.Man, c.devInfo.Mod].filter(Boolean).join(' ')}</div>}</th>
                <td>—</td><td>—</td><td>{c.lastSeenAt ? 'checked in' : 'registered'}</td><td>—</td><td>—</td>
                <td><When at={c.lastSeenAt} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
