/**
 * Rate limits on failed authentication, so that a burst of bad credentials
 * (a prober, a misconfigured fleet) cannot make the server do unbounded work
 * and cannot guess passwords at speed — without locking out an honest device.
 *
 * Two token buckets, spent only by failures (a challenge answered 401/407, a
 * message from an unknown device), never by successful sessions:
 * - per source address: a scanner walking device ids from one address;
 * - per device id *and* source address: guessing one device's password. Keyed
 *   by the pair, so a prober elsewhere cannot lock the real device out.
 * While a bucket is empty, new sessions from that source (or pair) are
 * answered 429 with Retry-After before any parse of credentials or store
 * work; sessions already in progress are not affected. Memory is bounded:
 * the oldest entries go first beyond `maxEntries`.
 */

/** Limits; defaults in {@link DEFAULT_AUTH_LIMITS}. */
export interface AuthFailureLimits {
  /** Failures a source may have in a burst. */
  perSourceBurst: number;
  /** Failures per second a source regains. */
  perSourceRefillPerSecond: number;
  /** Failures one device id may have from one source in a burst. */
  perDeviceBurst: number;
  perDeviceRefillPerSecond: number;
  /** Buckets kept (LRU); beyond it the least recently used are forgotten. */
  maxEntries: number;
}

export const DEFAULT_AUTH_LIMITS: AuthFailureLimits = {
  perSourceBurst: 100, perSourceRefillPerSecond: 2, perDeviceBurst: 10, perDeviceRefillPerSecond: 0.1, maxEntries: 100_000,
};

interface Bucket {
  tokens: number;
  at: number;
}

/** The limiter; `now` in milliseconds (injectable for tests). */
export class AuthFailureLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly limits: AuthFailureLimits;

  constructor(limits: Partial<AuthFailureLimits> = {}, private readonly now: () => number = Date.now) {
    this.limits = { ...DEFAULT_AUTH_LIMITS, ...limits };
  }

  /** Seconds to wait before a new session from `source` for `devId` is allowed; 0 when it is. */
  retryAfter(source: string, devId: string): number {
    const s = this.level(`s\u0000${source}`, this.limits.perSourceBurst, this.limits.perSourceRefillPerSecond);
    const d = this.level(`d\u0000${source}\u0000${devId}`, this.limits.perDeviceBurst, this.limits.perDeviceRefillPerSecond);
    const wait = (tokens: number, refill: number) => (tokens >= 1 ? 0 : Math.ceil((1 - tokens) / refill));
    return Math.max(wait(s, this.limits.perSourceRefillPerSecond), wait(d, this.limits.perDeviceRefillPerSecond));
  }

  /** A failed authentication from `source` for `devId`. */
  fail(source: string, devId: string): void {
    this.spend(`s\u0000${source}`, this.limits.perSourceBurst, this.limits.perSourceRefillPerSecond);
    this.spend(`d\u0000${source}\u0000${devId}`, this.limits.perDeviceBurst, this.limits.perDeviceRefillPerSecond);
  }

  /** Buckets held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private level(key: string, burst: number, refill: number): number {
    const b = this.buckets.get(key);
    if (!b) return burst;
    return Math.min(burst, b.tokens + ((this.now() - b.at) / 1000) * refill);
  }

  private spend(key: string, burst: number, refill: number): void {
    const tokens = Math.max(0, this.level(key, burst, refill) - 1);
    this.buckets.delete(key); // re-insert: Map order is the LRU order
    this.buckets.set(key, { tokens, at: this.now() });
    while (this.buckets.size > this.limits.maxEntries) this.buckets.delete(this.buckets.keys().next().value!);
  }
}
