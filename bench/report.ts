/**
 * Turns one run's figures into `docs/benchmarks.md`: the machine and method, the issue's targets
 * with pass or miss, how each cost grows, and the raw per-repeat figures. A hand-written findings
 * section between the `findings` markers survives every rewrite.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { startArguments } from '../scripts/start-command.ts';
import { LONG_ANSWER_PLACE, longAnswerSection } from './long-answer-report.ts';
import { formatMarkdown, markedSection, table, verdict } from './markdown.ts';
import type { LatencyArm, MemoryRepeat, Results, StreamArm, ThroughputRepeat } from './results.ts';
import {
  fixed,
  formatSpread,
  type LatencySummary,
  pairedDifference,
  pairedRatio,
  type Spread,
  spreadOf,
} from './stats.ts';

const FINDINGS_START = '<!-- findings:start -->';
const FINDINGS_END = '<!-- findings:end -->';

const ARM_LABELS: Record<string, string> = {
  direct: 'direct to the upstream',
  bare: 'bare Node proxy',
  portkey: 'Portkey 1.15.2',
  parley: 'Parley `/v1/chat/completions` (log warn)',
  'parley-info': 'Parley `/v1/chat/completions` (log info)',
  'parley-ask': 'Parley `/ask` continuing, 10 deep (log warn)',
  'parley-info-ask': 'Parley `/ask` continuing, 10 deep (log info)',
};

type Key = 'p50' | 'p90' | 'p99' | 'mean';

const values = (summaries: readonly LatencySummary[] | undefined, key: Key): number[] =>
  (summaries ?? []).map((summary) => summary[key]);

/** Arm minus baseline, paired repeat by repeat; NaN when either is missing. */
function added(
  summaries: readonly LatencySummary[] | undefined,
  baseline: readonly LatencySummary[] | undefined,
  key: Key,
): Spread {
  if (summaries === undefined || baseline === undefined || summaries.length !== baseline.length)
    return spreadOf([]);
  return spreadOf(pairedDifference(values(summaries, key), values(baseline, key)));
}

const rps = (runs: readonly ThroughputRepeat[] | undefined): number[] =>
  (runs ?? []).map((run) => run.requestsPerSecond);

function ratio(
  runs: readonly ThroughputRepeat[] | undefined,
  baseline: readonly ThroughputRepeat[] | undefined,
): Spread {
  if (runs === undefined || baseline === undefined || runs.length !== baseline.length) return spreadOf([]);
  return spreadOf(pairedRatio(rps(runs), rps(baseline)));
}

const ms = (spread: Spread, digits = 2): string => `${formatSpread(spread, digits)} ms`;

interface TargetRow {
  readonly figure: string;
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean | undefined;
}

function memoryAt(repeats: readonly MemoryRepeat[] | undefined, streams: number) {
  const samples = (repeats ?? []).flatMap((repeat) =>
    repeat.samples.filter((sample) => sample.streams === streams).map((sample) => ({ repeat, sample })),
  );
  return {
    count: samples.length,
    rss: spreadOf(samples.map(({ sample }) => sample.rssMb)),
    allOpen: samples.length > 0 && samples.every(({ sample }) => sample.withFirstToken === streams),
    withFirstToken: spreadOf(samples.map(({ sample }) => sample.withFirstToken)),
    afterClose: spreadOf(samples.map(({ sample }) => sample.rssAfterCloseMb)),
    /**
     * Memory returned near idle: the upstream streams were all closed, and the live heap (after a
     * full GC) kept at most a quarter of what the streams took, or 8 MB. (RSS is reported, not
     * judged: V8 and malloc keep freed pages for reuse, so RSS stays up even in the bare proxy.)
     */
    returned: samples.every(({ repeat, sample }) => {
      const growth = sample.live.heapUsedMb - repeat.idleLive.heapUsedMb;
      const kept = sample.liveAfterClose.heapUsedMb - repeat.idleLive.heapUsedMb;
      return sample.upstreamStreamsAfterClose === 0 && kept <= Math.max(8, growth * 0.25);
    }),
    upstreamLeft: spreadOf(samples.map(({ sample }) => sample.upstreamStreamsAfterClose)),
  };
}

