/**
 * `dmvisor campaign` — one operation for a group of devices, through a
 * running server's admin API:
 *
 *   dmvisor campaign create --name N (--search S | --parent HOST | --devinfo K=V | --device ID …)
 *                           (--get URI | --set URI VALUE | --exec URI [DATA]) [--batch N] [--max-failure-rate R] [--notify] [--atomic]
 *   dmvisor campaign list [--state running|paused|completed|cancelled]
 *   dmvisor campaign show ID [--wait SECONDS]     progress (waits until it completes or pauses when --wait)
 *   dmvisor campaign targets ID                   every device and how it went
 *   dmvisor campaign pause|resume|cancel ID
 */
import { parseArgs } from 'node:util';
import type { CliIo } from './codec-command.js';
import { UsageError } from './usage-error.js';
import { AdminApiClient } from './admin-api-client.js';

export const CAMPAIGN_USAGE = `usage: dmvisor campaign create --name NAME FILTER… COMMAND [--batch N] [--max-failure-rate R] [--notify] [--atomic]
       dmvisor campaign list [--state running|paused|completed|cancelled]
       dmvisor campaign show ID [--wait SECONDS] | targets ID | pause ID | resume ID | cancel ID
  FILTER:  --search TEXT (DevId contains) | --parent HOST_DEVID (its VMs) | --devinfo NAME=VALUE (repeatable) | --device DEVID (repeatable)
  COMMAND: --get URI | --set URI VALUE | --exec URI [--data DATA]
  --url URL, --token TOKEN   the server (env DMVISOR_URL, DMVISOR_API_TOKEN)
`;

interface CampaignView {
  id: string; name: string; state: string; reason?: string; targets: number; batchSize: number; maxFailureRate: number;
  progress: Record<string, number>;
}

/** Run `dmvisor campaign …`. Exit 0 on success; `show --wait` exits 1 if the campaign paused or was cancelled, 3 if still running. */
export async function runCampaign(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      url: { type: 'string' }, token: { type: 'string' }, name: { type: 'string' },
      search: { type: 'string' }, parent: { type: 'string' }, devinfo: { type: 'string', multiple: true }, device: { type: 'string', multiple: true },
      get: { type: 'string' }, set: { type: 'string' }, exec: { type: 'string' }, data: { type: 'string' },
      batch: { type: 'string' }, 'max-failure-rate': { type: 'string' }, notify: { type: 'boolean' }, atomic: { type: 'boolean' },
      state: { type: 'string' }, wait: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const [action, id, extra] = positionals;
  if (values.help || action === undefined) { io.stdout(CAMPAIGN_USAGE); return values.help ? 0 : 2; }
  const api = new AdminApiClient(values.url, values.token);
  const needId = () => {
    if (!id) throw new UsageError(`missing campaign ID\n\n${CAMPAIGN_USAGE}`);
    return encodeURIComponent(id);
  };
  switch (action) {
    case 'create': {
      if (!values.name) throw new UsageError('--name is required');
      const filter: Record<string, unknown> = {};
      if (values.search) filter.search = values.search;
      if (values.parent) filter.parentDevId = values.parent;
      if (values.device?.length) filter.devIds = values.device;
      if (values.devinfo?.length) {
        filter.devInfo = Object.fromEntries(values.devinfo.map((kv) => {
          const i = kv.indexOf('=');
          if (i <= 0) throw new UsageError(`--devinfo takes NAME=VALUE, not ${JSON.stringify(kv)}`);
          return [kv.slice(0, i), kv.slice(i + 1)];
        }));
      }
      if (Object.keys(filter).length === 0) throw new UsageError('give a filter: --search, --parent, --devinfo or --device');
      const commands: object[] = [];
      if (values.get) commands.push({ verb: 'Get', target: values.get });
      if (values.set) {
        if (extra === undefined && id === undefined) throw new UsageError('--set URI VALUE: the value is missing');
        commands.push({ verb: 'Replace', target: values.set, data: id ?? '' });
      }
      if (values.exec) commands.push({ verb: 'Exec', target: values.exec, ...(values.data !== undefined ? { data: values.data } : {}) });
      if (commands.length === 0) throw new UsageError('give a command: --get, --set or --exec');
      const body: Record<string, unknown> = { name: values.name, filter, commands };
      if (values.batch !== undefined) body.batchSize = Number(values.batch);
      if (values['max-failure-rate'] !== undefined) body.maxFailureRate = Number(values['max-failure-rate']);
      if (values.notify) body.notify = true;
      if (values.atomic) body.atomic = true;
      const c = await api.call<CampaignView>('POST', '/api/campaigns', body);
      io.stdout(`campaign ${c.id} created: ${c.targets} device(s), batches of ${c.batchSize}, pauses above ${(100 * c.maxFailureRate).toFixed(1)}% failures\n`);
      return 0;
    }
    case 'list': {
      const q = values.state ? `?state=${encodeURIComponent(values.state)}` : '';
      const { campaigns } = await api.call<{ campaigns: CampaignView[] }>('GET', `/api/campaigns${q}`);
      if (campaigns.length === 0) io.stdout('no campaigns\n');
      for (const c of campaigns) io.stdout(`${c.id}  ${c.state.padEnd(9)}  ${progressLine(c)}  ${c.name}\n`);
      return 0;
    }
    case 'show': {
      const wait = values.wait === undefined ? 0 : Number(values.wait);
      if (!Number.isFinite(wait) || wait < 0) throw new UsageError('--wait takes a number of seconds');
      const deadline = Date.now() + wait * 1000;
      let c = await api.call<CampaignView>('GET', `/api/campaigns/${needId()}`);
      while (c.state === 'running' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        c = await api.call<CampaignView>('GET', `/api/campaigns/${needId()}`);
      }
      io.stdout(`campaign ${c.id} "${c.name}": ${c.state}${c.reason ? ` — ${c.reason}` : ''}\n  ${progressLine(c)}\n`);
      if (wait === 0) return 0;
      return c.state === 'completed' ? 0 : c.state === 'running' ? 3 : 1;
    }
    case 'targets': {
      let after: string | undefined;
      do {
        const page = await api.call<{ targets: { devId: string; state: string; reason?: string; commands?: { verb: string; target: string; status?: number }[] }[]; next?: string }>(
          'GET', `/api/campaigns/${needId()}/targets?limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`);
        for (const t of page.targets) {
          const codes = (t.commands ?? []).map((x) => `${x.verb} ${x.status ?? '—'}`).join(', ');
          io.stdout(`${t.devId}  ${t.state}${codes ? `  (${codes})` : ''}${t.reason ? `  — ${t.reason}` : ''}\n`);
        }
        after = page.next;
      } while (after);
      return 0;
    }
    case 'pause': case 'resume': case 'cancel': {
      const c = await api.call<CampaignView>('POST', `/api/campaigns/${needId()}/${action}`);
      io.stdout(`campaign ${c.id}: ${c.state}\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown campaign action ${JSON.stringify(action)}\n\n${CAMPAIGN_USAGE}`);
  }
}

function progressLine(c: CampaignView): string {
  const p = c.progress;
  const done = (p.succeeded ?? 0) + (p.failed ?? 0) + (p.expired ?? 0) + (p.cancelled ?? 0);
  return `${done}/${c.targets} done: ${p.succeeded ?? 0} succeeded, ${p.failed ?? 0} failed, ${(p.pending ?? 0) + (p.sent ?? 0) + (p.accepted ?? 0)} in flight, ${p.waiting ?? 0} waiting${p.cancelled ? `, ${p.cancelled} cancelled` : ''}${p.expired ? `, ${p.expired} expired` : ''}`;
}
