/**
 * How a device is managed (gateway, issue #7): direct, transparent or proxy,
 * and through which gateway; a VM behind a gateway can be switched between
 * direct and transparent. Shown when the server has the route and the device
 * is behind a gateway or not managed directly.
 */
import { useEffect, useState } from 'preact/hooks';
import type { AdminApi } from '../api.ts';
import type { ManagementLink } from '../types.ts';
import { describeMode } from '../lib/fleet.ts';
import { modeSwitch } from '../lib/vm.ts';
import { routeHash } from '../lib/route.ts';
import { ErrorBox } from './common.tsx';

export function ManagementCard({ api, devId }: { api: AdminApi; devId: string }) {
  const [link, setLink] = useState<ManagementLink | undefined>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let cancelled = false;
    void api.hasManagementRoute().then(async (has) => {
      if (!has) return;
      const l = await api.management(devId);
      if (!cancelled) setLink(l);
    }).catch((e: unknown) => { if (!cancelled) setError(e); });
    return () => { cancelled = true; };
  }, [api, devId]);
  if (!link && error === undefined) return null;
  // A device with no gateway, managed directly (a plain device): nothing worth a card.
  if (link && !link.via && link.mode === 'direct' && error === undefined) return null;
  const to = link ? modeSwitch(link) : undefined;
  const doSwitch = async () => {
    if (!to) return;
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.setManagement(devId, to);
      setLink({ ...link!, ...r });
      setNotice(`Now managed ${describeMode(r.mode) ?? r.mode}.${r.gatewayOperationId ? ` The gateway's inventory record follows (operation ${r.gatewayOperationId}).` : ''}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="mgmt-h">
      <h3 id="mgmt-h">Management</h3>
      {link && (
        <dl class="pairs">
          <dt>Mode</dt><dd>{describeMode(link.mode) ?? link.mode}</dd>
          <dt>Gateway</dt><dd>{link.via ? <a href={routeHash({ page: 'device', devId: link.via })}>{link.via}</a> : 'none'}</dd>
          {link.prefix && <><dt>Prefix</dt><dd><code>{link.prefix}</code></dd></>}
        </dl>
      )}
      {to && <div class="actions"><button type="button" disabled={busy} onClick={() => void doSwitch()}>Switch to {to}</button></div>}
      {link?.mode === 'proxy' && <p class="muted small">Proxy mode is chosen when the VM is created.</p>}
      {notice && <p class="notice small" role="status">{notice}</p>}
      {error !== undefined && <ErrorBox error={error} what="Management" />}
    </section>
  );
}