function targets(results: Results): TargetRow[] {
  const { latency, ttft, throughput } = results;
  const bareAdded = added(latency.bare, latency.direct, 'p50');
  const parleyAdded = added(latency.parley, latency.direct, 'p50');
  const parleyAdded99 = added(latency.parley, latency.direct, 'p99');
  const askAdded = added(latency['parley-ask'], latency.direct, 'p50');
  const portkeyAdded = added(latency.portkey, latency.direct, 'p50');
  const rows: TargetRow[] = [];
  const measuredBoth = !Number.isNaN(parleyAdded.median) && !Number.isNaN(bareAdded.median);
  rows.push({
    figure: 'added latency, non-stream `/v1/chat/completions`, sequential, p50 over direct',
    target: `≤ 1.3× the bare proxy's added p50 (here ${ms(bareAdded)} → ≤ ${fixed(bareAdded.median * 1.3, 2)} ms); Portkey adds ${ms(portkeyAdded)}`,
    measured: ms(parleyAdded),
    pass: measuredBoth ? parleyAdded.median <= bareAdded.median * 1.3 : undefined,
  });
  rows.push({
    figure: 'added latency, same, p99 over direct p99',
    target: '≤ 2 ms',
    measured: ms(parleyAdded99),
    pass: Number.isNaN(parleyAdded99.median) ? undefined : parleyAdded99.median <= 2,
  });
  rows.push({
    figure: 'added latency, `/ask` continuing a conversation (history read + writes), p50',
    target: `≤ the bare proxy's added p50 + 1 ms (≤ ${fixed(bareAdded.median + 1, 2)} ms)`,
    measured: ms(askAdded),
    pass: Number.isNaN(askAdded.median) ? undefined : askAdded.median <= bareAdded.median + 1,
  });
  const parleyThroughput = spreadOf(rps(throughput['parley@64']));
  const versusBare = ratio(throughput['parley@64'], throughput['bare@64']);
  const versusPortkey = ratio(throughput['parley@64'], throughput['portkey@64']);
  rows.push({
    figure: 'throughput at 64 concurrent, `/v1/chat/completions`',
    target: "≥ 80 % of the bare proxy's, ≥ 3× Portkey's",
    measured: `${formatSpread(parleyThroughput, 0)} req/s = ${formatSpread(versusBare, 2)}× bare, ${formatSpread(versusPortkey, 2)}× Portkey`,
    // Without a Portkey arm only the bare-proxy half can be judged.
    pass: Number.isNaN(versusBare.median)
      ? undefined
      : versusBare.median >= 0.8 && (Number.isNaN(versusPortkey.median) || versusPortkey.median >= 3),
  });
  const ttftAdded = added(ttft.parley, ttft.direct, 'p50');
  const askTtftAdded = added(ttft['parley-ask'], ttft.direct, 'p50');
  rows.push({
    figure: 'streaming time to first token, added p50 (`/v1/chat/completions`)',
    target: '≤ 1 ms',
    measured: `${ms(ttftAdded)} (\`/ask\` stream: ${ms(askTtftAdded)})`,
    pass: Number.isNaN(ttftAdded.median) ? undefined : ttftAdded.median <= 1,
  });
  for (const [streams, limit] of [
    [1_000, 110],
    [5_000, 300],
  ] as const) {
    const memory = memoryAt(results.memory.parley, streams);
    rows.push({
      figure: `memory (RSS) with ${streams.toLocaleString('en-US')} open streams`,
      target: `≤ ${limit} MB, every stream open (first token received)`,
      measured:
        memory.count === 0
          ? 'not measured'
          : `${formatSpread(memory.rss, 0)} MB; streams with a first token: ${formatSpread(memory.withFirstToken, 0)} of ${streams}`,
      pass: memory.count === 0 ? undefined : memory.rss.median <= limit && memory.allOpen,
    });
  }
  const deepest = depthFigures(results).find((row) => row.depth === 10_000);
  rows.push({
    figure: 'continuing a conversation 10,000 messages deep, added p50',
    target: '≤ 20 ms',
    measured: deepest === undefined ? 'not measured' : ms(deepest.added, 1),
    pass: deepest === undefined ? undefined : deepest.added.median <= 20,
  });
  rows.push({
    figure: '`GET /conversation/{id}` of 10,000 messages, p50',
    target: '≤ 100 ms',
    measured: deepest === undefined ? 'not measured' : ms(deepest.read, 1),
    pass: deepest === undefined ? undefined : deepest.read.median <= 100,
  });
  const chunkChecks = (['parley', 'parley-ask'] as const).map((arm) => results.chunks[arm]);
  const memoryChecks = [1_000, 5_000]
    .map((streams) => memoryAt(results.memory.parley, streams))
    .filter((memory) => memory.count > 0);
  const chunksOk = chunkChecks.every((check) => check?.oneToOne === true);
  const memoryOk = memoryChecks.length > 0 && memoryChecks.every((memory) => memory.returned);
  rows.push({
    figure: 'chunks forwarded 1:1, no buffering; after all streams close, memory returns near idle',
    target: 'yes',
    measured: `upstream streams left open after close: ${memoryChecks.map((memory) => formatSpread(memory.upstreamLeft, 0)).join(' / ')}; chunks 1:1: ${chunkChecks.map((check) => (check?.oneToOne ? 'yes' : 'no')).join(' (`/v1`), ')} (\`/ask\`); memory back near idle: ${memoryChecks.length === 0 ? 'not measured' : memoryOk ? 'yes' : 'no'}`,
    pass: chunkChecks.some((check) => check === undefined) ? undefined : chunksOk && memoryOk,
  });
  return rows;
}

