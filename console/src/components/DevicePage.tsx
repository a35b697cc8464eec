/** One device: identity, last-known tree, operation composer, operations with per-command status, sessions. */
import { useEffect, useState } from 'preact/hooks';
import type { AdminApi, CommandInput } from '../api.ts';
import type { DeviceDetail, Operation } from '../types.ts';
import { routeHash } from '../lib/route.ts';
import { statusText } from '../lib/trace.ts';
import { describeBootstrapMethod } from '../lib/bootstrap.ts';
import { ErrorBox, Loading, Pairs, When, StateBadge } from './common.tsx';
import { TreeView } from './TreeView.tsx';
import { Composer } from './Composer.tsx';
import { ManagementCard } from './ManagementCard.tsx';

export function DevicePage({ api, devId, tick }: { api: AdminApi; devId: string; tick: number }) {
  const [device, setDevice] = useState<DeviceDetail | undefined>();
  const [error, setError] = useState<unknown>();
  const [reload, setReload] = useState(0);
  const [notice, setNotice] = useState<string | undefined>();
  const [actionError, setActionError] = useState<unknown>();

  useEffect(() => {
    let cancelled = false;
    api.device(devId).then((d) => { if (!cancelled) { setDevice(d); setError(undefined); } }, (e: unknown) => { if (!cancelled) setError(e); });
    return () => { cancelled = true; };
  }, [api, devId, tick, reload]);

  const queue = async (commands: CommandInput[], opts: { atomic?: boolean; notify?: boolean }) => {
    setActionError(undefined);
    try {
      const op = await api.queueOperation(devId, commands, opts);
      setNotice(`Queued operation ${op.id} (${commands.map((c) => `${c.verb} ${c.target}`).join(', ')})${op.notifyError ? `; the notification failed: ${op.notifyError}` : opts.notify ? '; device notified' : ''}.`);
      setReload((r) => r + 1);
      return true;
    } catch (e) {
      setActionError(e);
      return false;
    }
  };
  const notify = async () => {
    setActionError(undefined);
    try {
      const r = await api.notify(devId);
      setNotice(`Notification sent to ${r.address} (session ${r.sessionId}).`);
    } catch (e) {
      setActionError(e);
    }
  };
  const cancel = async (op: Operation) => {
    setActionError(undefined);
    try {
      await api.cancelOperation(op.id);
      setReload((r) => r + 1);
    } catch (e) {
      setActionError(e);
    }
  };

  if (error !== undefined) return <><h1>{devId}</h1><ErrorBox error={error} what="Loading the device" /></>;
  if (!device) return <Loading what={`device ${devId}`} />;
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb"><a href="#/">Fleet</a> › {device.parentDevId && <><a href={routeHash({ page: 'device', devId: device.parentDevId })}>{device.parentDevId}</a> › </>}<span aria-current="page">{device.devId}</span></nav>
      <h1 class="devid">{device.devId}</h1>
      <div class="actions">
        <button type="button" onClick={() => void notify()} disabled={!device.notifyAddress} title={device.notifyAddress ? `Send package #0 to ${device.notifyAddress}` : 'The device has no notification address'}>Notify now</button>
        <a class="button" href={routeHash({ page: 'host', devId: device.devId })}>Topology and VMs</a>
      </div>
      {notice && <p class="notice" role="status">{notice}</p>}
      {actionError !== undefined && <ErrorBox error={actionError} what="The action" />}
      <div class="grid identity">
        <section class="card">
          <h3>Registration</h3>
          <dl class="pairs">
            <dt>Client auth</dt><dd>{device.clientAuth ? `${device.clientAuth.type} as ${device.clientAuth.name}` : '—'}</dd>
            <dt>Server auth</dt><dd>{device.serverAuth ? device.serverAuth.type : 'none'}</dd>
            <dt>Notification</dt><dd>{device.notifyAddress ?? 'none'}</dd>
            <dt>Host</dt><dd>{device.parentDevId ? <a href={routeHash({ page: 'device', devId: device.parentDevId })}>{device.parentDevId}</a> : '—'}</dd>
            {device.bootstrapMethod && <><dt>Bootstrapped</dt><dd>{describeBootstrapMethod(device.bootstrapMethod)}{!device.lastSeenAt && ' — waiting for its first session'}</dd></>}
            <dt>Last check-in</dt><dd><When at={device.lastSeenAt} /></dd>
            <dt>Registered</dt><dd><When at={device.createdAt} /></dd>
          </dl>
        </section>
        <Pairs title="DevInfo" values={device.devInfo} />
        <Pairs title="DevDetail" values={device.devDetail} />
        <ManagementCard api={api} devId={device.devId} />
      </div>
      <section aria-labelledby="tree-h">
        <h2 id="tree-h">Last-known DM tree</h2>
        <TreeView nodes={device.tree} onRefresh={(uri, notifyNow) => queue([{ verb: 'Get', target: uri }], { notify: notifyNow })} canNotify={!!device.notifyAddress} />
      </section>
      <section aria-labelledby="compose-h">
        <h2 id="compose-h">New operation</h2>
        <Composer onSubmit={queue} canNotify={!!device.notifyAddress} />
      </section>
      <section aria-labelledby="ops-h">
        <h2 id="ops-h">Operations</h2>
        {device.operations.length === 0 ? <p class="muted">No operations yet.</p> : (
          <ol class="operations">
            {device.operations.map((op) => (
              <li key={op.id} class="card op" data-operation={op.id}>
                <div class="op-head">
                  <StateBadge state={op.state} /> <code>{op.id}</code> {op.atomic && <span class="badge badge-muted">Atomic</span>}
                  <span class="muted small">queued <When at={op.createdAt} />{op.attempts > 0 ? ` · ${op.attempts} retries` : ''}</span>
                  {(op.state === 'pending' || op.state === 'sent') && <button type="button" class="small" onClick={() => void cancel(op)}>Cancel</button>}
                </div>
                {op.reason && <p class="small">{op.reason}</p>}
                <table class="commands">
                  <caption class="sr-only">Commands of operation {op.id}</caption>
                  <thead><tr><th scope="col">#</th><th scope="col">Command</th><th scope="col">Status</th><th scope="col">Result</th></tr></thead>
                  <tbody>
                    {op.commands.map((c) => (
                      <tr key={c.index}>
                        <td>{c.index + 1}</td>
                        <td><strong>{c.verb}</strong> <code>{c.target}</code>{c.source && <> from <code>{c.source}</code></>}{c.data !== undefined && <div class="small muted">data: {c.data.length > 80 ? c.data.slice(0, 80) + '…' : c.data}</div>}</td>
                        <td class={c.status === undefined ? 'muted' : c.status < 300 ? 'ok' : 'bad'}>{statusText(c.status, c.reason)}</td>
                        <td>{(c.results ?? []).map((r, i) => <div key={i}><code>{r.source ?? c.target}</code> = <span class="value">{r.data ?? ''}</span>{r.format && <span class="muted small"> ({r.format})</span>}</div>)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {op.sessionId && <a class="small" href={routeHash({ page: 'session', id: op.sessionId })}>Session trace</a>}
              </li>
            ))}
          </ol>
        )}
      </section>
      <section aria-labelledby="sessions-h">
        <h2 id="sessions-h">Sessions</h2>
        {device.sessions.length === 0 ? <p class="muted">The device has not checked in yet.</p> : (
          <div class="table-wrap">
            <table class="sessions">
              <thead><tr><th scope="col">Started</th><th scope="col">Initiator</th><th scope="col">State</th><th scope="col">Messages</th><th scope="col">Trace</th></tr></thead>
              <tbody>
                {device.sessions.map((s) => (
                  <tr key={s.id}>
                    <td><When at={s.startedAt} /></td>
                    <td>{s.initiator}</td>
                    <td><StateBadge state={s.state} />{s.reason && <span class="small"> {s.reason}</span>}</td>
                    <td>{s.messageCount}{s.hasError && <span class="bad"> (errors)</span>}</td>
                    <td><a href={routeHash({ page: 'session', id: s.id })}>{s.traced ? 'Open trace' : 'Details (bodies pruned)'}</a></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
