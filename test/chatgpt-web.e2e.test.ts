/**
 * The real server on ChatGPT's web backend (a fake that keeps conversations as the backend does),
 * configured the seed's way (`access_token`): upstream ids kept on Parley's rows across three turns
 * and a branch, only the new message sent, titles generated, renamed and deletes reaching the
 * backend, the per-account queue under two concurrent asks, a refused token, abort reaching the
 * upstream, and a stream that dies mid-way kept `incomplete`.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fromPublicId } from '../src/http/openai/openai-ids.ts';
import { FakeChatGPTWeb } from './support/fake-chatgpt-web.ts';
import { postJson, type ServerProcess, startServer } from './support/server-process.ts';

interface AskAnswer {
  code: number;
  data: { message: string; parent_id: string; conversation_id: string };
}
interface NativeMessage {
  id: string;
  role: string;
  content: string;
  status: string;
  upstream: { conversation_id: string; message_id: string } | null;
}
interface UpstreamBody {
  action: string;
  conversation_id?: string;
  parent_message_id: string;
  model: string;
  messages?: { id: string; content: { parts: string[] } }[];
}

describe('the server over ChatGPT’s web backend', () => {
  let backend: FakeChatGPTWeb;
  let server: ServerProcess;
  let dataDir: string;

  const post = (path: string, body: Record<string, unknown>, signal?: AbortSignal) =>
    postJson(server, path, body, signal);
  const ask = async (body: Record<string, unknown>): Promise<AskAnswer> => {
    const response = await post('/ask', body);
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as AskAnswer;
  };
  const messagesOf = async (conversationId: string): Promise<NativeMessage[]> =>
    (
      (await (await fetch(`${server.baseUrl}/api/conversations/${conversationId}`)).json()) as {
        messages: NativeMessage[];
      }
    ).messages;
  const lastBody = () => backend.conversationRequests().at(-1)?.body as UpstreamBody;

  before(async () => {
    backend = await FakeChatGPTWeb.start();
    dataDir = await mkdtemp(join(tmpdir(), 'parley-chatgpt-web-'));
    server = await startServer({
      DATABASE_URL: `sqlite:${join(dataDir, 'parley.sqlite')}`,
      access_token: 'eyJhbGciOi.seed-token.sig',
      // A reverse proxy's `/api/` prefix, as some deployments of the seed used.
      CHATGPT_BASE_URL: backend.baseUrl('api'),
      PARLEY_AUTO_TITLES: 'true',
    });
  });
  after(async () => {
    await server?.kill();
    await backend.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('three turns and a branch: Parley keeps the upstream ids and sends only the new message', async () => {
    const first = (await ask({ msg: 'Hello' })).data;
    assert.equal(first.message, 'echo: Hello (turn 1)');
    const upstreamFirst = lastBody();
    assert.equal(upstreamFirst.action, 'next');
    assert.equal(upstreamFirst.conversation_id, undefined, 'a new conversation upstream');
    assert.equal(upstreamFirst.model, 'auto');
    assert.deepEqual(upstreamFirst.messages?.[0]?.content.parts, ['Hello']);
    assert.equal(
      backend.conversationRequests().at(-1)?.headers.authorization,
      'Bearer eyJhbGciOi.seed-token.sig',
    );

    const second = (await ask({ msg: 'Second', ...ids(first) })).data;
    assert.equal(second.message, 'echo: Second (turn 2)', 'the backend threaded it');
    const messages = await messagesOf(first.conversation_id);
    const firstAnswer = messages.find((message) => message.id === first.parent_id);
    const upstreamId = firstAnswer?.upstream?.conversation_id;
    assert.ok(upstreamId !== undefined);
    assert.equal(lastBody().conversation_id, upstreamId);
    assert.equal(lastBody().parent_message_id, firstAnswer?.upstream?.message_id);
    assert.deepEqual(
      lastBody().messages?.map((message) => message.content.parts),
      [['Second']],
      'only the new message',
    );

    const third = await post('/ask', { msg: 'Third', stream: true, ...ids(second) });
    assert.match(await third.text(), /"message":"echo: Third \(turn 3\)"/);

    // A branch from the first answer: the backend branches too.
    const branch = (await ask({ msg: 'Instead', ...ids(first) })).data;
    assert.equal(branch.message, 'echo: Instead (turn 2)');
    assert.equal(lastBody().parent_message_id, firstAnswer?.upstream?.message_id);
    const after = await messagesOf(first.conversation_id);
    const branchAnswer = after.find((message) => message.id === branch.parent_id);
    assert.deepEqual(backend.pathTexts(upstreamId, branchAnswer?.upstream?.message_id ?? ''), [
      'user: Hello',
      'assistant: echo: Hello (turn 1)',
      'user: Instead',
      'assistant: echo: Instead (turn 2)',
    ]);
    // Every question and answer carries its upstream ids, all in one upstream conversation.
    assert.ok(after.every((message) => message.upstream?.conversation_id === upstreamId));
    assert.equal(new Set(after.map((message) => message.upstream?.message_id)).size, after.length);
  });

  test("a native message after another model's reasoning is refused before the question is stored", async () => {
    // The reasoning of an answer from a model that gives it, as a client kept it.
    const created = await post('/v1/conversations', {
      items: [
        { role: 'user', content: 'Hi' },
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Greet back.' }] },
        { role: 'assistant', content: 'Hello.' },
      ],
    });
    assert.equal(created.status, 200, await created.clone().text());
    const publicId = ((await created.json()) as { id: string }).id;
    const id = fromPublicId('conv_', publicId);
    assert.ok(id !== undefined);
    const before = await messagesOf(id);
    const upstreamCalls = backend.conversationRequests().length;
    const refused = await post(`/api/conversations/${id}/messages`, { content: 'And now?' });
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /chatgpt-web provider does not take reasoning parts/);
    assert.deepEqual(await messagesOf(id), before);
    assert.equal(backend.conversationRequests().length, upstreamCalls);
  });

  test('titles come from the backend; renames and deletes reach it', async () => {
    const { data } = await ask({ msg: 'Plan a trip' });
    const conversationId = data.conversation_id;
    const upstreamId = (await messagesOf(conversationId))[0]?.upstream?.conversation_id ?? '';
    // The automatic title: the backend's gen_title for the first answer.
    const deadline = Date.now() + 5_000;
    let title: string | undefined;
    while (Date.now() < deadline) {
      const history = (await (await fetch(`${server.baseUrl}/conversation/${conversationId}`)).json()) as {
        title?: string;
      };
      title = history.title;
      if (title === 'About Plan a trip') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(title, 'About Plan a trip');
    assert.ok(backend.requests.some((request) => request.path.includes('/conversation/gen_title/')));

    const renamed = await post(`/conversation/${conversationId}/title`, { title: 'Oslo in May' });
    assert.equal(renamed.status, 200);
    assert.equal(backend.conversations.get(upstreamId)?.title, 'Oslo in May');
    assert.deepEqual(backend.lastRequest().body, { title: 'Oslo in May' });

    const deleted = await post(`/conversation/${conversationId}/delete`, {});
    assert.equal(deleted.status, 200);
    assert.equal(backend.conversations.get(upstreamId)?.visible, false);
  });

  test('two asks at once on one account are queued: both answer, the backend never sees them overlap', async () => {
    backend.intervalMs = 20;
    try {
      const [one, two] = await Promise.all([ask({ msg: 'one' }), ask({ msg: 'two' })]);
      assert.equal(one.data.message, 'echo: one (turn 1)');
      assert.equal(two.data.message, 'echo: two (turn 1)');
      assert.equal(backend.overlaps, 0);
    } finally {
      backend.intervalMs = 0;
    }
  });

  test('an expired token is a clear 502 that does not show the token', async () => {
    backend.expiredTokens.add('eyJhbGciOi.seed-token.sig');
    try {
      const response = await post('/ask', { msg: 'still there?' });
      assert.equal(response.status, 502);
      const body = (await response.json()) as { msg: string };
      assert.match(body.msg, /access token .*expired|expired .*access token/i);
      assert.doesNotMatch(JSON.stringify(body), /seed-token/);
    } finally {
      backend.expiredTokens.clear();
    }
  });

  test('a client that leaves closes the upstream; a stream that dies mid-way is kept incomplete', async () => {
    backend.intervalMs = 40;
    try {
      const controller = new AbortController();
      const response = await post('/ask', { msg: 'a long story', stream: true }, controller.signal);
      await response.body?.getReader().read();
      controller.abort();
      const request = backend.conversationRequests().at(-1);
      await request?.settled;
      assert.equal(request?.clientClosedEarly, true);
    } finally {
      backend.intervalMs = 0;
    }

    // Paced, so that the text is read before the reset (a reset drops what is still unread).
    backend.intervalMs = 20;
    backend.script({ kind: 'stream', end: 'reset', afterEvents: 5 });
    const broken = await post('/ask', { msg: 'break off', stream: true });
    const text = await broken.text();
    backend.intervalMs = 0;
    assert.match(text, /event: error/);
    const idsOfAnswer = JSON.parse(/data: (\{.*"parent_id".*\})/.exec(text)?.[1] ?? '{}') as {
      parent_id: string;
      conversation_id: string;
    };
    const answer = (await messagesOf(idsOfAnswer.conversation_id)).find(
      (message) => message.id === idsOfAnswer.parent_id,
    );
    assert.equal(answer?.status, 'incomplete');
    assert.ok((answer?.content.length ?? 0) > 0, 'the text that arrived is kept');
  });
});

const ids = (answer: AskAnswer['data']) => ({
  parent_id: answer.parent_id,
  conversation_id: answer.conversation_id,
});