function depthFigures(results: Results) {
  const depths = [...new Set(results.depth.flatMap((row) => row.map((entry) => entry.depth)))].sort(
    (a, b) => a - b,
  );
  return depths.map((depth) => {
    const entries = results.depth.map((row) => row.find((entry) => entry.depth === depth));
    const present = entries.every((entry) => entry !== undefined);
    const ask = entries.map((entry) => entry?.ask.p50 ?? Number.NaN);
    const askP99 = entries.map((entry) => entry?.ask.p99 ?? Number.NaN);
    const direct = entries.map((entry) => entry?.directWithHistory.p50 ?? Number.NaN);
    const baseline = results.depthDirect.map((summary) => summary.p50);
    return {
      depth,
      ask: spreadOf(ask),
      askP99: spreadOf(askP99),
      added:
        present && baseline.length === ask.length ? spreadOf(pairedDifference(ask, baseline)) : spreadOf([]),
      addedOverSamePrompt: present ? spreadOf(pairedDifference(ask, direct)) : spreadOf([]),
      directWithHistory: spreadOf(direct),
      read: spreadOf(entries.map((entry) => entry?.read.p50 ?? Number.NaN)),
      upstreamRequestBytes: entries[0]?.upstreamRequestBytes ?? 0,
      upstreamMessages: entries[0]?.upstreamMessages ?? 0,
      readBytes: entries[0]?.readBytes ?? 0,
    };
  });
}

function latencySection(
  results: Results,
  source: Results['latency'] | Results['ttft'],
  arms: readonly string[],
): string {
  const direct = source.direct;
  const rows = arms.flatMap((arm) => {
    const summaries = (source as Record<string, LatencySummary[] | undefined>)[arm];
    if (summaries === undefined) return [];
    return [
      [
        ARM_LABELS[arm] ?? arm,
        formatSpread(spreadOf(values(summaries, 'p50')), 3),
        formatSpread(spreadOf(values(summaries, 'p90')), 3),
        formatSpread(spreadOf(values(summaries, 'p99')), 3),
        arm === 'direct' ? '—' : formatSpread(added(summaries, direct, 'p50'), 3),
        arm === 'direct' ? '—' : formatSpread(added(summaries, direct, 'p99'), 3),
        String(summaries[0]?.count ?? 0),
      ],
    ];
  });
  void results;
  return table(['arm', 'p50 ms', 'p90 ms', 'p99 ms', 'added p50 ms', 'added p99 ms', 'samples/repeat'], rows);
}

