/**
 * The counters behind per-key limits, in fixed windows (the current minute, the current UTC day):
 * requests, tokens and open streams. Every check-and-count is one atomic step, so concurrent
 * requests never overshoot. In one process the counters live in memory (here); with `REDIS_URL`
 * they live in Redis (`infra/redis-limit-store.ts`) and every replica shares them.
 */

import { DAY_MS, MINUTE_MS, resetOf, windowOf } from '../infra/limit-windows.ts';

export { DAY_MS, MINUTE_MS };

export interface WindowCount {
  /** The count after this step (for a refused step: the count that refused it). */
  readonly count: number;
  readonly allowed: boolean;
  /** Milliseconds until the window resets. */
  readonly resetMs: number;
}

export interface TokenCounts {
  readonly minute: number;
  readonly day: number;
  /** Money spent today, in millionths of a US dollar. */
  readonly spentDay: number;
  readonly minuteResetMs: number;
  readonly dayResetMs: number;
}

export interface LimitStore {
  /** Counts one request in the current minute unless that would pass `limit`. */
  takeRequest(keyId: string, limit: number, now: number): Promise<WindowCount>;
  tokens(keyId: string, now: number): Promise<TokenCounts>;
  /** Adds spent tokens (minute and day windows) and money in millionths of a dollar (day window). */
  addUsage(keyId: string, tokens: number, microDollars: number, now: number): Promise<void>;
  /**
   * Takes the stream slot `slotId` unless `limit` are held already. A slot lapses `ttlMs` after it
   * was taken or last refreshed (a holder that died cannot close it); a refusal changes nothing.
   */
  openStream(keyId: string, limit: number, slotId: string, ttlMs: number): Promise<boolean>;
  /** Keeps a held slot for another `ttlMs` (its holder calls this while the stream runs). */
  refreshStream(keyId: string, slotId: string, ttlMs: number): Promise<void>;
  closeStream(keyId: string, slotId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Counters in this process's memory: exact for one process. Old windows are dropped as time moves.
 * Stream slots need no deadline here: they die with the process that holds them.
 */
export class MemoryLimitStore implements LimitStore {
  readonly #counts = new Map<string, number>();
  readonly #streams = new Map<string, Set<string>>();
  #minute = -1;

  /** Forgets the windows that are over (kept small: only current windows are ever read). */
  #roll(now: number): void {
    const minute = windowOf(now, MINUTE_MS);
    if (minute === this.#minute) return;
    this.#minute = minute;
    const day = windowOf(now, DAY_MS);
    for (const key of this.#counts.keys()) {
      const [, window, kind] = key.split('|');
      const daily = kind === 'd' || kind === 's';
      if (Number(window) !== (daily ? day : minute)) this.#counts.delete(key);
    }
  }

  async takeRequest(keyId: string, limit: number, now: number): Promise<WindowCount> {
    this.#roll(now);
    const key = `${keyId}|${windowOf(now, MINUTE_MS)}|r`;
    const count = this.#counts.get(key) ?? 0;
    const resetMs = resetOf(now, MINUTE_MS);
    if (count >= limit) return { count, allowed: false, resetMs };
    this.#counts.set(key, count + 1);
    return { count: count + 1, allowed: true, resetMs };
  }

  async tokens(keyId: string, now: number): Promise<TokenCounts> {
    this.#roll(now);
    return {
      minute: this.#counts.get(`${keyId}|${windowOf(now, MINUTE_MS)}|t`) ?? 0,
      day: this.#counts.get(`${keyId}|${windowOf(now, DAY_MS)}|d`) ?? 0,
      spentDay: this.#counts.get(`${keyId}|${windowOf(now, DAY_MS)}|s`) ?? 0,
      minuteResetMs: resetOf(now, MINUTE_MS),
      dayResetMs: resetOf(now, DAY_MS),
    };
  }

  async addUsage(keyId: string, tokens: number, microDollars: number, now: number): Promise<void> {
    this.#roll(now);
    const add = (key: string, amount: number) => this.#counts.set(key, (this.#counts.get(key) ?? 0) + amount);
    add(`${keyId}|${windowOf(now, MINUTE_MS)}|t`, tokens);
    add(`${keyId}|${windowOf(now, DAY_MS)}|d`, tokens);
    add(`${keyId}|${windowOf(now, DAY_MS)}|s`, microDollars);
  }

  async openStream(keyId: string, limit: number, slotId: string): Promise<boolean> {
    const slots = this.#streams.get(keyId) ?? new Set<string>();
    if (slots.size >= limit) return false;
    this.#streams.set(keyId, slots.add(slotId));
    return true;
  }

  async refreshStream(): Promise<void> {}

  async closeStream(keyId: string, slotId: string): Promise<void> {
    const slots = this.#streams.get(keyId);
    slots?.delete(slotId);
    if (slots?.size === 0) this.#streams.delete(keyId);
  }

  async close(): Promise<void> {}
}
