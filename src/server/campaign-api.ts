/**
 * The admin API's campaign routes (the caller has checked the bearer token):
 *
 * - `POST /api/campaigns` `{ name, filter: { devIds?, search?, parentDevId?, devInfo? }, commands, atomic?, notify?, batchSize?, maxFailureRate? }`
 * - `GET /api/campaigns[?state=]`, `GET /api/campaigns/{id}` (with progress)
 * - `GET /api/campaigns/{id}/targets?limit&after` — each device and how it went
 * - `POST /api/campaigns/{id}/pause|resume|cancel`
 *
 * Delivery happens in the server's campaign timer (`DmServer`), which queues
 * each batch and wakes the devices when the campaign says `notify`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Campaign, CampaignFilter, CampaignState, NewCampaign, Store } from '../store/index.js';
import { ApiError, asObj, bool, intParam, parseCommands, readJson, send, str } from './admin-api.js';

const MAX_BODY = 32 * 1024 * 1024;
const STATES: readonly CampaignState[] = ['running', 'paused', 'completed', 'cancelled'];

/** Handle a campaign route; false when the path is not one. */
export async function handleCampaignApi(req: IncomingMessage, res: ServerResponse, url: URL, store: Store): Promise<boolean> {
  const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
  if (parts[0] !== 'campaigns') return false;
  const route = `${req.method} ${parts.map((p, i) => (i % 2 === 1 ? '{}' : p)).join('/')}`;
  switch (route) {
    case 'POST campaigns': {
      const body = await readJson(req, MAX_BODY);
      const input: NewCampaign = { name: str(body, 'name', 1, 256), filter: parseFilter(body.filter), commands: parseCommands(body.commands) };
      if (body.atomic !== undefined) input.atomic = bool(body, 'atomic');
      if (body.notify !== undefined) input.notify = bool(body, 'notify');
      if (body.batchSize !== undefined) {
        if (typeof body.batchSize !== 'number' || !Number.isInteger(body.batchSize) || body.batchSize < 1 || body.batchSize > 100_000) throw new ApiError(400, 'invalid', 'batchSize must be an integer from 1 to 100000', 'batchSize');
        input.batchSize = body.batchSize;
      }
      if (body.maxFailureRate !== undefined) {
        if (typeof body.maxFailureRate !== 'number' || !(body.maxFailureRate >= 0 && body.maxFailureRate <= 1)) throw new ApiError(400, 'invalid', 'maxFailureRate must be a number from 0 to 1', 'maxFailureRate');
        input.maxFailureRate = body.maxFailureRate;
      }
      send(res, 201, publicCampaign(await store.createCampaign(input)));
      return true;
    }
    case 'GET campaigns': {
      const state = url.searchParams.get('state');
      if (state !== null && !STATES.includes(state as CampaignState)) throw new ApiError(400, 'invalid', `state must be one of ${STATES.join(', ')}`, 'state');
      const limit = intParam(url, 'limit', 1, 1000) ?? 100;
      const list = await store.listCampaigns({ limit, ...(state ? { state: state as CampaignState } : {}) });
      send(res, 200, { campaigns: list.map(publicCampaign) });
      return true;
    }
    case 'GET campaigns/{}': {
      const c = await store.getCampaign(parts[1]!);
      if (!c) throw new ApiError(404, 'not_found', `no campaign ${JSON.stringify(parts[1])}`);
      send(res, 200, publicCampaign(c));
      return true;
    }
    case 'GET campaigns/{}/targets': {
      const limit = intParam(url, 'limit', 1, 1000) ?? 100;
      const after = url.searchParams.get('after');
      send(res, 200, await store.listCampaignTargets(parts[1]!, { limit, ...(after ? { after } : {}) }));
      return true;
    }
    case 'POST campaigns/{}/pause': case 'POST campaigns/{}/resume': case 'POST campaigns/{}/cancel': {
      const action = parts[2] as 'pause' | 'resume' | 'cancel';
      send(res, 200, publicCampaign(await store.setCampaignState(parts[1]!, action)));
      return true;
    }
    default:
      throw new ApiError(404, 'not_found', `no route ${req.method} ${url.pathname}`);
  }
}

function parseFilter(x: unknown): CampaignFilter {
  const o = asObj(x, 'filter');
  for (const k of Object.keys(o)) if (!['devIds', 'search', 'parentDevId', 'devInfo'].includes(k)) throw new ApiError(400, 'invalid', `unknown filter field ${JSON.stringify(k)}`, `filter.${k}`);
  const f: CampaignFilter = {};
  if (o.devIds !== undefined) {
    if (!Array.isArray(o.devIds) || o.devIds.length === 0 || o.devIds.length > 100_000 || o.devIds.some((d) => typeof d !== 'string' || d === '' || d.length > 512)) {
      throw new ApiError(400, 'invalid', 'filter.devIds must be a non-empty array of device ids', 'filter.devIds');
    }
    f.devIds = o.devIds as string[];
  }
  if (o.search !== undefined) f.search = str(o, 'filter.search', 1, 512, 'search');
  if (o.parentDevId !== undefined) f.parentDevId = str(o, 'filter.parentDevId', 1, 512, 'parentDevId');
  if (o.devInfo !== undefined) {
    const d = asObj(o.devInfo, 'filter.devInfo');
    const entries = Object.entries(d);
    if (entries.length === 0 || entries.some(([, v]) => typeof v !== 'string')) throw new ApiError(400, 'invalid', 'filter.devInfo must map DevInfo names to strings', 'filter.devInfo');
    f.devInfo = Object.fromEntries(entries) as Record<string, string>;
  }
  if (Object.keys(f).length === 0) throw new ApiError(400, 'invalid', 'filter needs at least one of devIds, search, parentDevId, devInfo', 'filter');
  return f;
}

/** A campaign for the API: data shown as text (bytes as base64). */
function publicCampaign(c: Campaign): unknown {
  return { ...c, commands: c.commands.map((x) => (x.data instanceof Uint8Array ? { ...x, data: Buffer.from(x.data).toString('base64'), format: x.format ?? 'b64' } : x)) };
}
