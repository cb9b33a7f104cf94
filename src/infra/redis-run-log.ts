/**
 * Run events shared by replicas through Redis Streams, so a stream started on one replica can be
 * followed and resumed on another. The replica running a generation serves its own followers
 * from memory (no Redis round trip on its hot path) and copies every event to a Redis stream,
 * `parley:run:<id>`, which other replicas replay and then read live (`XREAD BLOCK`). A stream is
 * kept for the retention time after its run ends — or, with a codec, only for a short grace (so
 * followers reading it finish there) while the run's events are kept for the retention time as
 * one compact value, `parley:run-packed:<id>` (an entry per delta costs ~17 bytes per character).
 */

import type { Redis } from 'ioredis';
import {
  type EventCodec,
  type EventPacker,
  MemoryRunLog,
  type PackedEvents,
  type RunLog,
  type SequencedEvent,
} from './run-log.ts';

const END = 'end';
/** How long a follower on another replica waits for the next event before checking again. */
const BLOCK_MS = 5_000;
/** With a codec: how long a finished run's stream stays for the followers still reading it. */
const STREAM_GRACE_MS = 60_000;

const keyOf = (runId: string) => `parley:run:${runId}`;
const packedKeyOf = (runId: string) => `parley:run-packed:${runId}`;

export class RedisRunLog<E extends SequencedEvent> implements RunLog<E> {
  readonly #redis: Redis;
  readonly #local: MemoryRunLog<E>;
  readonly #retentionMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #codec: EventCodec<E> | undefined;
  /** Each run's writes, in order (a chain of promises per run). */
  readonly #writes = new Map<string, Promise<unknown>>();

  constructor(
    redis: Redis,
    options: {
      retentionMs?: number;
      onError?: (error: unknown) => void;
      /** Packs the runs this replica holds in memory once they end (see `MemoryRunLog`). */
      pack?: EventPacker<E>;
      /** Keeps a finished run in Redis as one compact value instead of its stream. */
      codec?: EventCodec<E>;
    } = {},
  ) {
    this.#redis = redis;
    this.#retentionMs = options.retentionMs ?? 10 * 60_000;
    this.#local = new MemoryRunLog(this.#retentionMs, options.pack);
    this.#onError = options.onError ?? (() => {});
    this.#codec = options.codec;
  }

  /** Queues a Redis write after the run's previous ones, so the stream keeps the events' order. */
  #write(runId: string, write: () => Promise<unknown>): void {
    const previous = this.#writes.get(runId) ?? Promise.resolve();
    const next = previous.then(write).catch(this.#onError);
    this.#writes.set(runId, next);
  }

  open(runId: string): void {
    this.#local.open(runId);
    // A continued answer runs again under the same id: its earlier events go.
    this.#write(runId, () => this.#redis.del(keyOf(runId), packedKeyOf(runId)));
  }

  append(runId: string, event: E): void {
    this.#local.append(runId, event);
    this.#write(runId, () => this.#redis.xadd(keyOf(runId), '*', 'e', JSON.stringify(event)));
  }

  end(runId: string): void {
    this.#local.end(runId);
    const events = this.#codec === undefined ? undefined : this.#local.endedEvents(runId);
    this.#write(runId, async () => {
      await this.#redis.xadd(keyOf(runId), '*', 'e', END);
      if (this.#codec === undefined || events === undefined) {
        await this.#redis.pexpire(keyOf(runId), this.#retentionMs);
      } else {
        // The compact copy first: a follower that finds the stream gone then finds it.
        await this.#redis.set(packedKeyOf(runId), this.#codec.encode(events), 'PX', this.#retentionMs);
        await this.#redis.pexpire(keyOf(runId), Math.min(STREAM_GRACE_MS, this.#retentionMs));
      }
      this.#writes.delete(runId);
    });
  }

  /**
   * Ends the stream of a run whose server died (the reaper): `lastEvent` (given the sequence number
   * it gets, one after the stream's last) then the end, so followers stop waiting.
   */
  async abandon(runId: string, lastEvent: (sequence: number) => E): Promise<void> {
    const key = keyOf(runId);
    const last = await this.#redis.xrevrange(key, '+', '-', 'COUNT', 1);
    const lastData = last[0]?.[1][1];
    if (lastData === END) return;
    const sequence = lastData === undefined ? 0 : (JSON.parse(lastData) as E).sequence;
    await this.#redis.xadd(key, '*', 'e', JSON.stringify(lastEvent(sequence + 1)));
    await this.#redis.xadd(key, '*', 'e', END);
    await this.#redis.pexpire(key, this.#retentionMs);
  }

  async has(runId: string): Promise<boolean> {
    return (await this.#local.has(runId)) || (await this.#redis.exists(keyOf(runId), packedKeyOf(runId))) > 0;
  }

  /** A finished run's compact copy in Redis, or undefined. */
  async #packed(runId: string, redis: Redis): Promise<PackedEvents<E> | undefined> {
    if (this.#codec === undefined) return undefined;
    const text = await redis.get(packedKeyOf(runId));
    return text === null ? undefined : this.#codec.decode(text);
  }

  async *read(runId: string, after: number, signal: AbortSignal): AsyncIterable<E> {
    if (await this.#local.has(runId)) {
      yield* this.#local.read(runId, after, signal);
      return;
    }
    let last = after;
    const fromPacked = function* (events: PackedEvents<E>) {
      for (let index = 0; index < events.length; index++) {
        const event = events.at(index);
        if (event !== undefined && event.sequence > last) yield event;
      }
    };
    // A run that ended elsewhere: its compact copy, when there is one.
    const packed = await this.#packed(runId, this.#redis);
    if (packed !== undefined) {
      yield* fromPacked(packed);
      return;
    }
    // Another replica runs it: replay the stream, then block for what comes next on a connection of our own.
    const connection = this.#redis.duplicate();
    const stop = () => connection.disconnect();
    signal.addEventListener('abort', stop, { once: true });
    try {
      let cursor = '0';
      while (!signal.aborted) {
        const batches = await connection.xread('BLOCK', BLOCK_MS, 'STREAMS', keyOf(runId), cursor);
        if (batches === null) {
          // Nothing for a while: a stream that expired (or a replica that died) ends the follow,
          // unless the run ended and its stream gave way to the compact copy: the rest is there.
          if ((await connection.exists(keyOf(runId))) === 0) {
            const rest = await this.#packed(runId, connection);
            if (rest !== undefined) yield* fromPacked(rest);
            return;
          }
          continue;
        }
        for (const [, entries] of batches) {
          for (const [id, fields] of entries) {
            cursor = id;
            const data = fields[1] ?? END;
            if (data === END) return;
            const event = JSON.parse(data) as E;
            if (event.sequence > last) {
              last = event.sequence;
              yield event;
            }
          }
        }
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      signal.removeEventListener('abort', stop);
      connection.disconnect();
    }
  }
}
