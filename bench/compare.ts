/**
 * Two builds side by side (`npm run bench -- --only compare --baseline <checkout>`): this
 * checkout's Parley and another's (the code before a change), each over a SQLite file its own store
 * seeded, both on the server core, one mock upstream, measured figure by figure for both builds
 * back to back (which goes first alternates) and repeated in one run. So "no speed lost" is read against this machine's spread:
 * chat completions (sequential latency, time to first token, throughput at 64), `/ask` 10 deep
 * (sequential, throughput at 64) and depth (`/ask` under 1,000 and 10,000 messages, `GET
 * /conversation` of 10,000).
 */

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BenchPaths, type Cores, chatTarget, origin, setStreamShape, startParley } from './arms.ts';
import {
  type LatencyRun,
  type LoopOptions,
  sequentialGet,
  sequentialLatency,
  sequentialTimeToFirstToken,
  type Target,
} from './client.ts';
import type { BenchProcess } from './processes.ts';
import type { SeededConversation } from './seed-store.ts';
import { median, rotate } from './stats.ts';
import { runAutocannon } from './throughput.ts';
import { askBody, chatBody } from './wire.ts';

export type CompareArm = 'before' | 'after';

export interface ComparePlan {
  readonly repeats: number;
  /** Sequential loops: warm-up and measured requests (the deep ones do a tenth, at least 5). */
  readonly latency: { readonly warmup: number; readonly count: number; readonly maxSeconds: number };
  readonly throughputSeconds: number;
  /** The whole `--only compare` run is stopped past this. */
  readonly timeLimitSeconds: number;
}

export interface CompareFigure {
  readonly name: string;
  /** `µs` is the server's own CPU time per request, read from `/proc` around a throughput run. */
  readonly unit: 'ms' | 'req/s' | 'µs';
  /** Which way is faster. */
  readonly better: 'lower' | 'higher';
  /** One figure per repeat and arm. */
  readonly repeats: Record<CompareArm, number[]>;
}

export interface CompareResults {
  readonly plan: ComparePlan;
  /** The checkout measured as *before*, and its commit. */
  readonly baseline: { readonly root: string; readonly commit: string };
  readonly figures: CompareFigure[];
  readonly notes: string[];
}

export interface CompareOptions {
  readonly paths: BenchPaths;
  readonly cores: Cores;
  readonly upstream: BenchProcess;
  readonly plan: ComparePlan;
  readonly baseline: { readonly root: string; readonly commit: string };
  readonly log: (line: string) => void;
}

/** Conversations each arm needs, in this order. */
const DEPTHS = [10, 10, 1_000, 10_000, 10_000] as const;

