/**
 * The server's stop switch for generations in flight. Each turn registers how to stop itself and
 * forgets it when it ends: a set entry, where an `abort` listener on one process-wide AbortSignal
 * (or `AbortSignal.any` over it) cost every request measurable CPU and garbage (docs/benchmarks.md,
 * 2026-12-03 afternoon).
 */

export class ShutdownSwitch {
  #stopped = false;
  readonly #stops = new Set<() => void>();

  /** True once the server is shutting down. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Calls `stop` when the server shuts down (at once if it has); returns a function that forgets it. */
  onShutdown(stop: () => void): () => void {
    if (this.#stopped) {
      stop();
      return () => {};
    }
    this.#stops.add(stop);
    return () => this.#stops.delete(stop);
  }

  /** Stops every registered generation (idempotent). */
  shutdown(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const stops = [...this.#stops];
    this.#stops.clear();
    for (const stop of stops) stop();
  }
}
