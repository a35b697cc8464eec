/**
 * A gateway on the host page (GwMO, issue #7): its Device Inventory and
 * fan-outs (one command set to many end devices). Pure: parsing the command
 * lines the operator types, the fan-out's targets, and its progress in the
 * shape the campaign progress bar draws.
 */
import type { CommandInput } from '../api.ts';
import type { CampaignProgress, FanoutView, InventoryDevice } from '../types.ts';

/** The verbs `POST /api/fanout` accepts. */
export const FANOUT_VERBS = ['Get', 'Replace', 'Add', 'Delete', 'Exec'] as const;

/** What to fix in the fan-out form. */
export interface FanoutProblem { field: 'commands' | 'devices'; message: string }

export function isFanoutProblem(x: unknown): x is FanoutProblem {
  return typeof x === 'object' && x !== null && 'message' in x && 'field' in x;
}

/**
 * The command set as typed, one command a line: `VERB target [data…]`
 * (data is the rest of the line, spaces kept). Blank lines are skipped.
 */
export function parseCommandLines(text: string): CommandInput[] | FanoutProblem {
  const out: CommandInput[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const m = /^(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(line);
    const verb = m && FANOUT_VERBS.find((v) => v.toLowerCase() === m[1]!.toLowerCase());
    if (!m || !verb) return { field: 'commands', message: `line ${i + 1}: write VERB target [data], VERB one of ${FANOUT_VERBS.join(', ')}` };
    const target = m[2]!;
    if (target.length > 1024) return { field: 'commands', message: `line ${i + 1}: the target is longer than 1024 characters` };
    const data = m[3];
    if (data !== undefined && (verb === 'Get' || verb === 'Delete')) return { field: 'commands', message: `line ${i + 1}: ${verb} takes no data` };
    out.push({ verb, target, ...(data !== undefined ? { data } : {}) });
  }
  if (out.length === 0) return { field: 'commands', message: 'give at least one command' };
  if (out.length > 100) return { field: 'commands', message: 'at most 100 commands' };
  return out;
}

/** The targets of `POST /api/fanout`: every end device of the host, or the chosen ones. */
export function fanoutTargets(host: string, all: boolean, chosen: readonly string[]): { host: string } | { devices: string[] } | FanoutProblem {
  if (all) return { host };
  if (chosen.length === 0) return { field: 'devices', message: 'choose at least one device, or all of the host\'s VMs' };
  return { devices: [...chosen] };
}

/** A fan-out's device states in the campaign progress bar's terms (`waiting` stays 0: every operation is queued at once). */
export function fanoutProgress(v: Pick<FanoutView, 'counts' | 'total'>): { progress: CampaignProgress; targets: number } {
  const c = (k: string) => v.counts[k] ?? 0;
  return {
    targets: v.total,
    progress: {
      waiting: 0, pending: c('pending'), sent: c('sent'), accepted: c('accepted'),
      succeeded: c('succeeded'), failed: c('failed') + c('missing'), expired: c('expired'), cancelled: c('cancelled'),
    },
  };
}

/** An inventory record's reachability in words. */
export function describeReachable(d: Pick<InventoryDevice, 'reachable'>): string {
  return d.reachable === undefined ? 'not reported' : d.reachable ? 'reachable' : 'unreachable';
}

/** Inventory records by global DeviceID, then node name (stable order for the table). */
export function sortInventory(devices: readonly InventoryDevice[]): InventoryDevice[] {
  const key = (d: InventoryDevice) => d.deviceId ?? d.node;
  return [...devices].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
