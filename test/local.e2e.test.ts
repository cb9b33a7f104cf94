/**
 * End to end with the `local` provider: the real app in process, then the real server configured
 * by environment and config file, answering with real llama.cpp inference on the tiny GGUF model
 * (which answers every question with TINY_ANSWER).
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalChatModel } from '../src/providers/local/local-chat-model.ts';
import { disposeLocalEngines } from '../src/providers/local/local-engine.ts';
import type { ModelRegistry } from '../src/providers/registry.ts';
import type { CallOptions, PromptMessage, StreamPart } from '../src/providers/spec.ts';
import { postJson, type ServerProcess, startServer } from './support/server-process.ts';
import { buildTestApp, parseSse } from './support/test-app.ts';
import { TINY_ANSWER, writeTinyGguf } from './support/tiny-gguf.ts';

interface AskData {
  message: string;
  parent_id: string;
  conversation_id: string;
}

interface SeedConversation {
  current_node: string;
  mapping: Record<
    string,
    { parent: string | null; message: { author: { role: string }; content: { parts: string[] } } | null }
  >;
}

/** The real local model, noting each prompt the app sent it. */
class RecordingLocalModel extends LocalChatModel {
  static readonly prompts: (readonly PromptMessage[])[] = [];

  override doStream(prompt: readonly PromptMessage[], options: CallOptions): AsyncGenerator<StreamPart> {
    RecordingLocalModel.prompts.push(prompt);
    return super.doStream(prompt, options);
  }
}

describe('the local provider behind the seed API', () => {
  let directory: string;
  let parley: Awaited<ReturnType<typeof buildTestApp>>;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'parley-local-e2e-'));
    const modelPath = join(directory, 'tiny.gguf');
    await writeTinyGguf(modelPath);
    const models: ModelRegistry = {
      defaultModel: 'tiny',
      setupAdvice: 'set PARLEY_LOCAL_MODEL',
      resolve: (name) =>
        name === 'tiny'
          ? new RecordingLocalModel({ modelPath, contextSize: 512, threads: 1, showDownloadProgress: false })
          : name === 'missing'
            ? new LocalChatModel({ modelPath: join(directory, 'missing.gguf'), showDownloadProgress: false })
            : undefined,
    };
    parley = await buildTestApp({ models });
  });
  after(async () => {
    await parley.app.close();
    await parley.store.close();
    await disposeLocalEngines();
    await rm(directory, { recursive: true, force: true });
  });

  async function ask(body: Record<string, unknown>): Promise<AskData> {
    const response = await parley.app.inject({ method: 'POST', url: '/ask', payload: body });
    assert.equal(response.statusCode, 200, response.body);
    const json = response.json() as { code: number; data: AskData };
    assert.equal(json.code, 0);
    return json.data;
  }

  it('answers /ask with the model', async () => {
    const data = await ask({ msg: 'Who are you?' });
    assert.equal(data.message, TINY_ANSWER);
    assert.match(data.conversation_id, /^[0-9a-f-]{36}$/);
    assert.match(data.parent_id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(RecordingLocalModel.prompts.at(-1)?.at(-1), { role: 'user', content: 'Who are you?' });
  });

  it('answers a model file that is not there with a 503 that says so', async () => {
    const response = await parley.app.inject({
      method: 'POST',
      url: '/ask',
      payload: { msg: 'Anyone?', model: 'missing' },
    });
    assert.equal(response.statusCode, 503, response.body);
    assert.match((response.json() as { msg: string }).msg, /the local model file does not exist/);
  });

  it('continues a conversation from parent_id, sending the model the whole path', async () => {
    const first = await ask({ msg: 'First question' });
    const second = await ask({
      msg: 'Second question',
      parent_id: first.parent_id,
      conversation_id: first.conversation_id,
    });
    assert.equal(second.message, TINY_ANSWER);
    assert.equal(second.conversation_id, first.conversation_id);
    const prompt = RecordingLocalModel.prompts.at(-1) ?? [];
    assert.deepEqual(
      prompt.filter((message) => message.role !== 'system').map((message) => [message.role, message.content]),
      [
        ['user', 'First question'],
        ['assistant', TINY_ANSWER],
        ['user', 'Second question'],
      ],
    );

    const history = await parley.app.inject({ method: 'GET', url: `/conversation/${first.conversation_id}` });
    assert.equal(history.statusCode, 200, history.body);
    const conversation = history.json() as SeedConversation;
    assert.equal(conversation.current_node, second.parent_id);
    const texts: string[] = [];
    for (let id: string | null = second.parent_id; id !== null; ) {
      const node: SeedConversation['mapping'][string] | undefined = conversation.mapping[id];
      assert.ok(node !== undefined, id);
      if (node.message !== null && node.message.author.role !== 'system') {
        texts.unshift(`${node.message.author.role}: ${node.message.content.parts[0]}`);
      }
      id = node.parent;
    }
    assert.deepEqual(texts, [
      'user: First question',
      `assistant: ${TINY_ANSWER}`,
      'user: Second question',
      `assistant: ${TINY_ANSWER}`,
    ]);
  });

  it('streams /ask as the tokens come, ending with [DONE]', async () => {
    const response = await parley.app.inject({
      method: 'POST',
      url: '/ask',
      payload: { msg: 'Stream it', stream: true },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /text\/event-stream/);
    const frames = parseSse(response.body);
    assert.equal(frames.at(-1)?.data, '[DONE]');
    const events = frames.slice(0, -1).map((frame) => JSON.parse(frame.data) as AskData & { delta: string });
    assert.ok(events.length > 1, 'more than one event');
    assert.equal(events.map((event) => event.delta).join(''), TINY_ANSWER);
    assert.equal(events.at(-1)?.message, TINY_ANSWER);
    assert.ok(events.every((event) => TINY_ANSWER.startsWith(event.message)));
  });
});

