/**
 * Background responses across two replicas on PostgreSQL (PARLEY_TEST_DATABASE_URL, a fresh schema)
 * and Redis (PARLEY_TEST_REDIS_URL), through the `openai` SDK: one replica runs the generation,
 * the other polls it to its end, cancels it (the running replica closes the upstream request), and
 * resumes its stream after the first client dropped.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import pg from 'pg';
import { allEvents, pollUntilSettled, readThenDrop, waitFor } from './support/background-client.ts';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

const databaseUrl = process.env.PARLEY_TEST_DATABASE_URL;
const redisUrl = process.env.PARLEY_TEST_REDIS_URL;
const skip =
  databaseUrl === undefined || databaseUrl === '' || redisUrl === undefined || redisUrl === ''
    ? 'needs PARLEY_TEST_DATABASE_URL and PARLEY_TEST_REDIS_URL'
    : false;

describe('background responses on two replicas (PostgreSQL and Redis)', { skip }, () => {
  let upstream: FakeOpenAIUpstream;
  let schema: string;
  let one: ServerProcess;
  let two: ServerProcess;
  let onOne: OpenAI;
  let onTwo: OpenAI;

  const withSchema = async (sql: string) => {
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      await admin.query(sql);
    } finally {
      await admin.end();
    }
  };

  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
    schema = `parley_background_${Math.random().toString(36).slice(2, 10)}`;
    await withSchema(`CREATE SCHEMA ${schema}`);
    const separator = (databaseUrl ?? '').includes('?') ? '&' : '?';
    const env = {
      DATABASE_URL: `${databaseUrl}${separator}options=-c%20search_path%3D${schema}`,
      REDIS_URL: redisUrl ?? '',
      OPENAI_BASE_URL: upstream.baseUrl,
      PARLEY_DEFAULT_MODEL: 'fake-model',
      PARLEY_STREAM_FLUSH_MS: '10',
    };
    one = await startServer(env);
    two = await startServer(env);
    onOne = new OpenAI({ baseURL: `${one.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
    onTwo = new OpenAI({ baseURL: `${two.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await one?.kill();
    await two?.kill();
    await upstream?.close();
    await withSchema(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  test('created on one replica, polled on the other until it completes', async () => {
    upstream.reply({
      kind: 'stream',
      deltas: ['north ', 'east ', 'south ', 'west'],
      intervalMs: 120,
      usage: { prompt_tokens: 3, completion_tokens: 4 },
    });
    const created = await onOne.responses.create({ input: 'four directions', background: true });
    assert.equal(created.status, 'queued');
    const { final: polled, seen } = await pollUntilSettled(onTwo, created);
    assert.ok(seen.includes('in_progress'), `polls saw ${seen.join(', ')}`);
    assert.equal(polled.status, 'completed');
    assert.equal(polled.background, true);
    assert.equal(polled.output_text, 'north east south west');
    assert.deepEqual([polled.usage?.input_tokens, polled.usage?.output_tokens], [3, 4]);
  });

  test('a cancel asked on the other replica stops it where it runs and closes the upstream request', async () => {
    upstream.reply({ kind: 'stream', deltas: ['on ', 'and on '], intervalMs: 20, end: 'hang' });
    const created = await onOne.responses.create({ input: 'never stop', background: true });
    await waitFor(async () => (await onTwo.responses.retrieve(created.id)).output_text !== '');
    const hanging = upstream.lastRequest();
    const cancelled = await onTwo.responses.cancel(created.id);
    assert.equal(cancelled.status, 'cancelled');
    await hanging.settled;
    assert.equal(hanging.clientClosedEarly, true, 'the replica running it closed the upstream');
    assert.equal((await onOne.responses.retrieve(created.id)).status, 'cancelled');
  });

  test('a streamed one resumes on the other replica with exactly the remaining events', async () => {
    upstream.reply({ kind: 'stream', deltas: ['a ', 'b ', 'c ', 'd ', 'e'], intervalMs: 60 });
    const stream = await onOne.responses.create({ input: 'letters', background: true, stream: true });
    // The client drops after the first piece of text.
    const { created, lastSeen, text: before } = await readThenDrop(stream, 1);
    const id = created?.id ?? '';
    const resumed = await onTwo.responses.retrieve(id, { stream: true, starting_after: lastSeen });
    const remaining = await allEvents(resumed);
    const sequence = remaining.map((event) => event.sequence_number);
    const rest = remaining
      .map((event) => (event.type === 'response.output_text.delta' ? event.delta : ''))
      .join('');
    const last = remaining.at(-1);
    const completed = last?.type === 'response.completed' ? last.response : undefined;
    assert.deepEqual(
      sequence,
      sequence.map((_, index) => lastSeen + 1 + index),
    );
    assert.equal(before + rest, 'a b c d e');
    assert.equal(completed?.status, 'completed');
    assert.equal(completed?.background, true);
  });
});