function throughputSection(results: Results): string {
  const keys = Object.keys(results.throughput).sort((a, b) => {
    const [armA, connectionsA] = a.split('@');
    const [armB, connectionsB] = b.split('@');
    return Number(connectionsA) - Number(connectionsB) || String(armA).localeCompare(String(armB));
  });
  const rows = keys.map((key) => {
    const runs = results.throughput[key] ?? [];
    const [arm, connections] = key.split('@');
    return [
      `${ARM_LABELS[arm ?? ''] ?? arm} @ ${connections}`,
      formatSpread(spreadOf(rps(runs)), 0),
      formatSpread(spreadOf(runs.map((run) => run.latencyP50Ms)), 1),
      formatSpread(spreadOf(runs.map((run) => run.latencyP99Ms)), 1),
      formatSpread(spreadOf(runs.map((run) => run.serverCpuPercent)), 0),
      `${formatSpread(spreadOf(runs.map((run) => run.coreBusyPercent[0] ?? Number.NaN)), 0)} / ${formatSpread(spreadOf(runs.map((run) => run.coreBusyPercent[1] ?? Number.NaN)), 0)}`,
      runs.map((run) => fixed(run.requestsPerSecond, 0)).join(', '),
      String(runs.reduce((sum, run) => sum + run.non2xx + run.errors, 0)),
    ];
  });
  const saturated = keys.filter((key) =>
    (results.throughput[key] ?? []).some((run) => (run.coreBusyPercent[1] ?? 0) >= 95),
  );
  const note =
    saturated.length === 0
      ? ''
      : `\n\nThe load core (core 1: autocannon and the mock upstream) was saturated in ${saturated.map((key) => `\`${key}\``).join(', ')}: ` +
        'those figures are bounded by the load side, not by the server (for *direct* that is expected: nothing else limits it).';
  return `${table(
    [
      'arm @ connections',
      'req/s',
      'p50 ms',
      'p99 ms',
      'server process CPU %',
      'core 0 / core 1 busy %',
      'req/s per repeat',
      'errors',
    ],
    rows,
  )}${note}`;
}

function growthSection(results: Results): string {
  const parts: string[] = [];
  const depth = depthFigures(results);
  parts.push(
    table(
      [
        'depth (messages)',
        '`/ask` p50 ms',
        '`/ask` p99 ms',
        'added p50 ms (over a small direct call)',
        'request Parley sent upstream',
        'that request sent direct, p50 ms',
        'added over that request direct, ms',
        '`GET /conversation` p50 ms',
        '`GET` answer size',
      ],
      depth.map((row) => [
        row.depth.toLocaleString('en-US'),
        formatSpread(row.ask, 2),
        formatSpread(row.askP99, 2),
        formatSpread(row.added, 2),
        `${row.upstreamMessages.toLocaleString('en-US')} messages, ${fixed(row.upstreamRequestBytes / 1024, 0)} KB`,
        formatSpread(row.directWithHistory, 2),
        formatSpread(row.addedOverSamePrompt, 2),
        formatSpread(row.read, 2),
        `${fixed(row.readBytes / 1024, 0)} KB`,
      ]),
    ),
  );
  const concurrency = [
    ...new Set(Object.keys(results.throughput).map((key) => Number(key.split('@')[1]))),
  ].sort((a, b) => a - b);
  parts.push(
    table(
      ['concurrent', 'Parley req/s', 'bare proxy req/s', 'Parley / bare', 'Parley p99 ms', 'Parley CPU %'],
      concurrency.map((connections) => {
        const parley = results.throughput[`parley@${connections}`];
        const bare = results.throughput[`bare@${connections}`];
        return [
          String(connections),
          formatSpread(spreadOf(rps(parley)), 0),
          formatSpread(spreadOf(rps(bare)), 0),
          formatSpread(ratio(parley, bare), 2),
          formatSpread(spreadOf((parley ?? []).map((run) => run.latencyP99Ms)), 1),
          formatSpread(spreadOf((parley ?? []).map((run) => run.serverCpuPercent)), 0),
        ];
      }),
    ),
  );
  const normal = spreadOf(values(results.sqlite.NORMAL, 'p50'));
  const full = spreadOf(values(results.sqlite.FULL, 'p50'));
  parts.push(
    [
      table(
        ['SQLite `synchronous`', 'turn write p50 ms', 'p99 ms', 'mean ms'],
        (['NORMAL', 'FULL'] as const).map((mode) => [
          mode,
          formatSpread(spreadOf(values(results.sqlite[mode], 'p50')), 3),
          formatSpread(spreadOf(values(results.sqlite[mode], 'p99')), 3),
          formatSpread(spreadOf(values(results.sqlite[mode], 'mean')), 3),
        ]),
      ),
      '',
      `A turn's writes (question + in-progress answer in one transaction, then the final answer) cost ` +
        `${fixed(full.median - normal.median, 3)} ms more at p50 with \`FULL\`, measured on the store itself ` +
        '(`openSqliteStore({synchronous})`, the same calls `/ask` makes). ' +
        (results.sqlite.serverKnob
          ? 'The configuration mentions `synchronous`: add a server arm with it set to `FULL`.'
          : "**The server has no setting for it yet**: nothing in `src/config/` reaches the store's `synchronous` " +
            'option, so Parley always runs `NORMAL`. Through the server, `FULL` would add about that much to every ' +
            '`/ask` (more for a long streamed answer, which is flushed every `PARLEY_STREAM_FLUSH_MS`).'),
    ].join('\n'),
  );
  return parts.join('\n\n');
}

