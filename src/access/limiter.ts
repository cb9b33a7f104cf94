/**
 * Per-key limits, checked before any upstream call: tokens per minute and per day (spent tokens
 * are added after each generation), requests per minute, concurrent streams. A refusal is a 429
 * with `retry-after`; every admitted request carries OpenAI's `x-ratelimit-*` headers. When the
 * counters cannot be read (Redis down or hung) the request is a 503 that says so, and a held
 * stream slot is refreshed while it runs and released without ever throwing.
 */

import { randomUUID } from 'node:crypto';
import { ParleyError } from '../errors.ts';
import type { Principal } from './principal.ts';
import type { LimitStore } from './limit-store.ts';

export interface Admission {
  readonly headers: Readonly<Record<string, string>>;
  /** Ends what the admission holds (an open stream); idempotent, and never rejects. */
  release(): Promise<void>;
}

export interface LimiterOptions {
  readonly now?: () => number;
  /**
   * How long a stream slot outlives its last refresh: the longest a slot of a server that died
   * holding it keeps counting. Holders refresh at a third of it.
   */
  readonly slotTtlMs?: number;
  /** Failures nobody waits for (refreshing or releasing a slot); the request is not affected. */
  readonly onError?: (error: unknown) => void;
}

const DEFAULT_SLOT_TTL_MS = 15_000;

/** The counters could not be read or written: the request cannot be checked, so it is refused. */
function limitsUnavailable(error: unknown): ParleyError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ParleyError(
    'LIMITS_UNAVAILABLE',
    `per-key limits cannot be checked: ${reason}; try again shortly`,
    {
      retryAfterSeconds: 1,
      cause: error,
    },
  );
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
  readonly #slotTtlMs: number;
  readonly #onError: (error: unknown) => void;

  constructor(store: LimitStore, options: LimiterOptions = {}) {
    this.#store = store;
    this.#now = options.now ?? Date.now;
    this.#slotTtlMs = options.slotTtlMs ?? DEFAULT_SLOT_TTL_MS;
    this.#onError = options.onError ?? (() => {});
  }

  /** Admits the request or throws a `RateLimitError` (429) or a `LIMITS_UNAVAILABLE` error (503). */
  async admit(principal: Principal, streaming: boolean): Promise<Admission> {
    try {
      return await this.#admit(principal, streaming);
    } catch (error) {
      throw error instanceof ParleyError ? error : limitsUnavailable(error);
    }
  }

  async #admit(principal: Principal, streaming: boolean): Promise<Admission> {
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

    let slot: string | undefined;
    if (streaming && limits.concurrentStreams !== undefined) {
      const slotId = randomUUID();
      if (!(await this.#store.openStream(keyId, limits.concurrentStreams, slotId, this.#slotTtlMs))) {
        throw new RateLimitError(
          'concurrent_streams',
          `this key has ${limits.concurrentStreams} streams open already`,
          1_000,
          headers,
        );
      }
      slot = slotId;
    }

    if (limits.requestsPerMinute !== undefined) {
      const taken = await this.#store
        .takeRequest(keyId, limits.requestsPerMinute, now)
        .catch(async (error: unknown) => {
          if (slot !== undefined) await this.#closeSlot(keyId, slot);
          throw error;
        });
      headers['x-ratelimit-limit-requests'] = String(limits.requestsPerMinute);
      headers['x-ratelimit-remaining-requests'] = String(Math.max(0, limits.requestsPerMinute - taken.count));
      headers['x-ratelimit-reset-requests'] = seconds(taken.resetMs);
      if (!taken.allowed) {
        if (slot !== undefined) await this.#closeSlot(keyId, slot);
        throw new RateLimitError(
          'requests_per_minute',
          `this key made its ${limits.requestsPerMinute} requests this minute`,
          taken.resetMs,
          headers,
        );
      }
    }

    if (slot === undefined) return { headers, release: async () => {} };
    return { headers, release: this.#hold(keyId, slot) };
  }

  /** Keeps a slot alive while its stream runs; returns its release. */
  #hold(keyId: string, slotId: string): () => Promise<void> {
    const refresh = setInterval(
      () => this.#store.refreshStream(keyId, slotId, this.#slotTtlMs).catch(this.#onError),
      Math.max(1, Math.floor(this.#slotTtlMs / 3)),
    );
    refresh.unref();
    let released: Promise<void> | undefined;
    return () => {
      clearInterval(refresh);
      released ??= this.#closeSlot(keyId, slotId);
      return released;
    };
  }

  /** Frees a slot; if the store cannot be reached, the slot lapses by itself after its time to live. */
  #closeSlot(keyId: string, slotId: string): Promise<void> {
    return this.#store.closeStream(keyId, slotId).catch(this.#onError);
  }

  /** Counts what a key spent (called after each generation); `cost` in US dollars, when priced. */
  addUsage(keyId: string, tokens: number, cost: number | null): Promise<void> {
    return this.#store.addUsage(keyId, tokens, Math.round((cost ?? 0) * 1_000_000), this.#now());
  }

  close(): Promise<void> {
    return this.#store.close();
  }
}