describe('the server started on a GGUF file alone (PARLEY_LOCAL_MODEL), and a route to it', () => {
  let directory: string;
  let server: ServerProcess;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'parley-local-server-'));
    const modelPath = join(directory, 'tiny.gguf');
    await writeTinyGguf(modelPath);
    const config = join(directory, 'parley.yaml');
    await writeFile(
      config,
      `deployments:\n  tiny-engine: { provider: local, model: "${modelPath}" }\nroutes:\n  offline: { deployments: [tiny-engine] }\n`,
    );
    server = await startServer({
      DATABASE_URL: `sqlite:${join(directory, 'parley.sqlite')}`,
      PARLEY_LOCAL_MODEL: modelPath,
      PARLEY_LOCAL_THREADS: '1',
      PARLEY_CONFIG: config,
    });
  });
  after(async () => {
    await server?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  const post = (path: string, body: Record<string, unknown>, signal?: AbortSignal) =>
    postJson(server, path, body, signal);

  it('answers /ask with the model named after the file, lists it, and serves the route', async () => {
    const response = await post('/ask', { msg: 'Who are you?' });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { data: AskData }).data.message, TINY_ANSWER);
    const models = (await (await fetch(`${server.baseUrl}/v1/models`)).json()) as { data: { id: string }[] };
    // The local model, the config file's route, and its deployment (issue 16: /v1/models lists all three).
    assert.deepEqual(
      models.data.map((model) => model.id),
      ['tiny', 'offline', 'tiny-engine'],
    );
    const routed = await post('/v1/chat/completions', {
      model: 'offline',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    assert.equal(routed.headers.get('x-parley-route'), 'tiny-engine;ok');
    const body = (await routed.json()) as { choices: { message: { content: string } }[] };
    assert.equal(body.choices[0]?.message.content, TINY_ANSWER);
    assert.match(server.output(), /local model loaded/);
  });

  it('stops generating when the client goes away: the engine is free for the next request at once', async () => {
    // An answer that continues the alphabet never ends by itself: only the abort stops it.
    const controller = new AbortController();
    const response = await post(
      '/v1/chat/completions',
      {
        model: 'tiny',
        stream: true,
        messages: [
          { role: 'user', content: 'Recite' },
          { role: 'assistant', content: 'a b c' },
        ],
      },
      controller.signal,
    );
    const reader = response.body?.getReader();
    await reader?.read();
    await reader?.read();
    controller.abort();
    // The engine is free again at once: the next request answers.
    const next = await post('/ask', { msg: 'Still there?' });
    assert.equal(((await next.json()) as { data: AskData }).data.message, TINY_ANSWER);
  });
});
