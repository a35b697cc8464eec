/** Sign-in with the API token; the token is checked against the API before it is kept (sessionStorage only). */
import { useState } from 'preact/hooks';
import { AdminApi, ApiError } from '../api.ts';

export function SignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (ev: Event) => {
    ev.preventDefault();
    const t = token.trim();
    if (!t) { setError('Enter the API token.'); return; }
    setBusy(true);
    setError(undefined);
    try {
      await new AdminApi(t).listDevices({ limit: 1 });
      onSignedIn(t);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401
        ? 'The server refused this token. Use the token printed by the first `dmvisor server` start, or the one given with --api-token.'
        : `Could not check the token: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin" id="main">
      <h1>dmvisor console</h1>
      <form onSubmit={submit} aria-describedby={error ? 'signin-error' : undefined}>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autoComplete="current-password" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} required />
        <p class="muted">Kept in this browser tab only (session storage); closing the tab signs you out.</p>
        <button type="submit" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
        {error && <p id="signin-error" class="error" role="alert">{error}</p>}
      </form>
    </main>
  );
}
