/**
 * The long-answer workload (issue 15): the mock upstream streams one long answer, a few characters
 * a chunk as models do, and a fresh Parley is asked it through every streaming surface. Per
 * surface and answer length: the bytes on the wire of one answer (and whether its text arrives
 * whole), and the live heap that finished answers leave behind (streamed native and Responses
 * answers stay in the run log for resuming). Two lengths show how that heap grows: in proportion
 * to the answer it doubles when the answer doubles; quadratic, it quadruples.
 */

import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BenchPaths, type Cores, origin, setLongAnswer, startParley } from './arms.ts';
import { type BenchProcess, probeLiveMemory } from './processes.ts';
import { answerText, askStreaming, STREAM_SURFACES, type StreamSurface } from './surface-streams.ts';
import { longAnswerText } from './wire.ts';

export interface LongAnswerPlan {
  /** Answer lengths in characters; the last is the one the targets judge. */
  readonly sizes: readonly number[];
  /** Characters per upstream chunk. */
  readonly pieceChars: number;
  /** Answers per surface and length whose heap is measured. */
  readonly runs: number;
  /** A surface stops early past this many seconds, or once the server's RSS grew this much. */
  readonly maxSeconds: number;
  readonly maxGrowthMb: number;
}

export interface SurfaceFigures {
  readonly status: number;
  /** One answer's bytes on the wire, as the client's socket read them. */
  readonly wireBytes: number;
  /** The same answer's body after chunked decoding. */
  readonly bodyBytes: number;
  /** Send → last byte of that answer, ms. */
  readonly ms: number;
  /** The text put back together from the events is exactly the upstream's answer. */
  readonly answerIntact: boolean;
  /** Answers whose heap was measured (fewer than planned when the time or growth limit hit). */
  readonly runs: number;
  readonly liveBefore: { readonly heapUsedMb: number; readonly externalMb: number };
  readonly liveAfter: { readonly heapUsedMb: number; readonly externalMb: number };
  /** Live heap each finished answer left, bytes. */
  readonly heapPerAnswerBytes: number;
  readonly stoppedEarly?: string;
}

export interface LongAnswerSize {
  readonly chars: number;
  readonly surfaces: Partial<Record<StreamSurface, SurfaceFigures>>;
}

export interface LongAnswerResults {
  readonly plan: LongAnswerPlan;
  /** The checkout whose build was measured (`--parley-root`), when not this one. */
  readonly root?: string;
  readonly sizes: LongAnswerSize[];
  readonly notes: string[];
}

export interface LongAnswerOptions {
  readonly paths: BenchPaths;
  readonly cores: Cores;
  readonly upstream: BenchProcess;
  readonly plan: LongAnswerPlan;
  readonly root?: string;
  readonly log: (line: string) => void;
}

const BYTES_PER_MB = 1024 * 1024;

export async function measureLongAnswer(options: LongAnswerOptions): Promise<LongAnswerResults> {
  const { paths, plan, upstream, log } = options;
  const memoryFile = join(paths.work, 'long-answer-memory.json');
  const parley = await startParley(paths, options.cores, {
    name: 'parley-long-answer',
    databasePath: join(paths.work, 'long-answer.sqlite'),
    upstreamBaseUrl: `${origin(upstream)}/v1`,
    logLevel: 'warn',
    memoryFile,
    ...(options.root === undefined ? {} : { root: options.root }),
  });
  const results: LongAnswerResults = {
    plan,
    ...(options.root === undefined ? {} : { root: options.root }),
    sizes: [],
    notes: [],
  };
  const base = origin(parley);
  try {
    // One answer through each surface first, so that what a surface loads once is not counted per answer.
    await setLongAnswer(upstream, plan.sizes[0] ?? 1_000, plan.pieceChars);
    for (const surface of STREAM_SURFACES) await askStreaming(surface, base, false);
    for (const chars of plan.sizes) {
      await setLongAnswer(upstream, chars, plan.pieceChars);
      const expected = longAnswerText(chars);
      const size: LongAnswerSize = { chars, surfaces: {} };
      for (const surface of STREAM_SURFACES) {
        log(`long answer: ${chars.toLocaleString('en-US')} characters through ${surface}`);
        try {
          size.surfaces[surface] = await measureSurface(surface, expected);
        } catch (error) {
          results.notes.push(`long answer ${chars} ${surface}: ${String(error)}`);
        }
      }
      results.sizes.push(size);
    }
  } finally {
    await parley.stop();
  }
  return results;

  async function measureSurface(surface: StreamSurface, expected: string): Promise<SurfaceFigures> {
    const live = () => probeLiveMemory(parley, memoryFile);
    const before = await live();
    const rssBefore = parley.rssMb();
    const deadline = Date.now() + plan.maxSeconds * 1000;
    const first = await askStreaming(surface, base, true);
    const answerIntact = first.status === 200 && answerText(surface, first.text ?? '') === expected;
    if (first.status !== 200) throw new Error(`status ${first.status}: ${(first.text ?? '').slice(0, 300)}`);
    let runs = 1;
    let stoppedEarly: string | undefined;
    while (runs < plan.runs) {
      if (Date.now() > deadline) {
        stoppedEarly = `after ${plan.maxSeconds} s`;
        break;
      }
      if (parley.rssMb() - rssBefore > plan.maxGrowthMb) {
        stoppedEarly = `RSS grew over ${plan.maxGrowthMb} MB`;
        break;
      }
      const read = await askStreaming(surface, base, false);
      if (read.status !== 200) throw new Error(`status ${read.status} on answer ${runs + 1}`);
      runs++;
    }
    // A run's last writes (its end in the log, the stored answer) follow the stream's last byte closely.
    await sleep(200);
    const after = await live();
    return {
      status: first.status,
      wireBytes: first.wireBytes,
      bodyBytes: first.bodyBytes,
      ms: first.ms,
      answerIntact,
      runs,
      liveBefore: { heapUsedMb: before.heapUsedMb, externalMb: before.externalMb },
      liveAfter: { heapUsedMb: after.heapUsedMb, externalMb: after.externalMb },
      heapPerAnswerBytes: ((after.heapUsedMb - before.heapUsedMb) * BYTES_PER_MB) / runs,
      ...(stoppedEarly === undefined ? {} : { stoppedEarly }),
    };
  }
}
