/**
 * Campaigns: the list with state and progress, the create form (the
 * operation composer with the campaign's filter and limits), and one
 * campaign's page — live progress, pause/resume/cancel, its devices page by
 * page with each command's status code.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { AdminApi, CommandInput } from '../api.ts';
import type { Campaign, CampaignTarget } from '../types.ts';
import { campaignActions, campaignSettings, describeFilter, emptyCampaignForm, isProblem, progressSegments, progressSummary, type CampaignFormFields, type FormProblem } from '../lib/campaign.ts';
import { routeHash } from '../lib/route.ts';
import { statusText } from '../lib/trace.ts';
import { ErrorBox, Loading, StateBadge, When } from './common.tsx';
import { Composer } from './Composer.tsx';

/** While a campaign runs its batches are queued by a server timer (no event says so): look again this often. */
const RUNNING_POLL_MS = 2000;

/** The campaign's progress as a bar of segments, with its summary as the accessible name. */
export function ProgressBar({ campaign }: { campaign: Pick<Campaign, 'progress' | 'targets'> }) {
  const summary = progressSummary(campaign);
  return (
    <div class="progress" role="img" aria-label={`Progress: ${summary}`} title={summary}>
      {progressSegments(campaign).filter((s) => s.percent > 0).map((s) => <span key={s.key} class={`seg seg-${s.key}`} style={{ width: `${s.percent}%` }} />)}
    </div>
  );
}

/** Reloads caused by live events, at most one every 300 ms; and a poll while `polling`. */
function useReload(tick: number, polling: boolean): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    if (tick === 0) return;
    const t = setTimeout(() => setN((x) => x + 1), 300);
    return () => clearTimeout(t);
  }, [tick]);
  useEffect(() => {
    if (!polling) return;
    const t = setInterval(() => setN((x) => x + 1), RUNNING_POLL_MS);
    return () => clearInterval(t);
  }, [polling]);
  return n;
}

