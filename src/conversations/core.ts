/**
 * The conversation core, built once: each piece owns one purpose, and the HTTP layer gets them
 * all from `createCore()`.
 *
 * - `tree`: reading and editing conversations and their messages (`tree.ts`)
 * - `generations`: asking, regenerating, editing, continuing, stateless turns (`generations.ts`,
 *   over `planning.ts` and `model-choice.ts`)
 * - `runs`: generations followed apart from their connection, resumed, cancelled (`runs.ts`)
 * - `titles`: model-written titles (`titles.ts`)
 * - `importExport`: exports and imports (`import-export.ts`)
 * - `completions`: `/v1/chat/completions`, nothing stored (`completions.ts`)
 */

import { randomUUID } from 'node:crypto';
import { MemoryRunLog } from '../infra/run-log.ts';
import type { ModelRegistry } from '../providers/registry.ts';
import type { Store, UsageQuery, UsageSummaryRow } from '../store/store.ts';
import { Completions } from './completions.ts';
import type { ContextSettings } from './context-window.ts';
import type { GenerationObserver } from './generation-observer.ts';
import { Generations } from './generations.ts';
import { ImportExport } from './import-export.ts';
import { LiveTurns } from './live-turns.ts';
import { PromptPlanner } from './planning.ts';
import { packRunEvents } from './run-event-packing.ts';
import { type RunEvent, type RunEventLog, Runs } from './runs.ts';
import { Titles } from './titles.ts';
import { ConversationTree } from './tree.ts';
import type { TurnContext } from './turn.ts';
import { UpstreamCopies } from './upstream-threads.ts';
import type { UsageRecorder } from './usage-recorder.ts';

export interface CoreOptions {
  readonly store: Store;
  readonly models: ModelRegistry;
  readonly flushIntervalMs: number;
  readonly now?: () => number;
  readonly newId?: () => string;
  /** A write of an answer, an automatic title or a summary that failed in the background. */
  readonly onStoreError?: (error: unknown) => void;
  readonly observer?: GenerationObserver;
  readonly recorder?: UsageRecorder;
  /** Ask the model for a title after a new conversation's first answer. */
  readonly autoTitles?: boolean;
  readonly context?: ContextSettings;
  /** Replace what the context window drops with a summary the model writes. */
  readonly summaries?: boolean;
  /** Where runs keep their events for followers (in memory by default, packed once a run ends). */
  readonly runLog?: RunEventLog;
  /** This server process's id, written on the answers it generates (see the reaper). */
  readonly replicaId?: string;
  /** Asks the other servers to cancel a run (Redis pub/sub with several replicas). */
  readonly cancelElsewhere?: (answerId: string) => Promise<void>;
  /** A title or delete that a stateful upstream refused (Parley's own change stands). */
  readonly onUpstreamSyncError?: (error: unknown, upstreamConversationId: string) => void;
}

export interface ConversationCore {
  readonly tree: ConversationTree;
  readonly generations: Generations;
  readonly runs: Runs;
  readonly titles: Titles;
  readonly importExport: ImportExport;
  readonly completions: Completions;
  /** Usage summed from the store, after the rows still waiting for their batch are written. */
  usageSummary(query: UsageQuery): Promise<readonly UsageSummaryRow[]>;
  /**
   * Waits (at most `timeoutMs`) for the generations in flight to end: at a stop, runs that have no
   * client (background responses, streams whose client left) get the grace that streams get.
   */
  settled(timeoutMs: number): Promise<void>;
  /** Refuses new turns and stops every generation in flight; each stores what it had as `incomplete`. */
  shutdown(): void;
}

export function createCore(options: CoreOptions): ConversationCore {
  const { store, models, recorder } = options;
  const now = options.now ?? Date.now;
  const newId = options.newId ?? randomUUID;
  const onBackgroundError = options.onStoreError ?? (() => {});
  const live = new LiveTurns();
  const turnContext: TurnContext = {
    store,
    now,
    flushIntervalMs: options.flushIntervalMs,
    shutdown: live.shutdownSwitch,
    onStoreError: onBackgroundError,
    onSettled: (turn) => live.release(turn.ids.answerId),
    ...(options.observer === undefined ? {} : { observer: options.observer }),
    ...(recorder === undefined ? {} : { recorder }),
  };
  const titles = new Titles({
    store,
    models,
    now,
    // Titles and summaries are generations like any other: the same turn path, usage and limits.
    statelessTurn: (input) => generations.statelessTurn(input),
    onBackgroundError,
  });
  const generations = new Generations({
    store,
    models,
    planner: new PromptPlanner({
      store,
      context: options.context ?? {},
      summaries: options.summaries ?? false,
      now,
      statelessTurn: (input) => generations.statelessTurn(input),
      onBackgroundError,
    }),
    live,
    turnContext,
    autoTitles: options.autoTitles === true ? titles : undefined,
    replicaId: options.replicaId ?? randomUUID(),
    now,
    newId,
  });
  const upstream = new UpstreamCopies(store, models, options.onUpstreamSyncError ?? (() => {}));
  return {
    tree: new ConversationTree({ store, upstream, now, newId }),
    generations,
    runs: new Runs({
      log: options.runLog ?? new MemoryRunLog<RunEvent>(undefined, packRunEvents),
      live,
      store,
      cancelElsewhere: options.cancelElsewhere,
    }),
    titles,
    importExport: new ImportExport(store, now),
    completions: new Completions(models, generations),
    async usageSummary(query) {
      await recorder?.flush();
      return store.summarizeUsage(query);
    },
    settled: (timeoutMs) => live.settled(timeoutMs),
    shutdown: () => live.shutdown(),
  };
}
