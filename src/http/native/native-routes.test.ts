/** The native API in process: search (scoped per key), and what later native features add. */

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { buildTestApp, parseSse } from '../../../test/support/test-app.ts';
import type { ChatModel, PromptMessage, Usage } from '../../providers/spec.ts';

const ADMIN = 'sk-admin-native-0123456789abcdef';
type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

describe('native API', () => {
  let parley: TestApp;
  beforeEach(async () => {
    parley = await buildTestApp({ env: { PARLEY_ADMIN_KEY: ADMIN } });
  });
  afterEach(async () => {
    await parley.app.close();
    await parley.store.close();
  });

  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const newKey = async (name: string) => {
    const response = await parley.app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: as(ADMIN),
      payload: { name },
    });
    return (response.json() as { key: string }).key;
  };
  const ask = async (key: string, msg: string) => {
    const response = await parley.app.inject({
      method: 'POST',
      url: '/ask',
      headers: as(key),
      payload: { msg },
    });
    assert.equal(response.statusCode, 200, response.body);
    return (response.json() as { data: { parent_id: string; conversation_id: string } }).data;
  };

  it('searches the caller’s titles and messages with highlighted snippets, nobody else’s', async () => {
    const alice = await newKey('alice');
    const bob = await newKey('bob');
    parley.scripts.push(
      { deltas: ['Octopuses have three hearts.'] },
      { deltas: ['Rice needs water.'] },
      { deltas: ['x'] },
    );
    const octopus = await ask(alice, 'Tell me about the octopus');
    await ask(alice, 'How to cook rice');
    await ask(bob, 'octopus facts please');

    const response = await parley.app.inject({
      method: 'GET',
      url: '/api/search?q=octop',
      headers: as(alice),
    });
    assert.equal(response.statusCode, 200);
    const hits = (
      response.json() as {
        data: { kind: string; conversation_id: string; snippet: string; role: string | null }[];
      }
    ).data;
    assert.ok(hits.length >= 2);
    assert.ok(hits.every((hit) => hit.conversation_id === octopus.conversation_id));
    assert.ok(hits.some((hit) => hit.kind === 'title' && hit.snippet.includes('<mark>octopus</mark>')));
    assert.ok(hits.some((hit) => hit.role === 'assistant' && hit.snippet.includes('<mark>Octopuses</mark>')));

    const none = await parley.app.inject({
      method: 'GET',
      url: '/api/search?q=rice%20octopus',
      headers: as(bob),
    });
    assert.deepEqual((none.json() as { data: unknown[] }).data, []);
    const empty = await parley.app.inject({ method: 'GET', url: '/api/search?q=', headers: as(alice) });
    assert.equal(empty.statusCode, 400);
  });

  it('lists conversations by last activity with order_by=updated, and refuses an unknown order', async () => {
    parley.scripts.push({ deltas: ['one'] }, { deltas: ['two'] }, { deltas: ['three'] });
    const first = await ask(ADMIN, 'first question');
    // Times are in milliseconds: a few apart, so each order is certain.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await ask(ADMIN, 'second question');
    // A later message in the first conversation makes it the most recently active.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await parley.app.inject({
      method: 'POST',
      url: '/ask',
      headers: as(ADMIN),
      payload: { msg: 'and more', conversation_id: first.conversation_id, parent_id: first.parent_id },
    });
    assert.equal(again.statusCode, 200, again.body);
    const list = async (query: string) => {
      const response = await parley.app.inject({
        method: 'GET',
        url: `/api/conversations${query}`,
        headers: as(ADMIN),
      });
      return response;
    };
    const byActivity = (await list('?order_by=updated')).json() as { data: { id: string; title: string }[] };
    assert.equal(byActivity.data[0]?.id, first.conversation_id);
    const byCreation = (await list('')).json() as { data: { id: string }[] };
    assert.notEqual(byCreation.data[0]?.id, first.conversation_id);
    const refused = await list('?order_by=title');
    assert.equal(refused.statusCode, 400);
    assert.equal((refused.json() as { error: { code: string } }).error.code, 'BAD_REQUEST');
  });

  it('exports and imports Parley’s own format exactly, and refuses to import twice', async () => {
    const alice = await newKey('alice');
    parley.scripts.push({ deltas: ['A1'] }, { deltas: ['A2'] }, { deltas: ['B2'] });
    const first = await ask(alice, 'Q1');
    await parley.app.inject({
      method: 'POST',
      url: '/ask',
      headers: as(alice),
      payload: { msg: 'Q2', parent_id: first.parent_id, conversation_id: first.conversation_id },
    });
    await parley.app.inject({
      method: 'POST',
      url: '/ask',
      headers: as(alice),
      payload: { msg: 'Q2b', parent_id: first.parent_id, conversation_id: first.conversation_id },
    });
    const exported = await parley.app.inject({ method: 'GET', url: '/api/export', headers: as(alice) });
    assert.equal(exported.statusCode, 200);
    const data = exported.json() as { format: string; conversations: { id: string; messages: unknown[] }[] };
    assert.equal(data.format, 'parley.export');
    assert.equal(data.conversations[0]?.messages.length, 6);

    const again = await parley.app.inject({
      method: 'POST',
      url: '/api/import',
      headers: as(alice),
      payload: data,
    });
    assert.equal(again.statusCode, 409, 'the same ids exist here already');

    // Into a fresh server, for another owner: the same conversation, field for field.
    const other = await buildTestApp({ env: { PARLEY_ADMIN_KEY: ADMIN } });
    try {
      const imported = await other.app.inject({
        method: 'POST',
        url: '/api/import',
        headers: as(ADMIN),
        payload: data,
      });
      assert.equal(imported.statusCode, 201, imported.body);
      const back = await other.app.inject({ method: 'GET', url: '/api/export', headers: as(ADMIN) });
      const { exported_at: _a, ...left } = back.json() as Record<string, unknown>;
      const { exported_at: _b, ...right } = data as unknown as Record<string, unknown>;
      assert.deepEqual(left, right);
    } finally {
      await other.app.close();
      await other.store.close();
    }

    const markdown = await parley.app.inject({
      method: 'GET',
      url: `/api/conversations/${first.conversation_id}/export?format=markdown`,
      headers: as(alice),
    });
    assert.match(String(markdown.headers['content-type']), /text\/markdown/);
    assert.equal(
      markdown.body,
      [
        '# Q1',
        '',
        markdown.body.split('\n')[2],
        '',
        '**User:**',
        '',
        'Q1',
        '',
        '**Assistant:**',
        '',
        'A1',
        '',
        '**User:**',
        '',
        'Q2b',
        '',
        '**Assistant:**',
        '',
        'B2',
        '',
        '_2 more messages on other branches._',
        '',
      ].join('\n'),
    );
  });

  it('imports a ChatGPT export, keeps its tree and current branch, and continues it with /ask', async () => {
    const alice = await newKey('alice');
    const node = (id: string, parent: string | null, children: string[], message: unknown) => ({
      id,
      parent,
      children,
      message,
    });
    const message = (
      id: string,
      role: string,
      text: string,
      time: number,
      extra: Record<string, unknown> = {},
    ) => ({
      id,
      author: { role, name: null, metadata: {} },
      create_time: time,
      update_time: null,
      content: { content_type: 'text', parts: [text] },
      status: 'finished_successfully',
      end_turn: role === 'assistant' ? true : null,
      weight: 1,
      metadata: extra,
      recipient: 'all',
    });
    const chatgpt = [
      {
        title: 'Trip to Oslo',
        create_time: 1_700_000_000.5,
        update_time: 1_700_000_100.25,
        mapping: {
          'aaa-root': node('aaa-root', null, ['sys'], null),
          sys: node(
            'sys',
            'aaa-root',
            ['u1'],
            message('sys', 'system', '', 1_700_000_000, { is_visually_hidden_from_conversation: true }),
          ),
          u1: node('u1', 'sys', ['a1'], message('u1', 'user', 'Plan a day in Oslo', 1_700_000_001)),
          a1: node(
            'a1',
            'u1',
            ['u2', 'u2b'],
            message('a1', 'assistant', 'Visit the Opera House.', 1_700_000_002, { model_slug: 'gpt-4o' }),
          ),
          u2: node('u2', 'a1', ['a2'], message('u2', 'user', 'And in the evening?', 1_700_000_003)),
          a2: node(
            'a2',
            'u2',
            [],
            message('a2', 'assistant', 'Dinner at Aker Brygge.', 1_700_000_004, { model_slug: 'gpt-4o' }),
          ),
          u2b: node('u2b', 'a1', ['a2b'], message('u2b', 'user', 'Is it expensive?', 1_700_000_005)),
          a2b: node('a2b', 'u2b', [], {
            ...message('a2b', 'assistant', '', 1_700_000_006),
            content: {
              content_type: 'multimodal_text',
              parts: ['Quite, ', { content_type: 'image_asset_pointer' }, 'yes.'],
            },
          }),
        },
        moderation_results: [],
        current_node: 'a2b',
        conversation_id: 'c0ffee00-0000-4000-8000-000000000000',
        id: 'c0ffee00-0000-4000-8000-000000000000',
        default_model_slug: 'gpt-4o',
      },
    ];
    const response = await parley.app.inject({
      method: 'POST',
      url: '/api/import',
      headers: as(alice),
      payload: chatgpt,
    });
    assert.equal(response.statusCode, 201, response.body);
    const summary = (
      response.json() as { conversations: { id: string; messages: number; current_node: string }[] }
    ).conversations[0];
    assert.equal(summary?.messages, 6, 'the empty root and the hidden system message carry nothing');

    const read = await parley.app.inject({
      method: 'GET',
      url: `/api/conversations/${summary?.id}`,
      headers: as(alice),
    });
    const tree = read.json() as {
      title: string;
      created_at: number;
      current_node: string;
      messages: { id: string; parent_id: string | null; role: string; content: string; created_at: number }[];
    };
    assert.equal(tree.title, 'Trip to Oslo');
    assert.equal(tree.created_at, 1_700_000_000);
    const byText = new Map(tree.messages.map((entry) => [entry.content, entry]));
    assert.equal(byText.get('Plan a day in Oslo')?.parent_id, null);
    const a1 = byText.get('Visit the Opera House.');
    assert.equal(a1?.parent_id, byText.get('Plan a day in Oslo')?.id);
    assert.equal(byText.get('And in the evening?')?.parent_id, a1?.id);
    assert.equal(byText.get('Is it expensive?')?.parent_id, a1?.id);
    assert.equal(tree.current_node, byText.get('Quite, \nyes.')?.id);

    parley.scripts.push({ deltas: ['Bring a coat.'] });
    const continued = await parley.app.inject({
      method: 'POST',
      url: '/ask',
      headers: as(alice),
      payload: { msg: 'What should I wear?', parent_id: tree.current_node, conversation_id: summary?.id },
    });
    assert.equal(continued.statusCode, 200, continued.body);
    assert.deepEqual(
      parley.calls.at(-1)?.prompt.map((entry) => entry.content),
      [
        'Plan a day in Oslo',
        'Visit the Opera House.',
        'Is it expensive?',
        'Quite, \nyes.',
        'What should I wear?',
      ],
    );
  });

  it('refuses a malformed import with a 400 that says where, importing nothing', async () => {
    const alice = await newKey('alice');
    const broken = [
      {
        title: 'ok',
        mapping: {
          a: {
            id: 'a',
            parent: null,
            children: [],
            message: { author: { role: 'user' }, content: { parts: ['hi'] } },
          },
        },
      },
      {
        title: 'bad',
        mapping: { b: { id: 'b', parent: null, children: [], message: { author: { role: 'robot' } } } },
      },
    ];
    const response = await parley.app.inject({
      method: 'POST',
      url: '/api/import',
      headers: as(alice),
      payload: broken,
    });
    assert.equal(response.statusCode, 400);
    assert.match(
      (response.json() as { error: { message: string } }).error.message,
      /\[1\]\.mapping\.b\.message\.author\.role/,
    );
    const list = await parley.app.inject({ method: 'GET', url: '/api/conversations', headers: as(alice) });
    assert.deepEqual((list.json() as { data: unknown[] }).data, []);
    const unknown = await parley.app.inject({
      method: 'POST',
      url: '/api/import',
      headers: as(alice),
      payload: { hello: 1 },
    });
    assert.equal(unknown.statusCode, 400);
  });

  it('creates a conversation, posts under any parent, regenerates, edits, switches branch, continues and forks', async () => {
    const alice = await newKey('alice');
    const api = async (method: 'POST' | 'PATCH' | 'GET', url: string, payload?: Record<string, unknown>) => {
      const response = await parley.app.inject({
        method,
        url,
        headers: as(alice),
        ...(payload === undefined ? {} : { payload }),
      });
      assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body}`);
      return response.json() as Record<string, unknown> & {
        message: { id: string; content: string; status: string };
      };
    };
    const created = await api('POST', '/api/conversations', {
      title: 'Native',
      system_prompt: 'Answer in French.',
    });
    const id = String(created.id);
    assert.equal(created.system_prompt, 'Answer in French.');

    parley.scripts.push({ deltas: ['Bonjour'] });
    const first = await api('POST', `/api/conversations/${id}/messages`, { content: 'Hello' });
    assert.equal(first.message.content, 'Bonjour');
    assert.deepEqual(parley.calls.at(-1)?.prompt, [
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'Hello' },
    ]);

    parley.scripts.push({ deltas: ['Salut'] });
    const variant = await api('POST', `/api/conversations/${id}/messages/${first.message.id}/regenerate`, {});
    assert.equal(variant.message.content, 'Salut');

    parley.scripts.push({ deltas: ['Coucou'] });
    const edited = await api('POST', `/api/conversations/${id}/messages/${String(first.question_id)}/edit`, {
      content: 'Hi!',
    });
    assert.equal(edited.message.content, 'Coucou');

    let tree = await api('GET', `/api/conversations/${id}`);
    const messages = tree.messages as unknown as {
      id: string;
      parent_id: string | null;
      content: string;
      children: string[];
    }[];
    const roots = messages.filter((message) => message.parent_id === null);
    assert.deepEqual(
      roots.map((message) => message.content),
      ['Hello', 'Hi!'],
      'an edit is a user sibling',
    );
    const hello = roots[0];
    assert.equal(hello?.children.length, 2, 'a regenerate is an answer sibling');
    assert.equal(tree.current_node, edited.message.id);

    // Back to the first branch, then a message after the current node lands there.
    await api('PATCH', `/api/conversations/${id}`, { current_node: first.message.id });
    parley.scripts.push({ deltas: ['Ça va'] });
    const next = await api('POST', `/api/conversations/${id}/messages`, { content: 'How are you?' });
    assert.deepEqual(
      parley.calls.at(-1)?.prompt.map((message) => message.content),
      ['Answer in French.', 'Hello', 'Bonjour', 'How are you?'],
    );

    // An answer cut by the length limit, then continued: the same message grows.
    parley.scripts.push({ deltas: ['Il était'], finishReason: 'length' }, { deltas: [' une fois.'] });
    const cut = await api('POST', `/api/conversations/${id}/messages`, { content: 'Tell a story' });
    assert.equal(cut.message.status, 'incomplete');
    const continued = await api('POST', `/api/conversations/${id}/messages/${cut.message.id}/continue`, {
      stream: false,
    });
    assert.equal(continued.message.id, cut.message.id);
    assert.equal(continued.message.content, 'Il était une fois.');
    assert.equal(continued.message.status, 'completed');
    assert.deepEqual(parley.calls.at(-1)?.prompt.at(-1), { role: 'assistant', content: 'Il était' });

    // Fork at the second answer: a new conversation with copies of that path only.
    const fork = await api('POST', `/api/conversations/${id}/fork`, { message_id: next.message.id });
    assert.equal(fork.title, 'Native (fork)');
    const forked = await api('GET', `/api/conversations/${String(fork.id)}`);
    const forkedMessages = forked.messages as unknown as { id: string; content: string }[];
    assert.deepEqual(
      forkedMessages.map((message) => message.content),
      ['Hello', 'Bonjour', 'How are you?', 'Ça va'],
    );
    assert.ok(
      forkedMessages.every((message) => message.id !== next.message.id),
      'copies have their own ids',
    );
    assert.equal(forked.system_prompt, 'Answer in French.');
    tree = await api('GET', `/api/conversations/${id}`);
    assert.equal((tree.messages as unknown[]).length, 9, 'the original is untouched');
  });

  it('streams a native answer as start, delta and done events, each delta only the new text', async () => {
    const alice = await newKey('alice');
    const created = await parley.app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: as(alice),
      payload: {},
    });
    parley.scripts.push({ deltas: ['one ', 'two'] });
    const response = await parley.app.inject({
      method: 'POST',
      url: `/api/conversations/${(created.json() as { id: string }).id}/messages`,
      headers: as(alice),
      payload: { content: 'count', stream: true },
    });
    assert.match(String(response.headers['content-type']), /event-stream/);
    const frames = parseSse(response.body);
    assert.deepEqual(
      frames.map((frame) => [frame.id, frame.event]),
      [
        [undefined, 'start'],
        ['1', 'delta'],
        ['2', 'delta'],
        ['3', 'done'],
      ],
    );
    const start = JSON.parse(frames[0]?.data ?? '{}') as Record<string, string>;
    const done = JSON.parse(frames[3]?.data ?? '{}') as {
      message: { id: string; parent_id: string; content: string };
    };
    // The first event names the answer, so a client can cancel or resume it before it ends.
    assert.equal(start.message_id, done.message.id);
    assert.equal(start.parent_id, done.message.parent_id);
    assert.equal(start.conversation_id, (created.json() as { id: string }).id);
    assert.deepEqual(
      frames.slice(1, 3).map((frame) => JSON.parse(frame.data)),
      [{ delta: 'one ' }, { delta: 'two' }],
    );
    assert.equal(done.message.content, 'one two');
  });

  it('refuses an image for a text-only provider and one over the attachment limit, writing nothing', async () => {
    const small = await buildTestApp({
      env: { PARLEY_ADMIN_KEY: ADMIN, PARLEY_MAX_ATTACHMENT_BYTES: '2048' },
    });
    try {
      const created = await small.app.inject({
        method: 'POST',
        url: '/api/conversations',
        headers: as(ADMIN),
        payload: {},
      });
      const id = (created.json() as { id: string }).id;
      const image = (bytes: number) => ({
        content: [
          { type: 'text', text: 'look' },
          { type: 'image', data: Buffer.alloc(bytes, 7).toString('base64'), media_type: 'image/png' },
        ],
      });
      const tooBig = await small.app.inject({
        method: 'POST',
        url: `/api/conversations/${id}/messages`,
        headers: as(ADMIN),
        payload: image(4096),
      });
      assert.equal(tooBig.statusCode, 413);
      assert.match(
        (tooBig.json() as { error: { message: string } }).error.message,
        /PARLEY_MAX_ATTACHMENT_BYTES/,
      );
      // The scripted test model declares no image support: a 400 naming the part and the provider.
      const refused = await small.app.inject({
        method: 'POST',
        url: `/api/conversations/${id}/messages`,
        headers: as(ADMIN),
        payload: image(100),
      });
      assert.equal(refused.statusCode, 400);
      assert.match(
        (refused.json() as { error: { message: string } }).error.message,
        /scripted provider does not take image parts/,
      );
      const notBase64 = await small.app.inject({
        method: 'POST',
        url: `/api/conversations/${id}/messages`,
        headers: as(ADMIN),
        payload: { content: [{ type: 'image', data: '***', media_type: 'image/png' }] },
      });
      assert.equal(notBase64.statusCode, 400);
      // Data URLs are read by the helper /v1 uses too, with its wording.
      const badDataUrl = await small.app.inject({
        method: 'POST',
        url: `/api/conversations/${id}/messages`,
        headers: as(ADMIN),
        payload: { content: [{ type: 'image', url: 'data:image/png,not-base64' }] },
      });
      assert.equal(badDataUrl.statusCode, 400);
      assert.match(
        (badDataUrl.json() as { error: { message: string } }).error.message,
        /^Invalid data URL at 'content\[0\]\.url': expected data:<media type>;base64,<data>\.$/,
      );
      const tree = await small.app.inject({
        method: 'GET',
        url: `/api/conversations/${id}`,
        headers: as(ADMIN),
      });
      assert.deepEqual((tree.json() as { messages: unknown[] }).messages, []);
      assert.equal(small.calls.length, 0);
    } finally {
      await small.app.close();
      await small.store.close();
    }
  });

  it('a title call passes the key’s model allowlist and limits, and its usage is recorded', async () => {
    const created = await parley.app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: as(ADMIN),
      payload: { name: 'limited', models: ['scripted-model'], limits: { requests_per_minute: 3 } },
    });
    const limited = (created.json() as { key: string }).key;
    parley.scripts.push({ deltas: ['Hi'] });
    const asked = await parley.app.inject({
      method: 'POST',
      url: '/ask',
      headers: as(limited),
      payload: { msg: 'hello there' },
    });
    const { conversation_id } = (asked.json() as { data: { conversation_id: string } }).data;
    const genTitle = () =>
      parley.app.inject({
        method: 'POST',
        url: `/conversation/${conversation_id}/gen_title`,
        headers: as(limited),
      });
    parley.scripts.push({ deltas: ['Greetings'] }, { deltas: ['Greetings again'] });
    assert.equal((await genTitle()).statusCode, 200);
    assert.equal((await genTitle()).statusCode, 200);
    // The fourth request of the minute (one ask, two titles before) is refused before any call.
    const calls = parley.calls.length;
    const refused = await genTitle();
    assert.equal(refused.statusCode, 429, refused.body);
    assert.equal(parley.calls.length, calls);
    const usage = await parley.app.inject({ method: 'GET', url: '/api/usage', headers: as(limited) });
    const rows = (usage.json() as { data: { requests: number }[] }).data;
    assert.equal(
      rows.reduce((sum, row) => sum + row.requests, 0),
      3,
      'the answer and both titles are in the usage',
    );

    // A conversation on a model outside the allowlist: its title is refused by name (403).
    const other = await parley.app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: as(ADMIN),
      payload: { name: 'narrow', models: ['scripted-model'] },
    });
    const narrow = (other.json() as { key: string }).key;
    const conversation = await parley.app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: as(narrow),
      payload: { model: 'gpt-secret' },
    });
    const id = (conversation.json() as { id: string }).id;
    await parley.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      headers: as(narrow),
      payload: { content: 'hi', model: 'scripted-model' },
    });
    const secret = await parley.app.inject({
      method: 'POST',
      url: `/conversation/${id}/gen_title`,
      headers: as(narrow),
    });
    assert.equal(secret.statusCode, 403, secret.body);
    assert.match(secret.body, /gpt-secret/);
  });

  it('titles a conversation created empty by its first question', async () => {
    const created = await parley.app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: as(ADMIN),
      payload: {},
    });
    const id = (created.json() as { id: string; title: string | null }).id;
    assert.equal((created.json() as { title: string | null }).title, null);
    parley.scripts.push({ deltas: ['Sure'] });
    await parley.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      headers: as(ADMIN),
      payload: { content: 'Plan a day in Oslo' },
    });
    const read = await parley.app.inject({
      method: 'GET',
      url: `/api/conversations/${id}`,
      headers: as(ADMIN),
    });
    assert.equal((read.json() as { title: string }).title, 'Plan a day in Oslo');
  });

  it('streams a continuation as its own events, after a finish and after a cancel', async () => {
    const alice = await newKey('alice');
    const created = await parley.app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: as(alice),
      payload: {},
    });
    const id = (created.json() as { id: string }).id;
    parley.scripts.push({ deltas: ['Once'], finishReason: 'length' });
    const first = await parley.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      headers: as(alice),
      payload: { content: 'story', stream: true },
    });
    const answerId = (JSON.parse(parseSse(first.body)[0]?.data ?? '{}') as { message_id: string }).message_id;
    const continueStream = async () => {
      const response = await parley.app.inject({
        method: 'POST',
        url: `/api/conversations/${id}/messages/${answerId}/continue`,
        headers: as(alice),
        payload: { stream: true },
      });
      assert.equal(response.statusCode, 200, response.body);
      return parseSse(response.body);
    };
    parley.scripts.push({ deltas: [' upon', ' a time'] });
    const frames = await continueStream();
    assert.deepEqual(
      frames.map((frame) => [frame.event, frame.event === 'delta' ? JSON.parse(frame.data).delta : null]),
      [
        ['start', null],
        ['delta', ' upon'],
        ['delta', ' a time'],
        ['done', null],
      ],
    );
    assert.equal(JSON.parse(frames[3]?.data ?? '{}').message.content, 'Once upon a time');

    // Cancelled mid-way, then continued: the continuation's events, not the cancelled run's error.
    parley.scripts.push({ deltas: [' there'], hang: true });
    const hanging = parley.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages/${answerId}/continue`,
      headers: as(alice),
      payload: { stream: true },
    });
    while (parley.calls.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    const cancel = await parley.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages/${answerId}/cancel`,
      headers: as(alice),
    });
    assert.equal(cancel.statusCode, 200, cancel.body);
    assert.match((await hanging).body, /event: error/);
    parley.scripts.push({ deltas: ['.'] });
    const again = await continueStream();
    assert.deepEqual(
      again.map((frame) => frame.event),
      ['start', 'delta', 'done'],
    );
    assert.equal(JSON.parse(again[2]?.data ?? '{}').message.content, 'Once upon a time there.');
  });

  it('lets one of six concurrent continues of an answer run; the others get a 409 before any upstream call', async () => {
    const alice = await newKey('alice');
    const created = await parley.app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: as(alice),
      payload: {},
    });
    const id = (created.json() as { id: string }).id;
    parley.scripts.push({ deltas: ['cut'], finishReason: 'length' });
    const cut = await parley.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      headers: as(alice),
      payload: { content: 'q' },
    });
    const answerId = (cut.json() as { message: { id: string } }).message.id;
    const callsBefore = parley.calls.length;
    for (let index = 0; index < 6; index++) parley.scripts.push({ deltas: [` more ${index}`], delayMs: 100 });
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        parley.app.inject({
          method: 'POST',
          url: `/api/conversations/${id}/messages/${answerId}/continue`,
          headers: as(alice),
          payload: {},
        }),
      ),
    );
    assert.deepEqual(results.map((response) => response.statusCode).sort(), [200, 409, 409, 409, 409, 409]);
    assert.equal(parley.calls.length - callsBefore, 1, 'one upstream generation');
  });

  it('keeps a long conversation inside the model window, dropping the oldest turns, and records it', async () => {
    const small = await buildTestApp({ env: { PARLEY_ADMIN_KEY: ADMIN, PARLEY_MAX_CONTEXT_TOKENS: '1600' } });
    try {
      const created = await small.app.inject({
        method: 'POST',
        url: '/api/conversations',
        headers: as(ADMIN),
        payload: { system_prompt: 'Be brief.' },
      });
      const id = (created.json() as { id: string }).id;
      const word = 'hello ';
      let last:
        | { message: { context: { dropped_messages: number; window: number; tokens_counted: boolean } } }
        | undefined;
      for (let turn = 0; turn < 8; turn += 1) {
        small.scripts.push({ deltas: [`a${turn} ${word.repeat(100)}`] });
        const response = await small.app.inject({
          method: 'POST',
          url: `/api/conversations/${id}/messages`,
          headers: as(ADMIN),
          payload: { content: `q${turn} ${word.repeat(100)}` },
        });
        assert.equal(response.statusCode, 200, response.body);
        last = response.json() as typeof last;
      }
      const prompt = small.calls.at(-1)?.prompt ?? [];
      assert.equal(prompt[0]?.content, 'Be brief.', 'the system prompt stays');
      assert.equal(prompt.at(-1)?.content.split(' ')[0], 'q7', 'the new question stays');
      assert.ok(prompt.length < 16, `older turns were dropped (${prompt.length} sent)`);
      assert.ok(!prompt.some((entry) => entry.content.startsWith('q0 ')), 'the oldest went first');
      assert.equal(last?.message.context.window, 1600);
      assert.equal(last?.message.context.tokens_counted, true);
      assert.equal(last?.message.context.dropped_messages, 16 - prompt.length);

      const huge = await small.app.inject({
        method: 'POST',
        url: `/api/conversations/${id}/messages`,
        headers: as(ADMIN),
        payload: { content: word.repeat(3_000) },
      });
      assert.equal(huge.statusCode, 400, 'a message larger than the window');
      const tree = await small.app.inject({
        method: 'GET',
        url: `/api/conversations/${id}`,
        headers: as(ADMIN),
      });
      assert.equal(
        (tree.json() as { messages: unknown[] }).messages.length,
        16,
        'nothing was written for it',
      );
    } finally {
      await small.app.close();
      await small.store.close();
    }
  });

  it('describes every route in /openapi.json and serves the reference at /docs, open without a key', async () => {
    const document = await parley.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(document.statusCode, 200);
    const openapi = document.json() as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { tags: string[]; requestBody?: { content: Record<string, { schema: unknown }> } }>
      >;
    };
    assert.equal(openapi.openapi, '3.1.0');
    for (const path of [
      '/ask',
      '/v1/responses',
      '/api/search',
      '/api/conversations/{id}/messages',
      '/api/keys',
    ]) {
      assert.ok(openapi.paths[path] !== undefined, `${path} is described`);
    }
    assert.deepEqual(openapi.paths['/v1/responses']?.post?.tags, ['OpenAI-compatible']);
    const askBody = openapi.paths['/ask']?.post?.requestBody?.content['application/json']?.schema as {
      properties: Record<string, unknown>;
    };
    assert.ok('msg' in askBody.properties && 'parent_id' in askBody.properties);

    const docs = await parley.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(docs.statusCode, 200);
    assert.match(String(docs.headers['content-type']), /text\/html/);
    assert.match(String(docs.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(docs.headers['x-frame-options'], 'DENY');
  });

  /**
   * An app whose model windows hold 6,000 tokens, with summaries on, over a model that answers
   * long (300 words) and counts the summaries it writes. Usage is reported as given.
   */
  async function summarizingApp(usage: { answer?: Usage; summary?: Usage } = {}) {
    const state = { summaries: 0, calls: [] as PromptMessage[][] };
    const model: ChatModel = {
      provider: 'echo',
      modelId: 'echo',
      async doGenerate(prompt) {
        state.calls.push([...prompt]);
        if (prompt.at(-1)?.content.startsWith('Summarize the conversation so far')) {
          state.summaries += 1;
          return {
            text: `SUMMARY ${state.summaries}`,
            finishReason: 'stop',
            ...(usage.summary === undefined ? {} : { usage: usage.summary }),
          };
        }
        return {
          text: `answer ${'word '.repeat(300)}`,
          finishReason: 'stop',
          ...(usage.answer === undefined ? {} : { usage: usage.answer }),
        };
      },
      async *doStream() {
        yield { type: 'finish', finishReason: 'stop' };
      },
    };
    const app = await buildTestApp({
      env: { PARLEY_ADMIN_KEY: ADMIN, PARLEY_MAX_CONTEXT_TOKENS: '6000', PARLEY_CONTEXT_SUMMARIES: 'true' },
      models: { defaultModel: 'echo', setupAdvice: '', resolve: () => model },
    });
    return { app, state };
  }

  it('charges a context summary to the key whose turn needed it: its tokens are in /api/usage', async () => {
    const { app, state } = await summarizingApp({
      answer: { inputTokens: 5, outputTokens: 3 },
      summary: { inputTokens: 900, outputTokens: 40 },
    });
    try {
      const created = await app.app.inject({
        method: 'POST',
        url: '/api/keys',
        headers: as(ADMIN),
        payload: { name: 'writer' },
      });
      const { key, id: keyId } = created.json() as { key: string; id: string };
      const conversation = await app.app.inject({
        method: 'POST',
        url: '/api/conversations',
        headers: as(key),
        payload: {},
      });
      const id = (conversation.json() as { id: string }).id;
      const turns = 8;
      for (let turn = 0; turn < turns; turn += 1) {
        const response = await app.app.inject({
          method: 'POST',
          url: `/api/conversations/${id}/messages`,
          headers: as(key),
          payload: { content: `q${turn} ${'word '.repeat(300)}` },
        });
        assert.equal(response.statusCode, 200, response.body);
      }
      assert.ok(state.summaries >= 1, 'the conversation outgrew the window and was summarized');
      const usage = await app.app.inject({ method: 'GET', url: '/api/usage', headers: as(key) });
      assert.equal(usage.statusCode, 200, usage.body);
      const rows = (
        usage.json() as {
          data: { key_id: string | null; requests: number; input_tokens: number; output_tokens: number }[];
        }
      ).data;
      assert.deepEqual(
        rows.map((row) => [row.key_id, row.requests, row.input_tokens, row.output_tokens]),
        [
          [
            keyId,
            turns + state.summaries,
            turns * 5 + state.summaries * 900,
            turns * 3 + state.summaries * 40,
          ],
        ],
        'every answer and every summary, charged to the key',
      );
    } finally {
      await app.app.close();
      await app.store.close();
    }
  });

  it('replaces dropped turns with a stored summary, reused until more is dropped', async () => {
    const { app, state } = await summarizingApp();
    const { calls } = state;
    try {
      const created = await app.app.inject({
        method: 'POST',
        url: '/api/conversations',
        headers: as(ADMIN),
        payload: {},
      });
      const id = (created.json() as { id: string }).id;
      const contexts: { summarized: boolean; summary_id?: string; dropped_messages: number }[] = [];
      for (let turn = 0; turn < 12; turn += 1) {
        const response = await app.app.inject({
          method: 'POST',
          url: `/api/conversations/${id}/messages`,
          headers: as(ADMIN),
          payload: { content: `q${turn} ${'word '.repeat(300)}` },
        });
        assert.equal(response.statusCode, 200, response.body);
        contexts.push(
          (response.json() as { message: { context: (typeof contexts)[number] } }).message.context,
        );
      }
      const summarized = contexts.filter((context) => context.summarized);
      assert.ok(summarized.length > 0, 'the long conversation was summarized');
      assert.ok(
        state.summaries >= 1 && state.summaries < summarized.length,
        `summaries are reused (${state.summaries} for ${summarized.length} turns)`,
      );
      const answerCall = calls.at(-1) ?? [];
      assert.match(
        answerCall.find((entry) => entry.content.startsWith('Summary of the earlier part'))?.content ?? '',
        /SUMMARY \d/,
      );
      assert.match(answerCall.at(-1)?.content ?? '', /^q11 /);

      // The summary is a message of its own, beside the flow; the branch itself is untouched.
      const tree = await app.app.inject({
        method: 'GET',
        url: `/api/conversations/${id}`,
        headers: as(ADMIN),
      });
      const messages = (tree.json() as { messages: { id: string; role: string; content: string }[] })
        .messages;
      const stored = messages.filter((message) => message.role === 'system');
      assert.equal(stored.length, state.summaries);
      assert.equal(stored.at(-1)?.id, summarized.at(-1)?.summary_id);
      assert.equal(messages.filter((message) => message.role !== 'system').length, 24);
      const branch = await app.app.inject({
        method: 'GET',
        url: `/v1/conversations/conv_${id.replaceAll('-', '')}/items?limit=100`,
        headers: as(ADMIN),
      });
      assert.equal(
        (branch.json() as { data: unknown[] }).data.length,
        24,
        'summaries are not on the current branch',
      );
    } finally {
      await app.app.close();
      await app.store.close();
    }
  });
});
