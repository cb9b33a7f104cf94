/**
 * Hands items from callbacks to an async consumer as they come (node-llama-cpp's stream parts,
 * undici's body chunks): the producer pushes, the consumer awaits the next item. An abort wakes a
 * waiting consumer at once, whatever the producer is doing.
 *
 * A waiting consumer is a promise and its resolvers, not a suspended async function: a server
 * holding thousands of open streams keeps one of these per stream (about 0.5 KB less each).
 */

export type QueueNext<T> = { readonly done: false; readonly value: T } | { readonly done: true };

const DONE: QueueNext<never> = { done: true };

interface Waiter<T> {
  readonly stopped: () => boolean;
  readonly resolve: (next: QueueNext<T>) => void;
  readonly reject: (error: unknown) => void;
}

export class PartQueue<T> {
  readonly #items: T[] = [];
  /** Called with each item as it is handed to the consumer (UpstreamBody counts unread bytes). */
  readonly #onTake: ((item: T) => void) | undefined;
  #ended = false;
  #failure: { readonly error: unknown } | undefined;
  #waiter: Waiter<T> | undefined;

  constructor(onTake?: (item: T) => void) {
    this.#onTake = onTake;
  }

  push(item: T): void {
    this.#items.push(item);
    this.wake();
  }

  end(): void {
    this.#ended = true;
    this.wake();
  }

  fail(error: unknown): void {
    this.#failure = { error };
    this.wake();
  }

  /** `end()` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** `fail()` was called. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Drops the items not taken yet. */
  clear(): void {
    this.#items.length = 0;
  }

  /** Lets a waiting `next()` look again (at its `stopped`, say) and return if it can. */
  wake(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    let next: QueueNext<T> | undefined;
    try {
      next = this.#take(waiter.stopped);
    } catch (error) {
      this.#waiter = undefined;
      waiter.reject(error);
      return;
    }
    if (next === undefined) return;
    this.#waiter = undefined;
    waiter.resolve(next);
  }

  /**
   * The next part, in order; `done` after `end()`; rejects with what `fail()` was given once the
   * parts before it are taken. Returns `done` early when `stopped()` turns true (checked on each
   * wake). One consumer: a second `next()` before the first settles is a programming error.
   */
  next(stopped: () => boolean): Promise<QueueNext<T>> {
    if (this.#waiter !== undefined) return Promise.reject(new Error('PartQueue has one consumer'));
    try {
      const next = this.#take(stopped);
      if (next !== undefined) return Promise.resolve(next);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { stopped, resolve, reject };
    });
  }

  /** What `next()` returns now, or undefined when it has to wait; throws the failure. */
  #take(stopped: () => boolean): QueueNext<T> | undefined {
    if (stopped()) return DONE;
    if (this.#items.length > 0) {
      const value = this.#items.shift() as T;
      this.#onTake?.(value);
      return { done: false, value };
    }
    if (this.#failure !== undefined) throw this.#failure.error;
    if (this.#ended) return DONE;
    return undefined;
  }
}
