/**
 * The host's gateway (GwMO, issue #7): its Device Inventory, read with a Get
 * in a session with it, and fan-outs — one command set to every VM of the
 * host or to the chosen ones, one operation per device — followed to the end
 * with the aggregated progress and each device's statuses and results.
 */
import { useEffect, useState } from 'preact/hooks';
import type { AdminApi } from '../api.ts';
import type { FanoutView, InventoryDevice, VmInfo } from '../types.ts';
import { describeReachable, fanoutProgress, fanoutTargets, isFanoutProblem, parseCommandLines, sortInventory, type FanoutProblem } from '../lib/gateway.ts';
import { progressSummary } from '../lib/campaign.ts';
import { describeMode } from '../lib/fleet.ts';
import { routeHash } from '../lib/route.ts';
import { statusText } from '../lib/trace.ts';
import { ProgressBar } from './Campaigns.tsx';
import { ErrorBox, StateBadge, When } from './common.tsx';

const POLL_MS = 1000;

export function GatewayPanel({ api, host, vms, tick }: { api: AdminApi; host: string; vms: VmInfo[]; tick: number }) {
  const [inventory, setInventory] = useState<InventoryDevice[] | undefined>();
  const [reading, setReading] = useState(false);
  const [inventoryError, setInventoryError] = useState<unknown>();
  const read = async () => {
    setReading(true);
    setInventoryError(undefined);
    try { setInventory(sortInventory(await api.inventory(host))); } catch (e) { setInventoryError(e); } finally { setReading(false); }
  };
  // End devices the fan-out can choose from: the VMs that are devices, and what the inventory names.
  const choices = [...new Set([...vms.flatMap((v) => (v.devId ? [v.devId] : [])), ...(inventory ?? []).flatMap((d) => (d.deviceId ? [d.deviceId] : []))])].sort();
  return (
    <>
      <section aria-labelledby="gw-inventory-h">
        <h2 id="gw-inventory-h">Gateway inventory</h2>
        <p class="muted small">The end devices the host's gateway manages, as its Device Inventory says. Reading it runs a DM session with the host (the server wakes it and waits up to 20 s).</p>
        <div class="actions"><button type="button" onClick={() => void read()} disabled={reading}>{reading ? 'Reading the inventory…' : inventory ? 'Read again' : 'Read inventory'}</button></div>
        {inventoryError !== undefined && <ErrorBox error={inventoryError} what="Reading the gateway's inventory" />}
        {inventory && (inventory.length === 0 ? <p class="muted">The gateway lists no end devices.</p> : (
          <div class="table-wrap">
            <table class="inventory">
              <caption class="sr-only">Device Inventory of the gateway {host}</caption>
              <thead><tr><th scope="col">DeviceID</th><th scope="col">Local id</th><th scope="col">VM</th><th scope="col">Mode</th><th scope="col">Reachability</th><th scope="col">Last contact</th></tr></thead>
              <tbody>
                {inventory.map((d) => (
                  <tr key={d.node}>
                    <th scope="row">{d.deviceId ? <a href={routeHash({ page: 'device', devId: d.deviceId })}>{d.deviceId}</a> : <span class="muted">none ({d.node})</span>}</th>
                    <td>{d.localId ?? '—'}</td>
                    <td>{d.vmName ?? '—'}</td>
                    <td>{describeMode(d.mode) ?? d.mode ?? '—'}{d.prefix && d.mode === 'proxy' && <div class="small muted">prefix <code>{d.prefix}</code></div>}</td>
                    <td>{describeReachable(d)}</td>
                    <td>{d.lastContact ? <When at={d.lastContact} /> : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      </section>
      <FanoutSection api={api} host={host} choices={choices} tick={tick} />
    </>
  );
}

function FanoutSection({ api, host, choices, tick }: { api: AdminApi; host: string; choices: string[]; tick: number }) {
  const [all, setAll] = useState(true);
  const [chosen, setChosen] = useState<string[]>([]);
  const [text, setText] = useState('Get ./DevInfo/DevId');
  const [notify, setNotify] = useState(true);
  const [problem, setProblem] = useState<FanoutProblem | undefined>();
  const [sendError, setSendError] = useState<unknown>();
  const [view, setView] = useState<FanoutView | undefined>();
  const [poll, setPoll] = useState(0);
  const running = view !== undefined && view.state === 'running';
  useEffect(() => {
    if (!running) return;
    const t = setTimeout(() => setPoll((n) => n + 1), POLL_MS);
    return () => clearTimeout(t);
  }, [running, poll]);
  useEffect(() => {
    if (!running) return;
    let cancelled = false;
    api.fanoutView(view.id).then((v) => { if (!cancelled) setView(v); }, (e: unknown) => { if (!cancelled) setSendError(e); });
    return () => { cancelled = true; };
  }, [api, tick, poll]);

  const submit = async (e: Event) => {
    e.preventDefault();
    const commands = parseCommandLines(text);
    const targets = fanoutTargets(host, all, chosen);
    const p = isFanoutProblem(commands) ? commands : isFanoutProblem(targets) ? targets : undefined;
    setProblem(p);
    if (p) { document.getElementById(p.field === 'commands' ? 'fan-commands' : 'fan-all')?.focus(); return; }
    setSendError(undefined);
    try {
      const r = await api.fanout({ ...(targets as { host: string } | { devices: string[] }), commands: commands as Exclude<typeof commands, FanoutProblem>, notify });
      setView(await api.fanoutView(r.id));
    } catch (err) { setSendError(err); }
  };
  const toggle = (devId: string, on: boolean) => setChosen((list) => (on ? [...list, devId] : list.filter((d) => d !== devId)));
  return (
    <section aria-labelledby="fanout-h">
      <h2 id="fanout-h">Fan-out</h2>
      <form class="card form-grid" onSubmit={submit} aria-label="Fan-out">
        <fieldset class="help inline-choices">
          <legend>Devices</legend>
          <label class="inline"><input id="fan-all" type="radio" name="fan-targets" checked={all} onChange={() => setAll(true)} /> Every VM of the host</label>
          <label class="inline"><input type="radio" name="fan-targets" checked={!all} onChange={() => setAll(false)} /> Chosen devices</label>
        </fieldset>
        {!all && (
          <fieldset class="help">
            <legend>Chosen devices</legend>
            {choices.length === 0 ? <p class="muted small">No VM of this host is a device yet (read the inventory, or install a DM client).</p>
              : choices.map((d) => <label key={d} class="inline"><input type="checkbox" checked={chosen.includes(d)} onChange={(e) => toggle(d, (e.target as HTMLInputElement).checked)} /> {d}</label>)}
          </fieldset>
        )}
        <label for="fan-commands">Commands</label>
        <textarea id="fan-commands" rows={3} spellcheck={false} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          aria-describedby="fan-commands-help" {...(problem?.field === 'commands' ? { 'aria-invalid': true } : {})} />
        <p id="fan-commands-help" class="muted small help">One command a line: <code>VERB target [data]</code>, VERB one of Get, Replace, Add, Delete, Exec.</p>
        <label class="inline help"><input type="checkbox" checked={notify} onChange={(e) => setNotify((e.target as HTMLInputElement).checked)} /> Wake the devices now (one notification per gateway for proxied VMs)</label>
        {problem && <p class="error help" role="alert">{problem.field === 'commands' ? 'Commands' : 'Devices'}: {problem.message}</p>}
        <div class="actions help"><button type="submit" class="primary" disabled={running}>Run fan-out</button></div>
      </form>
      {sendError !== undefined && <ErrorBox error={sendError} what="The fan-out" />}
      {view && <FanoutResult view={view} />}
    </section>
  );
}

function FanoutResult({ view }: { view: FanoutView }) {
  const p = fanoutProgress(view);
  return (
    <div class="card fanout" aria-live="polite">
      <p><strong>Fan-out <code>{view.id}</code></strong> <StateBadge state={view.state} /></p>
      <ProgressBar campaign={p} />
      <p class="fanout-summary small">{progressSummary(p)}</p>
      <div class="table-wrap">
        <table>
          <caption class="sr-only">Each device of the fan-out</caption>
          <thead><tr><th scope="col">Device</th><th scope="col">State</th><th scope="col">Statuses and results</th></tr></thead>
          <tbody>
            {view.devices.map((d) => (
              <tr key={d.devId}>
                <th scope="row"><a href={routeHash({ page: 'device', devId: d.devId })}>{d.devId}</a></th>
                <td><StateBadge state={d.state} /></td>
                <td>{d.commands.map((c, i) => (
                  <div key={i} class="small">
                    {c.verb} <code>{c.target}</code>{c.status !== undefined && <span class={c.status < 300 ? 'ok' : 'bad'}>: {statusText(c.status)}</span>}
                    {c.results?.map((r, j) => <div key={j} class="muted">{r.source ?? c.target} = <code>{(r.data ?? '').length > 200 ? `${r.data!.slice(0, 200)}…` : r.data}</code></div>)}
                  </div>
                ))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
