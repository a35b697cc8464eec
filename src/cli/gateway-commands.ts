/**
 * Operator commands for GwMO gateways (admin API of a running server):
 *
 *   dmvisor gateway inventory <hostDevId>          read a gateway's Device Inventory (a Get in a session with it)
 *   dmvisor gateway mode <devId> [direct|transparent]   show or switch how a VM is managed
 *   dmvisor gateway fanout (--host H | --devices A,B) <verb> <target> [data]
 *                                                  one command to many VMs; per-device results + aggregate
 *
 * Options: --url (env DMVISOR_URL), --token (env DMVISOR_API_TOKEN), --wait SECONDS (fanout; default 60).
 */
import { parseArgs } from 'node:util';
import type { CliIo } from './codec-command.js';
import { UsageError } from './usage-error.js';
import { DmvisorError } from '../errors.js';

export const GATEWAY_USAGE = `usage: dmvisor gateway inventory <hostDevId>
       dmvisor gateway mode <devId> [direct|transparent]
       dmvisor gateway fanout (--host HOST | --devices A,B,…) <Get|Replace|Add|Delete|Exec> <target> [data]
  --url URL        server (default http://127.0.0.1:8080, env DMVISOR_URL)
  --token TOKEN    admin API token (env DMVISOR_API_TOKEN)
  --wait SECONDS   fanout: wait this long for every device (default 60; 0: just queue)
`;

/** Run `dmvisor gateway …`. */
export async function runGateway(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { url: { type: 'string' }, token: { type: 'string' }, wait: { type: 'string' }, host: { type: 'string' }, devices: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) { io.stdout(GATEWAY_USAGE); return 0; }
  const [sub, ...pos] = positionals;
  const base = (values.url ?? process.env.DMVISOR_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  const token = values.token ?? process.env.DMVISOR_API_TOKEN;
  if (!token) throw new UsageError('an API token is required: --token or DMVISOR_API_TOKEN');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are read field by field
  const call = async (method: string, path: string, body?: unknown): Promise<any> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (e) {
      throw new DmvisorError(`cannot reach ${base}: ${(e as Error).message}`, 'DMV_ERR_UNREACHABLE', 502);
    }
    const json = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
    if (!res.ok) throw new DmvisorError(`${method} ${path}: HTTP ${res.status}: ${json.error?.message ?? ''}`, 'DMV_ERR_API', res.status);
    return json;
  };
  const need = (i: number, name: string) => {
    if (pos[i] === undefined) throw new UsageError(`missing <${name}>\n\n${GATEWAY_USAGE}`);
    return pos[i];
  };
  switch (sub) {
    case 'inventory': {
      const inv = await call('GET', `/api/gateways/${encodeURIComponent(need(0, 'hostDevId'))}/inventory`);
      if (inv.devices.length === 0) { io.stdout(`gateway ${inv.gateway}: no end devices\n`); return 0; }
      for (const d of inv.devices) io.stdout(`${String(d.node).padEnd(16)} ${String(d.deviceId).padEnd(40)} ${String(d.mode).padEnd(12)} ${d.reachable ? 'reachable' : 'unreachable'}  local id ${d.localId}\n`);
      return 0;
    }
    case 'mode': {
      const devId = encodeURIComponent(need(0, 'devId'));
      const m = pos[1] === undefined ? await call('GET', `/api/devices/${devId}/management`) : await call('PUT', `/api/devices/${devId}/management`, { mode: pos[1] });
      io.stdout(`${m.devId}: ${m.mode}${m.via ? ` via ${m.via}` : ''}${m.prefix ? ` (prefix ${m.prefix})` : ''}\n`);
      return 0;
    }
    case 'fanout': {
      if (!values.host && !values.devices) throw new UsageError(`give --host or --devices\n\n${GATEWAY_USAGE}`);
      const command = { verb: need(0, 'verb'), target: need(1, 'target'), ...(pos[2] !== undefined ? { data: pos[2] } : {}) };
      const f = await call('POST', '/api/fanout', { ...(values.host ? { host: values.host } : { devices: values.devices!.split(',') }), commands: [command] });
      io.stdout(`fan-out ${f.id}: ${f.devices} device(s)\n`);
      const wait = values.wait === undefined ? 60 : Number(values.wait);
      if (!Number.isFinite(wait) || wait < 0) throw new UsageError('--wait takes a number of seconds');
      if (wait === 0) return 0;
      const deadline = Date.now() + wait * 1000;
      let view = await call('GET', `/api/fanout/${f.id}`);
      while (view.state === 'running' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        view = await call('GET', `/api/fanout/${f.id}`);
      }
      for (const d of view.devices) {
        const c = d.commands[0] ?? {};
        io.stdout(`  ${String(d.devId).padEnd(40)} ${String(d.state).padEnd(10)} ${c.status ?? '-'}${c.results?.[0]?.data !== undefined ? ` = ${c.results[0].data}` : ''}\n`);
      }
      io.stdout(`state: ${view.state} ${JSON.stringify(view.counts)}\n`);
      return view.state === 'succeeded' ? 0 : 1;
    }
    default:
      throw new UsageError(`${sub === undefined ? 'missing' : 'unknown'} gateway command${sub ? ` ${JSON.stringify(sub)}` : ''}\n\n${GATEWAY_USAGE}`);
  }
}
