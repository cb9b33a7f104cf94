/**
 * The "before and after" section of `docs/benchmarks.md` (`--only compare`): each figure for both
 * builds, median of the repeats with the lowest and highest in brackets, and whether the newer
 * build stays within this machine's spread of the older one's: its median no slower than the
 * older build's slowest repeat.
 */

import type { CompareFigure, CompareResults } from './compare.ts';
import { type SectionPlace, table, verdict } from './markdown.ts';
import { fixed, formatSpread, pairedRatio, spreadOf } from './stats.ts';

export const COMPARE_PLACE: SectionPlace = {
  heading: '## Before and after, side by side',
  marker: 'compare',
  before: '## Raw figures',
};

export interface CompareHeader {
  readonly startedAt: string;
  readonly commit: string;
  readonly dirty: boolean;
  readonly command: string;
  readonly loadAverage: { readonly start: number; readonly end: number };
}

/** The newer build's median is no slower than the older build's slowest repeat. */
export function withinSpread(figure: CompareFigure): boolean | undefined {
  const before = spreadOf(figure.repeats.before);
  const after = spreadOf(figure.repeats.after);
  if (Number.isNaN(before.median) || Number.isNaN(after.median)) return undefined;
  return figure.better === 'lower' ? after.median <= before.max : after.median >= before.min;
}

export function compareSection(results: CompareResults, header: CompareHeader): string {
  const digits = (figure: CompareFigure) => (figure.unit === 'req/s' || figure.unit === 'µs' ? 0 : 2);
  const rows = results.figures.map((figure) => [
    `${figure.name} (${figure.unit}, ${figure.better} is faster)`,
    formatSpread(spreadOf(figure.repeats.before), digits(figure)),
    formatSpread(spreadOf(figure.repeats.after), digits(figure)),
    formatSpread(spreadOf(pairedRatio(figure.repeats.after, figure.repeats.before)), 2),
    verdict(withinSpread(figure)),
  ]);
  const loaded = header.loadAverage.start > 0.5 || header.loadAverage.end > 0.5;
  return [
    `Measured by \`${header.command}\` on ${header.startedAt.slice(0, 16).replace('T', ' ')} UTC: *after* is Parley at ` +
      `commit \`${header.commit}\`${header.dirty ? ' with uncommitted changes under `src/`' : ''}, *before* the build of ` +
      `\`${results.baseline.commit}\`. Both run at once on the server core, each over a SQLite file seeded by its own store, ` +
      `against one mock upstream; each figure is measured for both builds back to back (which goes first alternates), ` +
      `${results.plan.repeats} times: the median of the repeats, lowest and highest in brackets; *after / before* is paired ` +
      'repeat by repeat. *Within spread*: the median after is no slower than the slowest repeat before. ' +
      `Sequential loops: ${results.plan.latency.count} requests (the deep \`/ask\` and the read fewer), ` +
      `throughput: autocannon, ${results.plan.throughputSeconds} s at 64 connections. Load average (1 min) at start / end: ` +
      `${fixed(header.loadAverage.start, 2)} / ${fixed(header.loadAverage.end, 2)}` +
      (loaded ? ' — **the machine was shared**: spreads are wider than on an idle one.' : '.'),
    '',
    table(['figure', 'before', 'after', 'after / before', 'within spread'], rows),
    ...(results.notes.length > 0
      ? ['', ...results.notes.map((note) => `- ${note.replaceAll('\n', ' ')}`)]
      : []),
  ].join('\n');
}
