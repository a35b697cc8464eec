/**
 * Operator commands that call the admin API of a running server:
 *
 *   dmvisor devices                          list devices
 *   dmvisor get <devId> <uri>                queue a Get; wait for the value
 *   dmvisor set <devId> <uri> <value>        queue a Replace (--add for Add, --format F)
 *   dmvisor exec <devId> <uri> [data]        queue an Exec
 *   dmvisor notify <devId>                   send package #0 now
 *   dmvisor sessions <devId>                 the device's recent sessions
 *   dmvisor trace <sessionId> [--xml]        a session's messages, summarised (or as indented XML)
 *
 * Common options: --url (default http://127.0.0.1:8080; env DMVISOR_URL), --token (env DMVISOR_API_TOKEN),
 * --notify (wake the device when queueing), --wait SECONDS (default 30; 0 = just queue).
 */
import { parseArgs } from 'node:util';
import type { CliIo } from './codec-command.js';
import { UsageError } from './usage-error.js';
import { DecodeError } from '../errors.js';
import { AdminApiClient } from './admin-api-client.js';
import { decodeMessage } from '../syncml/index.js';
import { dumpMessage } from './message-dump.js';

export const OPERATOR_USAGE = `usage: dmvisor devices | get <devId> <uri> | set <devId> <uri> <value> | exec <devId> <uri> [data] | notify <devId>
       dmvisor sessions <devId> | trace <sessionId> [--xml]
  --url URL        server (default http://127.0.0.1:8080, env DMVISOR_URL)
  --token TOKEN    admin API token (env DMVISOR_API_TOKEN)
  --notify         wake the device now (package #0) when queueing
  --wait SECONDS   wait this long for the result (default 30; 0: just queue)
  --add            set: Add instead of Replace
  --format F       set: the value's Meta Format (chr, int, bool, b64, …)
  --xml            trace: print each message as indented XML instead of a summary
`;

interface SessionView {
  id: string; devId: string; initiator: string; state: string; reason?: string; startedAt: string; endedAt?: string; messageCount: number;
}

interface TraceMessageView {
  seq: number; direction: 'in' | 'out'; encoding: string; size: number; at: string; truncated: boolean; error?: string; decoded?: string; bytes?: string;
}

interface OperationView {
  id: string;
  state: string;
  reason?: string;
  commands: { verb: string; target: string; status?: number; reason?: string; results?: { source?: string; data?: string }[] }[];
}

