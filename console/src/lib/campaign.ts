/**
 * Campaigns as the console shows and creates them: the create form's fields
 * turned into the API's filter and limits (with the field to blame when they
 * are wrong), progress as bar segments, the actions a state allows. Pure.
 */
import type { Campaign, CampaignFilter, CampaignState } from '../types.ts';

/** The campaign form as the operator types it (every field a string). */
export interface CampaignFormFields {
  name: string;
  search: string;
  parentDevId: string;
  /** One `Name=value` per line (e.g. `Mod=Enterprise VM`). */
  devInfo: string;
  /** DevIds separated by new lines or commas. */
  devIds: string;
  batchSize: string;
  /** Percent, 0–100. */
  maxFailurePercent: string;
}

export const emptyCampaignForm = (): CampaignFormFields => ({ name: '', search: '', parentDevId: '', devInfo: '', devIds: '', batchSize: '100', maxFailurePercent: '10' });

/** What the form gives the API besides the commands. */
export interface CampaignSettings { name: string; filter: CampaignFilter; batchSize: number; maxFailureRate: number }

/** A field the operator must fix: the form field's key and why. */
export interface FormProblem { field: keyof CampaignFormFields | 'filter'; message: string }

/** Parse `Name=value` lines; blank lines are skipped. */
export function parseDevInfo(text: string): { values: Record<string, string> } | FormProblem {
  const out: Record<string, string> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { field: 'devInfo', message: `line ${i + 1}: write Name=value (e.g. Mod=Enterprise VM)` };
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return { values: out };
}

/** The form's settings for `POST /api/campaigns`, or the first problem. */
export function campaignSettings(f: CampaignFormFields): CampaignSettings | FormProblem {
  const name = f.name.trim();
  if (!name) return { field: 'name', message: 'give the campaign a name' };
  if (name.length > 256) return { field: 'name', message: 'at most 256 characters' };
  const filter: CampaignFilter = {};
  const devIds = f.devIds.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
  if (devIds.length) filter.devIds = [...new Set(devIds)];
  if (f.search.trim()) filter.search = f.search.trim();
  if (f.parentDevId.trim()) filter.parentDevId = f.parentDevId.trim();
  const devInfo = parseDevInfo(f.devInfo);
  if (!('values' in devInfo)) return devInfo;
  if (Object.keys(devInfo.values).length) filter.devInfo = devInfo.values;
  if (Object.keys(filter).length === 0) return { field: 'filter', message: 'say which devices: DevIds, a search text, a host, or DevInfo values' };
  const batch = f.batchSize.trim() === '' ? 100 : Number(f.batchSize);
  if (!Number.isInteger(batch) || batch < 1 || batch > 100_000) return { field: 'batchSize', message: 'a whole number from 1 to 100000' };
  const pct = f.maxFailurePercent.trim() === '' ? 10 : Number(f.maxFailurePercent);
  if (!Number.isFinite(pct) || pct < 0 || pct > 100) return { field: 'maxFailurePercent', message: 'a percentage from 0 to 100' };
  return { name, filter, batchSize: batch, maxFailureRate: Math.round(pct * 100) / 10_000 };
}

export function isProblem(x: CampaignSettings | FormProblem): x is FormProblem {
  return 'message' in x;
}

/** One part of the progress bar. */
export interface ProgressSegment { key: 'succeeded' | 'failed' | 'cancelled' | 'in-flight' | 'waiting'; label: string; count: number; percent: number }

/** The progress bar: succeeded, failed (with expired), cancelled, in flight (pending, sent, accepted), waiting. */
export function progressSegments(c: Pick<Campaign, 'progress' | 'targets'>): ProgressSegment[] {
  const p = c.progress;
  const total = Math.max(c.targets, 0);
  const parts: [ProgressSegment['key'], string, number][] = [
    ['succeeded', 'succeeded', p.succeeded],
    ['failed', 'failed', p.failed + p.expired],
    ['cancelled', 'cancelled', p.cancelled],
    ['in-flight', 'in flight', p.pending + p.sent + p.accepted],
    ['waiting', 'waiting', p.waiting],
  ];
  return parts.map(([key, label, count]) => ({ key, label, count, percent: total > 0 ? (100 * count) / total : 0 }));
}

/** Devices finished (succeeded, failed, expired, cancelled) out of all targets. */
export function finishedCount(c: Pick<Campaign, 'progress'>): number {
  const p = c.progress;
  return p.succeeded + p.failed + p.expired + p.cancelled;
}

/** One line for screen readers and the list: "3 of 10 done: 2 succeeded, 1 failed; 7 waiting". */
export function progressSummary(c: Pick<Campaign, 'progress' | 'targets'>): string {
  const segs = progressSegments(c).filter((s) => s.count > 0);
  const detail = segs.map((s) => `${s.count} ${s.label}`).join(', ');
  return `${finishedCount(c)} of ${c.targets} done${detail ? `: ${detail}` : ''}`;
}

/** What the operator may do to a campaign in this state. */
export function campaignActions(state: CampaignState): ('pause' | 'resume' | 'cancel')[] {
  switch (state) {
    case 'running': return ['pause', 'cancel'];
    case 'paused': return ['resume', 'cancel'];
    default: return [];
  }
}

/** The filter in words. */
export function describeFilter(f: CampaignFilter): string {
  const parts: string[] = [];
  if (f.devIds) parts.push(f.devIds.length <= 3 ? `DevId ${f.devIds.join(', ')}` : `${f.devIds.length} listed DevIds`);
  if (f.search) parts.push(`DevId contains "${f.search}"`);
  if (f.parentDevId) parts.push(`running on host ${f.parentDevId}`);
  for (const [k, v] of Object.entries(f.devInfo ?? {})) parts.push(`${k} = "${v}"`);
  return parts.length ? parts.join(' and ') : 'no filter';
}