function memorySection(results: Results): string {
  const rows = (['parley', 'bare'] as const).flatMap((arm) =>
    (results.memory[arm] ?? []).flatMap((repeat, index) =>
      repeat.samples.map((sample) => [
        `${arm === 'parley' ? 'Parley' : 'bare proxy'} #${index + 1}`,
        sample.streams.toLocaleString('en-US'),
        `${sample.withFirstToken} / ${sample.failed}`,
        fixed(sample.openingMs / 1000, 1),
        fixed(repeat.idleRssMb, 0),
        fixed(sample.rssMb, 0),
        fixed(sample.rssAfterCloseMb, 0),
        `${fixed(repeat.idleLive.heapUsedMb, 0)} / ${fixed(sample.live.heapUsedMb, 0)} / ${fixed(sample.liveAfterClose.heapUsedMb, 0)}`,
        `${fixed(repeat.idleLive.externalMb, 0)} / ${fixed(sample.live.externalMb, 0)} / ${fixed(sample.liveAfterClose.externalMb, 0)}`,
        `${fixed(repeat.idleLive.rssMb, 0)} / ${fixed(sample.live.rssMb, 0)} / ${fixed(sample.liveAfterClose.rssMb, 0)}`,
        String(sample.upstreamStreamsAfterClose),
      ]),
    ),
  );
  return table(
    [
      'server, repeat',
      'streams',
      'with first token / failed',
      'opening s',
      'idle RSS MB',
      'RSS open MB',
      'RSS after close MB',
      'live heap idle / open / after MB',
      'external idle / open / after MB',
      'RSS after GC idle / open / after MB',
      'upstream streams left open after close',
    ],
    rows,
  );
}

function chunkSection(results: Results): string {
  const rows = Object.entries(results.chunks).map(([arm, check]) => [
    ARM_LABELS[arm] ?? arm,
    `${check.tokenFrames} / ${check.chunks}`,
    String(check.reads),
    fixed(check.maxSkewMs, 1),
    check.oneToOne ? 'yes' : `no${check.error === undefined ? '' : ` (${check.error})`}`,
  ]);
  return table(
    ['arm', 'token frames / upstream chunks', 'client reads', 'max gap skew ms', '1:1, unbuffered'],
    rows,
  );
}

function readFindings(path: string): string {
  if (!existsSync(path)) return '';
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf(FINDINGS_START);
  const end = text.indexOf(FINDINGS_END);
  return start >= 0 && end > start ? text.slice(start + FINDINGS_START.length, end).trim() : '';
}

