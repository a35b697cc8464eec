/**
 * `/api/bootstrap/...`: bootstrap profiles, enrollment secrets, documents
 * for images and cards (customized, smartcard), pushes (server-initiated).
 * Called from the admin API after its bearer-token check; errors answer
 * `{ error: { code, message, field? } }` like the rest of the API.
 *
 * - `GET /api/bootstrap/profiles`, `PUT|GET|DELETE /api/bootstrap/profiles/{name}`
 * - `GET|POST /api/bootstrap/enrollments`, `DELETE /api/bootstrap/enrollments/{name}`
 * - `POST /api/bootstrap/documents` `{ devId, method: customized|smartcard, profile?, sec?, pin?, imsi?, replace?, cardId? }`
 * - `POST /api/bootstrap/push` `{ devId, address?, profile?, sec, pin?, imsi?, replace? }`
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, readJson, send } from './admin-api.js';
import { securityOf, type BootstrapService } from './bootstrap-service.js';
import { DmvisorError } from '../errors.js';
import { encodeCardImage, OID_CP_BOOTSTRAP, OID_DM_BOOTSTRAP } from '../bootstrap/virtual-card.js';
import { CP_WBXML_TYPE } from '../bootstrap/cp-document.js';
import { TransportError } from '../transport/transport-error.js';

/** What the bootstrap routes need. */
export interface BootstrapApiContext {
  service: BootstrapService;
  /** The bootstrap server role (client-initiated): its public URL and ServerID, for accounts that point at it. */
  endpoint?: { url: string; serverId: string };
  /** Told about every issued bootstrap (logs). */
  onIssued?: (e: { devId: string; method: string; profile: string; sec?: string }) => void;
}

/** Handle `/api/bootstrap/...`; always answers. */
export async function handleBootstrapApi(req: IncomingMessage, res: ServerResponse, url: URL, parts: string[], ctx: BootstrapApiContext, maxBody: number): Promise<true> {
  const s = ctx.service;
  const route = `${req.method} ${parts.slice(1).map((p, i) => (i % 2 === 1 ? '{}' : p)).join('/')}`;
  try {
    switch (route) {
      case 'GET profiles': send(res, 200, { profiles: await s.listProfiles() }); return true;
      case 'GET profiles/{}': send(res, 200, await s.getProfile(parts[2])); return true;
      case 'PUT profiles/{}': {
        const body = await readJson(req, maxBody);
        send(res, 200, await s.putProfile({ ...body, name: parts[2] }));
        return true;
      }
      case 'DELETE profiles/{}':
        if (!(await s.deleteProfile(parts[2]))) throw new ApiError(404, 'not_found', `no deletable profile ${JSON.stringify(parts[2])}`);
        res.writeHead(204).end();
        return true;
      case 'GET enrollments': send(res, 200, { enrollments: await s.listEnrollments() }); return true;
      case 'POST enrollments': {
        const body = await readJson(req, maxBody);
        const input: Parameters<BootstrapService['createEnrollment']>[0] = {};
        for (const k of ['name', 'secret', 'profile', 'devId'] as const) {
          if (body[k] === undefined) continue;
          if (typeof body[k] !== 'string') throw new ApiError(400, 'invalid', `${k} must be a string`, k);
          input[k] = body[k] as string;
        }
        send(res, 201, await s.createEnrollment(input));
        return true;
      }
      case 'DELETE enrollments/{}':
        if (!(await s.deleteEnrollment(parts[2]))) throw new ApiError(404, 'not_found', `no enrollment ${JSON.stringify(parts[2])}`);
        res.writeHead(204).end();
        return true;
      case 'POST documents': {
        const body = await readJson(req, maxBody);
        const devId = text(body, 'devId');
        const method = body.method ?? 'customized';
        if (method !== 'customized' && method !== 'smartcard') throw new ApiError(400, 'invalid', 'method must be customized or smartcard', 'method');
        const profile = body.profile === undefined ? undefined : text(body, 'profile');
        const doc = await s.issue(devId, method, profile, securityOf(body), { replace: body.replace === true });
        ctx.onIssued?.({ devId, method, profile: profile ?? 'default', ...(doc.sec ? { sec: doc.sec } : {}) });
        const out: Record<string, unknown> = { devId, contentType: doc.contentType, ...(doc.sec ? { sec: doc.sec, mac: doc.mac } : {}), document: doc.bytes };
        if (method === 'smartcard') {
          const cardId = body.cardId === undefined ? `card-${devId.replace(/[^A-Za-z0-9._-]/g, '_')}` : text(body, 'cardId');
          out.card = encodeCardImage({
            cardId, ...(typeof body.imsi === 'string' ? { imsi: body.imsi } : {}),
            files: [{ oid: doc.contentType === CP_WBXML_TYPE ? OID_CP_BOOTSTRAP : OID_DM_BOOTSTRAP, contentType: doc.contentType, ...(doc.sec ? { sec: doc.sec, mac: doc.mac } : {}), data: doc.bytes }],
          });
        }
        send(res, 201, out);
        return true;
      }
      case 'POST push': {
        const body = await readJson(req, maxBody);
        const devId = text(body, 'devId');
        let address = body.address === undefined ? undefined : text(body, 'address');
        if (address === undefined) address = (await s.deviceAddress(devId)) ?? undefined;
        if (address === undefined) throw new ApiError(400, 'invalid', 'address is required (the device has no notification address)', 'address');
        const profile = body.profile === undefined ? undefined : text(body, 'profile');
        const doc = await s.push(devId, address, profile, securityOf(body), { replace: body.replace === true });
        ctx.onIssued?.({ devId, method: 'server-initiated', profile: profile ?? 'default', ...(doc.sec ? { sec: doc.sec } : {}) });
        send(res, 202, { devId, address, contentType: doc.contentType, sec: doc.sec, mac: doc.mac });
        return true;
      }
      default:
        throw new ApiError(404, 'not_found', `no route ${req.method} ${url.pathname}`);
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if (e instanceof TransportError) throw new ApiError(502, 'push_failed', e.message);
    if (e instanceof DmvisorError) {
      const code = e.statusHint === 404 ? 'not_found' : e.statusHint === 409 ? 'exists' : 'invalid';
      const field = /^(\w+): /.exec(e.message)?.[1];
      throw new ApiError(e.statusHint >= 400 && e.statusHint < 600 ? e.statusHint : 400, code, e.message, field);
    }
    throw e;
  }
}

function text(o: Record<string, unknown>, field: string): string {
  const v = o[field];
  if (typeof v !== 'string' || v.length === 0 || v.length > 512) throw new ApiError(400, 'invalid', `${field} must be a string of 1–512 characters`, field);
  return v;
}
