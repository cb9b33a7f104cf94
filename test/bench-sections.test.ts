/**
 * How a single workload's run rewrites its section of `docs/benchmarks.md` (`bench/markdown.ts`),
 * and how the side-by-side comparison judges "within this machine's spread" (`bench/compare-report.ts`).
 */

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withinSpread } from '../bench/compare-report.ts';
import { spliceSection } from '../bench/markdown.ts';

const place = { heading: '## Side', marker: 'side', before: '## Raw figures' };

describe('bench report sections', () => {
  it('puts a section before its heading once, then rewrites only what is between its markers', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'parley-sections-'));
    try {
      const path = join(folder, 'benchmarks.md');
      await writeFile(path, '# Benchmarks\n\n## Findings\n\nkept\n\n## Raw figures\n\nraw\n');
      spliceSection(path, place, 'first');
      assert.equal(
        await readFile(path, 'utf8'),
        '# Benchmarks\n\n## Findings\n\nkept\n\n## Side\n\n<!-- side:start -->\nfirst\n<!-- side:end -->\n\n## Raw figures\n\nraw\n',
      );
      spliceSection(path, place, 'second\n\n| a |');
      const text = await readFile(path, 'utf8');
      assert.equal(text.split('## Side').length, 2);
      assert.match(
        text,
        /<!-- side:start -->\nsecond\n\n\| a \|\n<!-- side:end -->\n\n## Raw figures\n\nraw\n$/,
      );
      assert.doesNotMatch(text, /first/);
      const missing = join(folder, 'new.md');
      spliceSection(missing, place, 'alone');
      assert.equal(
        await readFile(missing, 'utf8'),
        '# Benchmarks\n\n## Side\n\n<!-- side:start -->\nalone\n<!-- side:end -->\n',
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('judges the newer build by the older build’s slowest repeat, either way round', () => {
    const latency = (before: number[], after: number[]) =>
      withinSpread({ name: 'p50', unit: 'ms', better: 'lower', repeats: { before, after } });
    assert.equal(latency([10, 12, 14], [13, 14, 20]), true);
    assert.equal(latency([10, 12, 14], [15, 16, 9]), false);
    const throughput = (before: number[], after: number[]) =>
      withinSpread({ name: 'rps', unit: 'req/s', better: 'higher', repeats: { before, after } });
    assert.equal(throughput([900, 1_000, 1_100], [905, 880, 2_000]), true);
    assert.equal(throughput([900, 1_000, 1_100], [850, 890, 2_000]), false);
    assert.equal(latency([], [1]), undefined);
  });
});
