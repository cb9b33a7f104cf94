/**
 * Audio input (`input_audio` parts: base64 bytes, `wav` or `mp3`) through the `openai` SDK (and
 * the AI SDK's and LangChain's audio parts on chat completions): on
 * /v1/chat/completions and /v1/responses it reaches an OpenAI-compatible upstream as the same
 * base64 and format, is refused by name for a provider that cannot take audio, and, stored with a
 * conversation, lists back through its items and the native API (whose messages take audio parts
 * too) and is sent again on the next turn.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { HumanMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { generateText } from 'ai';
import OpenAI from 'openai';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';

interface UpstreamPart {
  readonly type: string;
  readonly text?: string;
  readonly input_audio?: { readonly data: string; readonly format: string };
}
interface UpstreamBody {
  readonly messages: { role: string; content: string | UpstreamPart[] }[];
}

/** A few bytes that stand for a recording: Parley never decodes audio, it carries it. */
const WAV = Buffer.from('RIFF\u0024\u0000\u0000\u0000WAVEfmt fake recording').toString('base64');
const MP3 = Buffer.from('ID3\u0004\u0000 fake mp3 frames').toString('base64');

/** An input_audio part, which the SDK's Responses types do not list (its chat types do). */
const audioPart = (data: string, format: 'wav' | 'mp3') => ({
  type: 'input_audio' as const,
  input_audio: { data, format },
});

