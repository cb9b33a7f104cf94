/**
 * `npm run bench` (full, about 12 minutes) and `npm run bench -- --quick` (under two minutes):
 * starts the mock upstream, the bare Node proxy, Portkey and Parley on 127.0.0.1, pinned on this
 * machine's two cores, measures every arm interleaved and repeated, and writes the report
 * (`docs/benchmarks.md` for a full run, `.cache/bench/quick.md` for a quick one; raw JSON beside
 * it in `.cache/bench/`). A full run also records CPU profiles of Parley under each load
 * (`--no-profile` skips them, `--profile` adds them to a quick run); `--profile-only` records only
 * those (summary in `.cache/bench/profiles/summary.md`). `--only long-answer` runs the long-answer
 * workload alone (about 2 minutes, `--quick` under one) and rewrites only its section of
 * `docs/benchmarks.md`; with `--parley-root <checkout>` it measures that checkout's server instead
 * (built there with `npm run build`) and writes `.cache/bench/long-answer-other.md` only.
 * `--only compare --baseline <checkout>` measures this checkout's server and the baseline's side
 * by side in one run (chat completions, `/ask`, depth; about 7 minutes, `--quick` about 4) and
 * rewrites only that section. `--soak` (30 minutes, `--soak-minutes <n>` for another length) runs
 * the soak alone (see `soak.ts`) and rewrites only its section. `--only import` imports a 22 MB
 * ChatGPT export three times into a fresh server and reports its event-loop delay meanwhile (about
 * a minute) in its own section.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BenchPaths,
  buildParley,
  type Cores,
  chatTarget,
  origin,
  setStreamShape,
  startBareProxy,
  startMockUpstream,
  startParley,
} from './arms.ts';
import {
  chunkTiming,
  type LatencyRun,
  openStreams,
  sequentialGet,
  sequentialLatency,
  sequentialTimeToFirstToken,
  type Target,
} from './client.ts';
import { measureCompare } from './compare.ts';
import { IMPORT_PLACE, importSection, measureImport } from './import-load.ts';
import { COMPARE_PLACE, compareSection } from './compare-report.ts';
import { measureLongAnswer } from './long-answer.ts';
import { LONG_ANSWER_PLACE, longAnswerSection } from './long-answer-report.ts';
import { formatMarkdown, type SectionPlace, spliceSection } from './markdown.ts';
import { installPortkey, PORTKEY_VERSION, portkeyHeaders, startPortkey } from './portkey.ts';
import {
  type BenchProcess,
  coreBusyPercent,
  coreTimes,
  hasTaskset,
  machineDescription,
  probeLiveMemory,
} from './processes.ts';
import { profileParley } from './profile.ts';
import { writeReport } from './report.ts';
import type {
  ChunkCheck,
  LatencyArm,
  MemoryRepeat,
  Plan,
  Results,
  StreamArm,
  StreamsSample,
  ThroughputArm,
} from './results.ts';
import { measureSearch } from './search.ts';
import { runSoak } from './soak.ts';
import { type SeededConversation, seedConversations, timeTurnWrites } from './seed-store.ts';
import { rotate, summarize } from './stats.ts';
import { runAutocannon } from './throughput.ts';
import { askBody, chatBody } from './wire.ts';

const root = resolve(import.meta.dirname, '..');
if (process.argv.includes('--soak')) {
  const minutes = Number(flagValue('--soak-minutes') ?? 30);
  if (!(minutes > 0)) {
    process.stderr.write('bench: --soak-minutes takes a number of minutes\n');
    process.exit(2);
  }
  await runSoak(minutes, (line) => process.stdout.write(`${line}\n`));
  process.exit(0);
}
const quick = process.argv.includes('--quick');
const profileOnly = process.argv.includes('--profile-only');
// A full run profiles Parley too (about a minute); a quick one only when asked.
const profile =
  profileOnly || process.argv.includes('--profile') || (!quick && !process.argv.includes('--no-profile'));
const CORES: Cores = { server: 0, load: 1 };

/** The value after a flag (`--flag value` or `--flag=value`), if given. */
function flagValue(flag: string): string | undefined {
  const index = process.argv.indexOf(flag);
  if (index >= 0) return process.argv[index + 1];
  return process.argv.find((argument) => argument.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

const WORKLOADS = ['long-answer', 'compare', 'import'] as const;
const only = flagValue('--only');
const parleyRoot = flagValue('--parley-root');
const baselineRoot = flagValue('--baseline');
if (only !== undefined && !(WORKLOADS as readonly string[]).includes(only)) {
  process.stderr.write(`bench: --only takes one of: ${WORKLOADS.join(', ')}\n`);
  process.exit(2);
}
if (parleyRoot !== undefined && only !== 'long-answer') {
  process.stderr.write('bench: --parley-root goes with --only long-answer\n');
  process.exit(2);
}
if ((baselineRoot === undefined) !== (only !== 'compare')) {
  process.stderr.write('bench: --only compare needs --baseline <checkout>, and --baseline goes with it\n');
  process.exit(2);
}

// Pin this script (the latency loops) to the load core: re-run it under taskset once.
if (hasTaskset && process.env.PARLEY_BENCH_PINNED !== '1') {
  const result = spawnSync(
    'taskset',
    ['-c', String(CORES.load), process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, PARLEY_BENCH_PINNED: '1' } },
  );
  process.exit(result.status ?? 1);
}

/** How much of everything to do; the full plan aims at about 12 minutes, the quick one at 90 s. */
const PLAN: Plan = quick
  ? {
      repeats: 3,
      latency: { warmup: 50, count: 300, maxSeconds: 10 },
      ttft: { warmup: 20, count: 100, maxSeconds: 10, chunks: 8 },
      chunkCheck: { chunks: 10, intervalMs: 20 },
      throughput: { seconds: 2, concurrency: [64], growth: [] },
      depths: [10, 1_000, 10_000],
      depthCounts: { 10: 200, 100: 150, 1000: 60, 10000: 10 },
      readCounts: { 10: 100, 100: 50, 1000: 20, 10000: 5 },
      memory: { repeats: 1, streams: [1_000], holdMs: 1_000, settleMs: 3_000 },
      sqliteTurns: 300,
      searchMessages: 10_000,
      longAnswer: { sizes: [10_000, 20_000], pieceChars: 4, runs: 10, maxSeconds: 20, maxGrowthMb: 1_024 },
      compare: {
        repeats: 3,
        latency: { warmup: 30, count: 300, maxSeconds: 10 },
        throughputSeconds: 2,
        timeLimitSeconds: 480,
      },
      timeLimitSeconds: 240,
    }
  : {
      repeats: 3,
      latency: { warmup: 200, count: 2_000, maxSeconds: 30 },
      ttft: { warmup: 50, count: 500, maxSeconds: 20, chunks: 8 },
      chunkCheck: { chunks: 20, intervalMs: 20 },
      throughput: { seconds: 8, concurrency: [64], growth: [16, 256] },
      depths: [10, 100, 1_000, 10_000],
      depthCounts: { 10: 1_000, 100: 1_000, 1000: 300, 10000: 60 },
      readCounts: { 10: 300, 100: 200, 1000: 60, 10000: 20 },
      memory: { repeats: 3, streams: [1_000, 5_000], holdMs: 2_000, settleMs: 5_000 },
      sqliteTurns: 2_000,
      searchMessages: 100_000,
      longAnswer: { sizes: [10_000, 20_000], pieceChars: 4, runs: 50, maxSeconds: 60, maxGrowthMb: 1_024 },
      compare: {
        repeats: 5,
        latency: { warmup: 50, count: 500, maxSeconds: 15 },
        throughputSeconds: 3,
        timeLimitSeconds: 900,
      },
      timeLimitSeconds: 1_200,
    };

const paths: BenchPaths = { root, work: join(root, '.cache/bench/run') };
const running = new Set<BenchProcess>();
const log = (line: string) => process.stdout.write(`[bench ${elapsed()}] ${line}\n`);
const startedAt = Date.now();
const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)}s`;

async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop().catch(() => {})));
  running.clear();
}

function track(child: BenchProcess): BenchProcess {
  running.add(child);
  return child;
}

async function stop(child: BenchProcess): Promise<void> {
  await child.stop();
  running.delete(child);
}

// Every run is bounded: past the limit everything started here is killed.
const timeLimitSeconds = only === 'compare' ? PLAN.compare.timeLimitSeconds : PLAN.timeLimitSeconds;
const watchdog = setTimeout(() => {
  process.stderr.write(`bench: over its ${timeLimitSeconds} s limit, stopping\n`);
  for (const child of running) child.child.kill('SIGKILL');
  process.exit(2);
}, timeLimitSeconds * 1000);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of running) child.child.kill('SIGKILL');
    process.exit(130);
  });
}

function gitState(checkout = root): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: checkout })
      .toString()
      .trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: checkout })
      .toString()
      .trim();
    return { commit, dirty: status !== '' };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

/** Adds a repeat's figure to its list. */
function append<K extends string, V>(record: Partial<Record<K, V[]>>, key: K, value: V): void {
  const list = record[key] ?? [];
  list.push(value);
  record[key] = list;
}

const loadAverage = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

async function upstreamOpenStreams(upstream: BenchProcess): Promise<number> {
  const response = await fetch(`${origin(upstream)}/__bench/stats`);
  return ((await response.json()) as { openStreams: number }).openStreams;
}

const deadlineIn = (seconds: number) => Date.now() + seconds * 1000;

/** Summarizes a loop; a loop with errors or no samples is recorded in the notes. */
function summaryOf(results: Results, label: string, run: LatencyRun) {
  if (run.errors > 0)
    results.notes.push(`${label}: ${run.errors} failed requests (last: ${run.lastError ?? 'unknown'})`);
  return summarize(run.samples);
}

async function main(): Promise<void> {
  rmSync(paths.work, { recursive: true, force: true });
  mkdirSync(paths.work, { recursive: true });
  const git = gitState();
  const machine = machineDescription();
  const results: Results = {
    quick,
    startedAt: new Date(startedAt).toISOString(),
    durationSeconds: 0,
    machine: { ...machine, node: process.version, ...git, pinned: hasTaskset },
    plan: PLAN,
    notes: [],
    repeats: PLAN.repeats,
    loadAverage: { start: loadAverage(), end: Number.NaN },
    latency: {},
    ttft: {},
    chunks: {},
    throughput: {},
    depthDirect: [],
    depth: [],
    memory: {},
    sqlite: { NORMAL: [], FULL: [], serverKnob: false },
    search: [],
    profiles: [],
  };
  log('building Parley as npm start does (npm run build)');
  buildParley(paths);
  if (only === 'long-answer') {
    await longAnswerOnly();
    return;
  }
  if (only === 'compare') {
    await compareOnly();
    return;
  }
  if (only === 'import') {
    await importOnly();
    return;
  }
  if (profileOnly) {
    const upstream = track(await startMockUpstream(paths, CORES));
    const profiles = await profileParley({
      paths,
      cores: CORES,
      upstream,
      upstreamBaseUrl: `${origin(upstream)}/v1`,
      seconds: quick ? 3 : 8,
      log,
    });
    const summaryPath = join(root, '.cache/bench/profiles/summary.md');
    writeFileSync(
      summaryPath,
      profiles.map((entry) => `## ${entry.name} (\`${entry.file}\`)\n\n${entry.summary}\n`).join('\n'),
    );
    log(`wrote ${relative(root, summaryPath)}`);
    return;
  }
  if (!hasTaskset) results.notes.push('taskset is missing: processes were not pinned to cores');
  log(
    `${quick ? 'quick' : 'full'} run on ${machine.cpuModel}, ${machine.cores} cores, Node ${process.version}`,
  );

  // Portkey first: installing it is the one step that may fail, and it only removes an arm.
  const portkeyFolder = join(root, '.cache/bench/portkey');
  let portkeyReady = false;
  try {
    log(`installing @portkey-ai/gateway@${PORTKEY_VERSION} into ${relative(root, portkeyFolder)}`);
    await installPortkey(portkeyFolder);
    portkeyReady = true;
  } catch (error) {
    results.notes.push(`Portkey could not be installed, its arm is left out: ${String(error)}`);
    log('Portkey could not be installed; going on without it');
  }

  log('seeding conversations in SQLite');
  const parleyDatabase = join(paths.work, 'parley.sqlite');
  const parleyInfoDatabase = join(paths.work, 'parley-info.sqlite');
  // A conversation per use: `/ask` branches under the same answer every time, and a conversation
  // read back whole must hold only its own messages.
  const [latencyAsk, streamAsk, throughputAsk, ...deep] = await seedConversations(parleyDatabase, [
    10,
    10,
    10,
    ...PLAN.depths,
  ]);
  // Read back whole, so never asked under: they hold exactly their depth.
  const readOnly = await seedConversations(parleyDatabase, PLAN.depths);
  const [infoAsk] = await seedConversations(parleyInfoDatabase, [10]);
  if (
    latencyAsk === undefined ||
    streamAsk === undefined ||
    throughputAsk === undefined ||
    infoAsk === undefined
  )
    throw new Error('could not seed the conversations');
  const conversationAt = (depth: number): SeededConversation => {
    const found = deep.find((conversation) => conversation.depth === depth);
    if (found === undefined) throw new Error(`no conversation ${depth} deep`);
    return found;
  };

  log('starting the mock upstream, the bare proxy, Portkey and Parley');
  const upstream = track(await startMockUpstream(paths, CORES));
  const upstreamBaseUrl = `${origin(upstream)}/v1`;
  const bare = track(await startBareProxy(paths, CORES, origin(upstream)));
  let portkey: BenchProcess | undefined;
  if (portkeyReady) {
    try {
      portkey = track(
        await startPortkey({
          folder: portkeyFolder,
          preload: join(root, 'bench/loopback-preload.cjs'),
          cpu: CORES.server,
          logFile: join(paths.work, 'portkey.log'),
        }),
      );
      const check = await fetch(`${origin(portkey)}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...portkeyHeaders(upstreamBaseUrl) },
        body: chatBody(false),
      });
      const text = await check.text();
      if (check.status !== 200 || !text.includes('tok0'))
        throw new Error(`${check.status} ${text.slice(0, 300)}`);
    } catch (error) {
      results.notes.push(`Portkey did not start or did not answer, its arm is left out: ${String(error)}`);
      if (portkey !== undefined) await stop(portkey);
      portkey = undefined;
    }
  }
  const parley = track(
    await startParley(paths, CORES, {
      name: 'parley',
      databasePath: parleyDatabase,
      upstreamBaseUrl,
      logLevel: 'warn',
    }),
  );
  const parleyInfo = track(
    await startParley(paths, CORES, {
      name: 'parley-info',
      databasePath: parleyInfoDatabase,
      upstreamBaseUrl,
      logLevel: 'info',
    }),
  );

  const askTarget = (server: BenchProcess): Target => ({ origin: origin(server), path: '/ask', headers: {} });
  const chatTargets: Partial<Record<'direct' | 'bare' | 'portkey' | 'parley' | 'parley-info', Target>> = {
    direct: chatTarget(upstream),
    bare: chatTarget(bare),
    ...(portkey === undefined ? {} : { portkey: chatTarget(portkey, portkeyHeaders(upstreamBaseUrl)) }),
    parley: chatTarget(parley),
    'parley-info': chatTarget(parleyInfo),
  };
  const isCompletion = (text: string) => text.includes('tok0');
  const isAnswer = (text: string) => text.includes('"code":0') && text.includes('tok0');

  // 1. Sequential latency, non-stream: every arm, interleaved, repeated.
  const latencyArms: LatencyArm[] = [
    'direct',
    'bare',
    ...(portkey === undefined ? [] : (['portkey'] as const)),
    'parley',
    'parley-info',
    'parley-ask',
    'parley-info-ask',
  ];
  await setStreamShape(upstream, PLAN.ttft.chunks, 0);
  for (let repeat = 0; repeat < PLAN.repeats; repeat++) {
    for (const arm of rotate(latencyArms, repeat)) {
      log(`latency ${arm} (repeat ${repeat + 1})`);
      const options = { ...PLAN.latency, deadline: deadlineIn(PLAN.latency.maxSeconds) };
      let run: LatencyRun;
      if (arm === 'parley-ask' || arm === 'parley-info-ask') {
        const conversation = arm === 'parley-ask' ? latencyAsk : infoAsk;
        const body = askBody(conversation.conversationId, conversation.leafId, false);
        run = await sequentialLatency(
          askTarget(arm === 'parley-ask' ? parley : parleyInfo),
          () => body,
          options,
          isAnswer,
        );
      } else {
        const target = chatTargets[arm];
        if (target === undefined) continue;
        const body = chatBody(false);
        run = await sequentialLatency(target, () => body, options, isCompletion);
      }
      append(results.latency, arm, summaryOf(results, `latency ${arm}`, run));
    }
  }

  // 2. Streaming: time to first token, and whether chunks go through one by one.
  const streamArms: StreamArm[] = [
    'direct',
    'bare',
    ...(portkey === undefined ? [] : (['portkey'] as const)),
    'parley',
    'parley-info',
    'parley-ask',
  ];
  const streamTarget = (arm: StreamArm): { target: Target; body: string } | undefined => {
    if (arm === 'parley-ask')
      return { target: askTarget(parley), body: askBody(streamAsk.conversationId, streamAsk.leafId, true) };
    const target = chatTargets[arm];
    return target === undefined ? undefined : { target, body: chatBody(true) };
  };
  for (let repeat = 0; repeat < PLAN.repeats; repeat++) {
    for (const arm of rotate(streamArms, repeat)) {
      const stream = streamTarget(arm);
      if (stream === undefined) continue;
      log(`time to first token ${arm} (repeat ${repeat + 1})`);
      const run = await sequentialTimeToFirstToken(stream.target, stream.body, {
        ...PLAN.ttft,
        deadline: deadlineIn(PLAN.ttft.maxSeconds),
      });
      append(results.ttft, arm, summaryOf(results, `ttft ${arm}`, run));
    }
  }
  const { chunks, intervalMs } = PLAN.chunkCheck;
  await setStreamShape(upstream, chunks, intervalMs);
  for (const arm of streamArms) {
    const stream = streamTarget(arm);
    if (stream === undefined) continue;
    log(`chunk forwarding ${arm}`);
    results.chunks[arm] = await checkChunks(stream.target, stream.body, chunks, intervalMs);
  }
  await setStreamShape(upstream, PLAN.ttft.chunks, 0);

  // 3. Throughput with autocannon at fixed concurrency.
  const throughputCases: { arm: ThroughputArm; connections: number }[] = [];
  for (const connections of PLAN.throughput.concurrency) {
    for (const arm of ['direct', 'bare', 'portkey', 'parley', 'parley-info', 'parley-ask'] as const) {
      if (arm === 'portkey' && portkey === undefined) continue;
      throughputCases.push({ arm, connections });
    }
  }
  for (const connections of PLAN.throughput.growth) {
    for (const arm of ['bare', 'parley'] as const) throughputCases.push({ arm, connections });
  }
  const throughputServer: Record<ThroughputArm, BenchProcess | undefined> = {
    direct: upstream,
    bare,
    portkey,
    parley,
    'parley-info': parleyInfo,
    'parley-ask': parley,
  };
  for (let repeat = 0; repeat < PLAN.repeats; repeat++) {
    for (const { arm, connections } of rotate(throughputCases, repeat)) {
      const server = throughputServer[arm];
      if (server === undefined) continue;
      log(`throughput ${arm} at ${connections} (repeat ${repeat + 1})`);
      const isAsk = arm === 'parley-ask';
      const target = arm === 'parley-ask' ? askTarget(parley) : chatTargets[arm];
      if (target === undefined) continue;
      const cpuBefore = server.cpuTimeMs();
      const coresBefore = coreTimes();
      try {
        const run = await runAutocannon({
          url: `${target.origin}${target.path}`,
          headers: target.headers,
          body: isAsk ? askBody(throughputAsk.conversationId, throughputAsk.leafId, false) : chatBody(false),
          connections,
          durationSeconds: PLAN.throughput.seconds,
          cpu: CORES.load,
        });
        // Over the load's own duration: autocannon's start-up, when the server idles, is left out.
        const serverCpuPercent = ((server.cpuTimeMs() - cpuBefore) / (PLAN.throughput.seconds * 1000)) * 100;
        const busy = coreBusyPercent(coresBefore, coreTimes());
        if (run.non2xx > 0 || run.errors > 0)
          results.notes.push(
            `throughput ${arm}@${connections}: ${run.non2xx} non-2xx, ${run.errors} errors, ${run.timeouts} timeouts`,
          );
        append(results.throughput, `${arm}@${connections}`, {
          ...run,
          serverCpuPercent,
          coreBusyPercent: busy,
        });
      } catch (error) {
        results.notes.push(`throughput ${arm}@${connections}: ${String(error)}`);
      }
    }
  }

  // 4. How the cost of a conversation grows with its depth.
  for (let repeat = 0; repeat < PLAN.repeats; repeat++) {
    log(`depth: direct baseline (repeat ${repeat + 1})`);
    const small = chatBody(false);
    const baseline = await sequentialLatency(
      chatTarget(upstream),
      () => small,
      { ...PLAN.latency, count: Math.min(PLAN.latency.count, 1_000), deadline: deadlineIn(15) },
      isCompletion,
    );
    results.depthDirect.push(summaryOf(results, 'depth baseline', baseline));
    const row: Results['depth'][number] = [];
    for (const depth of rotate(PLAN.depths, repeat)) {
      const conversation = conversationAt(depth);
      const count = PLAN.depthCounts[depth] ?? 50;
      const options = { warmup: Math.max(2, Math.round(count / 10)), count, deadline: deadlineIn(30) };
      log(`depth ${depth}: /ask, the same prompt direct, GET /conversation (repeat ${repeat + 1})`);
      const askPayload = askBody(conversation.conversationId, conversation.leafId, false);
      const ask = await sequentialLatency(askTarget(parley), () => askPayload, options, isAnswer);
      // Replay exactly what Parley sent upstream for this depth, straight to the upstream.
      const sent = await (await fetch(`${origin(upstream)}/__bench/last-request`)).text();
      const direct = await sequentialLatency(chatTarget(upstream), () => sent, options, isCompletion);
      const readConversation = readOnly.find((entry) => entry.depth === depth) ?? conversation;
      const readCount = PLAN.readCounts[depth] ?? 10;
      const read = await sequentialGet(
        { origin: origin(parley), path: `/conversation/${readConversation.conversationId}`, headers: {} },
        { warmup: Math.max(1, Math.round(readCount / 10)), count: readCount, deadline: deadlineIn(30) },
      );
      row.push({
        depth,
        ask: summaryOf(results, `depth ${depth} /ask`, ask),
        directWithHistory: summaryOf(results, `depth ${depth} direct`, direct),
        upstreamRequestBytes: Buffer.byteLength(sent),
        upstreamMessages: (JSON.parse(sent) as { messages?: unknown[] }).messages?.length ?? 0,
        read: summaryOf(results, `depth ${depth} read`, read),
        readBytes: read.bytes,
      });
    }
    results.depth.push(row.sort((a, b) => a.depth - b.depth));
  }

  await stop(parley);
  await stop(parleyInfo);
  if (portkey !== undefined) await stop(portkey);

  // 5. Memory with many open streams, on fresh processes.
  for (const arm of ['parley', 'bare'] as const) {
    for (let repeat = 0; repeat < PLAN.memory.repeats; repeat++) {
      log(`memory ${arm} (repeat ${repeat + 1})`);
      results.memory[arm] ??= [];
      try {
        results.memory[arm].push(await measureMemory(arm, upstream, repeat));
      } catch (error) {
        results.notes.push(`memory ${arm} repeat ${repeat + 1}: ${String(error)}`);
      }
    }
  }
  await setStreamShape(upstream, PLAN.ttft.chunks, 0);

  // 6. SQLite durability: the store's turn writes with synchronous NORMAL and FULL.
  results.sqlite.serverKnob = /synchronous/i.test(
    readdirSync(join(root, 'src/config'))
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .map((name) => readFileSync(join(root, 'src/config', name), 'utf8'))
      .join('\n'),
  );
  for (let repeat = 0; repeat < PLAN.repeats; repeat++) {
    for (const mode of rotate(['NORMAL', 'FULL'] as const, repeat)) {
      log(`SQLite synchronous=${mode} (repeat ${repeat + 1})`);
      const samples = await timeTurnWrites(join(paths.work, 'sync.sqlite'), mode, PLAN.sqliteTurns);
      results.sqlite[mode].push(summarize(samples));
    }
  }

  // 7. Search: full-text over a large store, on the store itself (one repeat: writing it takes a while).
  log(`search over ${PLAN.searchMessages} messages`);
  results.search.push(await measureSearch(join(paths.work, 'search.sqlite'), PLAN.searchMessages, 200));

  // 8. One long answer through every streaming surface: bytes on the wire, heap per finished answer.
  results.longAnswer = await measureLongAnswer({ paths, cores: CORES, upstream, plan: PLAN.longAnswer, log });
  await setStreamShape(upstream, PLAN.ttft.chunks, 0);

  if (profile) {
    log('profiling Parley');
    results.profiles.push(
      ...(await profileParley({
        paths,
        cores: CORES,
        upstream,
        upstreamBaseUrl,
        seconds: quick ? 3 : 8,
        log,
      })),
    );
  }

  await stopAll();
  results.loadAverage.end = loadAverage();
  const gitAtEnd = gitState();
  if (gitAtEnd.commit !== git.commit || gitAtEnd.dirty !== git.dirty)
    results.notes.push(
      `the code changed during the run (${git.commit}${git.dirty ? ' + changes' : ''} at the start, ` +
        `${gitAtEnd.commit}${gitAtEnd.dirty ? ' + changes' : ''} at the end): figures may mix the two`,
    );
  results.durationSeconds = Math.round((Date.now() - startedAt) / 1000);
  const jsonPath = join(root, '.cache/bench', quick ? 'quick.json' : 'results.json');
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  const reportPath = quick ? join(root, '.cache/bench/quick.md') : join(root, 'docs/benchmarks.md');
  const summary = writeReport(results, reportPath);
  process.stdout.write(`\n${summary}\n`);
  log(`wrote ${relative(root, reportPath)} and ${relative(root, jsonPath)}`);

  async function checkChunks(
    target: Target,
    body: string,
    count: number,
    interval: number,
  ): Promise<ChunkCheck> {
    try {
      const timing = await chunkTiming(target, body, count, count * interval + 10_000);
      // Each frame against the one before it: a held frame shows as one long gap then a short one,
      // while the upstream's own timer drift (which every arm, direct too, sees) does not accumulate.
      const maxSkewMs = Math.max(
        0,
        ...timing.arrivals
          .slice(1)
          .map((arrival, index) => Math.abs(arrival - (timing.arrivals[index] ?? 0) - interval)),
      );
      return {
        chunks: count,
        intervalMs: interval,
        arrivals: timing.arrivals.map((arrival) => Math.round(arrival * 10) / 10),
        reads: timing.reads,
        tokenFrames: timing.tokenFrames,
        maxSkewMs,
        // One frame per upstream chunk, each on time (within half an interval of the one before, plus the interval).
        oneToOne: timing.tokenFrames === count && maxSkewMs < interval / 2,
      };
    } catch (error) {
      return {
        chunks: count,
        intervalMs: interval,
        arrivals: [],
        reads: 0,
        tokenFrames: 0,
        maxSkewMs: Number.NaN,
        oneToOne: false,
        error: String(error),
      };
    }
  }

  async function measureMemory(
    arm: 'parley' | 'bare',
    mock: BenchProcess,
    repeat: number,
  ): Promise<MemoryRepeat> {
    await setStreamShape(mock, PLAN.ttft.chunks, 0);
    const databasePath = join(paths.work, `memory-${repeat}.sqlite`);
    const memoryFile = join(paths.work, `memory-${arm}-${repeat}.json`);
    const server = track(
      arm === 'parley'
        ? await startParley(paths, CORES, {
            name: `parley-memory-${repeat}`,
            databasePath,
            upstreamBaseUrl: `${origin(mock)}/v1`,
            logLevel: 'warn',
            memoryFile,
          })
        : await startBareProxy(paths, CORES, origin(mock), memoryFile),
    );
    const live = () => probeLiveMemory(server, memoryFile);
    try {
      const target = chatTarget(server);
      // Warm up both paths so idle means "after some traffic", as a running server is.
      const small = chatBody(false);
      await sequentialLatency(target, () => small, { warmup: 0, count: 300, deadline: deadlineIn(10) });
      await sequentialTimeToFirstToken(target, chatBody(true), {
        warmup: 0,
        count: 50,
        deadline: deadlineIn(10),
      });
      // ... and a few streams the client leaves mid-way: Parley then counts tokens itself (no usage
      // from the upstream), which loads its tokenizer once. Idle is measured after that one-time cost.
      await setStreamShape(mock, 1_000_000, 2_000);
      const cancelled = await openStreams(target, chatBody(true), 5, 5, deadlineIn(10));
      await cancelled.close();
      await sleep(1_000);
      const idleRssMb = server.rssMb();
      const idleLive = await live();
      // Long streams: a token every 2 s until the client leaves.
      const samples: StreamsSample[] = [];
      for (const count of PLAN.memory.streams) {
        const open = await openStreams(target, chatBody(true), count, 250, deadlineIn(quick ? 20 : 40));
        let rssMb = server.rssMb();
        for (let sample = 0; sample < 4; sample++) {
          await sleep(PLAN.memory.holdMs / 4);
          rssMb = Math.max(rssMb, server.rssMb());
        }
        const liveOpen = await live();
        const withFirstToken = open.withFirstToken;
        const failed = open.failed;
        await open.close();
        await sleep(PLAN.memory.settleMs);
        samples.push({
          streams: count,
          withFirstToken,
          failed,
          openingMs: open.openingMs,
          rssMb,
          live: liveOpen,
          rssAfterCloseMb: server.rssMb(),
          liveAfterClose: await live(),
          upstreamStreamsAfterClose: await upstreamOpenStreams(mock),
        });
      }
      await setStreamShape(mock, PLAN.ttft.chunks, 0);
      return { idleRssMb, idleLive, samples };
    } finally {
      await stop(server);
    }
  }
}

/**
 * Writes a single workload's figures (`.cache/bench/<name>.json`) and its section: into
 * `docs/benchmarks.md` between its markers, or alone into `.cache/bench/<name>.md` (quick runs,
 * other code).
 */
function writeSection(
  name: string,
  place: SectionPlace,
  section: string,
  figures: unknown,
  toDocs: boolean,
): void {
  const jsonPath = join(root, '.cache/bench', `${name}.json`);
  writeFileSync(jsonPath, `${JSON.stringify(figures, null, 2)}\n`);
  const reportPath = toDocs ? join(root, 'docs/benchmarks.md') : join(root, '.cache/bench', `${name}.md`);
  if (!toDocs) rmSync(reportPath, { force: true });
  spliceSection(reportPath, place, section);
  formatMarkdown(reportPath);
  process.stdout.write(`\n${section}\n`);
  log(`wrote ${relative(root, reportPath)} and ${relative(root, jsonPath)}`);
}

const commandLine = () => `npm run bench -- ${process.argv.slice(2).join(' ')}`;

/** `--only long-answer`: that workload alone, on this checkout's server or `--parley-root`'s. */
async function longAnswerOnly(): Promise<void> {
  const checkout = parleyRoot === undefined ? undefined : resolve(parleyRoot);
  if (checkout !== undefined) {
    log(`building the server in ${checkout}`);
    buildParley(paths, checkout);
  }
  const git = gitState(checkout);
  const upstream = track(await startMockUpstream(paths, CORES));
  const longAnswer = await measureLongAnswer({
    paths,
    cores: CORES,
    upstream,
    plan: PLAN.longAnswer,
    log,
    ...(checkout === undefined ? {} : { root: checkout }),
  });
  await stopAll();
  const section = longAnswerSection(longAnswer, {
    startedAt: new Date(startedAt).toISOString(),
    ...git,
    command: commandLine(),
  });
  // Only this checkout's full-length figures go into the repository's report.
  const toDocs = !quick && checkout === undefined;
  writeSection(
    checkout === undefined ? 'long-answer' : 'long-answer-other',
    LONG_ANSWER_PLACE,
    section,
    longAnswer,
    toDocs,
  );
}

/** `--only import`: a large import's event-loop delay, alone. */
async function importOnly(): Promise<void> {
  const loadAtStart = loadAverage();
  const upstream = track(await startMockUpstream(paths, CORES));
  const results = await measureImport({
    paths,
    cores: CORES,
    upstreamBaseUrl: `${origin(upstream)}/v1`,
    repeats: quick ? 1 : 3,
    log,
  });
  await stopAll();
  const section = importSection(results, {
    startedAt: new Date(startedAt).toISOString(),
    commit: gitState().commit,
    command: commandLine(),
    load: `${loadAtStart.toFixed(2)} / ${loadAverage().toFixed(2)}`,
  });
  writeSection('import', IMPORT_PLACE, section, results, !quick);
}

/** `--only compare --baseline <checkout>`: this checkout's server and the baseline's, side by side. */
async function compareOnly(): Promise<void> {
  const baseline = resolve(baselineRoot ?? '.');
  log(`building the baseline in ${baseline}`);
  buildParley(paths, baseline);
  const loadAtStart = loadAverage();
  const upstream = track(await startMockUpstream(paths, CORES));
  const compared = await measureCompare({
    paths,
    cores: CORES,
    upstream,
    plan: PLAN.compare,
    baseline: { root: baseline, commit: gitState(baseline).commit },
    log,
  });
  await stopAll();
  const section = compareSection(compared, {
    startedAt: new Date(startedAt).toISOString(),
    ...gitState(),
    command: commandLine(),
    loadAverage: { start: loadAtStart, end: loadAverage() },
  });
  writeSection('compare', COMPARE_PLACE, section, compared, !quick);
}

try {
  await main();
} catch (error) {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
} finally {
  await stopAll();
  clearTimeout(watchdog);
}
