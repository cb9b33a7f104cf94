import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeChatGPTWeb, frame, ONLY_ONE_MESSAGE } from '../../../test/support/fake-chatgpt-web.ts';
import { assertRefusesReasoningParts } from '../../../test/support/text-only-check.ts';
import { type PromptMessage, ProviderError, type StreamPart, type UpstreamTurnRefs } from '../spec.ts';
import { activeAccounts } from './account-queue.ts';
import { ChatGPTWebChatModel, type ChatGPTWebSettings } from './chatgpt-web-chat-model.ts';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhY2NvdW50LW9uZSJ9.c2lnbmF0dXJlLW9uZQ';
const OTHER_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhY2NvdW50LXR3byJ9.c2lnbmF0dXJlLXR3bw';
const EXPIRED_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJleHBpcmVkIn0.c2lnbmF0dXJlLW9sZA';
const TIMEOUTS = { headersTimeoutMs: 3_000, bodyTimeoutMs: 3_000 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const collected: StreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

function textOf(parts: readonly StreamPart[]): string {
  return parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
}

async function rejectsWith(promise: Promise<unknown>, check: (error: ProviderError) => void): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
    for (const secret of [TOKEN, OTHER_TOKEN, EXPIRED_TOKEN, 'c2lnbmF0dXJl']) {
      assert.ok(!error.message.includes(secret), `the message must not hold the token: ${error.message}`);
    }
    check(error);
    return true;
  });
}

/** The prompt of the next turn after `turns` (question, answer, refs), ending with `question`. */
function threaded(
  turns: readonly { question: string; answer: string; refs: UpstreamTurnRefs }[],
  question?: string,
): PromptMessage[] {
  const prompt: PromptMessage[] = [];
  for (const turn of turns) {
    prompt.push({
      role: 'user',
      content: turn.question,
      ...(turn.refs.input && { upstreamRef: turn.refs.input }),
    });
    prompt.push({ role: 'assistant', content: turn.answer, upstreamRef: turn.refs.output });
  }
  if (question !== undefined) prompt.push({ role: 'user', content: question });
  return prompt;
}

function sentBody(upstream: FakeChatGPTWeb): Record<string, unknown> {
  return upstream.conversationRequests().at(-1)?.body as Record<string, unknown>;
}

