/**
 * `PARLEY_MAX_ATTACHMENT_BYTES` on `/v1`, through the official `openai` SDK: an image or file
 * sent as a data URL, or audio as `input_audio`, over the limit is a 413 in OpenAI's shape naming where it was, on chat
 * completions, Responses input and conversation items alike; one within it is taken even when
 * the body is over `PARLEY_BODY_LIMIT_BYTES`, as on the native API.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';

const LIMIT = 4096;
const dataUrl = (mediaType: string, bytes: number) =>
  `data:${mediaType};base64,${Buffer.alloc(bytes, 7).toString('base64')}`;

describe('the attachment limit on /v1', () => {
  let parley: ParleyWithUpstreams;
  let client: OpenAI;

  before(async () => {
    parley = await startParleyWithUpstreams({
      PARLEY_BODY_LIMIT_BYTES: '1024',
      PARLEY_MAX_ATTACHMENT_BYTES: String(LIMIT),
    });
    client = new OpenAI({ baseURL: parley.v1, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => parley.close());

  const assertTooLarge = (param: string) => (error: unknown) => {
    assert.ok(error instanceof OpenAI.APIError, String(error));
    assert.equal(error.status, 413);
    assert.equal(error.type, 'invalid_request_error');
    assert.equal(error.code, 'payload_too_large');
    assert.equal(error.param, param);
    assert.match(error.message, new RegExp(`${LIMIT + 1} bytes .* over the limit of ${LIMIT}`));
    return true;
  };

  test('chat completions: an image within the limit reaches the upstream; one byte over is a 413', async () => {
    const within = await client.chat.completions.create({
      model: 'fake-model',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: dataUrl('image/png', LIMIT) } },
          ],
        },
      ],
    });
    assert.equal(within.choices[0]?.message.content, 'echo: what is this?');
    const before = parley.openai.requests.length;
    const tooLarge: [OpenAI.Chat.ChatCompletionContentPart, string][] = [
      [
        { type: 'file', file: { filename: 'a.pdf', file_data: dataUrl('application/pdf', LIMIT + 1) } },
        'messages[0].content[0].file.file_data',
      ],
      [
        {
          type: 'input_audio',
          input_audio: { data: Buffer.alloc(LIMIT + 1, 7).toString('base64'), format: 'wav' },
        },
        'messages[0].content[0].input_audio.data',
      ],
    ];
    for (const [part, param] of tooLarge) {
      await assert.rejects(
        client.chat.completions.create({
          model: 'fake-model',
          messages: [{ role: 'user', content: [part] }],
        }),
        assertTooLarge(param),
      );
    }
    assert.equal(parley.openai.requests.length, before, 'nothing was sent upstream');
  });

  test('Responses input and conversation items: over the limit is a 413 too', async () => {
    await assert.rejects(
      client.responses.create({
        model: 'fake-model',
        input: [
          {
            role: 'user',
            content: [{ type: 'input_image', image_url: dataUrl('image/png', LIMIT + 1), detail: 'auto' }],
          },
        ],
      }),
      assertTooLarge('input[0].content[0].image_url'),
    );
    const conversation = await client.conversations.create({});
    await assert.rejects(
      client.conversations.items.create(conversation.id, {
        items: [
          {
            type: 'message',
            role: 'user',
            content: [
              { type: 'input_file', filename: 'a.pdf', file_data: dataUrl('application/pdf', LIMIT + 1) },
            ],
          },
        ],
      }),
      assertTooLarge('items[0].content[0].file_data'),
    );
    // Routes that take no attachments keep the ordinary body limit.
    const metadata = Object.fromEntries(['a', 'b', 'c', 'd'].map((key) => [key, 'x'.repeat(500)]));
    await assert.rejects(client.conversations.update(conversation.id, { metadata }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError);
      assert.equal(error.status, 413);
      return true;
    });
  });
});
