/**
 * The operator commands' way to a running server's admin API: base URL and
 * token from options or the environment, JSON in and out, API errors turned
 * into {@link DmvisorError}s that say the method, path, status and message.
 */
import { DmvisorError } from '../errors.js';
import { UsageError } from './usage-error.js';

/** A client of one server's admin API. */
export class AdminApiClient {
  readonly base: string;
  private readonly token: string;

  /** `url`/`token` as given on the command line; the environment fills in what is missing. */
  constructor(url: string | undefined, token: string | undefined) {
    this.base = (url ?? process.env.DMVISOR_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
    const t = token ?? process.env.DMVISOR_API_TOKEN;
    if (!t) throw new UsageError('an API token is required: --token or DMVISOR_API_TOKEN');
    this.token = t;
  }

  /** Call the API; resolves with the JSON answer, rejects with a readable error. */
  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method, headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      throw new DmvisorError(`cannot reach ${this.base}: ${(e as Error).message}`, 'DMV_ERR_UNREACHABLE', 502);
    }
    const json = (await res.json().catch(() => ({}))) as { error?: { message?: string } } & Record<string, unknown>;
    if (!res.ok) throw new DmvisorError(`${method} ${path}: HTTP ${res.status}: ${json.error?.message ?? ''}`, 'DMV_ERR_API', res.status);
    return json as T;
  }
}
