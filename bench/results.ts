/** The shape of one benchmark run's figures, as measured (`run.ts`) and reported (`report.ts`). */

import type { ComparePlan } from './compare.ts';
import type { LongAnswerPlan, LongAnswerResults } from './long-answer.ts';
import type { LiveMemory } from './processes.ts';
import type { SearchResult } from './search.ts';
import type { LatencySummary } from './stats.ts';
import type { ThroughputRun } from './throughput.ts';

export type LatencyArm =
  | 'direct'
  | 'bare'
  | 'portkey'
  | 'parley'
  | 'parley-info'
  | 'parley-ask'
  | 'parley-info-ask';

export type StreamArm = 'direct' | 'bare' | 'portkey' | 'parley' | 'parley-info' | 'parley-ask';

export type ThroughputArm = 'direct' | 'bare' | 'portkey' | 'parley' | 'parley-info' | 'parley-ask';

export interface ThroughputRepeat extends ThroughputRun {
  /** CPU the server under test used during the run, in % of one core. */
  readonly serverCpuPercent: number;
  /** How busy each core was during the run (anyone's work), in %. */
  readonly coreBusyPercent: readonly number[];
}

export interface ChunkCheck {
  readonly chunks: number;
  readonly intervalMs: number;
  /** Arrival of each token, ms after the first. */
  readonly arrivals: readonly number[];
  readonly reads: number;
  readonly tokenFrames: number;
  /** Largest |arrival(k) − k × interval|, in ms. */
  readonly maxSkewMs: number;
  readonly oneToOne: boolean;
  readonly error?: string;
}

export interface StreamsSample {
  readonly streams: number;
  readonly withFirstToken: number;
  readonly failed: number;
  readonly openingMs: number;
  /** The highest RSS while the streams were open, as an operator sees it (no forced GC). */
  readonly rssMb: number;
  /** What survives a full GC while the streams are open. */
  readonly live: LiveMemory;
  /** RSS after every stream closed and the server had a few seconds to settle (no forced GC). */
  readonly rssAfterCloseMb: number;
  /** What survives a full GC after that. */
  readonly liveAfterClose: LiveMemory;
  /** Streams the upstream still had open after the client closed all of its streams and the server settled. */
  readonly upstreamStreamsAfterClose: number;
}

export interface MemoryRepeat {
  readonly idleRssMb: number;
  readonly idleLive: LiveMemory;
  readonly samples: readonly StreamsSample[];
}

export interface DepthRepeat {
  readonly depth: number;
  /** `/ask` continuing under the deepest message. */
  readonly ask: LatencySummary;
  /** The request Parley sent upstream, replayed straight to the upstream. */
  readonly directWithHistory: LatencySummary;
  /** Size of that request (Parley may send less than the whole path when it fits a context window). */
  readonly upstreamRequestBytes: number;
  /** Messages in that request. */
  readonly upstreamMessages: number;
  /** `GET /conversation/{id}`. */
  readonly read: LatencySummary;
  readonly readBytes: number;
}

/** How much of everything a run does. */
export interface Plan {
  readonly repeats: number;
  readonly latency: { readonly warmup: number; readonly count: number; readonly maxSeconds: number };
  readonly ttft: {
    readonly warmup: number;
    readonly count: number;
    readonly maxSeconds: number;
    readonly chunks: number;
  };
  readonly chunkCheck: { readonly chunks: number; readonly intervalMs: number };
  readonly throughput: {
    readonly seconds: number;
    readonly concurrency: readonly number[];
    readonly growth: readonly number[];
  };
  readonly depths: readonly number[];
  readonly depthCounts: Readonly<Record<number, number>>;
  readonly readCounts: Readonly<Record<number, number>>;
  readonly memory: {
    readonly repeats: number;
    readonly streams: readonly number[];
    readonly holdMs: number;
    readonly settleMs: number;
  };
  readonly sqliteTurns: number;
  readonly searchMessages: number;
  readonly longAnswer: LongAnswerPlan;
  /** `--only compare` (two builds side by side), not part of a full run. */
  readonly compare: ComparePlan;
  readonly timeLimitSeconds: number;
}

export interface Results {
  readonly quick: boolean;
  readonly startedAt: string;
  durationSeconds: number;
  readonly machine: {
    readonly cpuModel: string;
    readonly cores: number;
    readonly memoryGb: number;
    readonly kernel: string;
    readonly node: string;
    readonly commit: string;
    readonly dirty: boolean;
    readonly pinned: boolean;
  };
  readonly plan: Plan;
  readonly notes: string[];
  readonly repeats: number;
  /** The 1-minute load average when the run started and ended (other work on the machine skews figures). */
  loadAverage: { start: number; end: number };
  latency: Partial<Record<LatencyArm, LatencySummary[]>>;
  ttft: Partial<Record<StreamArm, LatencySummary[]>>;
  chunks: Partial<Record<StreamArm, ChunkCheck>>;
  /** Keyed `arm@connections`. */
  throughput: Record<string, ThroughputRepeat[]>;
  /** The direct baseline measured in the depth phase, per repeat. */
  depthDirect: LatencySummary[];
  depth: DepthRepeat[][];
  memory: Partial<Record<'parley' | 'bare', MemoryRepeat[]>>;
  sqlite: { NORMAL: LatencySummary[]; FULL: LatencySummary[]; serverKnob: boolean };
  /** Full-text search over a store of `messages` messages (issue 8), one entry per repeat. */
  search: SearchResult[];
  /** One long answer through every streaming surface: bytes on the wire, heap per finished answer (issue 15). */
  longAnswer?: LongAnswerResults;
  profiles: { name: string; file: string; summary: string }[];
}
