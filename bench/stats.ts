/**
 * Pure statistics for the benchmark: percentiles of samples, the median of repeats with its
 * spread, and number formatting for the report. No I/O here, so `test/bench-stats.test.ts` covers it.
 */

/**
 * The p-th percentile (0–100) by linear interpolation between closest ranks (R's type 7, numpy's
 * default). The samples need not be sorted; NaN for no samples.
 *
 * @example percentile([1, 2, 3, 4], 50) // 2.5
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  if (p < 0 || p > 100) throw new RangeError(`percentile ${p} is outside 0–100`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const low = sorted[lower] ?? Number.NaN;
  const high = sorted[upper] ?? Number.NaN;
  return low + (high - low) * (rank - lower);
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/** p50/p90/p99, mean and extremes of one run's samples. */
export function summarize(samples: readonly number[]): LatencySummary {
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const sample of samples) {
    sum += sample;
    if (sample < min) min = sample;
    if (sample > max) max = sample;
  }
  const count = samples.length;
  return {
    count,
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    mean: count === 0 ? Number.NaN : sum / count,
    min: count === 0 ? Number.NaN : min,
    max: count === 0 ? Number.NaN : max,
  };
}

/** The median of repeated measurements, with the lowest and highest repeat as the spread. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly repeats: readonly number[];
}

/** NaN repeats (a run that failed) are left out; all NaN gives NaN everywhere. */
export function spreadOf(repeats: readonly number[]): Spread {
  const valid = repeats.filter((value) => !Number.isNaN(value));
  if (valid.length === 0)
    return { median: Number.NaN, min: Number.NaN, max: Number.NaN, repeats: [...repeats] };
  return { median: median(valid), min: Math.min(...valid), max: Math.max(...valid), repeats: [...repeats] };
}

/** Element-wise difference of two repeat series of the same length (arm minus baseline, per repeat). */
export function pairedDifference(values: readonly number[], baseline: readonly number[]): number[] {
  if (values.length !== baseline.length)
    throw new RangeError(`cannot pair ${values.length} repeats with ${baseline.length}`);
  return values.map((value, index) => value - (baseline[index] ?? Number.NaN));
}

/** Element-wise ratio (value / baseline); NaN where the baseline is 0. */
export function pairedRatio(values: readonly number[], baseline: readonly number[]): number[] {
  if (values.length !== baseline.length)
    throw new RangeError(`cannot pair ${values.length} repeats with ${baseline.length}`);
  return values.map((value, index) => {
    const base = baseline[index] ?? Number.NaN;
    return base === 0 ? Number.NaN : value / base;
  });
}

/** A number with a fixed number of digits after the point; "n/a" for NaN or infinities. */
export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** "1.23 (1.10–1.40)": a median with its spread. */
export function formatSpread(spread: Spread, digits: number): string {
  if (Number.isNaN(spread.median)) return 'n/a';
  if (spread.repeats.length <= 1) return fixed(spread.median, digits);
  return `${fixed(spread.median, digits)} (${fixed(spread.min, digits)}–${fixed(spread.max, digits)})`;
}

/** Rotates a list by `by` places: interleaves arms so none always runs first. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const shift = ((by % items.length) + items.length) % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
