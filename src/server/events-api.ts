/**
 * `GET /api/events`: the server's live events as server-sent events.
 *
 * Browsers' EventSource cannot send an Authorization header, so besides the
 * bearer header this route (and only this one) accepts `?ticket=`: a
 * single-use ticket valid for 30 s, obtained with the bearer token from
 * `POST /api/events/ticket`. The API token itself never appears in a URL
 * (URLs end up in logs and history); a leaked ticket is worthless after its
 * first use or half a minute.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { hasValidBearer } from './admin-api.js';
import type { ServerEventBus } from './event-bus.js';

/** How long a ticket is valid. */
export const TICKET_TTL_MS = 30_000;
const MAX_TICKETS = 1000;
const HEARTBEAT_MS = 15_000;

/** The events routes of one server. */
export class EventsApi {
  private readonly tickets = new Map<string, number>();
  private readonly streams = new Set<ServerResponse>();

  constructor(private readonly bus: ServerEventBus, private readonly tokenHash: Buffer) {}

  /** Handle `/api/events` and `/api/events/ticket`; returns false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/events/ticket') {
      if (req.method !== 'POST') return fail(res, 405, 'method_not_allowed', 'POST only');
      if (!hasValidBearer(req, this.tokenHash)) return fail(res, 401, 'unauthorized', 'a valid bearer token is required');
      const now = Date.now();
      for (const [t, exp] of this.tickets) if (exp <= now) this.tickets.delete(t);
      if (this.tickets.size >= MAX_TICKETS) return fail(res, 429, 'too_many_tickets', 'too many unused tickets; use or let them expire');
      const ticket = randomBytes(24).toString('base64url');
      this.tickets.set(ticket, now + TICKET_TTL_MS);
      json(res, 201, { ticket, expiresInSeconds: TICKET_TTL_MS / 1000 });
      return true;
    }
    if (url.pathname !== '/api/events') return false;
    if (req.method !== 'GET') return fail(res, 405, 'method_not_allowed', 'GET only');
    const ticket = url.searchParams.get('ticket');
    if (!(ticket !== null ? this.redeem(ticket) : hasValidBearer(req, this.tokenHash))) {
      return fail(res, 401, 'unauthorized', 'a valid bearer token or an unused ticket from POST /api/events/ticket is required');
    }
    const unsubscribe = this.bus.subscribe((e) => { res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`); });
    if (!unsubscribe) return fail(res, 503, 'busy', 'too many event subscribers');
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    // retry: how long the browser waits before reconnecting (it then needs a new ticket).
    res.write('retry: 3000\n: connected\n\n');
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    this.streams.add(res);
    const end = () => { clearInterval(heartbeat); unsubscribe(); this.streams.delete(res); };
    res.on('close', end);
    return true;
  }

  /** End every open stream (server shutdown). */
  closeAll(): void {
    for (const res of this.streams) res.end();
    this.streams.clear();
  }

  private redeem(ticket: string): boolean {
    const exp = this.tickets.get(ticket);
    if (exp === undefined) return false;
    this.tickets.delete(ticket);
    return exp > Date.now();
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

function fail(res: ServerResponse, status: number, code: string, message: string): true {
  json(res, status, { error: { code, message } });
  return true;
}
