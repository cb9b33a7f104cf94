/**
 * End to end: the real server process, started as a user starts it, talking to a fake
 * OpenAI-compatible upstream over HTTP. Covers the seed's API, streaming, cancellation, restarts
 * and crashes on the same SQLite file, and the start-up refusals.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { runServerToExit, type ServerProcess, startServer } from './support/server-process.ts';

interface AskData {
  message: string;
  parent_id: string;
  conversation_id: string;
}

interface ChatGptNode {
  parent: string | null;
  children: string[];
  message: {
    author: { role: string };
    content: { parts: string[] };
    status: string;
    metadata: { parley_status: string };
  };
}

interface ChatGptConversation {
  title: string;
  current_node: string;
  mapping: Record<string, ChatGptNode>;
}

async function post(server: ServerProcess, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function ask(server: ServerProcess, body: Record<string, unknown>): Promise<AskData> {
  const response = await post(server, '/ask', body);
  const json = (await response.json()) as { code: number; data: AskData };
  assert.equal(response.status, 200, JSON.stringify(json));
  assert.equal(json.code, 0);
  return json.data;
}

async function conversation(server: ServerProcess, id: string): Promise<ChatGptConversation> {
  const response = await fetch(`${server.baseUrl}/conversation/${id}`);
  assert.equal(response.status, 200);
  return (await response.json()) as ChatGptConversation;
}

/** The texts from the root to `nodeId`, as `role: text`. */
function pathTexts(history: ChatGptConversation, nodeId: string): string[] {
  const texts: string[] = [];
  let node: ChatGptNode | undefined = history.mapping[nodeId];
  while (node !== undefined) {
    texts.unshift(`${node.message.author.role}: ${node.message.content.parts[0]}`);
    node = node.parent === null ? undefined : history.mapping[node.parent];
  }
  return texts;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Reads an SSE response until `stopWhen` says enough, then drops the connection. */
async function readSseUntil(response: Response, stopWhen: (text: string) => boolean): Promise<string> {
  const reader = response.body?.getReader();
  assert.ok(reader !== undefined);
  const decoder = new TextDecoder();
  let text = '';
  while (!stopWhen(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

describe('the server end to end (seed API over a fake OpenAI upstream)', () => {
  let upstream: FakeOpenAIUpstream;
  let dataDir: string;

  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
    dataDir = await mkdtemp(join(tmpdir(), 'parley-e2e-'));
  });
  after(async () => {
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const serverEnv = (database: string): Record<string, string> => ({
    DATABASE_URL: `sqlite:${join(dataDir, database)}`,
    OPENAI_API_KEY: 'sk-e2e-secret-key-000',
    OPENAI_BASE_URL: upstream.baseUrl,
    PARLEY_DEFAULT_MODEL: 'fake-model',
    PARLEY_STREAM_FLUSH_MS: '10',
  });

  test('asks, follows up, branches, streams, renames, lists and deletes; restarts keep it all', async () => {
    let server = await startServer(serverEnv('main.sqlite'));
    try {
      const first = await ask(server, { msg: 'first question' });
      assert.equal(first.message, 'echo: first question');
      const upstreamRequest = upstream.requests.at(-1);
      assert.equal(upstreamRequest?.headers.authorization, 'Bearer sk-e2e-secret-key-000');
      assert.equal((upstream.lastRequest().body as { model: string }).model, 'fake-model');

      const second = await ask(server, {
        msg: 'second question',
        parent_id: first.parent_id,
        conversation_id: first.conversation_id,
      });
      assert.equal(second.conversation_id, first.conversation_id);
      // The whole path goes upstream, oldest first.
      assert.deepEqual((upstream.lastRequest().body as { messages: unknown }).messages, [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'echo: first question' },
        { role: 'user', content: 'second question' },
      ]);

      // Branch: a new question under the first answer.
      const branch = await ask(server, {
        msg: 'other second question',
        parent_id: first.parent_id,
        conversation_id: first.conversation_id,
      });

      // Stream a follow-up on the branch: cumulative text, sequence ids, then [DONE].
      const streamed = await post(server, '/ask', {
        msg: 'streamed question',
        parent_id: branch.parent_id,
        conversation_id: branch.conversation_id,
        stream: true,
      });
      assert.equal(streamed.status, 200);
      assert.match(streamed.headers.get('content-type') ?? '', /text\/event-stream/);
      const frames = (await streamed.text()).split('\n\n').filter((frame) => frame !== '');
      assert.equal(frames.at(-1), 'data: [DONE]');
      const events = frames.slice(0, -1).map((frame) => {
        const id = /^id: (\d+)$/m.exec(frame)?.[1];
        const data = JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? 'null') as AskData;
        return { id: Number(id), data };
      });
      assert.deepEqual(
        events.map((event) => event.id),
        events.map((_, index) => index + 1),
      );
      assert.equal(events.at(-1)?.data.message, 'echo: streamed question');
      const streamedAnswerId = events.at(-1)?.data.parent_id ?? '';

      const renamed = await post(server, `/conversation/${first.conversation_id}/title`, {
        title: 'Renamed',
      });
      assert.equal(renamed.status, 200);

      const history = await conversation(server, first.conversation_id);
      assert.equal(history.title, 'Renamed');
      assert.equal(history.current_node, streamedAnswerId);
      assert.deepEqual(pathTexts(history, second.parent_id), [
        'user: first question',
        'assistant: echo: first question',
        'user: second question',
        'assistant: echo: second question',
      ]);
      assert.deepEqual(pathTexts(history, streamedAnswerId), [
        'user: first question',
        'assistant: echo: first question',
        'user: other second question',
        'assistant: echo: other second question',
        'user: streamed question',
        'assistant: echo: streamed question',
      ]);
      assert.equal(history.mapping[first.parent_id]?.children.length, 2);

      // Restart on the same file: everything is still there.
      assert.equal(await server.stop(), 0);
      server = await startServer(serverEnv('main.sqlite'));
      const reread = await conversation(server, first.conversation_id);
      assert.deepEqual(reread.mapping, history.mapping);
      assert.equal(reread.current_node, streamedAnswerId);

      const list = (await (await fetch(`${server.baseUrl}/conversations`)).json()) as {
        items: { id: string; title: string }[];
        total: number;
      };
      assert.equal(list.total, 1);
      assert.equal(list.items[0]?.title, 'Renamed');

      const deleted = await post(server, `/conversation/${first.conversation_id}/delete`, {});
      assert.equal(deleted.status, 200);
      const gone = await fetch(`${server.baseUrl}/conversation/${first.conversation_id}`);
      assert.equal(gone.status, 404);
      const afterDelete = await post(server, '/ask', {
        msg: 'into the void',
        parent_id: first.parent_id,
        conversation_id: first.conversation_id,
      });
      assert.equal(afterDelete.status, 404, 'continuing a deleted conversation is not found');
    } finally {
      await server.kill();
    }
  });

  test('a client that disconnects mid-stream stops the upstream, and the partial answer is kept', async () => {
    const server = await startServer(serverEnv('disconnect.sqlite'));
    try {
      upstream.reply({ kind: 'stream', deltas: ['one ', 'two ', 'three '], intervalMs: 20, end: 'hang' });
      const response = await post(server, '/ask', { msg: 'tell me a long story', stream: true });
      const seen = await readSseUntil(response, (text) => text.includes('three'));
      const ids = JSON.parse(/^data: (.*)$/m.exec(seen)?.[1] ?? 'null') as AskData;
      const upstreamRequest = upstream.requests.at(-1);
      await upstreamRequest?.settled;
      assert.equal(upstreamRequest?.clientClosedEarly, true, 'the upstream request must be closed');

      const answer = async () => (await conversation(server, ids.conversation_id)).mapping[ids.parent_id];
      await waitFor(
        async () => (await answer())?.message.metadata.parley_status !== 'in_progress',
        'the answer to be stored',
      );
      const stored = await answer();
      assert.equal(stored?.message.metadata.parley_status, 'incomplete');
      assert.equal(stored?.message.content.parts[0], 'one two three ');
    } finally {
      await server.kill();
    }
  });

  test('a crash mid-stream leaves the question and an incomplete partial answer after restart', async () => {
    let server = await startServer(serverEnv('crash.sqlite'));
    let ids: AskData | undefined;
    try {
      upstream.reply({ kind: 'stream', deltas: ['partial ', 'text '], intervalMs: 20, end: 'hang' });
      const response = await post(server, '/ask', { msg: 'crash during this', stream: true });
      const reader = response.body?.getReader();
      const decoder = new TextDecoder();
      let seen = '';
      while (!seen.includes('text ')) {
        const chunk = await reader?.read();
        if (chunk === undefined || chunk.done) break;
        seen += decoder.decode(chunk.value, { stream: true });
      }
      ids = JSON.parse(/^data: (.*)$/m.exec(seen)?.[1] ?? 'null') as AskData;
      // Give the flusher (every 10 ms here) time to write the grown text, then crash.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await server.kill();
      await reader?.cancel().catch(() => {});

      server = await startServer(serverEnv('crash.sqlite'));
      assert.match(server.output(), /marked answers left in progress/);
      const history = await conversation(server, ids.conversation_id);
      const answer = history.mapping[ids.parent_id];
      const question =
        answer?.parent === null || answer === undefined ? undefined : history.mapping[answer.parent];
      assert.equal(question?.message.content.parts[0], 'crash during this');
      assert.equal(answer?.message.metadata.parley_status, 'incomplete');
      assert.equal(answer?.message.content.parts[0], 'partial text ');
    } finally {
      await server.kill();
    }
  });

  test('SIGTERM: no new work, streams get the grace to finish, the rest is stopped and kept', async () => {
    const env = { ...serverEnv('shutdown.sqlite'), PARLEY_SHUTDOWN_GRACE_MS: '400' };
    const server = await startServer(env);
    const firstEvent = async (response: Response) => {
      const reader = response.body?.getReader();
      assert.ok(reader !== undefined);
      const decoder = new TextDecoder();
      let text = '';
      while (!text.includes('\n\n')) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
      }
      return {
        text,
        rest: async () => {
          for (;;) {
            const chunk = await reader.read();
            if (chunk.done) return text;
            text += decoder.decode(chunk.value, { stream: true });
          }
        },
      };
    };
    try {
      upstream.reply(
        { kind: 'stream', deltas: ['quick ', 'one'], intervalMs: 100 },
        { kind: 'stream', deltas: ['never ', 'done '], intervalMs: 20, end: 'hang' },
      );
      const quick = await firstEvent(await post(server, '/ask', { msg: 'finishes in time', stream: true }));
      const slow = await firstEvent(await post(server, '/ask', { msg: 'never finishes', stream: true }));
      const slowIds = JSON.parse(/^data: (.*)$/m.exec(slow.text)?.[1] ?? 'null') as AskData;
      const exited = new Promise<number | null>((resolve) =>
        server.child.once('exit', (code) => resolve(code)),
      );
      server.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const refused = await post(server, '/healthz', {}).then(
        (response) => response.status,
        () => 'refused',
      );
      assert.ok(refused === 'refused' || refused === 503, `new work is refused (${refused})`);

      assert.match(await quick.rest(), /data: \[DONE\]/, 'a stream that ends within the grace finishes');
      const slowText = await slow.rest();
      assert.doesNotMatch(slowText, /\[DONE\]/);
      assert.match(slowText, /event: error/);
      assert.equal(await exited, 0);

      const restarted = await startServer(env);
      try {
        const history = await conversation(restarted, slowIds.conversation_id);
        const answer = history.mapping[slowIds.parent_id];
        assert.equal(answer?.message.metadata.parley_status, 'incomplete');
        assert.match(answer?.message.content.parts[0] ?? '', /^never /);
      } finally {
        await restarted.kill();
      }
    } finally {
      await server.kill();
    }
  });

  test('upstream trouble reaches the client as the right status in the seed shape', async () => {
    const server = await startServer(serverEnv('errors.sqlite'));
    try {
      upstream.reply({
        kind: 'json',
        status: 429,
        headers: { 'retry-after': '7' },
        body: { error: { message: 'slow down', code: 'rate_limit_exceeded' } },
      });
      const limited = await post(server, '/ask', { msg: 'hi' });
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('retry-after'), '7');
      const body = (await limited.json()) as { code: number; msg: string };
      assert.notEqual(body.code, 0);
      assert.doesNotMatch(JSON.stringify(body), /sk-e2e/);

      upstream.reply({
        kind: 'text',
        status: 502,
        contentType: 'text/html',
        body: '<html>bad gateway</html>',
      });
      const broken = await post(server, '/ask', { msg: 'hi', stream: true });
      assert.equal(broken.status, 502);
      assert.match(broken.headers.get('content-type') ?? '', /application\/json/);

      const bad = await post(server, '/ask', { msg: '' });
      assert.equal(bad.status, 400);
      assert.match(bad.headers.get('content-type') ?? '', /application\/json/);
      assert.doesNotMatch(server.output(), /sk-e2e-secret-key-000/);
    } finally {
      await server.kill();
    }
  });

  test('operations: /readyz checks the database, /metrics counts requests and generations', async () => {
    const server = await startServer(serverEnv('ops.sqlite'));
    try {
      const ready = await fetch(`${server.baseUrl}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ok', checks: { database: 'up' } });
      await ask(server, { msg: 'count me' });
      const streamed = await post(server, '/ask', { msg: 'stream me', stream: true });
      await streamed.text();
      // /v1/chat/completions runs the same generation path: counted like the others, streamed or not.
      const messages = [{ role: 'user', content: 'complete me' }];
      const completion = await post(server, '/v1/chat/completions', { model: 'fake-model', messages });
      assert.equal(completion.status, 200, await completion.text());
      const streamedCompletion = await post(server, '/v1/chat/completions', {
        model: 'fake-model',
        messages,
        stream: true,
      });
      assert.match(await streamedCompletion.text(), /data: \[DONE\]/);
      const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
      assert.match(metrics, /parley_http_requests_total\{method="POST",route="\/ask",status="200"\} 2/);
      assert.match(
        metrics,
        /parley_generations_total\{model="fake-model",provider="openai-compatible",status="completed"\} 4/,
      );
      assert.match(
        metrics,
        /parley_time_to_first_token_seconds_count\{model="fake-model",provider="openai-compatible"\} 2/,
      );
      assert.match(
        metrics,
        /parley_tokens_total\{model="fake-model",provider="openai-compatible",direction="output"\} \d+/,
      );
      assert.match(metrics, /parley_active_streams\{model="fake-model"\} 0/);
      assert.match(metrics, /parley_process_resident_memory_bytes/);
    } finally {
      await server.kill();
    }
  });

  test('without a provider the server starts, serves history, and answers chat with 503 and advice', async () => {
    const server = await startServer({ DATABASE_URL: `sqlite:${join(dataDir, 'none.sqlite')}` });
    try {
      const health = await fetch(`${server.baseUrl}/healthz`);
      assert.equal(health.status, 200);
      const list = await fetch(`${server.baseUrl}/conversations`);
      assert.equal(list.status, 200);
      const response = await post(server, '/ask', { msg: 'hello?' });
      assert.equal(response.status, 503);
      const body = (await response.json()) as { msg: string };
      assert.match(body.msg, /OPENAI_API_KEY/);
    } finally {
      await server.kill();
    }
  });

  test('refuses to start on a non-loopback address, and on a bad variable, naming it', async () => {
    const remote = await runServerToExit({ HOST: '0.0.0.0', PORT: '0' });
    assert.equal(remote.code, 1);
    assert.match(remote.output, /refusing to listen on 0\.0\.0\.0/);
    assert.match(remote.output, /PARLEY_ALLOW_INSECURE_REMOTE/);

    const badPort = await runServerToExit({ PORT: 'eighty' });
    assert.equal(badPort.code, 1);
    assert.match(badPort.output, /PORT/);

    const badDatabase = await runServerToExit({ DATABASE_URL: 'mysql://nope' });
    assert.equal(badDatabase.code, 1);
    assert.match(badDatabase.output, /DATABASE_URL/);
  });
});
