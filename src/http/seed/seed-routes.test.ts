/** The seed's API, exactly: shapes, statuses and streams, driven in process with `inject`. */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { buildTestApp, parseSse } from '../../../test/support/test-app.ts';
import { LOCAL_PRINCIPAL } from '../../access/principal.ts';
import { ProviderError } from '../../providers/spec.ts';

type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

interface AskData {
  message: string;
  parent_id: string;
  conversation_id: string;
}

describe('seed API', () => {
  let parley: TestApp;
  beforeEach(async () => {
    parley = await buildTestApp();
  });
  afterEach(async () => {
    await parley.app.close();
    await parley.store.close();
  });

  const ask = async (payload: Record<string, unknown>) => {
    const response = await parley.app.inject({ method: 'POST', url: '/ask', payload });
    return response;
  };
  const askOk = async (payload: Record<string, unknown>): Promise<AskData> => {
    const response = await ask(payload);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json() as { code: number; data: AskData };
    assert.equal(body.code, 0);
    return body.data;
  };

  it('POST /ask starts a conversation and answers in the seed envelope', async () => {
    parley.scripts.push({ deltas: ['Hello', ' there'] });
    const response = await ask({ msg: 'Hi' });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] ?? '', /application\/json/);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['code', 'data']);
    assert.equal(body.code, 0);
    assert.deepEqual(Object.keys(body.data).sort(), ['conversation_id', 'message', 'parent_id']);
    assert.equal(body.data.message, 'Hello there');
    assert.match(body.data.parent_id, /^[0-9a-f-]{36}$/);
    assert.match(body.data.conversation_id, /^[0-9a-f-]{36}$/);
  });

  it('follows up with parent_id and branches from an older parent, as GET /conversation shows', async () => {
    parley.scripts.push({ deltas: ['A1'] }, { deltas: ['A2'] }, { deltas: ['B2'] });
    const first = await askOk({ msg: 'Q1' });
    const second = await askOk({
      msg: 'Q2',
      parent_id: first.parent_id,
      conversation_id: first.conversation_id,
    });
    assert.equal(second.conversation_id, first.conversation_id);
    assert.deepEqual(
      parley.calls[1]?.prompt.map((message) => message.content),
      ['Q1', 'A1', 'Q2'],
    );
    const branch = await askOk({
      msg: 'Q2b',
      parent_id: first.parent_id,
      conversation_id: first.conversation_id,
    });

    const response = await parley.app.inject({
      method: 'GET',
      url: `/conversation/${first.conversation_id}`,
    });
    assert.equal(response.statusCode, 200);
    const history = response.json();
    assert.deepEqual(Object.keys(history).sort(), [
      'conversation_id',
      'create_time',
      'current_node',
      'default_model_slug',
      'mapping',
      'title',
      'update_time',
    ]);
    assert.equal(history.conversation_id, first.conversation_id);
    assert.equal(history.current_node, branch.parent_id);
    assert.equal(history.title, 'Q1');
    assert.equal(typeof history.create_time, 'number');
    assert.ok(history.create_time > 1_700_000_000 && history.create_time < 10_000_000_000, 'Unix seconds');
    const mapping = history.mapping;
    assert.equal(Object.keys(mapping).length, 6);
    const firstAnswer = mapping[first.parent_id];
    assert.equal(firstAnswer.id, first.parent_id);
    assert.equal(firstAnswer.children.length, 2, 'two questions under the first answer: a branch');
    assert.deepEqual(firstAnswer.message.author, { role: 'assistant' });
    assert.deepEqual(firstAnswer.message.content, { content_type: 'text', parts: ['A1'] });
    assert.equal(firstAnswer.message.status, 'finished_successfully');
    assert.equal(firstAnswer.message.metadata.model_slug, 'scripted-model');
    const root = mapping[firstAnswer.parent];
    assert.equal(root.parent, null);
    assert.deepEqual(root.message.content.parts, ['Q1']);
    assert.deepEqual(root.children, [first.parent_id]);
    const secondQuestion = mapping[mapping[second.parent_id].parent];
    assert.equal(secondQuestion.parent, first.parent_id);
    assert.deepEqual(secondQuestion.message.content.parts, ['Q2']);
  });

  it('action "variant" answers the same question again, as a sibling of the answer', async () => {
    parley.scripts.push({ deltas: ['A1'] }, { deltas: ['A2'] }, { deltas: ['A2 again'] });
    const first = await askOk({ msg: 'Q1' });
    const second = await askOk({
      msg: 'Q2',
      parent_id: first.parent_id,
      conversation_id: first.conversation_id,
    });
    const variant = await askOk({
      action: 'variant',
      parent_id: second.parent_id,
      conversation_id: second.conversation_id,
    });
    assert.equal(variant.message, 'A2 again');
    assert.notEqual(variant.parent_id, second.parent_id);
    // The model saw the path up to the question, not the answer being replaced.
    assert.deepEqual(
      parley.calls[2]?.prompt.map((message) => message.content),
      ['Q1', 'A1', 'Q2'],
    );
    const history = (
      await parley.app.inject({ method: 'GET', url: `/conversation/${first.conversation_id}` })
    ).json();
    const question = history.mapping[second.parent_id].parent;
    assert.deepEqual(history.mapping[question].children, [second.parent_id, variant.parent_id]);
    assert.equal(history.current_node, variant.parent_id);

    const onQuestion = await ask({
      action: 'variant',
      parent_id: question,
      conversation_id: first.conversation_id,
    });
    assert.equal(onQuestion.statusCode, 400);
    const withoutIds = await ask({ action: 'variant' });
    assert.equal(withoutIds.statusCode, 400);
    assert.equal((await ask({})).statusCode, 400, 'msg is required for the default action');
  });

  it('gen_title asks the model for a title; with auto titles, the first answer brings one', async () => {
    parley.scripts.push({ deltas: ['Use a pot.'] }, { deltas: ['"Cooking Rice."'] });
    const first = await askOk({ msg: 'how do I cook rice' });
    const titled = await parley.app.inject({
      method: 'POST',
      url: `/conversation/${first.conversation_id}/gen_title`,
    });
    assert.equal(titled.statusCode, 200);
    assert.deepEqual(titled.json(), { code: 0, data: { title: 'Cooking Rice' } });
    assert.match(
      String(parley.calls.at(-1)?.prompt.at(-1)?.content),
      /User: how do I cook rice\n\nAssistant: Use a pot\./,
    );

    const auto = await buildTestApp({ env: { PARLEY_AUTO_TITLES: 'true' } });
    try {
      auto.scripts.push({ deltas: ['Fine.'] }, { deltas: ['Small talk'] }, { deltas: ['Second answer'] });
      const asked = await auto.app.inject({ method: 'POST', url: '/ask', payload: { msg: 'how are you' } });
      const ids = (asked.json() as { data: AskData }).data;
      let title = '';
      for (let attempt = 0; attempt < 100 && title !== 'Small talk'; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        title = (await auto.app.inject({ method: 'GET', url: `/conversation/${ids.conversation_id}` })).json()
          .title;
      }
      assert.equal(title, 'Small talk');
      // Only the first answer brings a title.
      await auto.app.inject({
        method: 'POST',
        url: '/ask',
        payload: { msg: 'and now?', parent_id: ids.parent_id, conversation_id: ids.conversation_id },
      });
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(auto.calls.length, 3);
    } finally {
      await auto.app.close();
      await auto.store.close();
    }
  });

  it('action "continue" extends an answer cut short, in place', async () => {
    parley.scripts.push({ deltas: ['Once upon'], finishReason: 'length' }, { deltas: [' a time.'] });
    const cut = await askOk({ msg: 'Tell a story' });
    assert.equal(cut.message, 'Once upon');
    const continued = await askOk({
      action: 'continue',
      parent_id: cut.parent_id,
      conversation_id: cut.conversation_id,
    });
    assert.deepEqual(continued, {
      message: 'Once upon a time.',
      parent_id: cut.parent_id,
      conversation_id: cut.conversation_id,
    });
    const history = (
      await parley.app.inject({ method: 'GET', url: `/conversation/${cut.conversation_id}` })
    ).json();
    assert.equal(Object.keys(history.mapping).length, 2, 'no new message: the same answer grew');
    assert.equal(history.mapping[cut.parent_id].message.status, 'finished_successfully');
  });

  it('POST /conversations/clear deletes every conversation of the caller', async () => {
    parley.scripts.push({ deltas: ['a'] }, { deltas: ['b'] });
    await askOk({ msg: 'one' });
    await askOk({ msg: 'two' });
    const cleared = await parley.app.inject({ method: 'POST', url: '/conversations/clear' });
    assert.equal(cleared.statusCode, 200);
    assert.equal(cleared.json().code, 0);
    const list = (await parley.app.inject({ method: 'GET', url: '/conversations' })).json();
    assert.equal(list.total, 0);
  });

  it('streams cumulative text with deltas, ids and [DONE]', async () => {
    parley.scripts.push({ deltas: ['Hel', 'lo', '!'] });
    const response = await ask({ msg: 'Hi', stream: true });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] ?? '', /^text\/event-stream/);
    const frames = parseSse(response.body);
    assert.equal(frames.at(-1)?.data, '[DONE]');
    const events = frames.slice(0, -1).map((frame) => JSON.parse(frame.data));
    assert.deepEqual(
      events.map((event) => [event.message, event.delta]),
      [
        ['Hel', 'Hel'],
        ['Hello', 'lo'],
        ['Hello!', '!'],
      ],
    );
    assert.deepEqual(
      frames.slice(0, -1).map((frame) => frame.id),
      ['1', '2', '3'],
    );
    const { parent_id, conversation_id } = events[0];
    for (const event of events)
      assert.deepEqual([event.parent_id, event.conversation_id], [parent_id, conversation_id]);
    const history = (
      await parley.app.inject({ method: 'GET', url: `/conversation/${conversation_id}` })
    ).json();
    assert.deepEqual(history.mapping[parent_id].message.content.parts, ['Hello!']);
  });

  it('a stream that fails mid-way sends an error event, no [DONE], and stores the answer incomplete', async () => {
    const reset = new ProviderError('upstream closed the stream before it finished', {
      kind: 'network',
      provider: 'x',
    });
    parley.scripts.push({ deltas: ['par', 'tial'], failAfter: { deltas: 2, error: reset } });
    const response = await ask({ msg: 'Hi', stream: true });
    const frames = parseSse(response.body);
    assert.notEqual(frames.at(-1)?.data, '[DONE]');
    const errorFrame = frames.at(-1);
    assert.equal(errorFrame?.event, 'error');
    const error = JSON.parse(errorFrame?.data ?? '{}');
    assert.equal(error.code, 1);
    assert.match(error.msg, /closed the stream/);
    const history = (
      await parley.app.inject({ method: 'GET', url: `/conversation/${error.conversation_id}` })
    ).json();
    const answer = history.mapping[error.parent_id].message;
    assert.deepEqual([answer.content.parts[0], answer.metadata.parley_status], ['partial', 'incomplete']);
    assert.match(answer.metadata.error, /closed the stream/);
  });

  it('a stream that fails before any text answers a real status and JSON', async () => {
    const limited = new ProviderError('upstream returned 429: slow down', {
      kind: 'http',
      provider: 'x',
      status: 429,
      retryAfterMs: 3_000,
    });
    parley.scripts.push({ deltas: [], failAfter: { deltas: 0, error: limited } });
    const response = await ask({ msg: 'Hi', stream: true });
    assert.equal(response.statusCode, 429);
    assert.equal(response.headers['retry-after'], '3');
    assert.deepEqual(response.json(), { code: 1, msg: 'upstream returned 429: slow down' });
  });

  it('maps upstream failures to 502, 503 and 504 in the seed shape', async () => {
    const cases = [
      [new ProviderError('upstream returned 500: boom', { kind: 'http', provider: 'x', status: 500 }), 502],
      [new ProviderError('upstream returned 503: busy', { kind: 'http', provider: 'x', status: 503 }), 503],
      [new ProviderError('no answer', { kind: 'timeout', provider: 'x' }), 504],
      [new ProviderError('refused', { kind: 'network', provider: 'x' }), 502],
    ] as const;
    for (const [error, status] of cases) {
      parley.scripts.push({ deltas: [], failAfter: { deltas: 0, error } });
      const response = await ask({ msg: 'Hi' });
      assert.equal(response.statusCode, status, error.message);
      assert.equal(response.json().code, 1);
      assert.equal(typeof response.json().msg, 'string');
    }
  });

  it('answers bad input with 4xx JSON in the seed shape, never a 500 or HTML', async () => {
    const first = await askOk({ msg: 'Q1' });
    const cases: { payload: string; contentType?: string; status: number; url?: string }[] = [
      { payload: '{"msg": "unterminated', status: 400 },
      { payload: '', status: 400 },
      { payload: '[]', status: 400 },
      { payload: '"just a string"', status: 400 },
      { payload: '{}', status: 400 },
      { payload: '{"msg": ""}', status: 400 },
      { payload: '{"msg": 42}', status: 400 },
      { payload: '{"msg": "hi", "stream": "yes"}', status: 400 },
      { payload: '{"msg": "hi", "parent_id": "not-a-uuid", "conversation_id": "also-not"}', status: 400 },
      { payload: `{"msg": "hi", "parent_id": "${first.parent_id}"}`, status: 400 },
      { payload: `{"msg": "hi", "conversation_id": "${first.conversation_id}"}`, status: 400 },
      {
        payload: `{"msg": "hi", "parent_id": "${randomUUID()}", "conversation_id": "${first.conversation_id}"}`,
        status: 404,
      },
      {
        payload: `{"msg": "hi", "parent_id": "${first.parent_id}", "conversation_id": "${randomUUID()}"}`,
        status: 404,
      },
      { payload: '{"msg": "hi", "model": "unknown-model"}', status: 400 },
      { payload: 'msg=hi', contentType: 'application/x-www-form-urlencoded', status: 415 },
      { payload: `{"msg": "${'x'.repeat(2 * 1024 * 1024)}"}`, status: 413 },
    ];
    for (const testCase of cases) {
      const response = await parley.app.inject({
        method: 'POST',
        url: testCase.url ?? '/ask',
        payload: testCase.payload,
        headers: { 'content-type': testCase.contentType ?? 'application/json' },
      });
      assert.equal(
        response.statusCode,
        testCase.status,
        `${testCase.payload.slice(0, 80)} → ${response.body}`,
      );
      assert.match(response.headers['content-type'] ?? '', /application\/json/);
      const body = response.json();
      assert.equal(body.code, 1);
      assert.equal(typeof body.msg, 'string');
      assert.ok(body.msg.length > 0);
    }
  });

  it('sends a long history piece by piece, the same JSON as a short one would be', async () => {
    // 1,100 messages: two full pieces of NODES_PER_PIECE and a partial one, sent chunked.
    const conversationId = randomUUID();
    const ids = Array.from({ length: 1_100 }, () => randomUUID());
    await parley.store.beginTurn({
      owner: LOCAL_PRINCIPAL.owner,
      conversationId,
      newConversation: { id: conversationId, title: 'long one', model: 'scripted-model' },
      messages: ids.map((id, index) => ({
        id,
        parentId: ids[index - 1] ?? null,
        role: index % 2 === 0 ? ('user' as const) : ('assistant' as const),
        content: `message "${index}" \u00e9\n`,
        status: 'completed' as const,
      })),
      now: 1_000,
    });
    const response = await parley.app.inject({ method: 'GET', url: `/conversation/${conversationId}` });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['transfer-encoding'], 'chunked');
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const history = response.json() as {
      title: string;
      current_node: string;
      mapping: Record<
        string,
        { parent: string | null; children: string[]; message: { content: { parts: string[] } } }
      >;
    };
    assert.equal(history.title, 'long one');
    assert.equal(Object.keys(history.mapping).length, 1_100);
    assert.equal(history.current_node, ids.at(-1));
    const middle = history.mapping[ids[600] ?? ''];
    assert.equal(middle?.parent, ids[599]);
    assert.deepEqual(middle?.children, [ids[601]]);
    assert.deepEqual(middle?.message.content.parts, ['message "600" \u00e9\n']);
  });

  it('answers unknown and malformed ids on the history routes with 404 and 400', async () => {
    for (const [method, url, status] of [
      ['GET', `/conversation/${randomUUID()}`, 404],
      ['GET', '/conversation/not-a-uuid', 400],
      ['POST', `/conversation/${randomUUID()}/delete`, 404],
      ['POST', '/conversation/123/delete', 400],
      ['GET', '/no/such/route', 404],
      ['GET', '/conversations?limit=lots', 400],
    ] as const) {
      const response = await parley.app.inject({ method, url });
      assert.equal(response.statusCode, status, `${method} ${url}: ${response.body}`);
      assert.equal(response.json().code, 1);
    }
    const response = await parley.app.inject({
      method: 'POST',
      url: `/conversation/${randomUUID()}/title`,
      payload: { title: 'x' },
    });
    assert.equal(response.statusCode, 404);
    const missingTitle = await parley.app.inject({
      method: 'POST',
      url: `/conversation/${randomUUID()}/title`,
      payload: { name: 'x' },
    });
    assert.equal(missingTitle.statusCode, 400);
  });

  it('lists newest first with offset and limit, renames and deletes', async () => {
    const ids: string[] = [];
    for (const question of ['one', 'two', 'three'])
      ids.push((await askOk({ msg: question })).conversation_id);
    const page = (await parley.app.inject({ method: 'GET', url: '/conversations?offset=1&limit=1' })).json();
    assert.deepEqual(Object.keys(page).sort(), ['items', 'limit', 'offset', 'total']);
    assert.deepEqual([page.total, page.limit, page.offset], [3, 1, 1]);
    assert.equal(page.items.length, 1);
    assert.deepEqual(Object.keys(page.items[0]).sort(), ['create_time', 'id', 'title', 'update_time']);
    assert.deepEqual([page.items[0].id, page.items[0].title], [ids[1], 'two']);
    const all = (await parley.app.inject({ method: 'GET', url: '/conversations' })).json();
    assert.deepEqual(
      all.items.map((item: { id: string }) => item.id),
      [ids[2], ids[1], ids[0]],
    );

    const renamed = await parley.app.inject({
      method: 'POST',
      url: `/conversation/${ids[0]}/title`,
      payload: { title: 'First of all' },
    });
    assert.equal(renamed.statusCode, 200);
    assert.equal(renamed.json().code, 0);
    assert.equal(typeof renamed.json().msg, 'string');
    const history = (await parley.app.inject({ method: 'GET', url: `/conversation/${ids[0]}` })).json();
    assert.equal(history.title, 'First of all');

    const deleted = await parley.app.inject({ method: 'POST', url: `/conversation/${ids[0]}/delete` });
    assert.deepEqual([deleted.statusCode, deleted.json().code], [200, 0]);
    assert.equal(
      (await parley.app.inject({ method: 'GET', url: `/conversation/${ids[0]}` })).statusCode,
      404,
    );
    const after = (await parley.app.inject({ method: 'GET', url: '/conversations' })).json();
    assert.equal(after.total, 2);
    assert.ok(!after.items.some((item: { id: string }) => item.id === ids[0]));
  });

  it('answers 503 with the setup advice when no provider is configured', async () => {
    await parley.app.close();
    parley = await buildTestApp({
      models: { defaultModel: undefined, setupAdvice: 'set OPENAI_API_KEY', resolve: () => undefined },
    });
    const response = await ask({ msg: 'Hi' });
    assert.equal(response.statusCode, 503);
    assert.deepEqual(response.json(), { code: 1, msg: 'set OPENAI_API_KEY' });
    assert.equal((await parley.app.inject({ method: 'GET', url: '/conversations' })).statusCode, 200);
  });

  it('GET /healthz answers 200', async () => {
    const response = await parley.app.inject({ method: 'GET', url: '/healthz' });
    assert.deepEqual([response.statusCode, response.json()], [200, { status: 'ok' }]);
  });
});
