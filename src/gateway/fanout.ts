/**
 * GwMO Fanout on the gateway: a job the server adds under `./GwFanout/<x>`
 * (Targets, Commands) and runs with an Exec of `<x>/Run`. The gateway runs
 * the commands on each target end device in proxy mode, keeps per-device
 * results under `<x>/Results`, and reports a `resultaggregation` Generic
 * Alert (the per-device results, JSON) then a `completionstatus` one (the
 * aggregated status, with the Run Exec's Correlator).
 *
 * Formats (ours, UNVERIFIED against OMA-TS-GwMO): Targets is `*` or global
 * DeviceIDs separated by commas; Commands is a JSON array of
 * `{ verb, target, data?, format? }` with targets inside the end device.
 */
import type { DownstreamAnswer, DownstreamCommand } from './downstream.js';

/** Most commands in one fan-out job. */
export const MAX_FANOUT_COMMANDS = 100;

/** A fan-out job's Commands leaf, validated. */
export function parseFanoutCommands(text: string): DownstreamCommand[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('Commands must be a JSON array');
  }
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_FANOUT_COMMANDS) throw new Error(`Commands must be a JSON array of 1–${MAX_FANOUT_COMMANDS} commands`);
  return v.map((c: unknown, i) => {
    const o = c as Record<string, unknown>;
    if (typeof o !== 'object' || o === null) throw new Error(`Commands[${i}] must be an object`);
    if (!['Get', 'Replace', 'Add', 'Delete', 'Exec'].includes(o.verb as string)) throw new Error(`Commands[${i}].verb must be Get, Replace, Add, Delete or Exec`);
    if (typeof o.target !== 'string' || !/^\.\/[^?]*$|^\.$/.test(o.target) || o.target.split('/').some((s, k) => k > 0 && (s === '' || s === '..'))) throw new Error(`Commands[${i}].target must be a path inside the end device (./…)`);
    if (o.data !== undefined && typeof o.data !== 'string') throw new Error(`Commands[${i}].data must be a string`);
    if (o.format !== undefined && typeof o.format !== 'string') throw new Error(`Commands[${i}].format must be a string`);
    return { verb: o.verb as DownstreamCommand['verb'], target: o.target, ...(o.data !== undefined ? { data: o.data as string } : {}), ...(o.format !== undefined ? { format: o.format as string } : {}) };
  });
}

/** One end device's part of a fan-out. */
export interface FanoutDeviceResult {
  deviceId: string;
  /** Worst status of its commands (the first non-2xx, else the last). */
  status: number;
  commands: { status: number; reason?: string; data?: string }[];
}

/** Summarise an end device's answers. */
export function deviceResult(deviceId: string, answers: readonly DownstreamAnswer[]): FanoutDeviceResult {
  const commands = answers.map((a) => ({ status: a.status, ...(a.reason ? { reason: a.reason } : {}), ...(a.results?.[0]?.data !== undefined ? { data: a.results[0].data } : {}) }));
  const bad = commands.find((c) => c.status < 200 || c.status >= 300);
  return { deviceId, status: bad?.status ?? commands[commands.length - 1]?.status ?? 200, commands };
}

/** The completionstatus Data: `200`, or `500 <n> of <m> end devices failed`. */
export function completionData(results: readonly FanoutDeviceResult[]): string {
  const failed = results.filter((r) => r.status < 200 || r.status >= 300).length;
  return failed === 0 ? '200' : `500 ${failed} of ${results.length} end devices failed`;
}
