/** The benchmark's pure statistics (`bench/stats.ts`): the numbers in docs/benchmarks.md rest on them. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fixed,
  formatSpread,
  median,
  pairedDifference,
  pairedRatio,
  percentile,
  rotate,
  spreadOf,
  summarize,
} from '../bench/stats.ts';

describe('bench statistics', () => {
  it('interpolates percentiles between closest ranks, whatever the order of the samples', () => {
    assert.equal(percentile([4, 1, 3, 2], 50), 2.5);
    assert.equal(percentile([1, 2, 3, 4, 5], 0), 1);
    assert.equal(percentile([1, 2, 3, 4, 5], 100), 5);
    assert.equal(percentile([1, 2, 3, 4, 5], 25), 2);
    assert.ok(Math.abs(percentile([10, 20], 99) - 19.9) < 1e-9);
    assert.equal(percentile([7], 99), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.throws(() => percentile([1], 101), RangeError);
  });

  it('does not reorder the caller’s samples', () => {
    const samples = [3, 1, 2];
    percentile(samples, 50);
    assert.deepEqual(samples, [3, 1, 2]);
  });

  it('takes the median of odd and even counts', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([1, 2, 3, 10]), 2.5);
  });

  it('summarizes a run', () => {
    const samples = Array.from({ length: 100 }, (_, index) => index + 1);
    const summary = summarize(samples);
    assert.equal(summary.count, 100);
    assert.equal(summary.p50, 50.5);
    assert.ok(Math.abs(summary.p90 - 90.1) < 1e-9);
    assert.ok(Math.abs(summary.p99 - 99.01) < 1e-9);
    assert.equal(summary.mean, 50.5);
    assert.equal(summary.min, 1);
    assert.equal(summary.max, 100);
    assert.ok(Number.isNaN(summarize([]).p50));
  });

  it('gives the median of repeats with the lowest and highest as spread, leaving out failed runs', () => {
    assert.deepEqual(spreadOf([3, 1, 2]), { median: 2, min: 1, max: 3, repeats: [3, 1, 2] });
    const partial = spreadOf([Number.NaN, 4, 2]);
    assert.equal(partial.median, 3);
    assert.equal(partial.min, 2);
    assert.ok(Number.isNaN(spreadOf([Number.NaN]).median));
  });

  it('pairs repeats for differences and ratios', () => {
    assert.deepEqual(pairedDifference([3, 5], [1, 2]), [2, 3]);
    assert.deepEqual(pairedRatio([3, 4], [1, 2]), [3, 2]);
    assert.ok(Number.isNaN(pairedRatio([1], [0])[0] ?? 0));
    assert.throws(() => pairedDifference([1], [1, 2]), RangeError);
  });

  it('formats medians with their spread', () => {
    assert.equal(formatSpread(spreadOf([1.234, 1.1, 1.4]), 2), '1.23 (1.10–1.40)');
    assert.equal(formatSpread(spreadOf([2]), 1), '2.0');
    assert.equal(formatSpread(spreadOf([Number.NaN]), 1), 'n/a');
    assert.equal(fixed(Number.POSITIVE_INFINITY, 1), 'n/a');
  });

  it('rotates arms so each repeat starts with another', () => {
    assert.deepEqual(rotate(['a', 'b', 'c'], 1), ['b', 'c', 'a']);
    assert.deepEqual(rotate(['a', 'b', 'c'], 4), ['b', 'c', 'a']);
    assert.deepEqual(rotate(['a', 'b', 'c'], -1), ['c', 'a', 'b']);
    assert.deepEqual(rotate([], 2), []);
  });
});
