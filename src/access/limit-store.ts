/**
 * The counters behind per-key limits, in fixed windows (the current minute, the current UTC day):
 * requests, tokens and open streams. Every check-and-count is one atomic step, so concurrent
 * requests never overshoot. In one process the counters live in memory; with `REDIS_URL` they
 * live in Redis (one Lua script per step) and every replica shares them.
 */

import type { Redis } from 'ioredis';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

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
  /** Opens a stream unless `limit` are open already. */
  openStream(keyId: string, limit: number): Promise<boolean>;
  closeStream(keyId: string): Promise<void>;
  close(): Promise<void>;
}

const windowOf = (now: number, size: number) => Math.floor(now / size);
const resetOf = (now: number, size: number) => (windowOf(now, size) + 1) * size - now;

/** Counters in this process's memory: exact for one process. Old windows are dropped as time moves. */
export class MemoryLimitStore implements LimitStore {
  readonly #counts = new Map<string, number>();
  readonly #streams = new Map<string, number>();
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

  async openStream(keyId: string, limit: number): Promise<boolean> {
    const open = this.#streams.get(keyId) ?? 0;
    if (open >= limit) return false;
    this.#streams.set(keyId, open + 1);
    return true;
  }

  async closeStream(keyId: string): Promise<void> {
    const open = (this.#streams.get(keyId) ?? 1) - 1;
    if (open <= 0) this.#streams.delete(keyId);
    else this.#streams.set(keyId, open);
  }

  async close(): Promise<void> {}
}

/** Counts, then takes the count back if it passed the limit: one atomic step in Redis. */
const TAKE_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if count > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return -(count - 1)
end
return count`;

/** Adds tokens to the minute and day windows and money to the day, each expiring after its window. */
const ADD_USAGE_SCRIPT = `
redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('INCRBY', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('INCRBY', KEYS[3], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return 1`;

/** Open streams of a key; the counter expires if a replica died holding streams (see STREAM_TTL_MS). */
const OPEN_STREAM_SCRIPT = `
local open = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if open > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return 0
end
return 1`;

const CLOSE_STREAM_SCRIPT = `
local open = redis.call('DECR', KEYS[1])
if open <= 0 then redis.call('DEL', KEYS[1]) end
return open`;

/** A replica that dies with streams open cannot close them; the count forgets them after this. */
const STREAM_TTL_MS = 3_600_000;

export class RedisLimitStore implements LimitStore {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  #key(keyId: string, kind: string, window?: number): string {
    return window === undefined
      ? `parley:limits:${keyId}:${kind}`
      : `parley:limits:${keyId}:${kind}:${window}`;
  }

  async takeRequest(keyId: string, limit: number, now: number): Promise<WindowCount> {
    const key = this.#key(keyId, 'requests', windowOf(now, MINUTE_MS));
    const result = Number(await this.#redis.eval(TAKE_SCRIPT, 1, key, limit, MINUTE_MS));
    const resetMs = resetOf(now, MINUTE_MS);
    return result < 0
      ? { count: -result, allowed: false, resetMs }
      : { count: result, allowed: true, resetMs };
  }

  async tokens(keyId: string, now: number): Promise<TokenCounts> {
    const [minute, day, spent] = await this.#redis.mget(
      this.#key(keyId, 'tokens-minute', windowOf(now, MINUTE_MS)),
      this.#key(keyId, 'tokens-day', windowOf(now, DAY_MS)),
      this.#key(keyId, 'spent-day', windowOf(now, DAY_MS)),
    );
    return {
      minute: Number(minute ?? 0),
      day: Number(day ?? 0),
      spentDay: Number(spent ?? 0),
      minuteResetMs: resetOf(now, MINUTE_MS),
      dayResetMs: resetOf(now, DAY_MS),
    };
  }

  async addUsage(keyId: string, tokens: number, microDollars: number, now: number): Promise<void> {
    await this.#redis.eval(
      ADD_USAGE_SCRIPT,
      3,
      this.#key(keyId, 'tokens-minute', windowOf(now, MINUTE_MS)),
      this.#key(keyId, 'tokens-day', windowOf(now, DAY_MS)),
      this.#key(keyId, 'spent-day', windowOf(now, DAY_MS)),
      tokens,
      microDollars,
      MINUTE_MS,
      DAY_MS,
    );
  }

  async openStream(keyId: string, limit: number): Promise<boolean> {
    return (
      Number(
        await this.#redis.eval(OPEN_STREAM_SCRIPT, 1, this.#key(keyId, 'streams'), limit, STREAM_TTL_MS),
      ) === 1
    );
  }

  async closeStream(keyId: string): Promise<void> {
    await this.#redis.eval(CLOSE_STREAM_SCRIPT, 1, this.#key(keyId, 'streams'));
  }

  async close(): Promise<void> {
    await this.#redis.quit();
  }
}
