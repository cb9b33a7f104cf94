/**
 * The long-answer section of `docs/benchmarks.md` (issue 15): its two targets with pass or miss,
 * the bytes on the wire per surface and the live heap a finished answer leaves. A full run writes
 * it with the rest of the report; `--only long-answer` rewrites this section alone, between its
 * markers (`spliceSection`), and leaves the rest of the file as it was.
 */

import type { LongAnswerResults, LongAnswerSize, SurfaceFigures } from './long-answer.ts';
import { type SectionPlace, table, verdict } from './markdown.ts';
import { fixed } from './stats.ts';
import { STREAM_SURFACES, type StreamSurface, SURFACE_LABELS } from './surface-streams.ts';

/** Where the section goes in `docs/benchmarks.md`. */
export const LONG_ANSWER_PLACE: SectionPlace = {
  heading: '## A long answer (issue 15)',
  marker: 'long-answer',
  before: '## Raw figures',
};

/** The native stream may be this much larger than `/v1/responses`' for the same answer. */
export const WIRE_RATIO_TARGET = 1.5;
/**
 * Heap per answer at twice the length: about 2× when it is in proportion to the answer (less with a
 * fixed part per answer), about 4× when quadratic. Above this it is judged not proportional.
 */
export const HEAP_GROWTH_LIMIT = 2.5;

/** Surfaces whose finished answers stay in the run log for resuming. */
const HELD_FOR_RESUMING: ReadonlySet<StreamSurface> = new Set(['native', 'responses']);

export interface SectionHeader {
  readonly startedAt: string;
  readonly commit: string;
  readonly dirty: boolean;
  readonly command: string;
}

const chars = (count: number) => count.toLocaleString('en-US');
const kb = (bytes: number) => fixed(bytes / 1024, 1);

/** The surface's figures at the smallest and the largest length measured. */
function ends(results: LongAnswerResults, surface: StreamSurface) {
  const first: LongAnswerSize | undefined = results.sizes[0];
  const last: LongAnswerSize | undefined = results.sizes.at(-1);
  return { small: first?.surfaces[surface], large: last?.surfaces[surface], first, last };
}

/** Heap per answer at the largest length over the smallest, scaled to a doubling of the length. */
function heapGrowth(results: LongAnswerResults, surface: StreamSurface): number {
  const { small, large, first, last } = ends(results, surface);
  if (small === undefined || large === undefined || first === undefined || last === undefined)
    return Number.NaN;
  if (first.chars === last.chars) return Number.NaN;
  // Per doubling of the length: (large / small) ^ (1 / log2(length ratio)).
  const doublings = Math.log2(last.chars / first.chars);
  return (large.heapPerAnswerBytes / small.heapPerAnswerBytes) ** (1 / doublings);
}

export function longAnswerTargets(
  results: LongAnswerResults,
): { figure: string; target: string; measured: string; pass: boolean | undefined }[] {
  const { last } = ends(results, 'native');
  const native = last?.surfaces.native;
  const responses = last?.surfaces.responses;
  const ratio =
    native !== undefined && responses !== undefined ? native.wireBytes / responses.wireBytes : Number.NaN;
  const growth = heapGrowth(results, 'native');
  const length = last === undefined ? 'a long answer' : `a ${chars(last.chars)}-character answer`;
  return [
    {
      figure: `native stream's bytes on the wire for ${length}, over \`/v1/responses\`'`,
      target: `≤ ${WIRE_RATIO_TARGET}×`,
      measured: Number.isNaN(ratio)
        ? 'not measured'
        : `${fixed(ratio, 2)}× (${kb(native?.wireBytes ?? Number.NaN)} KB vs ${kb(responses?.wireBytes ?? Number.NaN)} KB)`,
      pass: Number.isNaN(ratio) ? undefined : ratio <= WIRE_RATIO_TARGET && native?.answerIntact === true,
    },
    {
      figure: 'live heap a finished native run held for resuming costs, when the answer doubles',
      target: `in proportion to the answer: ≤ ${HEAP_GROWTH_LIMIT}× (quadratic would be 4×)`,
      measured: Number.isNaN(growth)
        ? 'not measured'
        : `${fixed(growth, 2)}× (${kb(ends(results, 'native').small?.heapPerAnswerBytes ?? Number.NaN)} → ${kb(native?.heapPerAnswerBytes ?? Number.NaN)} KB per answer)`,
      pass: Number.isNaN(growth) ? undefined : growth <= HEAP_GROWTH_LIMIT,
    },
  ];
}

