/**
 * A client that drops a stream mid-way is not a server fault: on every streaming surface, whether
 * the connection is reset or the fetch aborted, the server's log (pino JSON lines at debug, read
 * from the real process) has no error-level line and no stack for it.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

/** pino's error level. */
const ERROR = 50;

let upstream: FakeOpenAIUpstream;
let server: ServerProcess;
let dataDir: string;

before(async () => {
  upstream = await FakeOpenAIUpstream.start();
  dataDir = await mkdtemp(join(tmpdir(), 'parley-aborts-'));
  server = await startServer({
    DATABASE_URL: `sqlite:${join(dataDir, 'aborts.sqlite')}`,
    OPENAI_BASE_URL: upstream.baseUrl,
    PARLEY_DEFAULT_MODEL: 'fake-model',
    PARLEY_LOG_LEVEL: 'debug',
    ...(process.env.PARLEY_TEST_REDIS_URL === undefined
      ? {}
      : { REDIS_URL: process.env.PARLEY_TEST_REDIS_URL }),
  });
});
after(async () => {
  await server?.kill();
  await upstream.close();
  await rm(dataDir, { recursive: true, force: true });
});

/**
 * POSTs a streamed request, reads its first chunk, then resets the connection (as a closed tab
 * or a killed process does), while the upstream goes on sending.
 */
function dropAfterFirstChunk(path: string, body: unknown): Promise<number> {
  const { hostname, port } = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: hostname, port, path, method: 'POST', headers: { 'content-type': 'application/json' } },
      (response) => {
        response.once('data', () => {
          resolve(response.statusCode ?? 0);
          outgoing.destroy();
        });
        response.on('error', () => {});
      },
    );
    outgoing.on('error', (error) => {
      if (!outgoing.destroyed) reject(error);
    });
    outgoing.end(JSON.stringify(body));
  });
}

/** The same with fetch and an AbortController, as the soak's clients (and browsers) leave. */
async function abortAfterFirstChunk(path: string, body: unknown): Promise<void> {
  const leave = new AbortController();
  const response = await fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: leave.signal,
  });
  assert.equal(response.status, 200, path);
  await (response.body as ReadableStream<Uint8Array>).getReader().read();
  leave.abort();
}

interface LogLine {
  readonly level: number;
  readonly msg?: string;
  readonly err?: { readonly stack?: string; readonly code?: string };
}

const logLines = (): LogLine[] =>
  server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

test('a client that drops a stream mid-way leaves no error-level line on any surface', async () => {
  const created = await fetch(`${server.baseUrl}/api/conversations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const { id } = (await created.json()) as { id: string };
  const surfaces = [
    { path: '/ask', body: { msg: 'go', stream: true } },
    {
      path: '/v1/chat/completions',
      body: { model: 'fake-model', messages: [{ role: 'user', content: 'go' }], stream: true },
    },
    { path: '/v1/responses', body: { model: 'fake-model', input: 'go', stream: true } },
    { path: `/api/conversations/${id}/messages`, body: { content: 'go', stream: true } },
  ];
  const linesBefore = logLines().length;
  for (const surface of surfaces) {
    // Forty deltas 25 ms apart: the server is still writing well after the client left.
    upstream.reply({ kind: 'stream', deltas: Array.from({ length: 40 }, () => 'word '), intervalMs: 25 });
    assert.equal(await dropAfterFirstChunk(surface.path, surface.body), 200, surface.path);
    upstream.reply({ kind: 'stream', deltas: Array.from({ length: 40 }, () => 'word '), intervalMs: 25 });
    await abortAfterFirstChunk(surface.path, surface.body);
  }
  // Runs go on without their clients: wait until every upstream answer ended.
  for (const deadline = Date.now() + 10_000; upstream.open > 0 && Date.now() < deadline; ) await sleep(50);
  await sleep(200);

  const lines = logLines().slice(linesBefore);
  const errors = lines.filter((line) => line.level >= ERROR);
  assert.deepEqual(errors, [], 'no error-level line for a client that left');
  const withStacks = lines.filter((line) => line.err?.stack !== undefined);
  assert.deepEqual(withStacks, [], 'no stack for a client that left');
  // The server saw each surface's two requests.
  const incoming = lines
    .filter((line) => line.msg === 'incoming request')
    .map((line) => JSON.stringify(line));
  for (const surface of surfaces)
    assert.equal(incoming.filter((line) => line.includes(`"url":"${surface.path}"`)).length, 2, surface.path);
});
