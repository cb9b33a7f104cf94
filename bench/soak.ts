/**
 * `npm run bench -- --soak` (30 minutes; `--soak-minutes <n>` for another length): mixed traffic
 * over every surface (seed `/ask`, `/v1/chat/completions`, `/v1/responses`, native messages, lists
 * and search), streamed and not, a fifth of the streams dropped after their first chunk, through a
 * key with limits kept in a Redis of its own, which is stopped and started again half-way. Parley's
 * RSS, heap and event-loop delay are sampled from its metrics every 10 seconds; at the end every
 * stored answer must be `completed`, `incomplete` or `failed`. Rewrites its section of
 * `docs/benchmarks.md`.
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatMarkdown, type SectionPlace, spliceSection, table } from './markdown.ts';
import { freePort } from './processes.ts';

const root = resolve(import.meta.dirname, '..');
const ADMIN_KEY = 'sk-admin-soak-0123456789abcdef0123';
const WORKERS = 8;
const SAMPLE_EVERY_MS = 10_000;
const DROP_SHARE = 0.2;

export const SOAK_PLACE: SectionPlace = {
  heading: '## Soak: mixed traffic, aborts and a Redis restart (issue 17)',
  marker: 'soak',
  before: '## Raw figures',
};

interface Sample {
  readonly atSeconds: number;
  /** The machine's 1-minute load average (2 cores, shared with other work). */
  readonly load: number;
  readonly rssMb: number;
  readonly heapMb: number;
  readonly loopP99Ms: number;
  readonly requests: number;
}

/** A fake OpenAI upstream: every answer streams (or returns) 12 words, 15 ms apart. */
async function startUpstream(): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', async () => {
      const stream = (JSON.parse(body || '{}') as { stream?: boolean }).stream === true;
      const words = Array.from({ length: 12 }, (_, index) => `word${index} `);
      const usage = { prompt_tokens: 20, completion_tokens: 12, total_tokens: 32 };
      if (!stream) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            id: 'chatcmpl-soak',
            object: 'chat.completion',
            created: 0,
            model: 'soak-model',
            choices: [
              { index: 0, message: { role: 'assistant', content: words.join('') }, finish_reason: 'stop' },
            ],
            usage,
          }),
        );
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const frame = (delta: object, finish: string | null = null, extra: object = {}) =>
        `data: ${JSON.stringify({ id: 'chatcmpl-soak', object: 'chat.completion.chunk', created: 0, model: 'soak-model', choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
      for (const word of words) {
        if (response.destroyed) return;
        response.write(frame({ content: word }));
        await sleep(15);
      }
      response.write(frame({}, 'stop', { usage }));
      response.end('data: [DONE]\n\n');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` };
}

function startRedis(port: number): ChildProcess {
  return spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
}

async function waitFor(check: () => Promise<boolean> | boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`soak: ${what} did not happen within ${ms} ms`);
    await sleep(50);
  }
}

const redisAnswers = (port: number) =>
  spawnSync('redis-cli', ['-p', String(port), 'ping'])
    .stdout?.toString()
    .trim() === 'PONG';

