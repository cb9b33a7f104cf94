/**
 * A server asked to stop (SIGTERM) gives the generations that have no client — background
 * responses, streams whose client left — the shutdown grace to finish, as it gives the streams in
 * flight; what is still running after the grace is stopped and stored as it was. Another server
 * (without Redis, it does not have their events) serves them from the store.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { allEvents, waitFor } from './support/background-client.ts';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { startServer } from './support/server-process.ts';

describe('background responses when their server stops', () => {
  let upstream: FakeOpenAIUpstream;
  let dataDir: string;
  let env: Record<string, string>;

  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
    dataDir = await mkdtemp(join(tmpdir(), 'parley-background-stop-'));
    env = {
      DATABASE_URL: `sqlite:${join(dataDir, 'parley.sqlite')}`,
      OPENAI_BASE_URL: upstream.baseUrl,
      PARLEY_DEFAULT_MODEL: 'fake-model',
      PARLEY_SHUTDOWN_GRACE_MS: '4000',
    };
  });
  after(async () => {
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('one still running at SIGTERM finishes within the grace; one running past it is stopped', async () => {
    const first = await startServer(env);
    const onFirst = new OpenAI({ baseURL: `${first.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
    upstream.reply({ kind: 'stream', deltas: ['still ', 'being ', 'written'], intervalMs: 300 });
    const finishing = await onFirst.responses.create({ input: 'finish me', background: true });
    await waitFor(() => upstream.requests.length === 1);
    upstream.reply({ kind: 'stream', deltas: ['never ', 'ending '], intervalMs: 50, end: 'hang' });
    const endless = await onFirst.responses.create({ input: 'too long', background: true });
    await waitFor(() => upstream.requests.length === 2);

    const stoppedAt = Date.now();
    await first.stop();
    assert.ok(Date.now() - stoppedAt < 8_000, 'the grace bounds the stop');
    assert.equal(upstream.requests[1]?.clientClosedEarly, true, 'the endless one was stopped');

    const second = await startServer(env);
    try {
      const onSecond = new OpenAI({ baseURL: `${second.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
      const finished = await onSecond.responses.retrieve(finishing.id);
      assert.equal(finished.status, 'completed');
      assert.equal(finished.output_text, 'still being written');
      const stopped = await onSecond.responses.retrieve(endless.id);
      assert.notEqual(stopped.status, 'in_progress');
      assert.match(stopped.output_text, /^never /, 'the text that arrived is kept');

      // Their events went with the server that ran them (no Redis): a resume from a sequence number
      // is refused rather than numbered anew; the whole stream is rebuilt from the stored answer.
      await assert.rejects(
        onSecond.responses.retrieve(finishing.id, { stream: true, starting_after: 5 }),
        (error: unknown) => {
          assert.ok(error instanceof OpenAI.BadRequestError);
          assert.equal(error.param, 'starting_after');
          return true;
        },
      );
      const rebuilt = await allEvents(await onSecond.responses.retrieve(finishing.id, { stream: true }));
      const last = rebuilt.at(-1);
      assert.ok(last?.type === 'response.completed');
      assert.equal(last.response.background, true);
      assert.equal(
        rebuilt.map((event) => (event.type === 'response.output_text.delta' ? event.delta : '')).join(''),
        'still being written',
      );
    } finally {
      await second.stop();
    }
  });
});
