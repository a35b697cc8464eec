/**
 * Bootstrap: the profiles (what account a bootstrapped device gets) and the
 * enrollment secrets devices present to the bootstrap server. A new secret
 * is shown once, as the server answers it, with the client config that uses it.
 */
import { useEffect, useState } from 'preact/hooks';
import type { AdminApi } from '../api.ts';
import type { BootstrapProfile, Enrollment } from '../types.ts';
import { describeEnrollment, describeProfile, enrollmentConfig } from '../lib/bootstrap.ts';
import { ErrorBox, Loading, When } from './common.tsx';

const emptyProfile = (): BootstrapProfile => ({ name: '', profile: 'dm', form: 'tnds', clientAuth: 'md5', serverAuth: 'md5' });

export function BootstrapPage({ api }: { api: AdminApi }) {
  const [profiles, setProfiles] = useState<BootstrapProfile[] | undefined>();
  const [enrollments, setEnrollments] = useState<Enrollment[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [actionError, setActionError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();
  const [reload, setReload] = useState(0);
  /** The secret just created: shown until the operator dismisses it or leaves the page, never fetched again. */
  const [fresh, setFresh] = useState<(Enrollment & { secret: string }) | undefined>();

  useEffect(() => {
    let cancelled = false;
    Promise.all([api.bootstrapProfiles(), api.enrollments()]).then(([p, e]) => {
      if (!cancelled) { setProfiles(p); setEnrollments(e); setError(undefined); }
    }, (e: unknown) => { if (!cancelled) setError(e); });
    return () => { cancelled = true; };
  }, [api, reload]);

  const run = async (what: () => Promise<string>) => {
    setActionError(undefined);
    setNotice(undefined);
    try {
      setNotice(await what());
      setReload((n) => n + 1);
      return true;
    } catch (e) {
      setActionError(e);
      return false;
    }
  };
  const bootstrapUrl = `${location.origin}/bootstrap`;

  if (error !== undefined) return <><h1>Bootstrap</h1><ErrorBox error={error} what="Loading bootstrap profiles and enrollments" /></>;
  if (!profiles || !enrollments) return <Loading what="bootstrap profiles" />;
  return (
    <>
      <h1>Bootstrap</h1>
      <p class="muted">How devices and VMs get their DM account. A <strong>profile</strong> says what account is issued; an <strong>enrollment secret</strong> lets a device ask the bootstrap server (<code>{bootstrapUrl}</code>) for one itself (client-initiated bootstrap). Documents for images and cards, and pushes, are issued with <code>dmvisor bootstrap</code> or the API.</p>
      {notice && <p class="notice" role="status">{notice}</p>}
      {actionError !== undefined && <ErrorBox error={actionError} what="The action" />}

      <section aria-labelledby="profiles-h">
        <h2 id="profiles-h">Profiles</h2>
        <div class="table-wrap">
          <table class="profiles">
            <caption class="sr-only">Bootstrap profiles</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">What a device gets</th><th scope="col">Settings</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {profiles.map((p) => (
                <tr key={p.name}>
                  <th scope="row">{p.name}</th>
                  <td>{describeProfile(p)}</td>
                  <td class="small"><code>{p.profile}</code> · <code>{p.form}</code> · client <code>{p.clientAuth}</code> · server <code>{p.serverAuth}</code>{p.serverUri && <> · <code>{p.serverUri}</code></>}</td>
                  <td>{p.name === 'default'
                    ? <span class="muted small">always there</span>
                    : <button type="button" class="small danger" aria-label={`Delete profile ${p.name}`} onClick={() => { if (confirm(`Delete bootstrap profile ${p.name}?`)) void run(async () => { await api.deleteBootstrapProfile(p.name); return `Profile ${p.name} deleted.`; }); }}>Delete</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <ProfileForm onSave={(p) => run(async () => { const saved = await api.putBootstrapProfile(p); return `Profile ${saved.name} saved.`; })} />
      </section>

      <section aria-labelledby="enroll-h">
        <h2 id="enroll-h">Enrollment secrets</h2>
        {fresh && (
          <div class="card secret-once" role="region" aria-labelledby="fresh-h">
            <h3 id="fresh-h">Enrollment secret {fresh.name} created</h3>
            <p><strong>Copy it now: the server shows a secret only once.</strong> {describeEnrollment(fresh)}</p>
            <dl class="pairs">
              <dt>Name</dt><dd><code>{fresh.name}</code></dd>
              <dt>Secret</dt><dd><code class="secret">{fresh.secret}</code></dd>
            </dl>
            <p class="small">A client config that uses it (<code>accounts</code> and <code>bootstrap</code> of <code>dmvisor client</code>):</p>
            <pre class="xml">{enrollmentConfig(fresh, bootstrapUrl)}</pre>
            <button type="button" onClick={() => setFresh(undefined)}>I have copied it — hide the secret</button>
          </div>
        )}
        {enrollments.length === 0 ? <p class="muted">No enrollment secrets.</p> : (
          <div class="table-wrap">
            <table class="enrollments">
              <caption class="sr-only">Enrollment secrets (the secrets themselves are never shown again)</caption>
              <thead><tr><th scope="col">Name</th><th scope="col">What it allows</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {enrollments.map((e) => (
                  <tr key={e.name}>
                    <th scope="row">{e.name}</th>
                    <td>{describeEnrollment(e)}</td>
                    <td><When at={e.createdAt} /></td>
                    <td><button type="button" class="small danger" aria-label={`Delete enrollment ${e.name}`} onClick={() => { if (confirm(`Delete enrollment ${e.name}? Devices holding its secret can no longer bootstrap.`)) void run(async () => { await api.deleteEnrollment(e.name); if (fresh?.name === e.name) setFresh(undefined); return `Enrollment ${e.name} deleted.`; }); }}>Delete</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <EnrollmentForm profiles={profiles} onCreate={(body) => run(async () => { const e = await api.createEnrollment(body); setFresh(e); return `Enrollment ${e.name} created.`; })} />
      </section>
    </>
  );
}

function ProfileForm({ onSave }: { onSave: (p: BootstrapProfile) => Promise<boolean> }) {
  const [p, setP] = useState<BootstrapProfile>(emptyProfile());
  const pick = <K extends keyof BootstrapProfile>(k: K) => (e: Event) => setP({ ...p, [k]: (e.target as HTMLSelectElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    const { serverUri, ...rest } = p;
    if (await onSave(serverUri?.trim() ? { ...rest, serverUri: serverUri.trim() } : rest)) setP(emptyProfile());
  };
  return (
    <form class="card form-grid" onSubmit={submit} aria-label="New or changed profile">
      <h3>Create or replace a profile</h3>
      <label for="bp-name">Name</label>
      <input id="bp-name" value={p.name} required pattern="[A-Za-z0-9._~\-]{1,64}" title="1–64 letters, digits and . _ ~ -" onInput={pick('name')} aria-describedby="bp-name-help" />
      <p id="bp-name-help" class="muted small help">An existing name is replaced.</p>
      <label for="bp-profile">Document</label>
      <select id="bp-profile" value={p.profile} onChange={pick('profile')}>
        <option value="dm">DM profile (SyncML DM message)</option>
        <option value="cp">CP profile (WAP provisioning document)</option>
      </select>
      <label for="bp-form">DM profile form</label>
      <select id="bp-form" value={p.form} onChange={pick('form')} disabled={p.profile === 'cp'}>
        <option value="tnds">TNDS object through ./Inbox</option>
        <option value="direct">direct Adds of ./DMAcc nodes</option>
      </select>
      <label for="bp-server">DM server URL</label>
      <input id="bp-server" type="url" value={p.serverUri ?? ''} placeholder="this server's public DM URL" onInput={pick('serverUri')} />
      <label for="bp-client">Device authenticates with</label>
      <select id="bp-client" value={p.clientAuth} onChange={pick('clientAuth')}>
        <option value="md5">MD5 digest</option><option value="basic">Basic</option><option value="hmac">HMAC</option>
      </select>
      <label for="bp-srv">Server authenticates with</label>
      <select id="bp-srv" value={p.serverAuth} onChange={pick('serverAuth')}>
        <option value="md5">MD5 digest</option><option value="none">nothing</option>
      </select>
      <p class="muted small help" aria-live="polite">{p.name ? describeProfile(p) : 'Fill in a name to see what the profile issues.'}</p>
      <div class="actions help"><button type="submit" class="primary">Save profile</button></div>
    </form>
  );
}

function EnrollmentForm({ profiles, onCreate }: { profiles: BootstrapProfile[]; onCreate: (b: { name?: string; profile: string; devId?: string }) => Promise<boolean> }) {
  const [name, setName] = useState('');
  const [profile, setProfile] = useState('default');
  const [devId, setDevId] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await onCreate({ ...(name.trim() ? { name: name.trim() } : {}), profile, ...(devId.trim() ? { devId: devId.trim() } : {}) })) { setName(''); setDevId(''); }
  };
  return (
    <form class="card form-grid" onSubmit={submit} aria-label="New enrollment secret">
      <h3>New enrollment secret</h3>
      <label for="en-name">Name (what the device presents)</label>
      <input id="en-name" value={name} placeholder="generated when empty" pattern="[A-Za-z0-9._~\-]{1,64}" title="1–64 letters, digits and . _ ~ -" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      <label for="en-profile">Profile of the account issued</label>
      <select id="en-profile" value={profile} onChange={(e) => setProfile((e.target as HTMLSelectElement).value)}>
        {profiles.map((p) => <option key={p.name} value={p.name}>{p.name}</option>)}
      </select>
      <label for="en-devid">Only for DevId</label>
      <input id="en-devid" value={devId} placeholder="any device when empty" spellcheck={false} onInput={(e) => setDevId((e.target as HTMLInputElement).value)} />
      <p class="muted small help">The server generates the secret and shows it once.</p>
      <div class="actions help"><button type="submit" class="primary">Create enrollment secret</button></div>
    </form>
  );
}
