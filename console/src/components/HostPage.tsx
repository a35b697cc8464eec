/**
 * The topology of one host, drawn: the server, the host with its
 * hypervisor, its VMs, and each VM's path to the server — straight when it
 * is managed directly, through the host's gateway in transparent or proxy mode.
 */
import { useEffect, useState } from 'preact/hooks';
import type { AdminApi } from '../api.ts';
import type { DeviceDetail, DeviceSummary, VmInfo } from '../types.ts';
import { layoutTopology, type Box } from '../lib/topology.ts';
import { describeMode } from '../lib/fleet.ts';
import { routeHash } from '../lib/route.ts';
import { ErrorBox, Loading } from './common.tsx';
import { VmActions } from './VmActions.tsx';
import { GatewayPanel } from './GatewayPanel.tsx';

const rect = (b: Box) => ({ x: b.x, y: b.y, width: b.w, height: b.h });

export function HostPage({ api, devId, tick }: { api: AdminApi; devId: string; tick: number }) {
  const [host, setHost] = useState<DeviceDetail | undefined>();
  const [vms, setVms] = useState<VmInfo[] | undefined>();
  const [fromRegistry, setFromRegistry] = useState(false);
  const [error, setError] = useState<unknown>();
  const [changed, setChanged] = useState(0);
  const [gatewayRoutes, setGatewayRoutes] = useState(false);
  useEffect(() => { void api.hasGatewayRoutes().then(setGatewayRoutes); }, [api]);
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const [h, listed] = await Promise.all([api.device(devId), api.vms(devId)]);
      let list = listed;
      let registry = false;
      if (!list) {
        // No VM API on this server: show the registered devices that run on this host.
        const all = await api.allDevices();
        list = all.filter((d: DeviceSummary) => d.parentDevId === devId).map((d) => ({ name: d.devId, devId: d.devId, clientInstalled: true }));
        registry = true;
      }
      if (!cancelled) { setHost(h); setVms(list); setFromRegistry(registry); setError(undefined); }
    })().catch((e: unknown) => { if (!cancelled) setError(e); });
    return () => { cancelled = true; };
  }, [api, devId, tick, changed]);
  if (error !== undefined) return <><h1>{devId}</h1><ErrorBox error={error} what="Loading the host" /></>;
  if (!host || !vms) return <Loading what="the host topology" />;
  const hypervisor = host.hypervisor ?? host.devDetail?.['Ext/Hypervisor'] ?? host.devInfo?.['Ext/Hypervisor'];
  const L = layoutTopology(vms);
  const cx = (b: { x: number; w: number }) => b.x + b.w / 2;
  const usesGateway = L.vms.some((v) => v.path === 'proxy' || v.path === 'transparent');
  const summary = vms.map((v) => `${v.name}: ${v.kind ?? 'VM'}, ${v.state ?? 'state unknown'}, ${describeMode(v.managementMode) ?? 'management mode unknown'}`).join('; ');
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb"><a href="#/">Fleet</a> › <a href={routeHash({ page: 'device', devId })}>{devId}</a> › <span aria-current="page">topology</span></nav>
      <h1>Topology of {devId}</h1>
      {fromRegistry && <p class="muted">This server does not report VMs yet; shown are the registered devices that run on this host. Their management mode is not known.</p>}
      <figure class="topology card">
        <svg viewBox={`0 0 ${L.width} ${L.height}`} role="img" aria-labelledby="topo-title topo-desc" preserveAspectRatio="xMidYMin meet">
          <title id="topo-title">Host {devId} and its VMs</title>
          <desc id="topo-desc">{`Hypervisor ${hypervisor ?? 'unknown'}. ${vms.length} VMs. ${summary}`}</desc>
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead" /></marker>
          </defs>
          <rect {...rect(L.server)} rx="8" class="node-server" />
          <text x={cx(L.server)} y={L.server.y + 27} class="label" text-anchor="middle">DM server</text>
          <rect {...rect(L.host)} rx="10" class="node-host" />
          <text x={L.host.x + 12} y={L.host.y + 22} class="label">{`Host ${devId.length > 40 ? devId.slice(0, 40) + '…' : devId}`}</text>
          <text x={L.host.x + 12} y={L.host.y + 40} class="sublabel">{`hypervisor: ${hypervisor ?? 'unknown'}`}</text>
          {usesGateway && <>
            <rect {...rect(L.gateway)} rx="6" class="node-gateway" />
            <text x={cx(L.gateway)} y={L.gateway.y + 25} class="label" text-anchor="middle">gateway</text>
            <line x1={cx(L.gateway)} y1={L.gateway.y} x2={cx(L.server)} y2={L.server.y + L.server.h} class="edge edge-gateway" marker-end="url(#arrow)" />
          </>}
          {L.vms.map((p) => {
            const x = cx(p.box);
            const top = p.box.y;
            return (
              <g key={p.vm.name}>
                {(p.path === 'direct' || p.path === 'transparent') && <line x1={x} y1={top} x2={cx(L.server)} y2={L.server.y + L.server.h} class="edge edge-direct" marker-end="url(#arrow)" />}
                {p.path === 'proxy' && <line x1={x} y1={top} x2={cx(L.gateway)} y2={L.gateway.y + L.gateway.h} class="edge edge-via" marker-end="url(#arrow)" />}
                {p.path === 'transparent' && <line x1={cx(L.gateway)} y1={L.gateway.y + L.gateway.h} x2={x + 12} y2={top} class="edge edge-notify" marker-end="url(#arrow)" />}
                {p.path === 'unknown' && <line x1={x} y1={top} x2={cx(L.server)} y2={L.server.y + L.server.h} class="edge edge-unknown" />}
                <rect {...rect(p.box)} rx="6" class={`node-vm vm-${p.vm.state ?? 'unknown'}`} />
                <text x={x} y={top + 20} class="label" text-anchor="middle">{p.vm.name.length > 20 ? p.vm.name.slice(0, 19) + '…' : p.vm.name}</text>
                <text x={x} y={top + 38} class="sublabel" text-anchor="middle">{[p.vm.kind, p.vm.state].filter(Boolean).join(' · ') || 'VM'}</text>
                <text x={x} y={top + 54} class="sublabel" text-anchor="middle">{p.path === 'none' ? 'no DM client' : p.vm.managementMode ?? 'mode unknown'}</text>
              </g>
            );
          })}
        </svg>
        <figcaption>
          <span class="key key-direct">blue</span>: DM sessions straight to the server (direct and transparent mode) ·
          <span class="key key-via"> brown</span>: through the host's gateway (proxy mode) ·
          <span class="key key-via"> dotted brown</span>: notifications forwarded by the gateway (transparent mode) ·
          <span class="key key-unknown"> dashed grey</span>: mode not reported
        </figcaption>
      </figure>
      <h2>VMs</h2>
      {vms.length === 0 ? <p class="muted">No VMs on this host.</p> : (
        <ul class="vm-list">
          {vms.map((v) => (
            <li key={v.name}>
              {v.devId ? <a href={routeHash({ page: 'device', devId: v.devId })}>{v.name}</a> : v.name}
              {' — '}{[v.kind, v.state, v.clientInstalled === false ? 'no DM client' : v.clientInstalled ? 'DM client installed' : undefined, describeMode(v.managementMode), v.gateway ? `gateway ${v.gateway}` : undefined].filter(Boolean).join(', ') || 'no details reported'}
            </li>
          ))}
        </ul>
      )}
      {!fromRegistry && <VmActions api={api} host={devId} vms={vms} tick={tick} onChanged={() => setChanged((n) => n + 1)} />}
      {gatewayRoutes && <GatewayPanel api={api} host={devId} vms={vms} tick={tick} />}
    </>
  );
}
