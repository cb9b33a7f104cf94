/**
 * The `/v1` request rule, in process through the real providers and fake upstreams of each wire
 * format: OpenAI's fields are honoured (passed to an OpenAI-compatible upstream, mapped for the
 * others), their default or empty values always accepted, and what the routed provider cannot
 * honour refused by name with the provider's name. Also: item references, truncation, readable
 * validation messages.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import type { OpenAIErrorBody } from '../src/http/openai/openai-errors.ts';
import type { ResponseObject } from '../src/http/openai/response-object.ts';
import { createModelRegistry } from '../src/providers/registry.ts';
import { FakeChatGPTWeb } from './support/fake-chatgpt-web.ts';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { buildTestApp } from './support/test-app.ts';

type Fields = Record<string, unknown>;
/** Whichever shape came back: an error, a Response object or a chat completion. */
type Body = OpenAIErrorBody & ResponseObject & { choices: { message: { content: string | null } }[] };
/** The text of a Response object's output (what the SDKs call `output_text`). */
const outputText = (body: Body) =>
  body.output
    .flatMap((item): readonly object[] => ('content' in item ? item.content : []))
    .map((content) => ('text' in content && typeof content.text === 'string' ? content.text : ''))
    .join('');
interface UpstreamBody {
  readonly messages: { role: string; content: string }[];
  readonly [field: string]: unknown;
}

const ADMIN_KEY = 'sk-admin-fields-0123456789abcdef';