/** Writes the report to `path` and returns the target table (for the console). */
export function writeReport(results: Results, path: string): string {
  const { machine, plan } = results;
  const targetRows = targets(results);
  const targetTable = table(
    ['figure', 'target', 'Parley (median of repeats, min–max)', 'result'],
    targetRows.map((row) => [row.figure, row.target, row.measured, verdict(row.pass)]),
  );
  const latencyArms: LatencyArm[] = [
    'direct',
    'bare',
    'portkey',
    'parley',
    'parley-info',
    'parley-ask',
    'parley-info-ask',
  ];
  const streamArms: StreamArm[] = ['direct', 'bare', 'portkey', 'parley', 'parley-info', 'parley-ask'];
  const findings = readFindings(path);
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\`${results.quick ? ' -- --quick' : ''} on ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC ` +
      `in ${Math.round(results.durationSeconds / 60)} min. Every figure is the median of ${results.repeats} repeats ` +
      'with the lowest and highest repeat in brackets. Re-run it on your machine: the targets compare arms measured ' +
      'in the same run, never numbers from different machines.',
    '',
    '## Machine',
    '',
    `- CPU: ${machine.cpuModel}, ${machine.cores} cores; ${fixed(machine.memoryGb, 1)} GB RAM; Linux ${machine.kernel}`,
    `- Node ${machine.node}; Parley at commit \`${machine.commit}\`${machine.dirty ? ' with uncommitted changes under `src/`' : ''}`,
    `- Load average (1 min) at start / end: ${fixed(results.loadAverage.start, 2)} / ${fixed(results.loadAverage.end, 2)}` +
      (results.loadAverage.start > 0.5 || results.loadAverage.end > 0.5
        ? ' — **the machine was not idle**: other work shares the cores, so spreads are wider than they should be'
        : ''),
    `- Pinning: ${machine.pinned ? 'the server under test on core 0 (`taskset -c 0`); the mock upstream, autocannon and the latency loops on core 1' : 'none (taskset missing)'}`,
    '',
    '## Targets (issue 5)',
    '',
    targetTable,
    '',
    '## Findings',
    '',
    FINDINGS_START,
    findings === '' ? '_No findings written yet._' : findings,
    FINDINGS_END,
    '',
    '## Method',
    '',
    '- **Arms**, all on 127.0.0.1, all talking to one mock upstream: *direct* (the client calls the upstream), ' +
      'the *bare Node proxy* (`bench/bare-proxy.ts`, run as JavaScript with its types stripped: `node:http`, keep-alive ' +
      'agent, parses nothing — the most a Node gateway can do here), *Portkey* `@portkey-ai/gateway@1.15.2` (installed by the bench into `.cache/bench/portkey` ' +
      'with `@hono/node-server@1.13.5`, headless, `NODE_ENV=production`, bound to loopback by `bench/loopback-preload.cjs`, ' +
      'routed with `x-portkey-provider: openai` and `x-portkey-custom-host`), and *Parley* started as an operator does ' +
      `(\`npm start\`: \`npm run build\` into \`dist/\`, then \`node ${startArguments(resolve(import.meta.dirname, '..')).join(' ')}\`; SQLite in WAL, ` +
      'configured by environment, ready when `GET /healthz` answers) with ' +
      '`PARLEY_LOG_LEVEL=warn` and, as a second arm, `info` (one JSON line per request and per response, to a file).',
    '- **Mock upstream** (`bench/mock-upstream.ts`): OpenAI `chat.completion` JSON, or a stream whose first content ' +
      'chunk goes at once and the rest every *interval*; no logging, keep-alive, request bodies not parsed.',
    `- **Latency**: one keep-alive connection (undici), one request at a time, ${plan.latency.warmup} warm-up then ` +
      `${plan.latency.count} measured requests per arm and repeat; time from send to the last byte. *Added* = arm − direct, paired repeat by repeat. ` +
      '`/ask` continues a seeded 10-message conversation under its last answer (every request a new branch, so the depth stays 10).',
    `- **Time to first token**: the same loop on streams of ${plan.ttft.chunks} chunks sent back to back ` +
      `(${plan.ttft.warmup} warm-up, ${plan.ttft.count} measured); the time until the first token's bytes arrive.`,
    `- **Chunks 1:1**: one stream of ${plan.chunkCheck.chunks} chunks ${plan.chunkCheck.intervalMs} ms apart per arm; 1:1 ` +
      'when the client sees one frame per upstream chunk, each gap between two frames within half an interval of ' +
      'the interval (a held frame makes one long gap then a short one; the upstream timer’s own drift, which the ' +
      'direct arm sees too, does not add up).',
    `- **Throughput**: autocannon (npm) on core 1, non-stream, ${plan.throughput.seconds} s per run at ` +
      `${[...plan.throughput.concurrency, ...plan.throughput.growth].join(', ')} connections; CPU % is the server ` +
      "process's user + system time over the run (100 % = its core is saturated).",
    "- **Depth**: conversations of 10 to 10,000 messages written straight into the SQLite file with Parley's own store " +
      '(`openSqliteStore().beginTurn`, questions ~60 characters, answers ~140), then `/ask` continuing under the deepest answer ' +
      '(Parley sends the whole path upstream), the same prompt sent straight to the upstream, and `GET /conversation/{id}`.',
    `- **Memory**: a fresh server per repeat (${plan.memory.repeats}), warmed with 350 requests and 5 streams the ` +
      'client leaves mid-way (Parley then loads its tokenizer, once), then idle; then ' +
      `${plan.memory.streams.join(' and ')} streams opened 250 at a time (a token every 2 s, held open ${plan.memory.holdMs / 1000} s), ` +
      `RSS (highest of 4 samples, as an operator sees it); then all closed and ${plan.memory.settleMs / 1000} s to settle. ` +
      '*Live* figures are taken right after a full GC that the bench triggers through a preload ' +
      '(`bench/gc-on-signal.cjs`, `--expose-gc`, SIGUSR2; nothing else changes in the server). ' +
      '"Back near idle" = the upstream has no stream left open, and the live heap keeps at most a quarter of what the ' +
      'streams took, or 8 MB; RSS is shown but not judged (V8 and malloc keep freed pages, the bare proxy too).',
    "- **SQLite**: the store's own turn writes on a fresh file, `synchronous=NORMAL` vs `FULL`.",
    '',
    '## How costs grow',
    '',
    growthSection(results),
    '',
    LONG_ANSWER_PLACE.heading,
    '',
    markedSection(
      LONG_ANSWER_PLACE,
      longAnswerSection(results.longAnswer, {
        startedAt: results.startedAt,
        commit: machine.commit,
        dirty: machine.dirty,
        command: `npm run bench${results.quick ? ' -- --quick' : ''}`,
      }),
    ),
    '',
    '## Raw figures',
    '',
    '### Sequential latency, non-stream',
    '',
    latencySection(results, results.latency, latencyArms),
    '',
    '### Streaming: time to first token',
    '',
    latencySection(results, results.ttft, streamArms),
    '',
    '### Chunk forwarding',
    '',
    chunkSection(results),
    '',
    '### Throughput (autocannon)',
    '',
    throughputSection(results),
    '',
    '### Search',
    '',
    ...results.search.map(
      (search) =>
        `Full-text search (\`Store.search\`, SQLite FTS5) for one owner among 50, over ${search.messages.toLocaleString('en-US')} ` +
        `messages in ${(search.messages / 10).toLocaleString('en-US')} conversations (written in ${search.writeSeconds.toFixed(1)} s), ` +
        `${search.queries.count} one- and two-word queries, 20 results each: p50 ${search.queries.p50.toFixed(2)} ms, ` +
        `p99 ${search.queries.p99.toFixed(2)} ms, max ${search.queries.max.toFixed(2)} ms.` +
        (search.everywhere === undefined
          ? ''
          : ` The soak's shape (one owner, ${search.everywhere.conversations.toLocaleString('en-US')} conversations of two ` +
            `messages and a title that all hold the word searched for, 20 results): p50 ` +
            `${search.everywhere.queries.p50.toFixed(2)} ms, p99 ${search.everywhere.queries.p99.toFixed(2)} ms.`),
    ),
    '',
    '### Open streams and memory',
    '',
    memorySection(results),
    '',
  ];
  if (results.profiles.length > 0) {
    lines.push(
      '## CPU profiles',
      '',
      'Each load on a fresh Parley, profiled after a one-second warm-up of the same load, V8 sampling every 100 µs. ' +
        'The sampler shares the pinned core with the server, so it misses time: read the shares, not the totals.',
      '',
    );
    for (const profile of results.profiles)
      lines.push(`### ${profile.name} (\`${profile.file}\`)`, '', profile.summary, '');
  }
  if (results.notes.length > 0) {
    lines.push(
      '## Notes from this run',
      '',
      ...results.notes.map((note) => `- ${note.replaceAll('\n', ' ')}`),
      '',
    );
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${lines.join('\n')}`);
  formatMarkdown(path);
  return targetTable;
}
