/**
 * Hands items from callbacks to an async consumer as they come (node-llama-cpp's stream parts,
 * undici's body chunks): the producer pushes, the consumer awaits the next item. An abort wakes a
 * waiting consumer at once, whatever the producer is doing.
 */

export type QueueNext<T> = { readonly done: false; readonly value: T } | { readonly done: true };

export class PartQueue<T> {
  readonly #items: T[] = [];
  #ended = false;
  #failure: { readonly error: unknown } | undefined;
  #wake: (() => void) | undefined;

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

  /** Lets a waiting `next()` return and look again (at its abort signal, say). */
  wake(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /**
   * The next part, in order; `done` after `end()`; throws what `fail()` was given once the parts
   * before it are taken. Returns `done` early when `stopped()` turns true (checked on each wake).
   */
  async next(stopped: () => boolean): Promise<QueueNext<T>> {
    for (;;) {
      if (stopped()) return { done: true };
      const item = this.#items.shift();
      if (item !== undefined) return { done: false, value: item };
      if (this.#failure !== undefined) throw this.#failure.error;
      if (this.#ended) return { done: true };
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }
}
