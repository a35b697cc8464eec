/**
 * VM actions on a host (the VM API of issue #6): create a Personal or
 * Enterprise VM from a stored image, start/stop/delete a VM or install its
 * DM client. Each action is an operation queued on the host; its progress is
 * followed here until the host reports the result.
 */
import { useEffect, useState } from 'preact/hooks';
import type { AdminApi, NewVm, VmAction } from '../api.ts';
import type { Operation, VmImage, VmInfo } from '../types.ts';
import { actionLabel, imagesFor, isFinal, newVmBody, vmActions, type VmFormFields } from '../lib/vm.ts';
import { describeMode } from '../lib/fleet.ts';
import { routeHash } from '../lib/route.ts';
import { statusText } from '../lib/trace.ts';
import { Badge, ErrorBox, StateBadge } from './common.tsx';

/** An action the operator started and its operation on the host. */
interface Tracked { key: string; what: string; operationId: string; notifyError?: string; op?: Operation }

const POLL_MS = 1500;

export function VmActions({ api, host, vms, tick, onChanged }: { api: AdminApi; host: string; vms: VmInfo[]; tick: number; onChanged: () => void }) {
  const [tracked, setTracked] = useState<Tracked[]>([]);
  const [actionError, setActionError] = useState<unknown>();
  const [poll, setPoll] = useState(0);
  const open = tracked.filter((t) => !t.op || !isFinal(t.op.state));

  // Follow the operations in flight: on every live event and every POLL_MS.
  useEffect(() => {
    if (open.length === 0) return;
    const t = setTimeout(() => setPoll((n) => n + 1), POLL_MS);
    return () => clearTimeout(t);
  }, [open.length, poll]);
  useEffect(() => {
    if (open.length === 0) return;
    let cancelled = false;
    void Promise.all(open.map(async (t) => [t.key, await api.operation(t.operationId).catch(() => undefined)] as const)).then((found) => {
      if (cancelled) return;
      const byKey = new Map(found);
      setTracked((list) => list.map((t) => {
        const op = byKey.get(t.key);
        return op ? { ...t, op } : t;
      }));
      // These were all in flight when asked: one that is final now changed the VM.
      if (found.some(([, op]) => op && isFinal(op.state))) onChanged();
    });
    return () => { cancelled = true; };
  }, [api, tick, poll]);

  const start = async (what: string, call: () => Promise<{ operationId: string; notifyError?: string }>) => {
    setActionError(undefined);
    try {
      const r = await call();
      setTracked((list) => [{ key: `${r.operationId}`, what, operationId: r.operationId, ...(r.notifyError ? { notifyError: r.notifyError } : {}) }, ...list].slice(0, 10));
      onChanged();
      return true;
    } catch (e) {
      setActionError(e);
      return false;
    }
  };
  const act = (vm: VmInfo, a: VmAction) => {
    if (a === 'delete' && !confirm(`Delete VM ${vm.name} on ${host}? Its disk and definition are removed.`)) return;
    void start(`${actionLabel(a)} ${vm.name}`, () => api.vmAction(host, vm.name, a));
  };

  return (
    <section aria-labelledby="vm-actions-h">
      <h2 id="vm-actions-h">Manage VMs</h2>
      {actionError !== undefined && <ErrorBox error={actionError} what="The VM action" />}
      {tracked.length > 0 && (
        <ul class="vm-ops" aria-label="VM operations" aria-live="polite">
          {tracked.map((t) => <TrackedOp key={t.key} t={t} />)}
        </ul>
      )}
      {vms.length > 0 && (
        <div class="table-wrap">
          <table class="vm-actions">
            <caption class="sr-only">VMs of {host} and what can be done to them</caption>
            <thead><tr><th scope="col">VM</th><th scope="col">Kind / image</th><th scope="col">State</th><th scope="col">DM client</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              {vms.map((v) => (
                <tr key={v.name}>
                  <th scope="row">{v.name}{v.devId && <div class="small">device <a href={routeHash({ page: 'device', devId: v.devId })}>{v.devId}</a></div>}</th>
                  <td>{v.kind ?? '—'}{v.image && <div class="small muted">image {v.image}</div>}</td>
                  <td>{v.state ? <Badge kind={v.state === 'running' ? 'ok' : v.state === 'crashed' || v.state === 'failed' ? 'bad' : 'muted'}>{v.state}</Badge> : '—'}
                    {v.pending && <div class="small">{v.pending} in progress</div>}
                    {v.reason && <div class="small bad">{v.reason}</div>}</td>
                  <td>{v.clientInstalled === undefined ? '—' : v.clientInstalled ? `installed${describeMode(v.managementMode) ? `, ${describeMode(v.managementMode)}` : ''}` : 'not installed'}</td>
                  <td>
                    {v.registeredOnly ? <span class="muted small">registered device, no VM record</span> : (
                      <div class="actions tight">
                        {vmActions(v).map((a) => <button key={a} type="button" class={`small${a === 'delete' ? ' danger' : ''}`} aria-label={`${actionLabel(a)} ${v.name}`} onClick={() => act(v, a)}>{actionLabel(a)}</button>)}
                        {vmActions(v).length === 0 && <span class="muted small">wait for the operation in progress</span>}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <NewVmForm api={api} onCreate={(body) => start(`Create ${body.kind === 'enterprise' ? 'Enterprise' : 'Personal'} VM ${body.name}`, () => api.createVm(host, body))} />
    </section>
  );
}

function TrackedOp({ t }: { t: Tracked }) {
  const c = t.op?.commands[0];
  const result = c?.results?.[0]?.data;
  return (
    <li class="card vm-op" data-operation={t.operationId}>
      <strong>{t.what}</strong>: <StateBadge state={t.op?.state ?? 'pending'} /> <code class="small">{t.operationId}</code>
      {!t.op || !isFinal(t.op.state)
        ? <span class="small muted"> — waiting for the host to report the result</span>
        : c?.status !== undefined && <span class={`small ${c.status < 300 ? 'ok' : 'bad'}`}> — {statusText(c.status, c.reason)}</span>}
      {t.op?.reason && <div class="small">{t.op.reason}</div>}
      {result && <div class="small muted">host reported: {result.length > 200 ? result.slice(0, 200) + '…' : result}</div>}
      {t.notifyError && <div class="small">The host was not woken ({t.notifyError}); the operation waits for its next session.</div>}
    </li>
  );
}

function NewVmForm({ api, onCreate }: { api: AdminApi; onCreate: (b: NewVm) => Promise<boolean> }) {
  const [images, setImages] = useState<VmImage[] | undefined>();
  const [imagesError, setImagesError] = useState<unknown>();
  const [f, setF] = useState<VmFormFields>({ name: '', kind: 'personal', image: '', withClient: 'image', mode: '' });
  const [problem, setProblem] = useState<{ field: keyof VmFormFields; message: string } | undefined>();
  useEffect(() => {
    api.images().then(setImages, setImagesError);
  }, [api]);
  const ordered = imagesFor(f.kind, images ?? []);
  const image = f.image || ordered[0]?.name || '';
  const chosen = ordered.find((i) => i.name === image);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = newVmBody({ ...f, image }, images ?? []);
    if ('field' in body) { setProblem(body); document.getElementById(`vm-${body.field}`)?.focus(); return; }
    setProblem(undefined);
    if (await onCreate(body)) setF({ ...f, name: '' });
  };
  const invalid = (k: keyof VmFormFields) => (problem?.field === k ? { 'aria-invalid': true, 'aria-describedby': 'vm-problem' } : {});
  return (
    <form class="card form-grid" onSubmit={submit} aria-label="New VM">
      <h3>Create a VM</h3>
      {imagesError !== undefined && <ErrorBox error={imagesError} what="Loading the images" />}
      {images !== undefined && images.length === 0 && <p class="muted help">No images stored yet: <code>dmvisor image push my.dmimg</code> (or <code>POST /api/images</code>) first.</p>}
      <label for="vm-name">Name</label>
      <input id="vm-name" value={f.name} required maxLength={64} spellcheck={false} placeholder="e.g. web-01" onInput={(e) => setF({ ...f, name: (e.target as HTMLInputElement).value })} {...invalid('name')} />
      <fieldset class="help inline-choices">
        <legend>Kind</legend>
        <label class="inline"><input type="radio" name="vm-kind" value="personal" checked={f.kind === 'personal'} onChange={() => setF({ ...f, kind: 'personal', image: '' })} /> Personal</label>
        <label class="inline"><input type="radio" name="vm-kind" value="enterprise" checked={f.kind === 'enterprise'} onChange={() => setF({ ...f, kind: 'enterprise', image: '' })} /> Enterprise</label>
      </fieldset>
      <label for="vm-image">Image</label>
      <select id="vm-image" value={image} onChange={(e) => setF({ ...f, image: (e.target as HTMLSelectElement).value })} disabled={!images?.length} {...invalid('image')}>
        {ordered.map((i) => <option key={i.name} value={i.name}>{i.name} ({i.kind}{i.withClient ? ', with DM client' : ''})</option>)}
      </select>
      <label for="vm-withClient">DM client in the VM</label>
      <select id="vm-withClient" value={f.withClient} onChange={(e) => setF({ ...f, withClient: (e.target as HTMLSelectElement).value as VmFormFields['withClient'] })}>
        <option value="image">as the image says{chosen ? ` (${chosen.withClient ? 'yes' : 'no'})` : ''}</option>
        <option value="yes">yes: the VM becomes a device of its own</option>
        <option value="no">no</option>
      </select>
      <label for="vm-mode">Management</label>
      <select id="vm-mode" value={f.mode ?? ''} onChange={(e) => setF({ ...f, mode: (e.target as HTMLSelectElement).value as VmFormFields['mode'] })} {...invalid('mode')}>
        <option value="">the host gateway's default</option>
        <option value="direct">direct: the server notifies the VM itself</option>
        <option value="transparent">transparent: notified through the host's gateway</option>
        <option value="proxy">proxy: everything through the host's gateway</option>
      </select>
      {chosen && <p class="muted small help">Image digest <code>{chosen.digest}</code>{chosen.account ? '; carries a ready DM account' : ''}{chosen.bootstrap ? `; bootstrap: ${chosen.bootstrap}` : ''}.</p>}
      {problem && <p id="vm-problem" class="error help" role="alert">{problem.field === 'name' ? 'Name' : problem.field === 'mode' ? 'Management' : 'Image'}: {problem.message}</p>}
      <div class="actions help"><button type="submit" class="primary" disabled={!images?.length}>Create VM</button></div>
    </form>
  );
}
