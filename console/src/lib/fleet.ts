/**
 * The fleet as the console shows it: hosts with the devices that run on them
 * (`parentDevId`) and, when the server reports them, their VMs; plain devices
 * on their own. Pure: the view renders what these functions return.
 */
import type { DeviceSummary, VmInfo } from '../types.ts';

/** One row of the fleet: a top-level device and what runs on it. */
export interface FleetEntry {
  device: DeviceSummary;
  /** Registered devices whose parent is this one. */
  children: DeviceSummary[];
  /** VMs the server reports for this host (undefined: not known / not a host). */
  vms?: VmInfo[];
}

/** Where a device stands, for the status filter. */
export type Presence = 'seen' | 'never-seen';

/** What the operator filters on. */
export interface FleetFilter {
  /** Case-insensitive text matched against DevId, DevInfo values and VM names. */
  text: string;
  kind: 'all' | 'hosts' | 'devices';
  presence: 'all' | Presence;
}

/** Group devices under their parent; a device whose parent is not registered stays top-level. */
export function buildFleet(devices: readonly DeviceSummary[], vmsByHost: ReadonlyMap<string, VmInfo[]> = new Map()): FleetEntry[] {
  const byId = new Map(devices.map((d) => [d.devId, d]));
  const children = new Map<string, DeviceSummary[]>();
  const top: DeviceSummary[] = [];
  for (const d of devices) {
    if (d.parentDevId && d.parentDevId !== d.devId && byId.has(d.parentDevId)) {
      const list = children.get(d.parentDevId) ?? [];
      list.push(d);
      children.set(d.parentDevId, list);
    } else {
      top.push(d);
    }
  }
  const byDevId = (a: DeviceSummary, b: DeviceSummary) => (a.devId < b.devId ? -1 : a.devId > b.devId ? 1 : 0);
  return top.sort(byDevId).map((d) => {
    const vms = vmsByHost.get(d.devId);
    return { device: d, children: (children.get(d.devId) ?? []).sort(byDevId), ...(vms ? { vms } : {}) };
  });
}

/** A host: something runs on it, or the server lists VMs for it. */
export function isHost(e: FleetEntry): boolean {
  return e.children.length > 0 || (e.vms?.length ?? 0) > 0;
}

function presenceOf(d: DeviceSummary): Presence {
  return d.lastSeenAt ? 'seen' : 'never-seen';
}

function matches(d: DeviceSummary, text: string): boolean {
  if (d.devId.toLowerCase().includes(text)) return true;
  return Object.values(d.devInfo ?? {}).some((v) => v.toLowerCase().includes(text));
}

/**
 * Keep the entries that match. A host is kept when it or anything on it
 * matches; its children are narrowed by check-in, and by the text unless the
 * host itself matched the text.
 */
export function filterFleet(entries: readonly FleetEntry[], f: FleetFilter): FleetEntry[] {
  const text = f.text.trim().toLowerCase();
  const out: FleetEntry[] = [];
  for (const e of entries) {
    const host = isHost(e);
    if (f.kind === 'hosts' && !host) continue;
    if (f.kind === 'devices' && host) continue;
    const presenceOk = (d: DeviceSummary) => f.presence === 'all' || presenceOf(d) === f.presence;
    const hostText = !text || matches(e.device, text);
    // A host that matches the text keeps everything on it; otherwise only what matches.
    const kids = e.children.filter((d) => presenceOk(d) && (hostText || matches(d, text)));
    const vms = e.vms?.filter((v) => hostText || v.name.toLowerCase().includes(text) || (v.devId ?? '').toLowerCase().includes(text));
    const narrowed = { ...e, children: kids, ...(vms ? { vms } : {}) };
    if (presenceOk(e.device) && hostText) out.push(narrowed);
    else if (kids.length > 0 || (vms?.length ?? 0) > 0) out.push(narrowed);
  }
  return out;
}

/** A VM's management mode as words; absent when unknown. */
export function describeMode(mode: string | undefined): string | undefined {
  switch (mode) {
    case 'direct': return 'direct to the server';
    case 'transparent': return 'transparent (notified through the gateway)';
    case 'proxy': return 'proxy (through the gateway)';
    case undefined: case '': return undefined;
    default: return mode;
  }
}

/** Least time between two reloads of the fleet caused by live events. */
export const RELOAD_GAP_MS = 2000;

/**
 * How long to wait before reloading the fleet: at once for the first load,
 * otherwise at least 300 ms (events come in bursts) and no sooner than
 * {@link RELOAD_GAP_MS} after the previous reload.
 */
export function reloadDelay(first: boolean, lastLoadAt: number, now: number): number {
  if (first) return 0;
  return Math.max(300, lastLoadAt + RELOAD_GAP_MS - now);
}
