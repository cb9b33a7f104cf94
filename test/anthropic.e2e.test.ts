/** The real server on the Anthropic provider alone: ask, follow up, stream, and stop on disconnect. */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

describe('the server over Anthropic', () => {
  let upstream: FakeOpenAIUpstream;
  let server: ServerProcess;
  let dataDir: string;
  const ask = async (body: Record<string, unknown>) =>
    fetch(`${server.baseUrl}/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  before(async () => {
    upstream = await FakeOpenAIUpstream.start('anthropic');
    dataDir = await mkdtemp(join(tmpdir(), 'parley-anthropic-'));
    server = await startServer({
      DATABASE_URL: `sqlite:${join(dataDir, 'parley.sqlite')}`,
      ANTHROPIC_API_KEY: 'sk-ant-e2e-secret',
      ANTHROPIC_BASE_URL: upstream.baseUrl,
    });
  });
  after(async () => {
    await server?.kill();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('asks, follows up with the whole path, streams, and a disconnect stops the upstream', async () => {
    const first = (
      (await (await ask({ msg: 'Bonjour' })).json()) as {
        data: { parent_id: string; conversation_id: string };
      }
    ).data;
    assert.equal(upstream.lastRequest().headers['x-api-key'], 'sk-ant-e2e-secret');
    assert.equal((upstream.lastRequest().body as { model: string }).model, 'claude-sonnet-4-5');
    const second = await ask({ msg: 'Encore', ...first });
    assert.equal(((await second.json()) as { data: { message: string } }).data.message, 'echo: Encore');
    assert.deepEqual((upstream.lastRequest().body as { messages: unknown }).messages, [
      { role: 'user', content: 'Bonjour' },
      { role: 'assistant', content: 'echo: Bonjour' },
      { role: 'user', content: 'Encore' },
    ]);

    const streamed = await (await ask({ msg: 'Stream it', stream: true })).text();
    assert.match(streamed, /"message":"echo: Stream it"/);
    assert.match(streamed, /data: \[DONE\]/);

    upstream.reply({ kind: 'stream', deltas: ['one ', 'two ', 'three'], intervalMs: 30, end: 'hang' });
    const controller = new AbortController();
    const response = await fetch(`${server.baseUrl}/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msg: 'long', stream: true }),
      signal: controller.signal,
    });
    await response.body?.getReader().read();
    controller.abort();
    const request = upstream.lastRequest();
    await request.settled;
    assert.equal(request.clientClosedEarly, true);
  });
});
