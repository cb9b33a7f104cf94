/** The fixed windows per-key limits count in: the current minute and the current UTC day. */

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** The number of the window of `size` milliseconds that `now` falls in. */
export const windowOf = (now: number, size: number): number => Math.floor(now / size);
/** Milliseconds from `now` until its window of `size` ends. */
export const resetOf = (now: number, size: number): number => (windowOf(now, size) + 1) * size - now;