export function CampaignsPage({ api, tick }: { api: AdminApi; tick: number }) {
  const [list, setList] = useState<Campaign[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState(0);
  const reload = useReload(tick, list?.some((c) => c.state === 'running') ?? false);
  useEffect(() => {
    let cancelled = false;
    api.campaigns().then((l) => { if (!cancelled) { setList(l); setError(undefined); } }, (e: unknown) => { if (!cancelled) setError(e); });
    return () => { cancelled = true; };
  }, [api, reload, created]);
  return (
    <>
      <h1>Campaigns</h1>
      <p class="muted">One operation for a group of devices, delivered in batches; paused by the server when too many devices fail.</p>
      {error !== undefined && <ErrorBox error={error} what="Loading the campaigns" />}
      {list === undefined && error === undefined && <Loading what="campaigns" />}
      {list !== undefined && (list.length === 0 ? <p>No campaigns yet.</p> : (
        <div class="table-wrap">
          <table class="campaigns">
            <caption class="sr-only">Campaigns, newest first</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col">Progress</th><th scope="col">Devices</th><th scope="col">Created</th></tr></thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.id}>
                  <th scope="row"><a href={routeHash({ page: 'campaign', id: c.id })}>{c.name}</a><div class="muted small">{describeFilter(c.filter)}</div></th>
                  <td><StateBadge state={c.state} />{c.reason && <div class="small">{c.reason}</div>}</td>
                  <td class="progress-cell"><ProgressBar campaign={c} /><div class="small">{progressSummary(c)}</div></td>
                  <td>{c.targets}</td>
                  <td><When at={c.createdAt} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      <section aria-labelledby="new-campaign-h">
        <h2 id="new-campaign-h">New campaign</h2>
        <NewCampaignForm api={api} onCreated={(c) => { setCreated((n) => n + 1); location.hash = routeHash({ page: 'campaign', id: c.id }); }} />
      </section>
    </>
  );
}

const FIELD_IDS: Record<FormProblem['field'], string> = {
  name: 'cmp-name', search: 'cmp-search', parentDevId: 'cmp-parent', devInfo: 'cmp-devinfo', devIds: 'cmp-devids', batchSize: 'cmp-batch', maxFailurePercent: 'cmp-rate', filter: 'cmp-filter',
};

const FIELD_NAMES: Record<FormProblem['field'], string> = {
  name: 'Name', search: 'DevId contains', parentDevId: 'Runs on host', devInfo: 'DevInfo values', devIds: 'DevIds', batchSize: 'Batch size', maxFailurePercent: 'Failure limit', filter: 'Devices',
};

function NewCampaignForm({ api, onCreated }: { api: AdminApi; onCreated: (c: Campaign) => void }) {
  const [f, setF] = useState<CampaignFormFields>(emptyCampaignForm());
  const [problem, setProblem] = useState<FormProblem | undefined>();
  const [error, setError] = useState<unknown>();
  const set = (k: keyof CampaignFormFields) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement | HTMLTextAreaElement).value });
  const submit = async (commands: CommandInput[], o: { atomic: boolean; notify: boolean }): Promise<boolean> => {
    setError(undefined);
    const s = campaignSettings(f);
    if (isProblem(s)) {
      setProblem(s);
      document.getElementById(FIELD_IDS[s.field])?.focus();
      return false;
    }
    setProblem(undefined);
    try {
      const c = await api.createCampaign({ ...s, commands, atomic: o.atomic, notify: o.notify });
      setF(emptyCampaignForm());
      onCreated(c);
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  const invalid = (k: FormProblem['field']) => (problem?.field === k ? { 'aria-invalid': true, 'aria-describedby': 'cmp-problem' } : {});
  return (
    <Composer onSubmit={submit} canNotify label="New campaign" submitLabel="Start campaign" notifyLabel="Wake each device when its batch is queued" idPrefix="cmpcmd">
      <div class="campaign-fields">
        <label for="cmp-name">Name</label>
        <input id="cmp-name" value={f.name} onInput={set('name')} required maxLength={256} {...invalid('name')} />
        <fieldset id="cmp-filter" tabIndex={-1} class="filter-fields" aria-describedby="cmp-filter-help">
          <legend>Devices (every condition given must hold)</legend>
          <p id="cmp-filter-help" class="muted small">Evaluated once, when the campaign is created.</p>
          <label for="cmp-search">DevId contains</label>
          <input id="cmp-search" value={f.search} onInput={set('search')} spellcheck={false} {...invalid('search')} />
          <label for="cmp-parent">Runs on host (parent DevId)</label>
          <input id="cmp-parent" value={f.parentDevId} onInput={set('parentDevId')} spellcheck={false} {...invalid('parentDevId')} />
          <label for="cmp-devinfo">DevInfo values, one Name=value a line</label>
          <textarea id="cmp-devinfo" rows={2} value={f.devInfo} onInput={set('devInfo')} placeholder="Mod=Enterprise VM" spellcheck={false} {...invalid('devInfo')} />
          <label for="cmp-devids">These DevIds (one a line or comma-separated)</label>
          <textarea id="cmp-devids" rows={2} value={f.devIds} onInput={set('devIds')} spellcheck={false} {...invalid('devIds')} />
        </fieldset>
        <label for="cmp-batch">Batch size (devices in flight at once)</label>
        <input id="cmp-batch" type="number" min={1} max={100000} step={1} value={f.batchSize} onInput={set('batchSize')} {...invalid('batchSize')} />
        <label for="cmp-rate">Pause when more than this % of finished devices failed</label>
        <input id="cmp-rate" type="number" min={0} max={100} step="any" value={f.maxFailurePercent} onInput={set('maxFailurePercent')} {...invalid('maxFailurePercent')} />
      </div>
      {problem && <p id="cmp-problem" class="error" role="alert">{FIELD_NAMES[problem.field]}: {problem.message}</p>}
      {error !== undefined && <ErrorBox error={error} what="Creating the campaign" />}
      <h3 class="commands-h">Commands for each device</h3>
    </Composer>
  );
}

const TARGETS_PAGE = 50;

export function CampaignPage({ api, id, tick }: { api: AdminApi; id: string; tick: number }) {
  const [c, setC] = useState<Campaign | undefined>();
  const [targets, setTargets] = useState<{ targets: CampaignTarget[]; next?: string } | undefined>();
  /** Cursors of the pages before the one shown (`after` values); the last is the current page's. */
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [error, setError] = useState<unknown>();
  const [actionError, setActionError] = useState<unknown>();
  const [acted, setActed] = useState(0);
  const reload = useReload(tick, c?.state === 'running');
  const seq = useRef(0);
  const after = cursors[cursors.length - 1];
  useEffect(() => {
    const mine = ++seq.current;
    Promise.all([api.campaign(id), api.campaignTargets(id, { limit: TARGETS_PAGE, ...(after ? { after } : {}) })]).then(([camp, t]) => {
      if (mine !== seq.current) return; // a newer load is under way
      setC(camp); setTargets(t); setError(undefined);
    }, (e: unknown) => { if (mine === seq.current) setError(e); });
  }, [api, id, reload, acted, after]);

  const act = async (action: 'pause' | 'resume' | 'cancel') => {
    setActionError(undefined);
    try {
      setC(await api.campaignAction(id, action));
      setActed((n) => n + 1);
    } catch (e) {
      setActionError(e);
    }
  };

  if (error !== undefined && !c) return <><h1>Campaign {id}</h1><ErrorBox error={error} what="Loading the campaign" /></>;
  if (!c || !targets) return <Loading what={`campaign ${id}`} />;
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb"><a href={routeHash({ page: 'campaigns' })}>Campaigns</a> › <span aria-current="page">{c.name}</span></nav>
      <h1>{c.name}</h1>
      <div class="actions">
        <StateBadge state={c.state} />
        {campaignActions(c.state).map((a) => <button key={a} type="button" class={a === 'cancel' ? 'danger' : ''} onClick={() => void act(a)}>{a === 'pause' ? 'Pause' : a === 'resume' ? 'Resume' : 'Cancel campaign'}</button>)}
      </div>
      {c.reason && <p class="notice-warn" role="status">{c.reason}</p>}
      {actionError !== undefined && <ErrorBox error={actionError} what="The action" />}
      {error !== undefined && <ErrorBox error={error} what="Refreshing the campaign" />}
      <section class="card" aria-labelledby="progress-h">
        <h2 id="progress-h">Progress</h2>
        <ProgressBar campaign={c} />
        <p class="campaign-summary" role="status" aria-live="polite">{progressSummary(c)}</p>
        <ul class="legend">
          {progressSegments(c).map((s) => <li key={s.key}><span class={`swatch seg-${s.key}`} aria-hidden="true" /> {s.label}: {s.count}</li>)}
        </ul>
      </section>
      <div class="grid">
        <section class="card">
          <h3>Settings</h3>
          <dl class="pairs">
            <dt>Devices</dt><dd>{describeFilter(c.filter)} ({c.targets} matched)</dd>
            <dt>Batch size</dt><dd>{c.batchSize}</dd>
            <dt>Pauses above</dt><dd>{Math.round(c.maxFailureRate * 1000) / 10} % failed</dd>
            <dt>Atomic</dt><dd>{c.atomic ? 'yes' : 'no'}</dd>
            <dt>Wakes devices</dt><dd>{c.notify ? 'yes' : 'no'}</dd>
            <dt>Created</dt><dd><When at={c.createdAt} /></dd>
            {c.completedAt && <><dt>Ended</dt><dd><When at={c.completedAt} /></dd></>}
            <dt>Id</dt><dd><code>{c.id}</code></dd>
          </dl>
        </section>
        <section class="card">
          <h3>Commands</h3>
          <ol class="small">
            {c.commands.map((x, i) => <li key={i}><strong>{x.verb}</strong> <code>{x.target}</code>{x.source && <> from <code>{x.source}</code></>}{x.data !== undefined && <span class="muted"> = {x.data.length > 60 ? x.data.slice(0, 60) + '…' : x.data}</span>}</li>)}
          </ol>
        </section>
      </div>
      <section aria-labelledby="targets-h">
        <h2 id="targets-h">Devices</h2>
        {targets.targets.length === 0 ? <p class="muted">No devices{cursors.length > 1 ? ' on this page' : ' matched the filter'}.</p> : (
          <div class="table-wrap">
            <table class="targets">
              <caption class="sr-only">Devices of campaign {c.name}, page {cursors.length}</caption>
              <thead><tr><th scope="col">DevId</th><th scope="col">State</th><th scope="col">Status codes</th></tr></thead>
              <tbody>
                {targets.targets.map((t) => (
                  <tr key={t.devId}>
                    <th scope="row"><a href={routeHash({ page: 'device', devId: t.devId })}>{t.devId}</a></th>
                    <td><StateBadge state={t.state} />{t.reason && <div class="small">{t.reason}</div>}</td>
                    <td>
                      {(t.commands ?? []).length === 0 ? <span class="muted">—</span> : (t.commands ?? []).map((x) => (
                        <div key={x.index} class={x.status === undefined ? 'muted' : x.status < 300 ? 'ok' : 'bad'}>
                          <span class="small">{x.verb} <code>{x.target}</code>:</span> {statusText(x.status, x.reason)}
                        </div>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <div class="actions" role="group" aria-label="Pages of devices">
          <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
          <span class="small">Page {cursors.length}</span>
          <button type="button" disabled={!targets.next} onClick={() => setCursors([...cursors, targets.next])}>Next page</button>
        </div>
      </section>
    </>
  );
}
