/**
 * `--profile`: runs Parley under each load on a fresh process each time, profiled by V8's CPU
 * profiler over the load alone (after a short warm-up of the same load; see
 * `profile-on-signal.cjs`), and reduces every profile to where the time went: self time by
 * function and by part (Parley's `src/`, each npm package, Node's internals, GC). The
 * `.cpuprofile` files stay in `.cache/bench/profiles/` for a flame graph (Chrome DevTools,
 * speedscope).
 */

import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BenchPaths, type Cores, chatTarget, origin, setStreamShape, startParley } from './arms.ts';
import { sequentialGet, sequentialLatency } from './client.ts';
import type { BenchProcess } from './processes.ts';
import { seedConversations } from './seed-store.ts';
import { fixed } from './stats.ts';
import { runAutocannon } from './throughput.ts';
import { askBody, chatBody } from './wire.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileOptions {
  readonly paths: BenchPaths;
  readonly cores: Cores;
  readonly upstream: BenchProcess;
  readonly upstreamBaseUrl: string;
  readonly seconds: number;
  readonly log: (line: string) => void;
}

interface Workload {
  readonly name: string;
  readonly depth: number;
  /** Runs the load for about `seconds` (bounded: a deadline stops the sequential ones). */
  run(parley: BenchProcess, conversationId: string, leafId: string, seconds: number): Promise<void>;
}

/** The warm-up before each profile: the same load, this long (JIT-compiled, caches and pools full). */
const WARM_UP_SECONDS = 1;

export async function profileParley(
  options: ProfileOptions,
): Promise<{ name: string; file: string; summary: string }[]> {
  const { paths, cores } = options;
  const folder = join(paths.root, '.cache/bench/profiles');
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  await setStreamShape(options.upstream, 8, 0);
  const autocannon = (parley: BenchProcess, path: string, body: string, seconds: number) =>
    runAutocannon({
      url: `${origin(parley)}${path}`,
      headers: {},
      body,
      connections: 64,
      durationSeconds: seconds,
      cpu: cores.load,
    });
  const workloads: Workload[] = [
    {
      name: 'chat-completions-64',
      depth: 2,
      run: async (parley, _conversationId, _leafId, seconds) => {
        await autocannon(parley, '/v1/chat/completions', chatBody(false), seconds);
      },
    },
    {
      name: 'ask-64',
      depth: 10,
      run: async (parley, conversationId, leafId, seconds) => {
        await autocannon(parley, '/ask', askBody(conversationId, leafId, false), seconds);
      },
    },
    {
      name: 'ask-sequential-depth-10000',
      depth: 10_000,
      run: async (parley, conversationId, leafId, seconds) => {
        const body = askBody(conversationId, leafId, false);
        await sequentialLatency({ origin: origin(parley), path: '/ask', headers: {} }, () => body, {
          warmup: 0,
          count: 60,
          deadline: Date.now() + seconds * 2_000,
        });
      },
    },
    {
      name: 'read-depth-10000',
      depth: 10_000,
      run: async (parley, conversationId, _leafId, seconds) => {
        await sequentialGet(
          { origin: origin(parley), path: `/conversation/${conversationId}`, headers: {} },
          { warmup: 0, count: 30, deadline: Date.now() + seconds * 2_000 },
        );
      },
    },
    {
      name: 'chat-completions-sequential',
      depth: 2,
      run: async (parley, _conversationId, _leafId, seconds) => {
        const body = chatBody(false);
        await sequentialLatency(chatTarget(parley), () => body, {
          warmup: 0,
          count: 5_000,
          deadline: Date.now() + seconds * 1_000,
        });
      },
    },
  ];
  const profiles: { name: string; file: string; summary: string }[] = [];
  for (const workload of workloads) {
    options.log(`profile ${workload.name}`);
    const databasePath = join(paths.work, `profile-${workload.name}.sqlite`);
    const [conversation] = await seedConversations(databasePath, [workload.depth]);
    if (conversation === undefined) continue;
    const file = join(folder, `${workload.name}.cpuprofile`);
    const parley = await startParley(paths, cores, {
      name: `parley-profile-${workload.name}`,
      databasePath,
      upstreamBaseUrl: options.upstreamBaseUrl,
      logLevel: 'warn',
      profileFile: file,
    });
    try {
      const { conversationId, leafId } = conversation;
      await workload.run(parley, conversationId, leafId, WARM_UP_SECONDS);
      parley.child.kill('SIGWINCH'); // start profiling
      await workload.run(parley, conversationId, leafId, options.seconds);
      parley.child.kill('SIGWINCH'); // stop and write
      await waitForFile(file, 10_000);
    } finally {
      await parley.stop();
    }
    if (!existsSync(file)) continue;
    profiles.push({
      name: workload.name,
      file: relative(paths.root, file),
      summary: summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, paths.root),
    });
  }
  return profiles;
}

/** Waits until `file` exists (the profiler writes it whole, then renames it), or `ms` pass. */
async function waitForFile(file: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!existsSync(file) && Date.now() < deadline) await sleep(100);
}

/** Where a function lives: `src/...`, an npm package, `node:` internals, or a V8 pseudo-frame. */
function partOf(url: string, functionName: string, root: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (packageMatch?.[1] !== undefined) return packageMatch[1];
  if (path.startsWith('node:')) return 'node internals';
  if (path.startsWith(root)) return relative(root, path).split('/').slice(0, 2).join('/');
  return path;
}

/**
 * The most time one sample stands for, in µs. The server is pinned to one core with the profiler's
 * sampling thread, which waits for a time slice (a few ms) while the server runs; a longer gap
 * means the sampler was held up (the profiler's own start takes hundreds of ms), not that the
 * function sampled next ran all that time.
 */
const MAX_SAMPLE_GAP_US = 4_000;

/** A markdown summary: the share of busy time by part, and the heaviest functions by self time. */
export function summarizeProfile(profile: CpuProfile, root: string, top = 15): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfTime = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    const delta = Math.min(profile.timeDeltas[index] ?? 0, MAX_SAMPLE_GAP_US);
    selfTime.set(id, (selfTime.get(id) ?? 0) + delta);
  });
  const byFunction = new Map<string, { time: number; part: string }>();
  const byPart = new Map<string, number>();
  let busy = 0;
  for (const [id, time] of selfTime) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    // Idle, and the profiler's own start (`node:inspector`'s `post` while V8 lists every compiled function).
    if (functionName === '(idle)' || url === 'node:inspector') continue;
    busy += time;
    const part = partOf(url, functionName, root);
    byPart.set(part, (byPart.get(part) ?? 0) + time);
    const where = url === '' ? '' : ` ${relative(root, url.replace(/^file:\/\//, ''))}:${lineNumber + 1}`;
    const key = `${functionName === '' ? '(anonymous)' : functionName}${where}`;
    const entry = byFunction.get(key) ?? { time: 0, part };
    entry.time += time;
    byFunction.set(key, entry);
  }
  const percent = (time: number) => `${fixed((time / busy) * 100, 1)} %`;
  const parts = [...byPart.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
  const functions = [...byFunction.entries()].sort((a, b) => b[1].time - a[1].time).slice(0, top);
  const lines = [
    `busy CPU ${fixed(busy / 1000, 0)} ms; by part: ${parts.map(([part, time]) => `${part} ${percent(time)}`).join(', ')}`,
    '',
    '| self | function |',
    '| ---: | --- |',
    ...functions.map(([name, entry]) => `| ${percent(entry.time)} | \`${name}\` |`),
  ];
  return lines.join('\n');
}
