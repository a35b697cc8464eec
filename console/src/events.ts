/**
 * The live event stream: a single-use ticket from the API (EventSource cannot
 * send the bearer header), then `EventSource('/api/events?ticket=…')`. When
 * the stream drops, a new ticket is fetched and the stream reopened; when
 * the token is refused, the console signs out.
 */
import { ApiError, type AdminApi } from './api.ts';
import type { ServerEvent } from './types.ts';

export type LiveState = 'connecting' | 'live' | 'offline';

const TYPES = ['session-end', 'operation', 'auth-failure'] as const;

/** Connect; returns the function that disconnects. */
export function connectEvents(api: AdminApi, onEvent: (e: ServerEvent) => void, onState: (s: LiveState) => void, onUnauthorized: () => void): () => void {
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const open = async () => {
    if (stopped) return;
    onState('connecting');
    try {
      const { ticket } = await api.eventTicket();
      if (stopped) return;
      source = new EventSource(`/api/events?ticket=${encodeURIComponent(ticket)}`);
      source.onopen = () => onState('live');
      source.onerror = () => {
        source?.close();
        onState('offline');
        timer = setTimeout(() => void open(), 3000);
      };
      for (const t of TYPES) {
        source.addEventListener(t, (m) => {
          try {
            onEvent(JSON.parse((m as MessageEvent<string>).data) as ServerEvent);
          } catch {
            // A malformed event is dropped; the stream goes on.
          }
        });
      }
    } catch (e) {
      // The token no longer works (server restarted with another one): sign out rather than retry forever.
      if (e instanceof ApiError && e.status === 401) { onUnauthorized(); return; }
      onState('offline');
      timer = setTimeout(() => void open(), 5000);
    }
  };
  void open();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    source?.close();
  };
}
