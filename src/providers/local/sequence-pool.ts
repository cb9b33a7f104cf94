/**
 * A fixed number of slots (the context sequences of one llama.cpp context) handed out to
 * requests: one slot per request, so concurrent requests never share a sequence; a request that
 * finds every slot taken waits, first come first served, and stops waiting when its signal aborts.
 */

import { abortedError } from './local-error.ts';

export interface PoolLease<T> {
  readonly item: T;
  /** Gives the slot back (to the next waiter, if any). Idempotent. */
  release(): void;
}

interface Waiter<T> {
  readonly resolve: (lease: PoolLease<T>) => void;
}

export class SequencePool<T> {
  readonly #create: () => T;
  readonly #capacity: number;
  readonly #idle: T[] = [];
  readonly #waiters: Waiter<T>[] = [];
  #created = 0;

  /** `create` makes a slot the first time one is needed, up to `capacity` of them. */
  constructor(capacity: number, create: () => T) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('the pool needs at least one slot');
    this.#capacity = capacity;
    this.#create = create;
  }

  /** How many requests wait for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Takes a free slot, or waits for one; throws a ProviderError (`aborted`) once `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<PoolLease<T>> {
    if (signal?.aborted === true) return Promise.reject(abortedError());
    const idle = this.#idle.pop();
    if (idle !== undefined) return Promise.resolve(this.#lease(idle));
    if (this.#created < this.#capacity) {
      const item = this.#create();
      this.#created++;
      return Promise.resolve(this.#lease(item));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve: (lease) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(lease);
        },
      };
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index !== -1) this.#waiters.splice(index, 1);
        reject(abortedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #lease(item: T): PoolLease<T> {
    let released = false;
    return {
      item,
      release: () => {
        if (released) return;
        released = true;
        const next = this.#waiters.shift();
        if (next === undefined) this.#idle.push(item);
        else next.resolve(this.#lease(item));
      },
    };
  }
}
