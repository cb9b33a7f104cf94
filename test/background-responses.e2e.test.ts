/**
 * Background responses (`background: true`) driven by the official `openai` SDK, as OpenAI's
 * background-mode guide uses them: create answers at once and the generation goes on without the
 * client; poll with `responses.retrieve` until it ends; `responses.cancel` stops it (the upstream
 * request is closed); a streamed one resumes with `starting_after` after its client dropped. Only
 * its owner sees it, and it holds its key's stream slot while it runs.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { allEvents, pollUntilSettled, readThenDrop, waitFor } from './support/background-client.ts';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from './support/parley-with-upstreams.ts';

const ADMIN_KEY = 'sk-admin-background-0123456789abcdef';

describe('background responses, through the openai SDK', () => {
  let parley: ParleyWithUpstreams;
  let client: OpenAI;
  let base: string;

  const clientWith = (apiKey: string) => new OpenAI({ baseURL: parley.v1, apiKey, maxRetries: 0 });
  const createKey = async (body: Record<string, unknown>): Promise<string> => {
    const response = await fetch(`${base}/api/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 201);
    return ((await response.json()) as { key: string }).key;
  };
  /** The upstream request whose last message is `question`, once it has arrived. */
  const upstreamRequestFor = async (question: string) => {
    const asked = () =>
      parley.openai.requests.find(
        (request) =>
          (request.body as { messages?: { content: unknown }[] } | undefined)?.messages?.at(-1)?.content ===
          question,
      );
    await waitFor(() => asked() !== undefined);
    const request = asked();
    assert.ok(request !== undefined);
    return request;
  };

  before(async () => {
    parley = await startParleyWithUpstreams({ PARLEY_ADMIN_KEY: ADMIN_KEY });
    base = parley.v1.replace(/\/v1$/, '');
    client = clientWith(ADMIN_KEY);
  });
  after(async () => {
    await parley.close();
  });

  test('create answers at once; polling sees it in progress, then completed with its output and usage', async () => {
    parley.openai.reply({
      kind: 'stream',
      deltas: ['slow ', 'and ', 'steady ', 'wins'],
      intervalMs: 150,
      usage: { prompt_tokens: 9, completion_tokens: 4 },
    });
    const created = await client.responses.create({ input: 'take your time', background: true });
    assert.equal(created.status, 'queued');
    assert.equal(created.background, true);
    assert.deepEqual(created.output, []);
    const upstreamRequest = await upstreamRequestFor('take your time');

    const { final: polled, seen } = await pollUntilSettled(client, created);
    assert.ok(seen.includes('in_progress'), `polls saw ${seen.join(', ')}`);
    assert.equal(polled.status, 'completed');
    assert.equal(polled.background, true);
    assert.equal(polled.output_text, 'slow and steady wins');
    assert.equal(polled.usage?.input_tokens, 9);
    assert.equal(polled.usage?.output_tokens, 4);
    assert.equal(upstreamRequest.clientClosedEarly, false);
    assert.equal((upstreamRequest.body as { stream?: boolean }).stream, true);
  });

  test('an upstream that refuses it: the create still answers queued, polling ends failed with the error, which cannot be cancelled', async () => {
    parley.openai.reply({
      kind: 'json',
      status: 400,
      body: { error: { message: 'this model is resting', type: 'invalid_request_error' } },
    });
    const created = await client.responses.create({ input: 'refused upstream', background: true });
    assert.equal(created.status, 'queued');
    const { final } = await pollUntilSettled(client, created);
    assert.equal(final.status, 'failed');
    assert.match(final.error?.message ?? '', /this model is resting/);
    assert.equal(final.background, true);
    await assert.rejects(client.responses.cancel(created.id), /400 Cannot cancel a failed response\./);
  });

  test('cancel stops it and closes the upstream request; cancelling again returns it; finished ones are refused', async () => {
    parley.openai.reply({ kind: 'stream', deltas: ['endless ', 'talk '], intervalMs: 20, end: 'hang' });
    const created = await client.responses.create({ input: 'talk forever', background: true });
    const hanging = await upstreamRequestFor('talk forever');
    await waitFor(async () => (await client.responses.retrieve(created.id)).output_text !== '');

    const cancelled = await client.responses.cancel(created.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.background, true);
    assert.match(textOf(cancelled), /^endless /, 'what arrived before the cancel is kept');
    await hanging.settled;
    assert.equal(hanging.clientClosedEarly, true, 'the upstream request was closed');
    assert.equal((await client.responses.cancel(created.id)).status, 'cancelled', 'idempotent');
    assert.equal((await client.responses.retrieve(created.id)).status, 'cancelled');

    const done = await client.responses.create({ input: 'quick', background: true });
    await waitFor(async () => (await client.responses.retrieve(done.id)).status === 'completed');
    await assert.rejects(client.responses.cancel(done.id), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.equal(error.message, '400 Cannot cancel a completed response.');
      return true;
    });
    const synchronous = await client.responses.create({ input: 'in the foreground' });
    assert.equal(synchronous.background, false);
    await assert.rejects(client.responses.cancel(synchronous.id), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.equal(error.message, '400 Cannot cancel a synchronous response.');
      return true;
    });
  });

  test('a streamed one goes on after its client drops and resumes with exactly the remaining events', async () => {
    parley.openai.reply({
      kind: 'stream',
      deltas: ['one ', 'two ', 'three ', 'four ', 'five'],
      intervalMs: 60,
    });
    const stream = await client.responses.create({ input: 'count to five', background: true, stream: true });
    // The client drops after two pieces of text.
    const { created, lastSeen, text: before } = await readThenDrop(stream, 2);
    assert.equal(created?.background, true);
    assert.equal(created?.status, 'queued', 'response.created reports it queued, as the create does');
    const id = created?.id ?? '';
    assert.equal(before, 'one two ');

    const resumed = await client.responses.retrieve(id, { stream: true, starting_after: lastSeen });
    const remaining = await allEvents(resumed);
    assert.deepEqual(
      remaining.map((event) => event.sequence_number),
      remaining.map((_, index) => lastSeen + 1 + index),
      'the events after the last one seen, none missing or repeated',
    );
    const after = remaining.flatMap((event) =>
      event.type === 'response.output_text.delta' ? [event.delta] : [],
    );
    assert.equal(before + after.join(''), 'one two three four five');
    const completed = remaining.at(-1);
    assert.ok(completed?.type === 'response.completed');
    assert.equal(textOf(completed.response), 'one two three four five');
    assert.equal(completed.response.background, true);
    assert.equal(parley.openai.lastRequest().clientClosedEarly, false, 'the generation went on');

    // Resumed again once it has ended: the same events, numbered the same (the end's time is read
    // from the store now, a few milliseconds from the live follower's clock).
    const replay = await client.responses.retrieve(id, { stream: true, starting_after: lastSeen });
    const replayed = await allEvents(replay);
    const last = replayed.at(-1);
    assert.ok(last?.type === 'response.completed');
    const endedAt = completed.response.completed_at ?? 0;
    assert.ok(Math.abs((last.response.completed_at ?? 0) - endedAt) <= 1);
    assert.deepEqual(replayed.slice(0, -1), remaining.slice(0, -1));
    assert.deepEqual(
      { ...last.response, completed_at: endedAt },
      { ...completed.response, completed_at: endedAt },
    );
  });

  test('background with store: false is refused; another key cannot see, stream or cancel it', async () => {
    await assert.rejects(
      client.responses.create({ input: 'not kept', background: true, store: false }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.param, 'background');
        return true;
      },
    );
    parley.openai.reply({ kind: 'stream', deltas: ['mine ', 'only '], intervalMs: 20, end: 'hang' });
    const created = await client.responses.create({ input: 'private', background: true });
    const hanging = await upstreamRequestFor('private');
    const stranger = clientWith(await createKey({ name: 'stranger' }));
    await assert.rejects(stranger.responses.retrieve(created.id), OpenAI.NotFoundError);
    await assert.rejects(
      stranger.responses.retrieve(created.id, { stream: true, starting_after: 0 }),
      OpenAI.NotFoundError,
    );
    await assert.rejects(stranger.responses.cancel(created.id), OpenAI.NotFoundError);
    assert.equal(hanging.clientClosedEarly, false, 'the stranger stopped nothing');
    assert.equal((await client.responses.cancel(created.id)).status, 'cancelled');
  });

  test('a running background response holds its key’s stream slot until it ends', async () => {
    const limited = clientWith(await createKey({ name: 'one-at-a-time', limits: { concurrent_streams: 1 } }));
    parley.openai.reply({ kind: 'stream', deltas: ['busy '], intervalMs: 20, end: 'hang' });
    const running = await limited.responses.create({ input: 'hold the slot', background: true });
    await upstreamRequestFor('hold the slot');
    await assert.rejects(
      limited.responses.create({ input: 'a second one', background: true }),
      OpenAI.RateLimitError,
    );
    assert.equal((await limited.responses.cancel(running.id)).status, 'cancelled');
    await waitFor(async () => {
      const next = await limited.responses.create({ input: 'now there is room' }).catch(() => undefined);
      return next?.status === 'completed';
    });
  });
});

function textOf(response: OpenAI.Responses.Response): string {
  return response.output
    .flatMap((item) => (item.type === 'message' ? item.content : []))
    .map((part) => (part.type === 'output_text' ? part.text : ''))
    .join('');
}