function wireTable(results: LongAnswerResults): string {
  const sizes = results.sizes;
  const rows = STREAM_SURFACES.map((surface) => {
    const cells = sizes.map((size) => size.surfaces[surface]);
    const responses = sizes.map((size) => size.surfaces.responses);
    const last = cells.at(-1);
    return [
      SURFACE_LABELS[surface],
      ...cells.flatMap((figures, index) => {
        const size = sizes[index];
        if (figures === undefined || size === undefined) return ['—', '—'];
        const versusResponses = responses[index]?.wireBytes ?? Number.NaN;
        return [
          `${kb(figures.wireBytes)} (body ${kb(figures.bodyBytes)})`,
          `${fixed(figures.wireBytes / size.chars, 1)} / ${fixed(figures.wireBytes / versusResponses, 2)}×`,
        ];
      }),
      last === undefined ? '—' : fixed(last.ms, 0),
      cells.every((figures) => figures?.answerIntact === true) ? 'yes' : '**no**',
    ];
  });
  return table(
    [
      'surface',
      ...sizes.flatMap((size) => [
        `${chars(size.chars)} chars: KB on the wire`,
        `${chars(size.chars)}: bytes per char / × \`/v1/responses\``,
      ]),
      `one ${chars(sizes.at(-1)?.chars ?? 0)}-char answer, ms`,
      'text arrives whole',
    ],
    rows,
  );
}

function heapCell(figures: SurfaceFigures | undefined, size: LongAnswerSize): string[] {
  if (figures === undefined) return ['—', '—', '—'];
  return [
    `${figures.runs}${figures.stoppedEarly === undefined ? '' : ` (stopped ${figures.stoppedEarly})`}`,
    kb(figures.heapPerAnswerBytes),
    fixed(figures.heapPerAnswerBytes / size.chars, 1),
  ];
}

function heapTable(results: LongAnswerResults): string {
  const rows = STREAM_SURFACES.map((surface) => {
    const growth = heapGrowth(results, surface);
    return [
      `${SURFACE_LABELS[surface]}${HELD_FOR_RESUMING.has(surface) ? ' (held for resuming)' : ''}`,
      ...results.sizes.flatMap((size) => heapCell(size.surfaces[surface], size)),
      !HELD_FOR_RESUMING.has(surface)
        ? '— (holds nothing)'
        : Number.isNaN(growth)
          ? '—'
          : `${fixed(growth, 2)}×`,
    ];
  });
  return table(
    [
      'surface',
      ...results.sizes.flatMap((size) => [
        `${chars(size.chars)} chars: answers`,
        'live heap per answer KB',
        'bytes per char',
      ]),
      'per doubling of the answer',
    ],
    rows,
  );
}

export function longAnswerSection(results: LongAnswerResults | undefined, header: SectionHeader): string {
  if (results === undefined || results.sizes.length === 0) return '_Not measured in this run._';
  const { plan } = results;
  const targets = longAnswerTargets(results);
  const lines = [
    `Measured by \`${header.command}\` on ${header.startedAt.slice(0, 16).replace('T', ' ')} UTC, ` +
      `Parley at commit \`${header.commit}\`${header.dirty ? ' with uncommitted changes under `src/`' : ''}` +
      `${results.root === undefined ? '' : ` (the server built from \`${results.root}\`)`}. ` +
      `The mock upstream streams one answer of ${plan.sizes.map(chars).join(' or ')} characters ` +
      `(prose in paragraphs, \`bench/wire.ts\`), ${plan.pieceChars} characters a chunk as models send it, back to back; ` +
      'a fresh Parley (log `warn`) is asked it with `stream: true` through every streaming surface, each answer on a ' +
      'connection of its own (the native one in a new conversation). *On the wire* is what the client socket read: ' +
      "status line, headers, chunked framing and body. *Live heap per answer*: the server's heap after a forced full GC " +
      `(\`bench/gc-on-signal.cjs\`) before and after ${plan.runs} answers through one surface, divided by the answers ` +
      '(fewer when a surface passed ' +
      `${plan.maxSeconds} s or grew ${plan.maxGrowthMb} MB); streamed native and \`/v1/responses\` answers stay in the run ` +
      'log for resuming (10 minutes), so theirs is what a finished run held for resuming costs; the other two keep ' +
      'nothing once the answer is stored, and show the noise of this measure (a few MB over all the answers, so tens of KB ' +
      'either way per answer). *Per doubling*: heap per ' +
      'answer at the longer answer over the shorter, per doubling of the length: 2× is in proportion to the answer, ' +
      '4× quadratic.',
    '',
    table(
      ['figure', 'target', 'measured', 'result'],
      targets.map((row) => [row.figure, row.target, row.measured, verdict(row.pass)]),
    ),
    '',
    'Bytes on the wire, one answer (KB; bytes per character of the answer / × `/v1/responses` at the same length):',
    '',
    wireTable(results),
    '',
    'Live heap each finished answer leaves in the server:',
    '',
    heapTable(results),
  ];
  if (results.notes.length > 0)
    lines.push('', ...results.notes.map((note) => `- ${note.replaceAll('\n', ' ')}`));
  return lines.join('\n');
}
