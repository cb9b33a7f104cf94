/**
 * Per-key limits, checked before any upstream call: tokens per minute and per day (spent tokens
 * are added after each generation), requests per minute, concurrent streams. A refusal is a 429
 * with `retry-after`; every admitted request carries OpenAI's `x-ratelimit-*` headers.
 */

import { ParleyError } from '../errors.ts';
import type { Principal } from './keys.ts';
import type { LimitStore } from './limit-store.ts';

export interface Admission {
  readonly headers: Readonly<Record<string, string>>;
  /** Ends what the admission holds (an open stream); idempotent. */
  release(): Promise<void>;
}

/** A 429 with the headers to send alongside it. */
export type LimitKind =
  | 'tokens_per_minute'
  | 'tokens_per_day'
  | 'budget_per_day'
  | 'concurrent_streams'
  | 'requests_per_minute';

export class RateLimitError extends ParleyError {
  readonly limit: LimitKind;
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    limit: LimitKind,
    message: string,
    retryAfterMs: number,
    headers: Readonly<Record<string, string>>,
  ) {
    super('RATE_LIMITED', message, { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) });
    this.limit = limit;
    this.headers = headers;
  }
}

const NOTHING_HELD: Admission = { headers: {}, release: async () => {} };
const seconds = (milliseconds: number) => `${Math.max(1, Math.ceil(milliseconds / 1000))}s`;

export class Limiter {
  readonly #store: LimitStore;
  readonly #now: () => number;

  constructor(store: LimitStore, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  async admit(principal: Principal, streaming: boolean): Promise<Admission> {
    const keyId = principal.keyId;
    const limits = principal.limits;
    if (keyId === null) return NOTHING_HELD;
    const now = this.#now();
    const headers: Record<string, string> = {};

    if (
      limits.tokensPerMinute !== undefined ||
      limits.tokensPerDay !== undefined ||
      limits.budgetPerDay !== undefined
    ) {
      const used = await this.#store.tokens(keyId, now);
      if (limits.tokensPerMinute !== undefined) {
        headers['x-ratelimit-limit-tokens'] = String(limits.tokensPerMinute);
        headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, limits.tokensPerMinute - used.minute));
        headers['x-ratelimit-reset-tokens'] = seconds(used.minuteResetMs);
        if (used.minute >= limits.tokensPerMinute) {
          throw new RateLimitError(
            'tokens_per_minute',
            `this key used its ${limits.tokensPerMinute} tokens per minute`,
            used.minuteResetMs,
            headers,
          );
        }
      }
      if (limits.budgetPerDay !== undefined && used.spentDay >= limits.budgetPerDay * 1_000_000) {
        throw new RateLimitError(
          'budget_per_day',
          `this key spent its budget of $${limits.budgetPerDay} for today`,
          used.dayResetMs,
          headers,
        );
      }
      if (limits.tokensPerDay !== undefined && used.day >= limits.tokensPerDay) {
        throw new RateLimitError(
          'tokens_per_day',
          `this key used its ${limits.tokensPerDay} tokens per day`,
          used.dayResetMs,
          headers,
        );
      }
    }

    let streamOpen = false;
    if (streaming && limits.concurrentStreams !== undefined) {
      if (!(await this.#store.openStream(keyId, limits.concurrentStreams))) {
        throw new RateLimitError(
          'concurrent_streams',
          `this key has ${limits.concurrentStreams} streams open already`,
          1_000,
          headers,
        );
      }
      streamOpen = true;
    }

    if (limits.requestsPerMinute !== undefined) {
      const taken = await this.#store.takeRequest(keyId, limits.requestsPerMinute, now);
      headers['x-ratelimit-limit-requests'] = String(limits.requestsPerMinute);
      headers['x-ratelimit-remaining-requests'] = String(Math.max(0, limits.requestsPerMinute - taken.count));
      headers['x-ratelimit-reset-requests'] = seconds(taken.resetMs);
      if (!taken.allowed) {
        if (streamOpen) await this.#store.closeStream(keyId);
        throw new RateLimitError(
          'requests_per_minute',
          `this key made its ${limits.requestsPerMinute} requests this minute`,
          taken.resetMs,
          headers,
        );
      }
    }

    if (!streamOpen) return { headers, release: async () => {} };
    let released = false;
    return {
      headers,
      release: async () => {
        if (released) return;
        released = true;
        await this.#store.closeStream(keyId);
      },
    };
  }

  /** Counts what a key spent (called after each generation); `cost` in US dollars, when priced. */
  addUsage(keyId: string, tokens: number, cost: number | null): Promise<void> {
    return this.#store.addUsage(keyId, tokens, Math.round((cost ?? 0) * 1_000_000), this.#now());
  }

  close(): Promise<void> {
    return this.#store.close();
  }
}
