/**
 * Finding answers whose server died mid-way. Each server process has an id, written on the
 * answers it generates, and announces itself in Redis with a heartbeat that expires. Every few
 * seconds each server marks `incomplete` the answers in progress whose generator has no
 * heartbeat — keeping the text flushed so far — and ends their run streams, so clients following
 * them on other servers get an explicit end instead of waiting forever.
 */

import type { ReplicaRegistry } from '../infra/redis-replica-registry.ts';
import type { Store } from '../store/store.ts';

export const ORPHAN_ERROR = 'interrupted: the server writing this answer stopped';

export interface ReaperOptions {
  readonly store: Pick<Store, 'reapOrphans'>;
  readonly registry: ReplicaRegistry;
  readonly replicaId: string;
  /** Heartbeat time-to-live; the reaper runs three times per period. */
  readonly ttlMs: number;
  /** Ends the run stream of a reaped answer, for its followers elsewhere. */
  readonly abandonRun: (answerId: string) => Promise<void>;
  readonly onError: (error: unknown) => void;
  readonly now?: () => number;
}

export class Reaper {
  readonly #options: ReaperOptions;
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(options: ReaperOptions) {
    this.#options = options;
  }

  start(): void {
    void this.tick();
    this.#timer = setInterval(() => void this.tick(), Math.max(100, Math.floor(this.#options.ttlMs / 3)));
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }

  /** One round: heartbeat, then reap what dead servers left in progress. Returns what was reaped. */
  async tick(): Promise<readonly string[]> {
    if (this.#running) return [];
    this.#running = true;
    const { store, registry, replicaId, abandonRun, onError } = this.#options;
    try {
      await registry.heartbeat(replicaId);
      const live = new Set(await registry.live());
      live.add(replicaId);
      const orphans = await store.reapOrphans([...live], ORPHAN_ERROR, (this.#options.now ?? Date.now)());
      for (const orphan of orphans) await abandonRun(orphan.id).catch(onError);
      return orphans.map((orphan) => orphan.id);
    } catch (error) {
      onError(error);
      return [];
    } finally {
      this.#running = false;
    }
  }
}
