/**
 * The per-key limit counters in Redis, shared by every replica (the memory twin and the contract
 * live in `access/limit-store.ts`). Each check-and-count is one Lua script, so concurrent requests
 * never overshoot. Open streams are slots in a sorted set, each with its own deadline that its
 * holder pushes forward while the stream runs: a replica that dies holding slots stops refreshing
 * them and they age out, and a refused try adds nothing, so it never extends anyone's hold.
 *
 * Redis faults never hang or crash a request: the connection given here should fail fast (no
 * offline queue, a command timeout; see `limitConnectionOptions`), and every failure is thrown as
 * a `RedisUnavailableError` that says what is wrong with Redis.
 */

import { once } from 'node:events';
import type { Redis, RedisOptions } from 'ioredis';
import { DAY_MS, MINUTE_MS, resetOf, windowOf } from './limit-windows.ts';

/** How long a limit check waits for Redis before the request is answered 503. */
export const LIMIT_COMMAND_TIMEOUT_MS = 1_000;

/**
 * Options for the connection the limits use: commands fail at once while Redis is disconnected
 * (no offline queue, no retries) and after `LIMIT_COMMAND_TIMEOUT_MS` when it does not answer.
 */
export const limitConnectionOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: LIMIT_COMMAND_TIMEOUT_MS,
} as const satisfies Partial<RedisOptions>;

/** Redis could not be asked: down, unreachable, or not answering in time. */
export class RedisUnavailableError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'RedisUnavailableError';
  }
}

/** Counts, then takes the count back if it passed the limit. */
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

/** Redis's own clock in milliseconds, so replicas with skewed clocks agree on deadlines. */
const NOW_MS = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)`;

/**
 * Takes a slot (ARGV[2]) unless the key holds ARGV[1] live ones; slots past their deadline are
 * dropped first. A refusal writes nothing.
 */
const OPEN_SLOT_SCRIPT = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/** Pushes a held slot's deadline forward (and puts it back if a Redis restart lost it). */
const REFRESH_SLOT_SCRIPT = `${NOW_MS}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

export class RedisLimitStore {
  readonly #redis: Redis;
  #everReady: boolean;
  #connecting: Promise<void> | undefined;

  /** `redis` should use `limitConnectionOptions`; the store owns it and quits it on close. */
  constructor(redis: Redis) {
    this.#redis = redis;
    this.#everReady = redis.status === 'ready';
    redis.on('ready', () => {
      this.#everReady = true;
    });
  }

  #key(keyId: string, kind: string, window?: number): string {
    return window === undefined
      ? `parley:limits:${keyId}:${kind}`
      : `parley:limits:${keyId}:${kind}:${window}`;
  }

  /** Runs one command, turning every Redis failure into a `RedisUnavailableError`. */
  async #call<T>(command: () => Promise<T>): Promise<T> {
    if (this.#redis.status !== 'ready') {
      // Only the first connection is waited for (a request right after start); once lost, fail fast.
      if (this.#everReady || !['wait', 'connecting', 'connect'].includes(this.#redis.status))
        throw new RedisUnavailableError(`Redis is unreachable (connection ${this.#redis.status})`);
      await this.#firstConnection();
    }
    try {
      return await command();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new RedisUnavailableError(
        /timed out/i.test(message)
          ? `Redis did not answer within ${LIMIT_COMMAND_TIMEOUT_MS} ms`
          : `Redis is unreachable (${message})`,
        error,
      );
    }
  }

  /** One wait shared by every request that arrives before the first connection. */
  #firstConnection(): Promise<void> {
    this.#connecting ??= this.#waitForReady().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #waitForReady(): Promise<void> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), LIMIT_COMMAND_TIMEOUT_MS);
    try {
      await once(this.#redis, 'ready', { signal: abort.signal });
    } catch {
      throw new RedisUnavailableError(`Redis did not connect within ${LIMIT_COMMAND_TIMEOUT_MS} ms`);
    } finally {
      clearTimeout(timer);
    }
  }

  async takeRequest(
    keyId: string,
    limit: number,
    now: number,
  ): Promise<{ count: number; allowed: boolean; resetMs: number }> {
    const key = this.#key(keyId, 'requests', windowOf(now, MINUTE_MS));
    const result = Number(await this.#call(() => this.#redis.eval(TAKE_SCRIPT, 1, key, limit, MINUTE_MS)));
    const resetMs = resetOf(now, MINUTE_MS);
    return result < 0
      ? { count: -result, allowed: false, resetMs }
      : { count: result, allowed: true, resetMs };
  }

  async tokens(
    keyId: string,
    now: number,
  ): Promise<{ minute: number; day: number; spentDay: number; minuteResetMs: number; dayResetMs: number }> {
    const [minute, day, spent] = await this.#call(() =>
      this.#redis.mget(
        this.#key(keyId, 'tokens-minute', windowOf(now, MINUTE_MS)),
        this.#key(keyId, 'tokens-day', windowOf(now, DAY_MS)),
        this.#key(keyId, 'spent-day', windowOf(now, DAY_MS)),
      ),
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
    await this.#call(() =>
      this.#redis.eval(
        ADD_USAGE_SCRIPT,
        3,
        this.#key(keyId, 'tokens-minute', windowOf(now, MINUTE_MS)),
        this.#key(keyId, 'tokens-day', windowOf(now, DAY_MS)),
        this.#key(keyId, 'spent-day', windowOf(now, DAY_MS)),
        tokens,
        microDollars,
        MINUTE_MS,
        DAY_MS,
      ),
    );
  }

  async openStream(keyId: string, limit: number, slotId: string, ttlMs: number): Promise<boolean> {
    const opened = await this.#call(() =>
      this.#redis.eval(OPEN_SLOT_SCRIPT, 1, this.#key(keyId, 'stream-slots'), limit, slotId, ttlMs),
    );
    return Number(opened) === 1;
  }

  async refreshStream(keyId: string, slotId: string, ttlMs: number): Promise<void> {
    await this.#call(() =>
      this.#redis.eval(REFRESH_SLOT_SCRIPT, 1, this.#key(keyId, 'stream-slots'), slotId, ttlMs),
    );
  }

  async closeStream(keyId: string, slotId: string): Promise<void> {
    await this.#call(() => this.#redis.zrem(this.#key(keyId, 'stream-slots'), slotId));
  }

  async close(): Promise<void> {
    if (this.#redis.status === 'ready') await this.#redis.quit().catch(() => this.#redis.disconnect());
    else this.#redis.disconnect();
  }
}
