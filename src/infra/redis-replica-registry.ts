/**
 * Which server processes are alive: each announces itself in Redis with a heartbeat that expires
 * (`parley:replica:<id>`). The reaper (`conversations/reaper.ts`) reads it to find answers whose
 * server died mid-way.
 */

import type { Redis } from 'ioredis';

export interface ReplicaRegistry {
  /** Announces this server for one more time-to-live. */
  heartbeat(replicaId: string): Promise<void>;
  /** The servers whose heartbeat has not expired. */
  live(): Promise<readonly string[]>;
}

export class RedisReplicaRegistry implements ReplicaRegistry {
  readonly #redis: Redis;
  readonly #ttlMs: number;

  constructor(redis: Redis, ttlMs: number) {
    this.#redis = redis;
    this.#ttlMs = ttlMs;
  }

  async heartbeat(replicaId: string): Promise<void> {
    await this.#redis.set(`parley:replica:${replicaId}`, String(Date.now()), 'PX', this.#ttlMs);
  }

  async live(): Promise<readonly string[]> {
    const ids: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', 'parley:replica:*', 'COUNT', 100);
      cursor = next;
      for (const key of keys) ids.push(key.slice('parley:replica:'.length));
    } while (cursor !== '0');
    return ids;
  }
}