describe('input_audio parts', () => {
  let parley: ParleyWithUpstreams;
  let client: OpenAI;
  const sentParts = () => {
    const content = (parley.openai.lastRequest().body as UpstreamBody).messages.at(-1)?.content;
    return Array.isArray(content) ? content : [];
  };

  before(async () => {
    parley = await startParleyWithUpstreams({ PARLEY_AUTO_TITLES: 'false' });
    client = new OpenAI({ apiKey: 'unused', baseURL: parley.v1, maxRetries: 0 });
  });
  after(() => parley.close());

  test('chat completions: the upstream receives the exact base64 and format', async () => {
    const answer = await client.chat.completions.create({
      model: 'fake-model',
      messages: [
        {
          role: 'user',
          content: [{ type: 'text', text: 'transcribe these' }, audioPart(WAV, 'wav'), audioPart(MP3, 'mp3')],
        },
      ],
    });
    assert.equal(answer.choices[0]?.message.content, 'echo: transcribe these');
    assert.deepEqual(sentParts(), [
      { type: 'text', text: 'transcribe these' },
      { type: 'input_audio', input_audio: { data: WAV, format: 'wav' } },
      { type: 'input_audio', input_audio: { data: MP3, format: 'mp3' } },
    ]);
  });

  test("the AI SDK's and LangChain's audio parts reach the upstream as input_audio", async () => {
    const openai = createOpenAI({ baseURL: parley.v1, apiKey: 'unused' });
    const result = await generateText({
      model: openai.chat('fake-model'),
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is said?' },
            { type: 'file', mediaType: 'audio/wav', data: Buffer.from(WAV, 'base64') },
          ],
        },
      ],
      maxRetries: 0,
    });
    assert.equal(result.text, 'echo: what is said?');
    assert.deepEqual(sentParts()[1], { type: 'input_audio', input_audio: { data: WAV, format: 'wav' } });

    const langchain = new ChatOpenAI({
      model: 'fake-model',
      apiKey: 'unused',
      configuration: { baseURL: parley.v1 },
      maxRetries: 0,
    });
    const answer = await langchain.invoke([
      new HumanMessage({
        content: [
          { type: 'text', text: 'and this?' },
          { type: 'audio', source_type: 'base64', mime_type: 'audio/mp3', data: MP3 },
        ],
      }),
    ]);
    assert.equal(answer.text, 'echo: and this?');
    assert.deepEqual(sentParts()[1], { type: 'input_audio', input_audio: { data: MP3, format: 'mp3' } });
  });

  test('chat completions: a provider without audio refuses it by name; a bad part is a 400 naming its field', async () => {
    const requestsBefore = parley.anthropic.requests.length;
    await assert.rejects(
      client.chat.completions.create({
        model: 'claude-fake',
        messages: [{ role: 'user', content: [audioPart(WAV, 'wav')] }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError, String(error));
        assert.match(error.message, /the anthropic provider does not take audio parts/);
        return true;
      },
    );
    assert.equal(parley.anthropic.requests.length, requestsBefore, 'nothing was sent upstream');

    for (const [inputAudio, param, message] of [
      [{ data: WAV, format: 'flac' }, 'format', /expected 'wav' or 'mp3'/],
      [{ data: '***', format: 'wav' }, 'data', /Invalid base64/],
      [{ format: 'wav' }, 'data', /Missing required parameter/],
    ] as const) {
      await assert.rejects(
        client.chat.completions.create({
          model: 'fake-model',
          messages: [
            // Malformed on purpose: the SDK's types would not let these through.
            { role: 'user', content: [{ type: 'input_audio', input_audio: inputAudio as never }] },
          ],
        }),
        (error: unknown) => {
          assert.ok(error instanceof OpenAI.BadRequestError, String(error));
          assert.equal(error.param, `messages[0].content[0].input_audio.${param}`);
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });

  test('responses: audio reaches the upstream, is stored with the conversation, lists back and is sent again', async () => {
    const conversation = await client.conversations.create({});
    const first = await client.responses.create({
      model: 'fake-model',
      conversation: conversation.id,
      input: [
        {
          role: 'user',
          content: [{ type: 'input_text', text: 'what do you hear?' }, audioPart(MP3, 'mp3') as never],
        },
      ],
    });
    assert.equal(first.output_text, 'echo: what do you hear?');
    assert.deepEqual(sentParts()[1], { type: 'input_audio', input_audio: { data: MP3, format: 'mp3' } });

    const items = await client.conversations.items.list(conversation.id, { order: 'asc' });
    const question = items.data[0];
    assert.ok(question?.type === 'message');
    assert.deepEqual(question.content, [
      { type: 'input_text', text: 'what do you hear?' },
      { type: 'input_audio', input_audio: { data: MP3, format: 'mp3' } },
    ]);

    await client.responses.create({ model: 'fake-model', conversation: conversation.id, input: 'and now?' });
    const history = (parley.openai.lastRequest().body as UpstreamBody).messages;
    const replayed = history.find((message) => Array.isArray(message.content));
    assert.deepEqual(
      Array.isArray(replayed?.content) ? replayed.content[1] : undefined,
      { type: 'input_audio', input_audio: { data: MP3, format: 'mp3' } },
      'the stored bytes are sent again on the next turn',
    );

    const refused = client.responses.create({
      model: 'claude-fake',
      input: [{ role: 'user', content: [audioPart(WAV, 'wav') as never] }],
    });
    await assert.rejects(refused, /the anthropic provider does not take audio parts/);
  });

  test('the native API takes an audio part and lists it back, its bytes readable', async () => {
    const origin = parley.v1.replace(/\/v1$/, '');
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${origin}${path}`, {
        method,
        ...(body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      assert.ok(response.status < 300, `${method} ${path} → ${response.status}`);
      return response;
    };
    const { id } = (await (await call('POST', '/api/conversations', {})).json()) as { id: string };
    await call('POST', `/api/conversations/${id}/messages`, {
      content: [
        { type: 'text', text: 'listen' },
        { type: 'audio', data: WAV, media_type: 'audio/wav' },
      ],
    });
    assert.deepEqual(sentParts()[1], { type: 'input_audio', input_audio: { data: WAV, format: 'wav' } });

    const { messages } = (await (await call('GET', `/api/conversations/${id}`)).json()) as {
      messages: { role: string; parts: { type: string; media_type?: string; url?: string }[] }[];
    };
    const audio = messages.find((message) => message.role === 'user')?.parts[1];
    assert.equal(audio?.type, 'audio');
    assert.equal(audio.media_type, 'audio/wav');
    const bytes = Buffer.from(await (await call('GET', audio.url ?? '')).arrayBuffer());
    assert.equal(bytes.toString('base64'), WAV);
  });
});