export async function runSoak(minutes: number, log: (line: string) => void): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'parley-soak-'));
  const upstream = await startUpstream();
  const redisPort = await freePort();
  let redis = startRedis(redisPort);
  await waitFor(() => redisAnswers(redisPort), 'redis start');
  const port = await freePort();
  const metricsPort = await freePort();
  const parley = spawn(process.execPath, [join(root, 'src/main.ts')], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      PARLEY_METRICS_PORT: String(metricsPort),
      DATABASE_URL: `sqlite:${join(work, 'soak.sqlite')}`,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      OPENAI_BASE_URL: upstream.baseUrl,
      OPENAI_API_KEY: 'sk-soak',
      PARLEY_DEFAULT_MODEL: 'soak-model',
      PARLEY_ADMIN_KEY: ADMIN_KEY,
      PARLEY_AUTO_TITLES: 'false',
      PARLEY_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // At PARLEY_LOG_LEVEL=warn, whatever the server writes is a warning, an error or a crash.
  let parleyErrors = '';
  const collect = (chunk: Buffer) => {
    parleyErrors += chunk.toString();
  };
  parley.stdout?.on('data', collect);
  parley.stderr?.on('data', collect);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.status === 200,
    'parley start',
  );

  const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
  const created = (await (
    await fetch(`${base}/api/keys`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({
        name: 'soak',
        role: 'admin',
        limits: { concurrent_streams: 6, requests_per_minute: 100_000 },
      }),
    })
  ).json()) as { key: string };
  const headers = { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' };
  const conversation = (await (
    await fetch(`${base}/api/conversations`, { method: 'POST', headers, body: '{}' })
  ).json()) as { id: string };

  const statuses = new Map<string, number>();
  let requests = 0;
  let dropped = 0;
  const count = (key: string) => statuses.set(key, (statuses.get(key) ?? 0) + 1);
  const calls: (() => { path: string; method?: string; body?: unknown; stream: boolean })[] = [
    () => ({ path: '/ask', body: { msg: 'soak', stream: true }, stream: true }),
    () => ({ path: '/ask', body: { msg: 'soak' }, stream: false }),
    () => ({
      path: '/v1/chat/completions',
      body: { model: 'soak-model', messages: [{ role: 'user', content: 'soak' }], stream: true },
      stream: true,
    }),
    () => ({
      path: '/v1/responses',
      body: { model: 'soak-model', input: 'soak', stream: true },
      stream: true,
    }),
    () => ({ path: '/v1/responses', body: { model: 'soak-model', input: 'soak' }, stream: false }),
    () => ({
      path: `/api/conversations/${conversation.id}/messages`,
      body: { content: 'soak', stream: true, parent_id: null },
      stream: true,
    }),
    () => ({ path: '/api/conversations?limit=20', method: 'GET', stream: false }),
    () => ({ path: '/api/search?q=soak', method: 'GET', stream: false }),
    () => ({ path: '/conversations?limit=20', method: 'GET', stream: false }),
  ];

  const endAt = Date.now() + minutes * 60_000;
  const worker = async () => {
    while (Date.now() < endAt) {
      const call = calls[Math.floor(Math.random() * calls.length)]?.();
      if (call === undefined) continue;
      const leave = new AbortController();
      const drop = call.stream && Math.random() < DROP_SHARE;
      requests += 1;
      try {
        const response = await fetch(`${base}${call.path}`, {
          method: call.method ?? 'POST',
          headers,
          ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
          signal: leave.signal,
        });
        count(String(response.status));
        if (drop && response.status === 200) {
          await (response.body as ReadableStream<Uint8Array>).getReader().read();
          leave.abort();
          dropped += 1;
        } else await response.arrayBuffer();
      } catch {
        count(leave.signal.aborted ? 'dropped' : 'network error');
      }
    }
  };

  const samples: Sample[] = [];
  const started = Date.now();
  const sample = async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const value = (name: string) =>
      Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    samples.push({
      atSeconds: Math.round((Date.now() - started) / 1000),
      load: loadavg()[0] ?? Number.NaN,
      rssMb: value('parley_process_resident_memory_bytes') / 1e6,
      heapMb: value('parley_nodejs_heap_size_used_bytes') / 1e6,
      loopP99Ms: value('parley_nodejs_eventloop_lag_p99_seconds') * 1000,
      requests,
    });
  };
  const sampler = setInterval(() => void sample().catch(() => {}), SAMPLE_EVERY_MS);
  const restart = (async () => {
    await sleep((minutes * 60_000) / 2);
    log('soak: stopping Redis for 5 s');
    redis.kill('SIGTERM');
    await once(redis, 'exit');
    await sleep(5_000);
    redis = startRedis(redisPort);
    await waitFor(() => redisAnswers(redisPort), 'redis restart');
    log('soak: Redis is back');
  })();
  log(`soak: ${minutes} min of mixed traffic, ${WORKERS} clients`);
  await Promise.all([...Array.from({ length: WORKERS }, worker), restart]);
  clearInterval(sampler);
  // Runs that outlived their clients end on their own: give them a moment, then read every answer.
  await sleep(2_000);
  await sample();

  // Every stored answer, read back through the export (all of the soak key's conversations).
  const byStatus = new Map<string, number>();
  const unfinished: string[] = [];
  const exported = (await (
    await fetch(`${base}/api/export`, { headers, signal: AbortSignal.timeout(600_000) })
  ).json()) as { conversations: { messages: { id: string; role: string; status: string }[] }[] };
  for (const { messages } of exported.conversations) {
    for (const message of messages) {
      if (message.role !== 'assistant') continue;
      byStatus.set(message.status, (byStatus.get(message.status) ?? 0) + 1);
      if (!['completed', 'incomplete', 'failed'].includes(message.status))
        unfinished.push(`${message.id}: ${message.status}`);
    }
  }
  const answers = [...byStatus.values()].reduce((sum, count) => sum + count, 0);
  const alive = parley.exitCode === null;
  parley.kill('SIGTERM');
  redis.kill('SIGTERM');
  upstream.server.close();
  upstream.server.closeAllConnections();
  rmSync(work, { recursive: true, force: true });

  const first = samples[0];
  const last = samples.at(-1);
  const section = [
    `Run of ${minutes} min on ${new Date().toISOString().slice(0, 10)} (\`npm run bench -- --soak` +
      `${minutes === 30 ? '' : ` --soak-minutes ${minutes}`}\`): ${WORKERS} clients, ${requests} requests ` +
      `(${dropped} streams dropped after their first chunk), Redis stopped for 5 s at ${minutes / 2} min. ` +
      `Parley ${alive ? 'stayed up' : 'EXITED'}; answers by status: ${[...statuses]
        .sort()
        .map(([status, n]) => `${status}: ${n}`)
        .join(', ')}.`,
    '',
    `Stored answers read back (every conversation, through \`GET /api/export\`): ${answers} ` +
      `(${[...byStatus]
        .sort()
        .map(([status, n]) => `${status}: ${n}`)
        .join(', ')}), ` +
      `${unfinished.length === 0 ? 'every one `completed`, `incomplete` or `failed`' : `${unfinished.length} NOT ended: ${unfinished.slice(0, 5).join('; ')}`}.`,
    '',
    first === undefined || last === undefined
      ? 'No samples.'
      : `RSS ${first.rssMb.toFixed(0)} → ${last.rssMb.toFixed(0)} MB, heap used ${first.heapMb.toFixed(0)} → ${last.heapMb.toFixed(0)} MB, ` +
        `event-loop p99 at most ${Math.max(...samples.map((s) => s.loopP99Ms)).toFixed(0)} ms. ` +
        `The machine (2 cores) was shared with other work throughout: its 1-minute load average ` +
        `went from ${Math.min(...samples.map((s) => s.load)).toFixed(1)} to ${Math.max(...samples.map((s) => s.load)).toFixed(1)}.`,
    '',
    table(
      ['s', 'requests', 'RSS MB', 'heap MB', 'event-loop p99 ms', 'machine load'],
      samples.map((s) => [
        String(s.atSeconds),
        String(s.requests),
        s.rssMb.toFixed(0),
        s.heapMb.toFixed(0),
        s.loopP99Ms.toFixed(1),
        s.load.toFixed(1),
      ]),
    ),
    '',
    `Server warnings and errors logged: ${describeLog(parleyErrors)}.`,
  ].join('\n');
  const report = join(root, 'docs/benchmarks.md');
  spliceSection(report, SOAK_PLACE, section);
  formatMarkdown(report);
  log(section);
}

/** The server's warn-and-above output, grouped: how many lines of each level and message. */
function describeLog(output: string): string {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) return 'none';
  const groups = new Map<string, number>();
  for (const line of lines) {
    let key: string;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      const level = entry.level === 40 ? 'warn' : entry.level === 50 ? 'error' : `level ${entry.level}`;
      const reason = entry.err?.message === undefined ? '' : ` (${entry.err.message.slice(0, 80)})`;
      key = `${level}: ${(entry.msg ?? '').slice(0, 100)}${reason}`;
    } catch {
      key = `not JSON: ${line.slice(0, 100)}`;
    }
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return `${lines.length} lines: ${[...groups]
    .sort((a, b) => b[1] - a[1])
    .map(([key, count]) => `${count} × ${key}`)
    .join('; ')}`;
}