/** Run an operator command; `command` is devices/get/set/exec/notify. */
export async function runOperator(command: string, args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      url: { type: 'string' }, token: { type: 'string' }, notify: { type: 'boolean' }, wait: { type: 'string' },
      add: { type: 'boolean' }, format: { type: 'string' }, xml: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) { io.stdout(OPERATOR_USAGE); return 0; }
  const api = new AdminApiClient(values.url, values.token);
  const wait = values.wait === undefined ? 30 : Number(values.wait);
  if (!Number.isFinite(wait) || wait < 0) throw new UsageError('--wait takes a number of seconds');
  const call = (method: string, path: string, body?: unknown) => api.call(method, path, body);
  const dev = (i: number, name: string) => {
    const v = positionals[i];
    if (v === undefined) throw new UsageError(`missing <${name}>\n\n${OPERATOR_USAGE}`);
    return v;
  };
  const queue = async (devId: string, commands: object[]): Promise<number> => {
    const op = (await call('POST', `/api/devices/${encodeURIComponent(devId)}/operations`, { commands, ...(values.notify ? { notify: true } : {}) })) as unknown as OperationView;
    io.stdout(`operation ${op.id} queued${values.notify ? ' (device notified)' : ''}\n`);
    if (wait === 0) return 0;
    const deadline = Date.now() + wait * 1000;
    let view = op;
    while (!['succeeded', 'failed', 'cancelled', 'expired'].includes(view.state) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      view = (await call('GET', `/api/operations/${op.id}`)) as unknown as OperationView;
    }
    for (const c of view.commands) {
      io.stdout(`  ${c.verb} ${c.target}: ${c.status ?? 'no answer yet'}${c.reason ? ` (${c.reason})` : ''}\n`);
      for (const r of c.results ?? []) io.stdout(`    ${r.source ?? c.target} = ${r.data ?? ''}\n`);
    }
    io.stdout(`state: ${view.state}${view.reason ? ` — ${view.reason}` : ''}\n`);
    return view.state === 'succeeded' ? 0 : view.state === 'pending' || view.state === 'sent' || view.state === 'accepted' ? 3 : 1;
  };
  switch (command) {
    case 'devices': {
      const page = (await call('GET', '/api/devices?limit=500')) as { devices: { devId: string; lastSeenAt?: string; devInfo?: Record<string, string>; clientAuthType: string }[] };
      if (page.devices.length === 0) { io.stdout('no devices\n'); return 0; }
      for (const d of page.devices) io.stdout(`${d.devId.padEnd(28)} ${(d.devInfo?.Mod ?? '').padEnd(20)} ${d.clientAuthType.padEnd(6)} last seen ${d.lastSeenAt ?? 'never'}\n`);
      return 0;
    }
    case 'get': return queue(dev(0, 'devId'), [{ verb: 'Get', target: dev(1, 'uri') }]);
    case 'set': return queue(dev(0, 'devId'), [{ verb: values.add ? 'Add' : 'Replace', target: dev(1, 'uri'), data: dev(2, 'value'), ...(values.format ? { format: values.format } : {}) }]);
    case 'exec': return queue(dev(0, 'devId'), [{ verb: 'Exec', target: dev(1, 'uri'), ...(positionals[2] !== undefined ? { data: positionals[2] } : {}) }]);
    case 'sessions': {
      const devId = dev(0, 'devId');
      const { sessions } = (await call('GET', `/api/devices/${encodeURIComponent(devId)}/sessions`)) as { sessions: SessionView[] };
      if (sessions.length === 0) io.stdout(`no sessions for ${devId}\n`);
      for (const s of sessions) {
        const ms = s.endedAt ? ` ${Date.parse(s.endedAt) - Date.parse(s.startedAt)} ms` : '';
        io.stdout(`${s.id}  ${s.startedAt}  ${s.initiator}-initiated  ${s.state}${ms}  ${s.messageCount} messages${s.reason ? `  — ${s.reason}` : ''}\n`);
      }
      return 0;
    }
    case 'trace': {
      const id = dev(0, 'sessionId');
      const s = (await call('GET', `/api/sessions/${encodeURIComponent(id)}`)) as unknown as SessionView & { messages: TraceMessageView[] };
      io.stdout(`session ${s.id} of ${s.devId}: ${s.initiator}-initiated, ${s.state}${s.reason ? ` — ${s.reason}` : ''}\n`);
      for (const m of s.messages) {
        io.stdout(`\n── #${m.seq} ${m.direction === 'in' ? 'device → server' : 'server → device'}  ${m.encoding} ${m.size} B  ${m.at}${m.truncated ? '  (body truncated)' : ''}\n`);
        if (m.error) io.stdout(`  refused: ${m.error}\n`);
        if (values.xml) {
          if (m.decoded) io.stdout(m.decoded.endsWith('\n') ? m.decoded : m.decoded + '\n');
        } else if (m.bytes && !m.truncated && (m.encoding === 'xml' || m.encoding === 'wbxml')) {
          const bytes = new Uint8Array(Buffer.from(m.bytes, 'base64'));
          try {
            io.stdout(dumpMessage(decodeMessage(bytes, m.encoding), m.encoding, bytes.length).replace(/^/gm, '  ') + '\n');
          } catch (e) {
            if (!(e instanceof DecodeError)) throw e;
            io.stdout(`  (cannot decode: ${e.message})\n`);
          }
        } else if (!m.error) {
          io.stdout('  (no body kept: see the server\'s --trace setting)\n');
        }
      }
      return 0;
    }
    case 'notify': {
      const r = (await call('POST', `/api/devices/${encodeURIComponent(dev(0, 'devId'))}/notify`)) as { sessionId: string; address: string };
      io.stdout(`notification sent to ${r.address} (session ${r.sessionId})\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}