describe('the /v1 request rule: every field honoured, accepted or refused by name', () => {
  let openai: FakeOpenAIUpstream;
  let anthropic: FakeOpenAIUpstream;
  let chatgpt: FakeChatGPTWeb;
  let parley: Awaited<ReturnType<typeof buildTestApp>>;

  const post = async (url: string, payload: unknown, key = ADMIN_KEY) => {
    const response = await parley.app.inject({
      method: 'POST',
      url,
      payload: payload as Fields,
      headers: { authorization: `Bearer ${key}` },
    });
    return { status: response.statusCode, body: response.json() as Body };
  };
  const upstreamBody = (upstream: FakeOpenAIUpstream) => upstream.lastRequest().body as UpstreamBody;
  const chat = (model: string, extra: Fields = {}) =>
    post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }], ...extra });

  before(async () => {
    openai = await FakeOpenAIUpstream.start();
    anthropic = await FakeOpenAIUpstream.start('anthropic');
    chatgpt = await FakeChatGPTWeb.start();
    const env = {
      DATABASE_URL: 'sqlite::memory:',
      OPENAI_API_KEY: 'sk-upstream',
      OPENAI_BASE_URL: openai.baseUrl,
      ANTHROPIC_API_KEY: 'sk-ant-upstream',
      ANTHROPIC_BASE_URL: anthropic.baseUrl,
      CHATGPT_ACCESS_TOKEN: 'eyJhbGciOi.fields-token.sig',
      CHATGPT_BASE_URL: chatgpt.baseUrl(),
      PARLEY_DEFAULT_MODEL: 'fake-model',
      PARLEY_ADMIN_KEY: ADMIN_KEY,
      PARLEY_MAX_CONTEXT_TOKENS: '6000',
    };
    parley = await buildTestApp({ env, models: createModelRegistry(loadConfig(env)) });
  });
  after(async () => {
    await parley.app.close();
    await Promise.all([openai.close(), anthropic.close(), chatgpt.close()]);
  });

  test('chat completions: OpenAI standard parameters reach an OpenAI-compatible upstream as sent', async () => {
    const fields = {
      seed: 7,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      logit_bias: { '50256': -100 },
      reasoning_effort: 'low',
      verbosity: 'low',
      store: true,
      metadata: { team: 'search' },
      service_tier: 'flex',
      user: 'user-1',
      safety_identifier: 'hash-1',
      prompt_cache_key: 'cache-1',
      prediction: { type: 'content', content: 'echo: hi' },
    };
    const answer = await chat('fake-model', { ...fields, logprobs: false, n: 1, modalities: ['text'] });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.choices[0]?.message.content, 'echo: hi');
    const sent = upstreamBody(openai);
    for (const [field, value] of Object.entries(fields)) assert.deepEqual(sent[field], value, field);
    // Defaults that ask for nothing are not sent; nor is parallel_tool_calls without tools.
    for (const field of ['logprobs', 'n', 'modalities', 'parallel_tool_calls', 'tool_choice', 'tools']) {
      assert.equal(sent[field], undefined, field);
    }
    await chat('fake-model', { parallel_tool_calls: false, tools: [], tool_choice: 'auto' });
    assert.equal(upstreamBody(openai).parallel_tool_calls, undefined);
  });

  test('chat completions: other providers take defaults and hints, and refuse the rest by name', async () => {
    const defaults = {
      seed: null,
      frequency_penalty: 0,
      presence_penalty: 0,
      logit_bias: {},
      logprobs: false,
      top_logprobs: 0,
      n: 1,
      modalities: ['text'],
      parallel_tool_calls: true,
      tools: [],
      verbosity: 'medium',
      store: false,
      metadata: { a: 'b' },
      service_tier: 'auto',
      user: 'u',
      prompt_cache_key: 'k',
      stream_options: null,
    };
    const accepted = await chat('claude-fake', defaults);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    const sent = upstreamBody(anthropic);
    assert.equal(sent.model, 'claude-fake');
    for (const field of Object.keys(defaults)) {
      if (field !== 'metadata') assert.equal(sent[field], undefined, field);
    }

    for (const [field, value] of Object.entries({
      seed: 7,
      frequency_penalty: 1,
      logit_bias: { '1': 2 },
      verbosity: 'high',
    })) {
      const refused = await chat('claude-fake', { [field]: value });
      assert.equal(refused.status, 400, field);
      assert.equal(refused.body.error.param, field);
      assert.equal(refused.body.error.type, 'invalid_request_error');
      assert.match(
        refused.body.error.message,
        new RegExp(`^'${field}' is not supported by the provider 'anthropic'`),
      );
    }
    // Anthropic maps tools and reasoning itself; ChatGPT's web backend takes neither.
    const tools = { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] };
    assert.equal((await chat('claude-fake', { ...tools, reasoning_effort: 'high' })).status, 200);
    assert.deepEqual(upstreamBody(anthropic).thinking, { type: 'enabled', budget_tokens: 16_384 });
    for (const [field, extra] of [
      ['tools', tools],
      ['functions', { functions: [{ name: 'f' }] }],
      ['reasoning_effort', { reasoning_effort: 'low' }],
    ] as const) {
      const refused = await chat('chatgpt-web/auto', extra);
      assert.equal(refused.status, 400, field);
      assert.equal(refused.body.error.param, field);
      assert.match(refused.body.error.message, /'chatgpt-web'/);
    }
    const effort = await chat('claude-fake', { reasoning_effort: 'extreme' });
    assert.equal(effort.status, 400);
    assert.match(effort.body.error.message, /^Invalid value for 'reasoning_effort': expected one of 'none'/);

    const sampling = await chat('chatgpt-web/auto', { temperature: 0.2 });
    assert.equal(sampling.status, 400);
    assert.equal(sampling.body.error.param, 'temperature');
    assert.match(sampling.body.error.message, /provider 'chatgpt-web'.*chooses its own sampling/);
    assert.equal((await chat('chatgpt-web/auto', { temperature: null, user: 'u' })).status, 200);
  });

  test('chat completions: what Parley cannot carry back is refused for every provider', async () => {
    for (const [field, value] of Object.entries({
      modalities: ['text', 'audio'],
      web_search_options: {},
    })) {
      const refused = await chat('fake-model', { [field]: value });
      assert.equal(refused.status, 400, field);
      assert.equal(refused.body.error.param, field);
      assert.match(refused.body.error.message, new RegExp(`^'${field}' is not supported by Parley: `));
    }
    const audio = await post('/v1/chat/completions', {
      model: 'fake-model',
      messages: [
        { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] },
        {
          role: 'assistant',
          content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }],
        },
      ],
    });
    assert.equal(audio.status, 400, 'audio in, on a user message only');
    assert.equal(audio.body.error.param, 'messages[1].content[0]');
    assert.match(audio.body.error.message, /'input_audio' .* in a\w* assistant message/);
  });

  test('chat completions: image and file parts reach providers that take them, and are refused by the others', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUg==';
    const pdf = Buffer.from('%PDF-1.4 fake').toString('base64');
    const messages = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this?' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
          { type: 'file', file: { filename: 'a.pdf', file_data: `data:application/pdf;base64,${pdf}` } },
        ],
      },
    ];
    const answer = await post('/v1/chat/completions', { model: 'fake-model', messages });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(upstreamBody(openai).messages[0], messages[0], 'sent on as OpenAI wrote it');
    assert.equal(answer.body.choices[0]?.message.content, 'echo: what is this?');

    const claude = await post('/v1/chat/completions', { model: 'claude-fake', messages });
    assert.equal(claude.status, 200, JSON.stringify(claude.body));
    const blocks = (upstreamBody(anthropic).messages[0] as unknown as { content: { type: string }[] })
      .content;
    assert.deepEqual(
      blocks.map((block) => block.type),
      ['text', 'image', 'image', 'document'],
    );

    const refused = await post('/v1/chat/completions', { model: 'chatgpt-web/auto', messages });
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /chatgpt-web.*image/);

    for (const [url, message] of [
      ['file:///etc/passwd', /expected an https URL or a data URL/],
      ['data:text/plain;base64,aGk=', /'text\/plain' is not an image type/],
      ['data:image/png,rawbytes', /Invalid data URL/],
    ] as const) {
      const bad = await post('/v1/chat/completions', {
        model: 'fake-model',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }],
      });
      assert.equal(bad.status, 400, url);
      assert.equal(bad.body.error.param, 'messages[0].content[0].image_url.url');
      assert.match(bad.body.error.message, message);
    }
    const hosted = await post('/v1/chat/completions', {
      model: 'fake-model',
      messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }],
    });
    assert.equal(hosted.status, 400);
    assert.equal(hosted.body.error.param, 'messages[0].content[0].file.file_id');
  });

  test('chat completions: participant names and audio are refused by name where the provider cannot take them', async () => {
    const named = [{ role: 'user', content: 'hi', name: 'alice' }];
    for (const model of ['chatgpt-web/auto', 'claude-fake']) {
      const refused = await post('/v1/chat/completions', { model, messages: named });
      assert.equal(refused.status, 400, model);
      assert.equal(refused.body.error.param, 'messages[0].name');
      assert.match(
        refused.body.error.message,
        /^'messages\[0\]\.name' is not supported by the provider '(chatgpt-web|anthropic)'/,
      );
    }
    const audio = [
      { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } }] },
    ];
    for (const [model, provider] of [
      ['chatgpt-web/auto', 'chatgpt-web'],
      ['claude-fake', 'anthropic'],
    ] as const) {
      const refused = await post('/v1/chat/completions', { model, messages: audio });
      assert.equal(refused.status, 400, model);
      assert.match(
        refused.body.error.message,
        new RegExp(`the ${provider} provider does not take audio parts`),
      );
    }
    const passed = await post('/v1/chat/completions', {
      model: 'fake-model',
      messages: [...named, ...audio],
    });
    assert.equal(passed.status, 200, JSON.stringify(passed.body));
  });

  test('models: Anthropic lists its models; an upstream whose list cannot be read leaves the routed models listed', async () => {
    const get = (url: string) =>
      parley.app.inject({ url, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    anthropic.models = ['claude-fake'];
    const list = await get('/v1/models');
    assert.equal(list.statusCode, 200);
    assert.deepEqual(
      (list.json() as { data: { id: string; owned_by: string }[] }).data.map((model) => [
        model.id,
        model.owned_by,
      ]),
      [
        ['fake-model', 'openai-compatible'],
        ['claude-fake', 'anthropic'],
      ],
    );
    assert.equal((await get('/v1/models/claude-fake')).json().owned_by, 'anthropic');
    // A prefixed name, as the openai SDK sends it (the slash encoded), is the model it names.
    const prefixed = await get('/v1/models/anthropic%2Fclaude-fake');
    assert.deepEqual([prefixed.statusCode, prefixed.json().id], [200, 'anthropic/claude-fake']);
    // A name Anthropic would take but does not list is not known to exist: OpenAI's 404. A chat
    // request for it still goes upstream, which is the judge of what it serves.
    const other = await get('/v1/models/claude-other');
    assert.equal(other.statusCode, 404);
    assert.deepEqual(other.json(), {
      error: {
        message: "The model 'claude-other' does not exist",
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    });
    assert.equal((await chat('claude-other')).status, 200);
  });

  test('schema failures read as sentences naming the parameter', async () => {
    const cases: [Fields, string, RegExp][] = [
      [
        { temperature: 5 },
        'temperature',
        /^Invalid value for 'temperature': expected a number <= 2 or null\.$/,
      ],
      [{ temperature: 'hot' }, 'temperature', /expected a number or null/],
      [
        { tool_choice: 'sometimes' },
        'tool_choice',
        /expected one of 'auto', 'none', 'required' or an object/,
      ],
      [{ bogus: 1 }, 'bogus', /^Unknown parameter: 'bogus'\.$/],
    ];
    for (const [extra, param, message] of cases) {
      const answer = await chat('fake-model', extra);
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error.param, param);
      assert.match(answer.body.error.message, message);
    }
    const missing = await post('/v1/chat/completions', { model: 'fake-model' });
    assert.equal(missing.body.error.message, "Missing required parameter: 'messages'.");
    const role = await post('/v1/responses', { input: [{ role: 'robot', content: 'x' }] });
    assert.equal(role.status, 400);
    assert.equal(role.body.error.param, 'input[0].role');
  });

  test('responses: what the Agents SDK and LangChain send by default is accepted and reported', async () => {
    const created = await post('/v1/responses', {
      model: 'fake-model',
      input: [{ role: 'user', content: 'hello' }],
      include: [],
      tools: [],
      text: {},
      reasoning: {},
      store: true,
      parallel_tool_calls: false,
      max_tool_calls: 3,
      truncation: 'auto',
      background: false,
      stream_options: null,
      prompt: null,
      context_management: null,
      top_logprobs: 0,
      image: { context_compression: 'auto' },
      service_tier: 'auto',
      prompt_cache_key: 'pk',
      safety_identifier: 'sid',
      user: 'u-1',
      metadata: { run: '1' },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const response = created.body;
    assert.equal(outputText(response), 'echo: hello');
    assert.deepEqual(response.text, { format: { type: 'text' }, verbosity: 'medium' });
    assert.deepEqual(response.tools, []);
    assert.equal(response.parallel_tool_calls, false);
    assert.equal(response.max_tool_calls, 3);
    assert.equal(response.truncation, 'auto');
    assert.equal(response.background, false);
    assert.equal(response.service_tier, 'auto');
    assert.equal(response.prompt_cache_key, 'pk');
    assert.equal(response.safety_identifier, 'sid');
    assert.deepEqual(response.metadata, { run: '1' });
    const sent = upstreamBody(openai);
    assert.equal(sent.prompt_cache_key, 'pk');
    assert.equal(sent.safety_identifier, 'sid');
    assert.equal(sent.user, 'u-1');
    assert.equal(sent.tools, undefined);
    // A stored response keeps what it reported.
    const retrieved = await parley.app.inject({
      url: `/v1/responses/${response.id}`,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    assert.equal(retrieved.json().max_tool_calls, 3);
    assert.equal(retrieved.json().prompt_cache_key, 'pk');
  });

  test('responses: text.format and reasoning.effort reach the upstream, or are refused by name', async () => {
    const format = {
      type: 'json_schema',
      name: 'city',
      schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      strict: true,
    };
    openai.reply({
      kind: 'json',
      body: {
        choices: [
          { index: 0, message: { role: 'assistant', content: '{"name":"Oslo"}' }, finish_reason: 'stop' },
        ],
      },
    });
    const structured = await post('/v1/responses', {
      input: 'a city',
      text: { format, verbosity: 'low' },
      reasoning: { effort: 'minimal' },
    });
    assert.equal(structured.status, 200, JSON.stringify(structured.body));
    assert.equal(outputText(structured.body), '{"name":"Oslo"}');
    assert.deepEqual(structured.body.text, { format, verbosity: 'low' });
    assert.deepEqual(structured.body.reasoning, { effort: 'minimal', summary: null });
    const sent = upstreamBody(openai);
    assert.deepEqual(sent.response_format, {
      type: 'json_schema',
      json_schema: { name: 'city', schema: format.schema, strict: true },
    });
    assert.equal(sent.reasoning_effort, 'minimal');
    assert.equal(sent.verbosity, 'low');

    const requests = anthropic.requests.length;
    for (const [extra, param, provider] of [
      [{ text: { format } }, 'text.format', 'anthropic'],
      [{ reasoning: { effort: 'high' } }, 'reasoning.effort', 'chatgpt-web'],
      [{ text: { verbosity: 'high' } }, 'text.verbosity', 'anthropic'],
    ] as const) {
      const model = provider === 'anthropic' ? 'claude-fake' : 'chatgpt-web/auto';
      const refused = await post('/v1/responses', { model, input: 'x', ...extra });
      assert.equal(refused.status, 400, param);
      assert.equal(refused.body.error.param, param);
      assert.match(
        refused.body.error.message,
        new RegExp(`^'${param}' is not supported by the provider '${provider}'`),
      );
    }
    assert.equal(anthropic.requests.length, requests, 'nothing refused reaches the upstream');
    const thinking = await post('/v1/responses', {
      model: 'claude-fake',
      input: 'x',
      reasoning: { effort: 'medium' },
    });
    assert.equal(thinking.status, 200, JSON.stringify(thinking.body));
    assert.deepEqual(upstreamBody(anthropic).thinking, { type: 'enabled', budget_tokens: 8_192 });
    const summary = await post('/v1/responses', { input: 'x', reasoning: { summary: 'auto' } });
    assert.equal(summary.status, 200, JSON.stringify(summary.body));
    assert.deepEqual(summary.body.reasoning, { effort: null, summary: 'auto' });
    const badSummary = await post('/v1/responses', { input: 'x', reasoning: { summary: 'verbose' } });
    assert.equal(badSummary.status, 400);
    assert.equal(badSummary.body.error.param, 'reasoning.summary');
    const noReasoning = await post('/v1/responses', {
      model: 'chatgpt-web/auto',
      input: 'x',
      reasoning: { generate_summary: 'concise' },
    });
    assert.equal(noReasoning.status, 400);
    assert.equal(noReasoning.body.error.param, 'reasoning.generate_summary');
    assert.match(noReasoning.body.error.message, /provider 'chatgpt-web'/);
  });

  test('responses: a refused request writes nothing', async () => {
    const before = await parley.app.inject({
      url: '/api/conversations',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    const refused = await post('/v1/responses', {
      model: 'chatgpt-web/auto',
      input: 'x',
      max_output_tokens: 50,
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.param, 'max_output_tokens');
    const afterwards = await parley.app.inject({
      url: '/api/conversations',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    assert.equal(afterwards.body, before.body);
  });

  test('responses: fields Parley does not serve yet are refused by name', async () => {
    const cases: [Fields, string, RegExp][] = [
      [{ background: true, store: false }, 'background', /'background' requires a stored response/],
      [{ tools: [{ type: 'web_search' }] }, 'tools[0]', /'web_search' is a tool OpenAI hosts/],
      [
        { tools: [{ type: 'custom', name: 'f' }] },
        'tools[0]',
        /tools of type 'custom' are not served; send function tools/,
      ],
      [{ tool_choice: 'required' }, 'tool_choice', /'tools' is empty/],
      [
        { include: ['reasoning.encrypted_content', 'message.everything'] },
        'include[1]',
        /^Invalid value for 'include\[1\]': 'message.everything'. Supported values are: 'file_search_call.results'/,
      ],
      [{ prompt: { id: 'pmpt_1' } }, 'prompt', /prompt templates/],
      [
        { image: { context_compression: 'enabled' } },
        'image.context_compression',
        /never compresses them in the context/,
      ],
      [
        { image: { context_compression: 'lossy' } },
        'image.context_compression',
        /^Invalid value for 'image.context_compression': expected one of 'auto', 'enabled', 'disabled'/,
      ],
      [
        { input: [{ type: 'reasoning', id: 'rs_1', summary: 'x' }] },
        'input[0].summary',
        /summary_text parts/,
      ],
      [
        {
          input: [
            {
              role: 'assistant',
              content: [{ type: 'input_audio', input_audio: { data: 'AA', format: 'wav' } }],
            },
          ],
        },
        'input[0].content[0]',
        /'input_audio' .* in a assistant message/,
      ],
    ];
    for (const [extra, param, message] of cases) {
      const refused = await post('/v1/responses', { input: 'x', ...extra });
      assert.equal(refused.status, 400, param);
      assert.equal(refused.body.error.param, param);
      assert.match(refused.body.error.message, message);
    }
    // Parley never compresses images in the context: turning it off asks for what it does.
    const uncompressed = await post('/v1/responses', {
      input: 'x',
      image: { context_compression: 'disabled' },
    });
    assert.equal(uncompressed.status, 200, JSON.stringify(uncompressed.body));
    // An include value OpenAI defines for its hosted tools asks for nothing here: accepted.
    const hosted = await post('/v1/responses', { input: 'x', include: ['file_search_call.results'] });
    assert.equal(hosted.status, 200, JSON.stringify(hosted.body));
  });

  test('responses: input_image and input_file are stored with the question and sent again on later turns', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUg==';
    const pdf = Buffer.from('%PDF-1.4 fake').toString('base64');
    const content = [
      { type: 'input_text', text: 'what is this?' },
      { type: 'input_image', image_url: 'https://example.com/cat.png', detail: 'low' },
      { type: 'input_image', image_url: `data:image/png;base64,${png}` },
      { type: 'input_file', filename: 'a.pdf', file_data: `data:application/pdf;base64,${pdf}` },
    ];
    const expected = [
      { type: 'text', text: 'what is this?' },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
      { type: 'file', file: { filename: 'a.pdf', file_data: `data:application/pdf;base64,${pdf}` } },
    ];
    const first = await post('/v1/responses', { input: [{ role: 'user', content }] });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(outputText(first.body), 'echo: what is this?');
    assert.deepEqual(upstreamBody(openai).messages[0]?.content, expected);

    const second = await post('/v1/responses', { input: 'and now?', previous_response_id: first.body.id });
    assert.equal(second.status, 200);
    assert.deepEqual(upstreamBody(openai).messages[0]?.content, expected, 'read back from the store');

    const items = await parley.app.inject({
      url: `/v1/responses/${first.body.id}/input_items`,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    assert.deepEqual(items.json().data[0].content, [
      { type: 'input_text', text: 'what is this?' },
      { type: 'input_image', detail: 'low', file_id: null, image_url: 'https://example.com/cat.png' },
      { type: 'input_image', detail: 'auto', file_id: null, image_url: `data:image/png;base64,${png}` },
      {
        type: 'input_file',
        file_id: null,
        filename: 'a.pdf',
        file_data: `data:application/pdf;base64,${pdf}`,
      },
    ]);

    const refused = await post('/v1/responses', {
      model: 'chatgpt-web/auto',
      input: [{ role: 'user', content }],
    });
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /chatgpt-web.*image/);
    const hosted = await post('/v1/responses', {
      input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }],
    });
    assert.equal(hosted.status, 400);
    assert.equal(hosted.body.error.param, 'input[0].content[0].file_id');
  });

  test('responses: item references read the caller own stored messages; others are a 404', async () => {
    const first = await post('/v1/responses', { input: 'first question' });
    const answerItem = first.body.output[0]?.id ?? '';
    assert.match(answerItem, /^msg_/);
    const second = await post('/v1/responses', {
      input: [
        { role: 'user', content: 'first question' },
        { type: 'item_reference', id: answerItem },
        { role: 'user', content: 'second question' },
      ],
    });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.deepEqual(
      upstreamBody(openai).messages.map((message) => [message.role, message.content]),
      [
        ['user', 'first question'],
        ['assistant', 'echo: first question'],
        ['user', 'second question'],
      ],
    );

    const missing = await post('/v1/responses', {
      input: [{ type: 'item_reference', id: 'msg_0123456789abcdef0123456789abcdef' }],
    });
    assert.equal(missing.status, 404);
    assert.equal(
      missing.body.error.message,
      "Item with id 'msg_0123456789abcdef0123456789abcdef' not found.",
    );
    assert.equal(missing.body.error.param, 'input[0].id');

    const key = await parley.app.inject({
      method: 'POST',
      url: '/api/keys',
      payload: { name: 'mallory' },
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    assert.equal(key.statusCode, 201);
    const stranger = await post(
      '/v1/responses',
      { input: [{ type: 'item_reference', id: answerItem }] },
      key.json().key,
    );
    assert.equal(stranger.status, 404, 'another owner’s item is not found');
  });

  test("responses: truncation 'disabled' refuses what 'auto' fits by leaving out the oldest messages", async () => {
    const long = 'word '.repeat(2_600);
    const first = await post('/v1/responses', { input: long });
    assert.equal(first.status, 200);
    const disabled = await post('/v1/responses', {
      input: 'and now?',
      previous_response_id: first.body.id,
      truncation: 'disabled',
    });
    assert.equal(disabled.status, 400);
    assert.equal(disabled.body.error.code, 'context_length_exceeded');
    assert.equal(disabled.body.error.param, 'input');
    const auto = await post('/v1/responses', { input: 'and now?', previous_response_id: first.body.id });
    assert.equal(auto.status, 200);
    assert.equal(auto.body.truncation, 'auto');
    const contents = upstreamBody(openai).messages.map((message) => message.content);
    assert.equal(contents.at(-1), 'and now?');
    assert.ok(!contents.includes(long), 'the oldest message was left out');
  });
});