describe('ChatGPTWebChatModel', () => {
  let upstream: FakeChatGPTWeb;
  let model: ChatGPTWebChatModel;
  const makeModel = (settings: Partial<ChatGPTWebSettings> = {}) =>
    new ChatGPTWebChatModel({
      baseUrl: upstream.baseUrl(),
      accessToken: TOKEN,
      modelId: 'text-davinci-002-render-sha',
      timeouts: TIMEOUTS,
      ...settings,
    });

  before(async () => {
    upstream = await FakeChatGPTWeb.start({ expiredTokens: [EXPIRED_TOKEN] });
    model = makeModel();
  });
  beforeEach(() => {
    upstream.intervalMs = 0;
  });
  after(() => upstream.close());

  test("checkCall refuses a reasoning part (another model's answer) before any request", () => {
    const requests = upstream.requests.length;
    assertRefusesReasoningParts(model);
    assert.equal(upstream.requests.length, requests);
  });

  test('a new conversation: the documented request, refs first, deltas from cumulative parts', async () => {
    const parts = await collect(model.doStream([{ role: 'user', content: 'Hello there, backend' }], {}));
    const request = upstream.lastRequest();
    assert.equal(request.path, '/backend-api/conversation');
    assert.equal(request.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(request.headers.accept, 'text/event-stream');
    const body = request.body as Record<string, unknown> & { messages: { id: string }[] };
    const sentId = body.messages[0]?.id ?? '';
    assert.match(sentId, UUID);
    assert.match(String(body.parent_message_id), UUID);
    assert.notEqual(body.parent_message_id, sentId);
    assert.equal('conversation_id' in body, false, 'a new conversation names none');
    assert.deepEqual(body.messages, [
      {
        id: sentId,
        author: { role: 'user' },
        content: { content_type: 'text', parts: ['Hello there, backend'] },
      },
    ]);
    assert.equal(body.action, 'next');
    assert.equal(body.model, 'text-davinci-002-render-sha');
    assert.equal(body.history_and_training_disabled, false);
    assert.equal(typeof body.timezone_offset_min, 'number');

    const [first, ...rest] = parts;
    assert.equal(first?.type, 'upstream-refs', 'the refs come before the first text');
    const refs = first?.type === 'upstream-refs' ? first.refs : undefined;
    const conversation = upstream.conversations.get(refs?.output.conversationId ?? '');
    assert.ok(conversation !== undefined, 'the refs name the upstream conversation');
    assert.deepEqual(refs?.input, { conversationId: conversation.id, messageId: sentId });
    assert.equal(conversation.messages.get(refs?.output.messageId ?? '')?.role, 'assistant');
    const deltas = rest.filter((part) => part.type === 'text-delta');
    assert.ok(deltas.length > 2, 'the answer arrives in several deltas');
    assert.equal(textOf(parts), 'echo: Hello there, backend (turn 1)');
    assert.deepEqual(parts.at(-1), { type: 'finish', finishReason: 'stop' });
    assert.equal(parts.filter((part) => part.type === 'upstream-refs').length, 1);
  });

  test('later turns send only the new message under the anchor, and a branch forks upstream', async () => {
    const turns: { question: string; answer: string; refs: UpstreamTurnRefs }[] = [];
    for (const question of ['one', 'two', 'three']) {
      const result = await model.doGenerate(threaded(turns, question), {});
      assert.ok(result.upstreamRefs !== undefined);
      turns.push({ question, answer: result.text, refs: result.upstreamRefs });
      const body = sentBody(upstream) as { messages: { content: { parts: string[] } }[] } & Record<
        string,
        unknown
      >;
      assert.deepEqual(body.messages[0]?.content.parts, [question], 'only the new message is sent');
      const previous = turns.at(-2)?.refs.output;
      if (previous !== undefined) {
        assert.equal(body.conversation_id, previous.conversationId);
        assert.equal(body.parent_message_id, previous.messageId);
      }
    }
    assert.deepEqual(
      turns.map((turn) => turn.answer),
      ['echo: one (turn 1)', 'echo: two (turn 2)', 'echo: three (turn 3)'],
    );
    const conversationId = turns[0]?.refs.output.conversationId ?? '';
    assert.ok(turns.every((turn) => turn.refs.output.conversationId === conversationId));

    // A new question under the first answer: the upstream branches there.
    const branch = await model.doGenerate(threaded(turns.slice(0, 1), 'two, again'), {});
    assert.equal(branch.text, 'echo: two, again (turn 2)');
    assert.equal(sentBody(upstream).parent_message_id, turns[0]?.refs.output.messageId);
    assert.deepEqual(upstream.pathTexts(conversationId, branch.upstreamRefs?.output.messageId ?? ''), [
      'user: one',
      'assistant: echo: one (turn 1)',
      'user: two, again',
      'assistant: echo: two, again (turn 2)',
    ]);
  });

  test('history the backend has not seen travels as text in the one new message', async () => {
    const first = await model.doGenerate([{ role: 'user', content: 'Hi' }], {});
    assert.ok(first.upstreamRefs !== undefined);
    await model.doGenerate(
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: first.text, upstreamRef: first.upstreamRefs.output },
        { role: 'user', content: 'Part one.' },
        { role: 'user', content: 'Part two.' },
      ],
      {},
    );
    const body = sentBody(upstream) as { messages: { content: { parts: string[] } }[] };
    assert.deepEqual(body.messages[0]?.content.parts, ['Part one.\n\nPart two.']);

    // Written by another model: no anchor, so a new upstream conversation with the history as text.
    const foreign = await model.doGenerate(
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'And now?' },
      ],
      {},
    );
    const sent = sentBody(upstream) as { messages: { content: { parts: string[] } }[] } & Record<
      string,
      unknown
    >;
    assert.equal('conversation_id' in sent, false);
    assert.deepEqual(sent.messages[0]?.content.parts, [
      '[system] Be brief.\n\nUser: Hi\n\nAssistant: Hello!\n\nAnd now?',
    ]);
    assert.match(foreign.text, /\(turn 1\)$/);
  });

  test('a prompt that ends with an upstream answer continues it', async () => {
    const first = await model.doGenerate([{ role: 'user', content: 'Tell a long story' }], {});
    assert.ok(first.upstreamRefs !== undefined);
    const parts = await collect(
      model.doStream(
        threaded([{ question: 'Tell a long story', answer: first.text, refs: first.upstreamRefs }]),
        {},
      ),
    );
    const body = sentBody(upstream);
    assert.equal(body.action, 'continue');
    assert.equal(body.conversation_id, first.upstreamRefs.output.conversationId);
    assert.equal(body.parent_message_id, first.upstreamRefs.output.messageId);
    assert.equal('messages' in body, false);
    assert.equal(textOf(parts), ' (continued, turn 1)', 'only the new text, not the answer again');
    const refs = parts.find((part) => part.type === 'upstream-refs');
    assert.ok(refs?.type === 'upstream-refs');
    assert.equal(refs.refs.input, undefined, 'a continue sends no question');
    assert.notEqual(refs.refs.output.messageId, first.upstreamRefs.output.messageId);
  });

  test('takes both base URL prefixes, with or without the trailing slash', async () => {
    for (const [baseUrl, path] of [
      [upstream.baseUrl('api').replace(/\/$/, ''), '/api/conversation'],
      [`${upstream.baseUrl('backend-api')}/`, '/backend-api/conversation'],
    ] as const) {
      const result = await makeModel({ baseUrl }).doGenerate([{ role: 'user', content: 'prefix?' }], {});
      assert.equal(result.text, 'echo: prefix? (turn 1)');
      assert.equal(upstream.lastRequest().path, path);
    }
    assert.throws(() => makeModel({ baseUrl: 'ftp://example.com/api/' }), TypeError);
  });

  test('the fake refuses overlapping messages on one token, as the backend does', async () => {
    upstream.intervalMs = 10;
    const send = () =>
      fetch(`${upstream.baseUrl()}conversation`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          action: 'next',
          model: 'm',
          parent_message_id: crypto.randomUUID(),
          messages: [
            {
              id: crypto.randomUUID(),
              author: { role: 'user' },
              content: { content_type: 'text', parts: ['x'] },
            },
          ],
        }),
      }).then(async (response) => [response.status, await response.text()] as const);
    const overlapsBefore = upstream.overlaps;
    const statuses = (await Promise.all([send(), send()])).map(([status]) => status).sort();
    assert.deepEqual(statuses, [200, 409]);
    assert.equal(upstream.overlaps, overlapsBefore + 1);
  });

  test('calls on one account wait their turn; the backend never sees two at once', async () => {
    upstream.intervalMs = 10;
    const overlapsBefore = upstream.overlaps;
    const requestsBefore = upstream.conversationRequests().length;
    const first = model.doStream([{ role: 'user', content: 'first' }], {})[Symbol.asyncIterator]();
    await first.next();
    const second = collect(makeModel().doStream([{ role: 'user', content: 'second' }], {}));
    await sleep(60);
    assert.equal(upstream.conversationRequests().length, requestsBefore + 1, 'the second call waits');
    let firstText = '';
    for (let part = await first.next(); part.done !== true; part = await first.next()) {
      if (part.value.type === 'text-delta') firstText += part.value.delta;
    }
    assert.equal(firstText, 'echo: first (turn 1)');
    assert.equal(textOf(await second), 'echo: second (turn 1)');
    const both = await Promise.all([
      model.doGenerate([{ role: 'user', content: 'third' }], {}),
      model.doGenerate([{ role: 'user', content: 'fourth' }], {}),
    ]);
    assert.deepEqual(
      both.map((result) => result.text),
      ['echo: third (turn 1)', 'echo: fourth (turn 1)'],
    );
    assert.equal(upstream.overlaps, overlapsBefore);
    assert.equal(activeAccounts(), 0, 'an idle account keeps no queue');
  });

  test('calls on different accounts run in parallel', async () => {
    upstream.intervalMs = 10;
    const one = model.doStream([{ role: 'user', content: 'account one' }], {})[Symbol.asyncIterator]();
    const two = makeModel({ accessToken: OTHER_TOKEN })
      .doStream([{ role: 'user', content: 'account two' }], {})
      [Symbol.asyncIterator]();
    // Both have started answering before either has finished.
    assert.equal((await one.next()).value?.type, 'upstream-refs');
    assert.equal((await two.next()).value?.type, 'upstream-refs');
    const rest = async (iterator: AsyncIterator<StreamPart>) => {
      const parts: StreamPart[] = [];
      for (let part = await iterator.next(); part.done !== true; part = await iterator.next())
        parts.push(part.value);
      return textOf(parts);
    };
    assert.deepEqual(await Promise.all([rest(one), rest(two)]), [
      'echo: account one (turn 1)',
      'echo: account two (turn 1)',
    ]);
  });

  test('an aborted call that is still waiting leaves the line at once', async () => {
    upstream.intervalMs = 15;
    const requestsBefore = upstream.conversationRequests().length;
    const running = model.doStream([{ role: 'user', content: 'running' }], {})[Symbol.asyncIterator]();
    await running.next();
    const controller = new AbortController();
    const waiting = collect(
      makeModel().doStream([{ role: 'user', content: 'waiting' }], { signal: controller.signal }),
    );
    const behind = makeModel().doGenerate([{ role: 'user', content: 'behind' }], {});
    await sleep(20);
    const abortedAt = performance.now();
    controller.abort();
    await rejectsWith(waiting, (error) => assert.equal(error.kind, 'aborted'));
    assert.ok(performance.now() - abortedAt < 500, 'it does not wait for the running call');
    for (let part = await running.next(); part.done !== true; part = await running.next());
    assert.equal((await behind).text, 'echo: behind (turn 1)');
    const sent = upstream
      .conversationRequests()
      .slice(requestsBefore)
      .map(
        (request) =>
          (request.body as { messages: { content: { parts: string[] } }[] }).messages[0]?.content.parts[0],
      );
    assert.deepEqual(sent, ['running', 'behind'], 'the aborted call never reached the backend');
  });

  test('aborting mid-stream closes the upstream connection at once and frees the account', async () => {
    upstream.script({ kind: 'stream', end: 'hang', afterEvents: 4 });
    const controller = new AbortController();
    const received: StreamPart[] = [];
    let abortedAt = 0;
    await rejectsWith(
      (async () => {
        for await (const part of model.doStream([{ role: 'user', content: 'a long answer please' }], {
          signal: controller.signal,
        })) {
          received.push(part);
          if (part.type === 'text-delta' && abortedAt === 0) {
            abortedAt = performance.now();
            controller.abort();
          }
        }
      })(),
      (error) => assert.equal(error.kind, 'aborted'),
    );
    assert.ok(performance.now() - abortedAt < 1_000);
    assert.ok(textOf(received).startsWith('echo:'));
    const request = upstream.lastRequest();
    await Promise.race([request.settled, sleep(1_000)]);
    assert.equal(request.clientClosedEarly, true, 'the upstream saw the client hang up');
    assert.equal(
      (await model.doGenerate([{ role: 'user', content: 'next' }], {})).text,
      'echo: next (turn 1)',
    );
  });

  test('a reader that stops early closes the connection too', async () => {
    upstream.intervalMs = 10;
    for await (const part of model.doStream([{ role: 'user', content: 'stop me early' }], {})) {
      if (part.type === 'text-delta') break;
    }
    const request = upstream.lastRequest();
    await Promise.race([request.settled, sleep(1_000)]);
    assert.equal(request.clientClosedEarly, true);
    const overlapsBefore = upstream.overlaps;
    assert.equal(
      (await model.doGenerate([{ role: 'user', content: 'after' }], {})).text,
      'echo: after (turn 1)',
    );
    assert.equal(upstream.overlaps, overlapsBefore);
  });

  describe('errors', () => {
    const ask = (chat: ChatGPTWebChatModel = model) =>
      chat.doGenerate([{ role: 'user', content: 'Hello?' }], {});

    test('401 token_expired says the token must be renewed', async () => {
      await rejectsWith(ask(makeModel({ accessToken: EXPIRED_TOKEN })), (error) => {
        assert.equal(error.kind, 'http');
        assert.equal(error.status, 401);
        assert.equal(error.upstreamCode, 'token_expired');
        assert.equal(error.isRetryable, false);
        assert.match(error.message, /access token has expired or is invalid/);
      });
    });

    test('403 with a Cloudflare page says so', async () => {
      upstream.script({
        kind: 'status',
        status: 403,
        body: '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>cf</body></html>',
      });
      await rejectsWith(ask(), (error) => {
        assert.equal(error.status, 403);
        assert.match(error.message, /Cloudflare/);
        assert.doesNotMatch(error.message, /DOCTYPE/);
      });
    });

    test('429 carries retry-after and names the account rate limit', async () => {
      upstream.script({
        kind: 'status',
        status: 429,
        headers: { 'retry-after': '7' },
        body: { detail: 'Too many requests in 1 hour. Try again later.' },
      });
      await rejectsWith(ask(), (error) => {
        assert.equal(error.status, 429);
        assert.equal(error.retryAfterMs, 7_000);
        assert.equal(error.upstreamCode, 'rate_limit_exceeded');
        assert.equal(error.isRetryable, true);
        assert.match(error.message, /rate limit.*Too many requests in 1 hour.*retry in 7 s/);
      });
    });

    test('a conversation gone upstream is a clear 404', async () => {
      const gone = { conversationId: crypto.randomUUID(), messageId: crypto.randomUUID() };
      await rejectsWith(
        model.doGenerate(
          [
            { role: 'user', content: 'old' },
            { role: 'assistant', content: 'old answer', upstreamRef: gone },
            { role: 'user', content: 'new' },
          ],
          {},
        ),
        (error) => {
          assert.equal(error.status, 404);
          assert.equal(error.upstreamCode, 'conversation_not_found');
          assert.match(error.message, /no longer exists upstream/);
        },
      );
    });

    test('409 "only one message at a time" from another client of the account is waited out', async () => {
      upstream.script({
        kind: 'status',
        status: 409,
        headers: { 'retry-after': '0' },
        body: { detail: ONLY_ONE_MESSAGE },
      });
      const before = upstream.conversationRequests().length;
      const answer = await ask();
      assert.match(answer.text, /^echo: /);
      assert.equal(
        upstream.conversationRequests().length - before,
        2,
        'sent again once the account was free',
      );
    });

    test('409 "only one message at a time" that persists is a retryable error', async () => {
      const busy = {
        kind: 'status',
        status: 409,
        headers: { 'retry-after': '0' },
        body: { detail: ONLY_ONE_MESSAGE },
      } as const;
      upstream.script(busy, busy, busy, busy);
      await rejectsWith(ask(), (error) => {
        assert.equal(error.upstreamCode, 'concurrent_request');
        assert.equal(error.isRetryable, true);
        assert.match(error.message, /already answering another message/);
      });
    });

    test('5xx JSON and HTML bodies, with the token redacted from what the upstream said', async () => {
      upstream.script(
        {
          kind: 'status',
          status: 500,
          body: { detail: `Internal error for Bearer ${TOKEN} (token ${TOKEN})` },
        },
        { kind: 'status', status: 502, body: '<html><body>502 Bad Gateway</body></html>' },
      );
      await rejectsWith(ask(), (error) => {
        assert.equal(error.status, 500);
        assert.equal(error.isRetryable, true);
        assert.match(error.message, /failed \(HTTP 500\): Internal error for \[redacted\]/);
      });
      await rejectsWith(ask(), (error) => {
        assert.equal(error.status, 502);
        assert.match(error.message, /HTML error page/);
      });
    });

    test('a 200 that is not an event stream is an invalid response', async () => {
      upstream.script(
        {
          kind: 'raw',
          contentType: 'application/json',
          pieces: [JSON.stringify({ detail: 'invalid_api_key' })],
        },
        { kind: 'raw', contentType: 'text/html', pieces: ['<html>Log in</html>'] },
      );
      await rejectsWith(ask(), (error) => {
        assert.equal(error.kind, 'invalid-response');
        assert.match(error.message, /did not answer with an event stream.*invalid_api_key/);
      });
      await rejectsWith(ask(), (error) => {
        assert.equal(error.kind, 'invalid-response');
        assert.match(error.message, /HTML page/);
      });
    });

    test('a connection reset mid-stream is a network error after the text that arrived', async () => {
      // Paced: a reset in the same tick as the writes would discard them before they are read.
      upstream.intervalMs = 5;
      upstream.script({ kind: 'stream', end: 'reset', afterEvents: 5 });
      const received: StreamPart[] = [];
      await rejectsWith(
        (async () => {
          for await (const part of model.doStream([{ role: 'user', content: 'one two three four five' }], {}))
            received.push(part);
        })(),
        (error) => {
          assert.equal(error.kind, 'network');
          assert.equal(error.isRetryable, true);
        },
      );
      assert.equal(textOf(received), 'echo: one two ');
      assert.equal(
        received[0]?.type,
        'upstream-refs',
        'the refs arrived, so the partial answer can be continued',
      );
    });

    test('a stream that ends without [DONE] is cut off, not a clean end', async () => {
      upstream.script({ kind: 'stream', end: 'cut', afterEvents: 4 });
      await rejectsWith(ask(), (error) => {
        assert.equal(error.kind, 'network');
        assert.match(error.message, /closed the stream before the answer was complete/);
      });
    });

    test('an error event inside the stream fails it with the upstream words', async () => {
      upstream.script({ kind: 'stream', end: 'error', afterEvents: 3, error: 'Something went wrong.' });
      await rejectsWith(ask(), (error) => {
        assert.equal(error.kind, 'http');
        assert.match(error.message, /failed mid-answer: Something went wrong\./);
      });
    });

    test('an unknown path at the base URL says to check it', async () => {
      const wrong = makeModel({ baseUrl: upstream.baseUrl().replace('/backend-api/', '/v1/') });
      await rejectsWith(ask(wrong), (error) => {
        assert.equal(error.status, 404);
        assert.match(error.message, /check the base URL/);
      });
    });

    test('a refused connection is a network error', async () => {
      await rejectsWith(ask(makeModel({ baseUrl: 'http://127.0.0.1:1/backend-api/' })), (error) => {
        assert.equal(error.kind, 'network');
      });
    });
  });

  describe('stream formats', () => {
    const assistant = (id: string, text: string, rest: Record<string, unknown> = {}) => ({
      id,
      author: { role: 'assistant' },
      content: { content_type: 'text', parts: [text] },
      status: 'in_progress',
      end_turn: null,
      recipient: 'all',
      metadata: {},
      ...rest,
    });

    test('skips what is not the answer, and a snapshot shorter than the text already sent', async () => {
      upstream.script({
        kind: 'raw',
        pieces: [
          'event: ping\ndata: 2024-05-01 10:00:00.000000\n\n',
          frame({
            message: { id: 'u1', author: { role: 'user' }, content: { parts: ['q'] } },
            conversation_id: 'c1',
          }),
          frame({ type: 'moderation', moderation_response: { flagged: false, blocked: false } }),
          frame({ message: assistant('a1', 'Let me '), conversation_id: 'c1', error: null }),
          frame({ message: assistant('a1', 'Let me search. '), conversation_id: 'c1', error: null }),
          frame({ message: assistant('a1', 'Let me search.'), conversation_id: 'c1', error: null }),
          frame({ message: assistant('t1', 'search("x")', { recipient: 'browser' }), conversation_id: 'c1' }),
          frame({
            message: { ...assistant('r1', 'result'), author: { role: 'tool' } },
            conversation_id: 'c1',
          }),
          frame({ message: assistant('a2', 'Found'), conversation_id: 'c1' }),
          frame({
            message: assistant('a2', 'Found it.', {
              status: 'finished_successfully',
              end_turn: true,
              metadata: { finish_details: { type: 'max_tokens' } },
            }),
            conversation_id: 'c1',
          }),
          frame({ type: 'title_generation', title: 'x', conversation_id: 'c1' }),
          'data: [DONE]\n\n',
        ],
      });
      const parts = await collect(model.doStream([{ role: 'user', content: 'q' }], {}));
      const sentId = (sentBody(upstream) as { messages: { id: string }[] }).messages[0]?.id ?? '';
      assert.deepEqual(parts, [
        {
          type: 'upstream-refs',
          refs: {
            input: { conversationId: 'c1', messageId: sentId },
            output: { conversationId: 'c1', messageId: 'a1' },
          },
        },
        { type: 'text-delta', delta: 'Let me ' },
        { type: 'text-delta', delta: 'search. ' },
        {
          type: 'upstream-refs',
          refs: {
            input: { conversationId: 'c1', messageId: sentId },
            output: { conversationId: 'c1', messageId: 'a2' },
          },
        },
        { type: 'text-delta', delta: '\n\nFound' },
        { type: 'text-delta', delta: ' it.' },
        { type: 'finish', finishReason: 'length' },
      ]);
    });

    test('a blocked moderation verdict finishes as content-filter', async () => {
      upstream.script({
        kind: 'raw',
        pieces: [
          frame({ type: 'moderation', moderation_response: { flagged: true, blocked: true } }),
          'data: [DONE]\n\n',
        ],
      });
      assert.deepEqual(await ask(), { text: '', finishReason: 'content-filter' });
    });

    test('reads the delta_encoding v1 patches of the newer backend', async () => {
      const delta = (data: unknown) => `event: delta\ndata: ${JSON.stringify(data)}\n\n`;
      upstream.script({
        kind: 'raw',
        pieces: [
          'event: delta_encoding\ndata: "v1"\n\n',
          frame({ type: 'resume_conversation_token', token: 'not-the-access-token' }),
          delta({
            p: '',
            o: 'add',
            v: { message: { id: 'u9', author: { role: 'user' } }, conversation_id: 'c9' },
            c: 0,
          }),
          frame({ type: 'input_message', input_message: { id: 'u9' } }),
          delta({ c: 1, v: { message: assistant('a9', ''), conversation_id: 'c9', error: null } }),
          delta({ p: '/message/content/parts/0', o: 'append', v: 'Hel' }),
          delta({ v: 'lo' }),
          delta({
            p: '',
            o: 'patch',
            v: [
              { p: '/message/content/parts/0', o: 'append', v: ', wörld' },
              { p: '/message/status', o: 'replace', v: 'finished_successfully' },
              { p: '/message/end_turn', o: 'replace', v: true },
              { p: '/message/metadata', o: 'replace', v: { finish_details: { type: 'stop' } } },
            ],
          }),
          frame({ type: 'message_stream_complete', conversation_id: 'c9' }),
          'data: [DONE]\n\n',
        ],
      });
      const parts = await collect(model.doStream([{ role: 'user', content: 'q' }], {}));
      assert.deepEqual(
        parts.filter((part) => part.type !== 'upstream-refs'),
        [
          { type: 'text-delta', delta: 'Hel' },
          { type: 'text-delta', delta: 'lo' },
          { type: 'text-delta', delta: ', wörld' },
          { type: 'finish', finishReason: 'stop' },
        ],
      );
      const refs = parts.find((part) => part.type === 'upstream-refs');
      assert.deepEqual(refs?.type === 'upstream-refs' && refs.refs.output, {
        conversationId: 'c9',
        messageId: 'a9',
      });
    });

    test('a continue that extends the same upstream message yields only the new text', async () => {
      const anchor = { conversationId: 'c5', messageId: 'a5' };
      upstream.script({
        kind: 'raw',
        pieces: [
          frame({ message: assistant('a5', 'Once upon a time'), conversation_id: 'c5' }),
          frame({
            message: assistant('a5', 'Once upon a time, there was', {
              status: 'finished_successfully',
              end_turn: true,
            }),
            conversation_id: 'c5',
          }),
          'data: [DONE]\n\n',
        ],
      });
      const parts = await collect(
        model.doStream(
          [
            { role: 'user', content: 'story' },
            { role: 'assistant', content: 'Once upon a time', upstreamRef: anchor },
          ],
          {},
        ),
      );
      assert.deepEqual(parts, [
        { type: 'upstream-refs', refs: { output: anchor } },
        { type: 'text-delta', delta: ', there was' },
        { type: 'finish', finishReason: 'stop' },
      ]);
    });

    test('[DONE] with no answer at all is an invalid response', async () => {
      upstream.script({ kind: 'raw', pieces: [frame({ type: 'stream_handoff' }), 'data: [DONE]\n\n'] });
      await rejectsWith(ask(), (error) => {
        assert.equal(error.kind, 'invalid-response');
        assert.match(error.message, /websocket/);
      });
    });

    const ask = () => model.doGenerate([{ role: 'user', content: 'q' }], {});
  });

  describe('threads', () => {
    test('rename and remove PATCH the upstream conversation', async () => {
      const result = await model.doGenerate([{ role: 'user', content: 'to rename' }], {});
      const id = result.upstreamRefs?.output.conversationId ?? '';
      await model.threads.rename(id, 'A new title');
      assert.equal(upstream.lastRequest().method, 'PATCH');
      assert.equal(upstream.lastRequest().path, `/backend-api/conversation/${id}`);
      assert.equal(upstream.lastRequest().headers.authorization, `Bearer ${TOKEN}`);
      assert.deepEqual(upstream.lastRequest().body, { title: 'A new title' });
      await model.threads.remove(id);
      assert.deepEqual(upstream.lastRequest().body, { is_visible: false });
      assert.equal(upstream.conversations.get(id)?.title, 'A new title');
      assert.equal(upstream.conversations.get(id)?.visible, false);
    });

    test('a rename of a conversation gone upstream, or with an expired token, is a ProviderError', async () => {
      await rejectsWith(model.threads.rename(crypto.randomUUID(), 'x'), (error) => {
        assert.equal(error.status, 404);
        assert.equal(error.upstreamCode, 'conversation_not_found');
      });
      await rejectsWith(
        makeModel({ accessToken: EXPIRED_TOKEN }).threads.remove(crypto.randomUUID()),
        (error) => {
          assert.equal(error.status, 401);
        },
      );
    });
  });
});