/** Seeds conversations with a checkout's own store (its `bench/seed-store.ts`, in a child process). */
function seedIn(checkout: string, path: string): SeededConversation[] {
  const module = pathToFileURL(join(checkout, 'bench/seed-store.ts')).href;
  const script =
    `import { seedConversations } from ${JSON.stringify(module)};\n` +
    `process.stdout.write(JSON.stringify(await seedConversations(${JSON.stringify(path)}, ${JSON.stringify(DEPTHS)})));`;
  const seeded = spawnSync(process.execPath, ['--input-type=module', '--eval', script], {
    cwd: checkout,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (seeded.status !== 0) throw new Error(`seeding in ${checkout} failed:\n${seeded.stderr}`);
  return JSON.parse(seeded.stdout) as SeededConversation[];
}

interface Arm {
  readonly server: BenchProcess;
  readonly ask: SeededConversation;
  readonly askThroughput: SeededConversation;
  readonly deep: SeededConversation;
  readonly deepest: SeededConversation;
  readonly readOnly: SeededConversation;
}

export async function measureCompare(options: CompareOptions): Promise<CompareResults> {
  const { paths, cores, upstream, plan, log } = options;
  const results: CompareResults = { plan, baseline: options.baseline, figures: [], notes: [] };
  const checkouts: Record<CompareArm, string> = { before: options.baseline.root, after: paths.root };
  const arms: Partial<Record<CompareArm, Arm>> = {};
  try {
    for (const arm of ['before', 'after'] as const) {
      log(`compare: seeding and starting ${arm} (${checkouts[arm]})`);
      const databasePath = join(paths.work, `compare-${arm}.sqlite`);
      const [ask, askThroughput, deep, deepest, readOnly] = seedIn(checkouts[arm], databasePath);
      if (!ask || !askThroughput || !deep || !deepest || !readOnly)
        throw new Error('seeding returned too little');
      const server = await startParley(paths, cores, {
        name: `parley-${arm}`,
        databasePath,
        upstreamBaseUrl: `${origin(upstream)}/v1`,
        logLevel: 'warn',
        root: checkouts[arm],
      });
      arms[arm] = { server, ask, askThroughput, deep, deepest, readOnly };
    }
    await setStreamShape(upstream, 8, 0);
    const figures = new Map<string, CompareFigure>();
    const record = (name: string, unit: CompareFigure['unit'], arm: CompareArm, value: number) => {
      let figure = figures.get(name);
      if (figure === undefined) {
        figure = {
          name,
          unit,
          better: unit === 'req/s' ? 'higher' : 'lower',
          repeats: { before: [], after: [] },
        };
        figures.set(name, figure);
      }
      figure.repeats[arm].push(value);
    };
    const p50 = (label: string, run: LatencyRun): number => {
      if (run.errors > 0)
        results.notes.push(`${label}: ${run.errors} failed requests (last: ${run.lastError ?? 'unknown'})`);
      return median(run.samples);
    };
    const loop = (scale = 1): LoopOptions => {
      const count = Math.max(5, Math.round(plan.latency.count * scale));
      return {
        warmup: Math.max(2, Math.round(plan.latency.warmup * scale)),
        count,
        deadline: Date.now() + plan.latency.maxSeconds * 1000,
      };
    };
    const isCompletion = (text: string) => text.includes('tok0');
    const isAnswer = (text: string) => text.includes('"code":0') && text.includes('tok0');
    const askTarget = (server: BenchProcess): Target => ({
      origin: origin(server),
      path: '/ask',
      headers: {},
    });

    /** One figure of one build: what it measures, as a name, a unit and a value. */
    type Step = (arm: Arm, name: CompareArm) => Promise<void>;
    const throughput =
      (label: string, target: (arm: Arm) => Target, body: (arm: Arm) => string): Step =>
      async (arm, name) => {
        const where = target(arm);
        const cpuBefore = arm.server.cpuTimeMs();
        const run = await runAutocannon({
          url: `${where.origin}${where.path}`,
          headers: where.headers,
          body: body(arm),
          connections: 64,
          durationSeconds: plan.throughputSeconds,
          cpu: cores.load,
        });
        if (run.non2xx > 0 || run.errors > 0)
          results.notes.push(`${name} ${label} throughput: ${run.non2xx} non-2xx, ${run.errors} errors`);
        record(`${label} throughput at 64 connections`, 'req/s', name, run.requestsPerSecond);
        // The server's CPU time per request: steadier than the rate, which also moves with the load
        // generator and the upstream sharing the other core.
        const cpuMs = arm.server.cpuTimeMs() - cpuBefore;
        if (run.total > 0)
          record(`${label} server CPU per request at 64 connections`, 'µs', name, (cpuMs * 1000) / run.total);
      };
    const deepAsk =
      (conversation: (arm: Arm) => SeededConversation): Step =>
      async (arm, name) => {
        const { conversationId, leafId, depth } = conversation(arm);
        const payload = askBody(conversationId, leafId, false);
        const scale = depth >= 10_000 ? 0.03 : 0.2;
        const run = await sequentialLatency(askTarget(arm.server), () => payload, loop(scale), isAnswer);
        const label = depth.toLocaleString('en-US');
        record(`\`/ask\` under ${label} messages, p50`, 'ms', name, p50(`${name} depth ${label}`, run));
      };
    const small = chatBody(false);
    const steps: Step[] = [
      async (arm, name) => {
        const run = await sequentialLatency(chatTarget(arm.server), () => small, loop(), isCompletion);
        record('`/v1/chat/completions` sequential p50', 'ms', name, p50(`${name} chat`, run));
      },
      async (arm, name) => {
        const run = await sequentialTimeToFirstToken(chatTarget(arm.server), chatBody(true), loop(0.3));
        record(
          '`/v1/chat/completions` stream, time to first token p50',
          'ms',
          name,
          p50(`${name} ttft`, run),
        );
      },
      async (arm, name) => {
        const payload = askBody(arm.ask.conversationId, arm.ask.leafId, false);
        const run = await sequentialLatency(askTarget(arm.server), () => payload, loop(), isAnswer);
        record('`/ask` 10 deep, sequential p50', 'ms', name, p50(`${name} ask`, run));
      },
      throughput(
        '`/v1/chat/completions`',
        (arm) => chatTarget(arm.server),
        () => small,
      ),
      throughput(
        '`/ask` 10 deep',
        (arm) => askTarget(arm.server),
        (arm) => askBody(arm.askThroughput.conversationId, arm.askThroughput.leafId, false),
      ),
      deepAsk((arm) => arm.deep),
      deepAsk((arm) => arm.deepest),
      async (arm, name) => {
        const path = `/conversation/${arm.readOnly.conversationId}`;
        const run = await sequentialGet({ origin: origin(arm.server), path, headers: {} }, loop(0.02));
        const label = arm.readOnly.depth.toLocaleString('en-US');
        record(`\`GET /conversation\` of ${label} messages, p50`, 'ms', name, p50(`${name} read`, run));
      },
    ];
    // Figure by figure, both builds back to back (which goes first alternates): a burst of other
    // work on the machine then falls on one pair, not on one build's whole repeat.
    for (let repeat = 0; repeat < plan.repeats; repeat++) {
      log(`compare: repeat ${repeat + 1} of ${plan.repeats}`);
      for (const [index, step] of steps.entries()) {
        for (const name of rotate(['before', 'after'] as const, repeat + index)) {
          const arm = arms[name];
          if (arm !== undefined) await step(arm, name);
        }
      }
    }
    results.figures.push(...figures.values());
  } finally {
    for (const arm of Object.values(arms)) await arm.server.stop();
  }
  return results;
}
