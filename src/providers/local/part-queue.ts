/**
 * Hands stream parts from node-llama-cpp's callbacks to an async generator as they come: the
 * producer pushes, the consumer awaits the next part. An abort wakes a waiting consumer at once,
 * whatever the producer is doing.
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
