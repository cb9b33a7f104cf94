/**
 * The conversation features through the real server process and a fake OpenAI upstream:
 * regenerate and edit siblings, branch switching, continue, fork, automatic titles, search,
 * export → import into a second server, and clear.
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

interface Message {
  id: string;
  parent_id: string | null;
  role: string;
  content: string;
  status: string;
  children: string[];
}

describe('conversation features end to end', () => {
  let upstream: FakeOpenAIUpstream;
  let server: ServerProcess;
  let dataDir: string;

  const call = async (method: string, path: string, body?: unknown, target: ServerProcess = server) => {
    const response = await fetch(`${target.baseUrl}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    assert.ok(response.status < 300, `${method} ${path} → ${response.status} ${text}`);
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  };
  const messagesOf = async (id: string) =>
    ((await call('GET', `/api/conversations/${id}`)).messages as Message[]) ?? [];

  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
    dataDir = await mkdtemp(join(tmpdir(), 'parley-native-'));
    server = await startServer({
      DATABASE_URL: `sqlite:${join(dataDir, 'one.sqlite')}`,
      OPENAI_BASE_URL: upstream.baseUrl,
      PARLEY_DEFAULT_MODEL: 'fake-model',
      PARLEY_AUTO_TITLES: 'true',
    });
  });
  after(async () => {
    await server.kill();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('siblings, branches, continue, fork, titles, search, export and import, clear', async () => {
    // The first answer, then the automatic title (a second upstream call).
    upstream.reply(
      {
        kind: 'json',
        body: { choices: [{ message: { content: 'Rinse, then simmer.' }, finish_reason: 'stop' }] },
      },
      {
        kind: 'json',
        body: { choices: [{ message: { content: '"Cooking Rice"' }, finish_reason: 'stop' }] },
      },
    );
    const asked = await call('POST', '/ask', { msg: 'How do I cook rice?' });
    const { conversation_id: id, parent_id: firstAnswer } = asked.data as {
      conversation_id: string;
      parent_id: string;
    };
    let title = '';
    for (const deadline = Date.now() + 10_000; title !== 'Cooking Rice' && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      title = String((await call('GET', `/api/conversations/${id}`)).title);
    }
    assert.equal(title, 'Cooking Rice');

    const regenerated = await call('POST', `/api/conversations/${id}/messages/${firstAnswer}/regenerate`, {});
    const question = (await messagesOf(id)).find((message) => message.role === 'user');
    assert.deepEqual(question?.children, [firstAnswer, (regenerated.message as Message).id]);
    const edited = await call('POST', `/api/conversations/${id}/messages/${question?.id}/edit`, {
      content: 'How do I cook pasta?',
    });
    assert.equal((edited.message as Message).content, 'echo: How do I cook pasta?');
    const roots = (await messagesOf(id)).filter((message) => message.parent_id === null);
    assert.deepEqual(
      roots.map((message) => message.content),
      ['How do I cook rice?', 'How do I cook pasta?'],
    );

    // Back to the first branch; the next message goes there.
    await call('PATCH', `/api/conversations/${id}`, { current_node: firstAnswer });
    const cut = await call('POST', `/api/conversations/${id}/messages`, { content: 'Any tips?' });
    const cutMessage = cut.message as Message;
    assert.equal(cutMessage.content, 'echo: Any tips?');
    assert.deepEqual(
      (upstream.lastRequest().body as { messages: { content: string }[] }).messages.map(
        (message) => message.content,
      ),
      ['How do I cook rice?', 'Rinse, then simmer.', 'Any tips?'],
    );
    upstream.reply({
      kind: 'json',
      body: { choices: [{ message: { content: 'Stop' }, finish_reason: 'length' }] },
    });
    const short = (await call('POST', `/api/conversations/${id}/messages`, { content: 'One word?' }))
      .message as Message;
    assert.equal(short.status, 'incomplete');
    upstream.reply({
      kind: 'json',
      body: { choices: [{ message: { content: ' here.' }, finish_reason: 'stop' }] },
    });
    const continued = (await call('POST', `/api/conversations/${id}/messages/${short.id}/continue`, {}))
      .message as Message;
    assert.deepEqual(
      [continued.id, continued.content, continued.status],
      [short.id, 'Stop here.', 'completed'],
    );

    const fork = await call('POST', `/api/conversations/${id}/fork`, { message_id: cutMessage.id });
    assert.equal((await messagesOf(String(fork.id))).length, 4);

    const hits = (await call('GET', '/api/search?q=simmer')).data as {
      conversation_id: string;
      snippet: string;
    }[];
    assert.ok(hits.some((hit) => hit.conversation_id === id && hit.snippet.includes('<mark>simmer</mark>')));

    // Export everything, import it into a second server: the same conversations, exactly.
    const exported = await call('GET', '/api/export');
    const second = await startServer({ DATABASE_URL: `sqlite:${join(dataDir, 'two.sqlite')}` });
    try {
      const imported = await call('POST', '/api/import', exported, second);
      assert.equal(imported.imported, 2);
      const { exported_at: _a, ...again } = await call('GET', '/api/export', undefined, second);
      const { exported_at: _b, ...original } = exported;
      assert.deepEqual(again, original);
    } finally {
      await second.kill();
    }

    const cleared = await call('POST', '/conversations/clear', {});
    assert.equal(cleared.code, 0);
    assert.deepEqual((await call('GET', '/api/conversations')).data, []);
  });

  test('a message with an image (bytes and URL) reaches the upstream as image parts and reads back as parts', async () => {
    const created = await call('POST', '/api/conversations', {});
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
    const sha256 = createHash('sha256').update(png).digest('hex');
    const sent = await call('POST', `/api/conversations/${created.id}/messages`, {
      content: [
        { type: 'text', text: 'What is in these?' },
        { type: 'image', data: png.toString('base64'), media_type: 'image/png' },
        { type: 'image', url: 'https://example.com/cat.png', detail: 'low' },
      ],
    });
    // The upstream got OpenAI's content array: the bytes as a data URL, the URL as given (never fetched).
    const request = upstream.lastRequest().body as { messages: { role: string; content: unknown }[] };
    assert.deepEqual(request.messages.at(-1), {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in these?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
      ],
    });
    const question = (await messagesOf(String(created.id))).find((message) => message.role === 'user') as
      | (Message & { parts: unknown[] })
      | undefined;
    assert.equal(question?.content, 'What is in these?');
    assert.deepEqual(question?.parts, [
      { type: 'text', text: 'What is in these?' },
      {
        type: 'image',
        media_type: 'image/png',
        sha256,
        url: `/api/attachments/${sha256}?media_type=image%2Fpng`,
      },
      { type: 'image', url: 'https://example.com/cat.png', detail: 'low' },
    ]);
    const bytes = await fetch(`${server.baseUrl}/api/attachments/${sha256}?media_type=image%2Fpng`);
    assert.equal(bytes.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await bytes.arrayBuffer()), png);
    // Anything but a raster image downloads as bytes.
    const svg = await fetch(`${server.baseUrl}/api/attachments/${sha256}?media_type=image%2Fsvg%2Bxml`);
    assert.equal(svg.headers.get('content-type'), 'application/octet-stream');
    // The next turn sends the stored image again, read from the attachments table.
    await call('POST', `/api/conversations/${created.id}/messages`, { content: 'And now?' });
    const next = upstream.lastRequest().body as { messages: { role: string; content: unknown }[] };
    assert.deepEqual(
      next.messages.find((message) => message.role === 'user')?.content,
      request.messages.at(-1)?.content,
    );
    assert.ok((sent.message as Message | undefined)?.id);
  });

  test('a native stream survives a dropped client and resumes from Last-Event-ID', async () => {
    const created = await call('POST', '/api/conversations', {});
    upstream.reply({ kind: 'stream', deltas: ['alpha ', 'beta ', 'gamma'], intervalMs: 40 });
    const controller = new AbortController();
    const response = await fetch(`${server.baseUrl}/api/conversations/${created.id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'three words', stream: true }),
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while (!/^id: /m.test(seen)) {
      const chunk = await reader?.read();
      if (chunk === undefined || chunk.done) break;
      seen += decoder.decode(chunk.value, { stream: true });
    }
    controller.abort();
    const lastId = /^id: (\d+)$/m.exec(seen)?.[1] ?? '';
    assert.equal(lastId, '1');
    const upstreamRequest = upstream.lastRequest();
    await upstreamRequest.settled;
    assert.equal(upstreamRequest.clientClosedEarly, false, 'the generation went on');

    const messages = await messagesOf(String(created.id));
    const answer = messages.find((message) => message.role === 'assistant');
    const resumed = await fetch(
      `${server.baseUrl}/api/conversations/${created.id}/messages/${answer?.id}/events`,
      {
        headers: { 'last-event-id': lastId },
      },
    );
    const frames = (await resumed.text()).split('\n\n').filter((frame) => frame !== '');
    assert.deepEqual(
      frames.map((frame) => /^id: (\d+)$/m.exec(frame)?.[1]),
      [undefined, '2', '3', '4'],
    );
    assert.match(frames[0] ?? '', new RegExp(`event: start\ndata: .*"message_id":"${answer?.id}"`));
    assert.match(frames.at(-1) ?? '', /event: done/);
    assert.match(frames.at(-1) ?? '', /"content":"alpha beta gamma"/);

    // A stream nobody reads any more still stops when asked to.
    upstream.reply({ kind: 'stream', deltas: ['never ', 'ending '], intervalMs: 20, end: 'hang' });
    const hanging = await fetch(`${server.baseUrl}/api/conversations/${created.id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'go on forever', stream: true }),
    });
    const firstFrame = await hanging.body?.getReader().read();
    assert.ok(firstFrame !== undefined && !firstFrame.done);
    const running = (await messagesOf(String(created.id))).findLast(
      (message) => message.role === 'assistant',
    );
    const cancelled = await call(
      'POST',
      `/api/conversations/${created.id}/messages/${running?.id}/cancel`,
      {},
    );
    assert.deepEqual([cancelled.status, cancelled.cancelled], ['incomplete', true]);
    const stopped = upstream.lastRequest();
    await stopped.settled;
    assert.equal(stopped.clientClosedEarly, true, 'cancel closes the upstream connection');
  });

  test("the README's search example finds its conversation: title and message words together", async () => {
    // The README's own steps: a conversation titled "Trip", then "Plan a day in Oslo" in it.
    const trip = await call('POST', '/api/conversations', {
      title: 'Trip',
      system_prompt: 'Be brief.',
      model: 'fake-model',
    });
    await call('POST', `/api/conversations/${trip.id}/messages`, { content: 'Plan a day in Oslo' });
    const other = await call('POST', '/api/conversations', { title: 'Oslo notes', model: 'fake-model' });

    const hits = (await call('GET', '/api/search?q=oslo%20trip')).data as {
      kind: string;
      conversation_id: string;
      snippet: string;
    }[];
    // The title first, then the question and its answer (the upstream echoes it).
    assert.deepEqual(
      hits.map((hit) => [hit.kind, hit.conversation_id]),
      [
        ['title', trip.id],
        ['message', trip.id],
        ['message', trip.id],
      ],
      `only "Trip": "Oslo notes" (${other.id}) has no "trip"`,
    );
    assert.deepEqual(hits.map((hit) => hit.snippet).sort(), [
      '<mark>Trip</mark>',
      'Plan a day in <mark>Oslo</mark>',
      'echo: Plan a day in <mark>Oslo</mark>',
    ]);
  });
});
