/**
 * The API reference of the OpenAI-compatible surface (`/v1`): summaries, what each route does to
 * the conversation tree (a stored response is an answer of it; `previous_response_id` is its
 * parent), answers per status, and the events of the streams (chat completion chunks; typed
 * Responses events, resumable). Errors are OpenAI's `{"error": {"message", "type", "param", "code"}}`.
 */

import { Type } from 'typebox';
import { errorCodes } from '../../errors.ts';
import {
  CursorList,
  type ErrorShape,
  errorResponses,
  GENERATING,
  Nullable,
  type RouteDoc,
  type RouteDocs,
  WITH_BODY,
} from '../route-docs.ts';

export const OpenAIError = Type.Object(
  {
    error: Type.Object({
      message: Type.String(),
      type: Type.String({ description: 'e.g. invalid_request_error, not_found_error, rate_limit_error' }),
      param: Nullable(Type.String({ description: 'The request parameter at fault, e.g. `input[0].role`' })),
      code: Nullable(Type.String({ description: "Parley's error code in lower case, e.g. `not_found`" })),
    }),
  },
  {
    title: 'OpenAIError',
    description: "OpenAI's error shape, with the real HTTP status (the SDKs raise their matching error).",
  },
);
const openaiError: ErrorShape = {
  schema: OpenAIError,
  render: (code, message) => ({
    error: { message, type: errorCodes[code].type, param: null, code: code.toLowerCase() },
  }),
};

const EXAMPLE = {
  response: 'resp_c2a4e6f81b3d4f5a9c7e0d2b4f6a8c91',
  message: 'msg_c2a4e6f81b3d4f5a9c7e0d2b4f6a8c91',
  question: 'msg_5d0c1f8e2b7a4c558d1e6f3a9b2c4e70',
  conversation: 'conv_0b5e6a5c3f0e4a4e9f572f1c2d6c8a11',
} as const;

const Model = Type.Object({
  id: Type.String(),
  object: Type.Literal('model'),
  created: Type.Integer(),
  owned_by: Type.String({ description: 'The provider serving it' }),
});
const modelExample = { id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'openai-compatible' };

const MessageItem = Type.Object({
  type: Type.Literal('message'),
  id: Type.String({ description: '`msg_` and the message id' }),
  status: Type.String({ enum: ['in_progress', 'completed', 'incomplete'] }),
  role: Type.String({ enum: ['system', 'user', 'assistant', 'tool', 'developer'] }),
  content: Type.Array(
    Type.Object({ type: Type.String({ enum: ['input_text', 'output_text'] }), text: Type.String() }),
  ),
});
/** An answer's reasoning: its text as the summary (when asked for), the provider's payload (when included). */
const ReasoningItem = Type.Object({
  type: Type.Literal('reasoning'),
  id: Type.String({ description: '`rs_`, the message id and the reasoning’s index' }),
  summary: Type.Array(Type.Object({ type: Type.Literal('summary_text'), text: Type.String() })),
  encrypted_content: Type.Optional(
    Type.String({ description: 'With `include: ["reasoning.encrypted_content"]`: pass it back as is' }),
  ),
});
/** A function call the model made. */
const FunctionCallItem = Type.Object({
  type: Type.Literal('function_call'),
  id: Type.String({ description: '`fc_`, the message id and the call’s index' }),
  call_id: Type.String(),
  name: Type.String(),
  arguments: Type.String(),
  status: Type.Literal('completed'),
});
/** A conversation's item: a message (its content parts as sent), reasoning, a function call or its output. */
const ConversationItem = Type.Union([
  Type.Object({
    type: Type.Literal('message'),
    id: Type.String({ description: '`msg_` and the message id' }),
    status: Type.String({ enum: ['in_progress', 'completed', 'incomplete'] }),
    role: Type.String({ enum: ['system', 'user', 'assistant', 'tool', 'developer'] }),
    content: Type.Array(
      Type.Object(
        {
          type: Type.String({
            enum: ['input_text', 'output_text', 'input_image', 'input_file', 'input_audio'],
          }),
        },
        {
          description:
            'Text parts; images, files and audio as sent (`image_url` and `file_data` hold the data URL of bytes sent inline, `input_audio.data` their base64).',
        },
      ),
    ),
  }),
  ReasoningItem,
  FunctionCallItem,
  Type.Object({
    type: Type.Literal('function_call_output'),
    id: Type.String({ description: '`msg_` and the tool message’s id' }),
    call_id: Type.String(),
    output: Type.String(),
    status: Type.Literal('completed'),
  }),
]);
const questionItem = {
  type: 'message',
  id: EXAMPLE.question,
  status: 'completed',
  role: 'user',
  content: [{ type: 'input_text', text: 'Plan a day in Oslo' }],
};
const answerItem = {
  type: 'message',
  id: EXAMPLE.message,
  status: 'completed',
  role: 'assistant',
  content: [{ type: 'output_text', text: 'Start at the harbour.', annotations: [], logprobs: [] }],
};

const Response = Type.Object({
  id: Type.String({ description: '`resp_` and the answer’s message id' }),
  object: Type.Literal('response'),
  created_at: Type.Integer(),
  status: Type.String({
    enum: ['queued', 'in_progress', 'completed', 'incomplete', 'failed', 'cancelled'],
  }),
  completed_at: Nullable(Type.Integer()),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  incomplete_details: Nullable(Type.Object({ reason: Type.String() })),
  instructions: Nullable(Type.String()),
  max_output_tokens: Nullable(Type.Integer()),
  model: Type.String(),
  output: Type.Array(Type.Union([ReasoningItem, MessageItem, FunctionCallItem]), {
    description: 'The reasoning the provider gave (if any), the message, then the function calls',
  }),
  previous_response_id: Nullable(Type.String()),
  conversation: Nullable(Type.Object({ id: Type.String() })),
  background: Type.Boolean({ description: 'true when created with `background: true`' }),
  store: Type.Boolean(),
  temperature: Nullable(Type.Number()),
  top_p: Nullable(Type.Number()),
  usage: Nullable(
    Type.Object({
      input_tokens: Type.Integer(),
      output_tokens: Type.Integer(),
      total_tokens: Type.Integer(),
    }),
  ),
  metadata: Type.Record(Type.String(), Type.String()),
});
const responseExample = {
  id: EXAMPLE.response,
  object: 'response',
  created_at: 1764700001,
  status: 'completed',
  completed_at: 1764700004,
  error: null,
  incomplete_details: null,
  instructions: null,
  max_output_tokens: null,
  model: 'gpt-4o-mini',
  output: [answerItem],
  parallel_tool_calls: true,
  previous_response_id: null,
  conversation: null,
  reasoning: { effort: null, summary: null },
  background: false,
  store: true,
  temperature: null,
  text: { format: { type: 'text' } },
  tool_choice: 'auto',
  tools: [],
  top_p: null,
  truncation: 'disabled',
  usage: {
    input_tokens: 21,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 12,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 33,
  },
  user: null,
  metadata: {},
};

const ResponseEvent = Type.Object(
  {
    type: Type.String({
      enum: [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.reasoning_summary_part.added',
        'response.reasoning_summary_text.delta',
        'response.reasoning_summary_text.done',
        'response.reasoning_summary_part.done',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.done',
        'response.output_item.done',
        'response.completed',
        'response.incomplete',
        'response.failed',
      ],
    }),
    sequence_number: Type.Integer({ minimum: 0, description: 'Also the frame’s `id:`' }),
  },
  { description: 'The other fields depend on `type`, as in OpenAI’s Responses streaming events.' },
);
const responseStream = [
  `id: 0\nevent: response.created\ndata: {"type":"response.created","response":{"id":"${EXAMPLE.response}","status":"in_progress",…},"sequence_number":0}\n`,
  'id: 1\nevent: response.in_progress\ndata: {…,"sequence_number":1}\n',
  'id: 2\nevent: response.output_item.added\ndata: {…,"sequence_number":2}\n',
  'id: 3\nevent: response.content_part.added\ndata: {…,"sequence_number":3}\n',
  `id: 4\nevent: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"${EXAMPLE.message}","output_index":0,"content_index":0,"delta":"Start","logprobs":[],"sequence_number":4}\n`,
  'id: 5\nevent: response.output_text.done\ndata: {…,"sequence_number":5}\n',
  'id: 6\nevent: response.content_part.done\ndata: {…,"sequence_number":6}\n',
  'id: 7\nevent: response.output_item.done\ndata: {…,"sequence_number":7}\n',
  'id: 8\nevent: response.completed\ndata: {"type":"response.completed","response":{…},"sequence_number":8}\n',
].join('\n');
const responseStreamDoc = {
  description: [
    "OpenAI's typed events, each as `event: <type>` with `data` = the event and its `sequence_number` (also the",
    "frame's `id:`), in this order: `response.created` (its response `queued` when in the background),",
    '`response.in_progress`, `response.output_item.added`,',
    '`response.content_part.added`, then `response.output_text.delta` (`{item_id, delta, logprobs}`) any number of times, then',
    '`response.output_text.done`, `response.content_part.done`, `response.output_item.done` and',
    '`response.completed` (or `response.incomplete` when cut short or cancelled); a failure after the first event',
    'ends it with `response.failed` (the answer is stored `incomplete`). The stream closes after the last event; a',
    'failure before the first is a JSON error with its status. The generation goes on without the client: resume',
    'with `GET /v1/responses/{id}?stream=true&starting_after=<last sequence_number>` to get exactly the events',
    'missed, then the live rest. Items take their `output_index` in the order they start: reasoning the provider',
    'gives comes first as a `reasoning` item (with `reasoning.summary` set, its text streams as',
    '`response.reasoning_summary_part.added`, `response.reasoning_summary_text.delta` ... `.done` and',
    '`response.reasoning_summary_part.done`) closed by its `response.output_item.done`; the message opens at its first',
    'text; function calls come after it (`response.function_call_arguments.delta` ... `.done`).',
  ].join(' '),
  schema: ResponseEvent,
  example: responseStream,
  eventExamples: [
    {
      type: 'response.output_text.delta',
      item_id: EXAMPLE.message,
      output_index: 0,
      content_index: 0,
      delta: 'Start',
      logprobs: [],
      sequence_number: 4,
    },
    { type: 'response.completed', response: responseExample, sequence_number: 8 },
  ],
} as const;

/** Not in OpenAI's API: the reasoning, in the field DeepSeek's API and its clients use. */
const REASONING_CONTENT = Type.String({
  description:
    "The model's reasoning, where the provider gives it (absent otherwise); not in OpenAI's API, as DeepSeek's API sends it",
});
const ChatCompletion = Type.Object({
  id: Type.String(),
  object: Type.Literal('chat.completion'),
  created: Type.Integer(),
  model: Type.String(),
  choices: Type.Array(
    Type.Object({
      index: Type.Integer(),
      message: Type.Object({
        role: Type.Literal('assistant'),
        content: Nullable(Type.String()),
        reasoning_content: Type.Optional(REASONING_CONTENT),
      }),
      finish_reason: Nullable(Type.String()),
    }),
  ),
  usage: Nullable(
    Type.Object(
      { prompt_tokens: Type.Integer(), completion_tokens: Type.Integer(), total_tokens: Type.Integer() },
      { description: 'null when the provider reported none' },
    ),
  ),
});
const ChatChunk = Type.Union([
  Type.Object(
    {
      id: Type.String(),
      object: Type.Literal('chat.completion.chunk'),
      created: Type.Integer(),
      model: Type.String(),
      choices: Type.Array(
        Type.Object({
          index: Type.Integer(),
          delta: Type.Object({
            role: Type.Optional(Type.String()),
            content: Type.Optional(Nullable(Type.String())),
            reasoning_content: Type.Optional(REASONING_CONTENT),
          }),
          finish_reason: Nullable(Type.String()),
        }),
      ),
    },
    { title: 'ChatCompletionChunk' },
  ),
  Type.Literal('[DONE]'),
  OpenAIError,
]);
const chatStream = [
  'data: {"id":"chatcmpl-7d1e","object":"chat.completion.chunk","created":1764700001,"model":"gpt-4o-mini","system_fingerprint":null,"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}\n',
  'data: {"id":"chatcmpl-7d1e","object":"chat.completion.chunk","created":1764700001,"model":"gpt-4o-mini","system_fingerprint":null,"choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]}\n',
  'data: {"id":"chatcmpl-7d1e","object":"chat.completion.chunk","created":1764700001,"model":"gpt-4o-mini","system_fingerprint":null,"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}\n',
  'data: [DONE]\n',
].join('\n');

const itemsExample = {
  object: 'list',
  data: [questionItem],
  first_id: EXAMPLE.question,
  last_id: EXAMPLE.question,
  has_more: false,
};

const Conversation = Type.Object({
  id: Type.String({ description: '`conv_` and the conversation id' }),
  object: Type.Literal('conversation'),
  created_at: Type.Integer(),
  metadata: Type.Record(Type.String(), Type.String()),
});
const conversationExample = {
  id: EXAMPLE.conversation,
  object: 'conversation',
  created_at: 1764700000,
  metadata: {},
};

const ok = (description: string, schema: Parameters<typeof Type.Array>[0], example: unknown) => ({
  description,
  schema,
  example,
});
const deleted = (object: string, id: string) =>
  ok(
    'Deleted.',
    Type.Object({ id: Type.String(), object: Type.Literal(object), deleted: Type.Literal(true) }),
    { id, object, deleted: true },
  );

const createResponse: RouteDoc = {
  summary: 'Create a response (an answer in the conversation tree)',
  description: [
    'Generates an answer to `input`. Stored responses (the default) are answers of the conversation tree: without',
    '`previous_response_id` or `conversation` a new conversation starts; with `previous_response_id` the input goes',
    'under that answer (an older one makes a branch, like `/ask`’s `parent_id`); with `conversation` after its',
    'current node. The new answer becomes the conversation’s current node. `store: false` generates without',
    'writing anything. `background: true` answers at once with the response `queued` and generates apart from',
    'the request: poll it (`GET /v1/responses/{id}`), resume its events (`stream=true`) or cancel it.',
    '`include: ["message.output_text.logprobs"]` or `top_logprobs` above 0 returns the tokens’ log probabilities',
    'on the `output_text` part and the text events, from providers that give them; they are not stored.',
    '`reasoning.effort` asks for reasoning (Anthropic: extended thinking); the reasoning a provider gives is a',
    '`reasoning` output item, its text the summary when `reasoning.summary` is set, and its payload (Anthropic’s',
    'thinking block with its signature) `encrypted_content` with `include: ["reasoning.encrypted_content"]`; send the item back',
    '(or refer to its `rs_` id) in a tool loop.',
  ].join(' '),
  requestExamples: {
    'a question': { input: 'Plan a day in Oslo' },
    'streamed as events': { input: 'Plan a day in Oslo', stream: true },
    'in the background': { input: 'Plan a day in Oslo', background: true },
  },
  responses: {
    200: ok('The response.', Response, responseExample),
    ...errorResponses(openaiError, [...WITH_BODY, 403, 404, 409, ...GENERATING]),
  },
  stream: responseStreamDoc,
};

export const openaiDocs: RouteDocs = {
  'GET /v1/models': {
    summary: 'List the models this server routes',
    description:
      'The model names the configuration serves (providers’ models and configured routes). Nothing is written.',
    responses: {
      200: ok('The models.', Type.Object({ object: Type.Literal('list'), data: Type.Array(Model) }), {
        object: 'list',
        data: [modelExample],
      }),
      ...errorResponses(openaiError, []),
    },
  },
  'GET /v1/models/:id': {
    summary: 'Read one model',
    description:
      'A model this server routes: the default model, a route or deployment of the config file, or a model an ' +
      'upstream lists. Any other name is OpenAI’s 404 with the code `model_not_found`.',
    responses: { 200: ok('The model.', Model, modelExample), ...errorResponses(openaiError, [404]) },
  },
  'POST /v1/chat/completions': {
    summary: 'Create a chat completion (stateless)',
    description:
      'OpenAI’s Chat Completions: the whole prompt comes in `messages`, the answer goes out, and nothing is stored ' +
      '(usage is recorded). Fields the routed provider cannot honour are a 400 naming the field and the provider. ' +
      'With `n` (at most 8), that many generations run side by side as choices 0..n-1, their usage summed; with ' +
      '`logprobs` (and `top_logprobs`), each choice carries the tokens’ log probabilities from providers that give them. ' +
      'The deprecated `functions` / `function_call` are served as tools, and answered as `message.function_call`.',
    requestExamples: {
      'a question': { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Plan a day in Oslo' }] },
      'three choices': { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Name a colour' }], n: 3 },
      'streamed as chunks': {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Plan a day in Oslo' }],
        stream: true,
      },
    },
    responses: {
      200: ok('The completion.', ChatCompletion, {
        id: 'chatcmpl-7d1e',
        object: 'chat.completion',
        created: 1764700001,
        model: 'gpt-4o-mini',
        system_fingerprint: null,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Start at the harbour.', refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 },
      }),
      ...errorResponses(openaiError, [...WITH_BODY, 403, ...GENERATING]),
    },
    stream: {
      description: [
        'With `"stream": true`: unnamed events whose `data` is a `chat.completion.chunk` — first the role, then one',
        'per piece of text (`delta.content`, with its `logprobs` when asked) or tool call (`delta.tool_calls`), then one',
        'with `finish_reason`, each naming its choice by `index` (with `n`, the choices interleave); with',
        '`stream_options.include_usage`, one with `usage` for all choices and no choices — and finally `data: [DONE]`. A failure',
        'after the first chunk is a `data: {"error": …}` event and the stream ends without `[DONE]`. Not resumable.',
      ].join(' '),
      schema: ChatChunk,
      example: chatStream,
      eventExamples: [
        {
          id: 'chatcmpl-7d1e',
          object: 'chat.completion.chunk',
          created: 1764700001,
          model: 'gpt-4o-mini',
          system_fingerprint: null,
          choices: [{ index: 0, delta: { content: 'Hello' }, logprobs: null, finish_reason: null }],
        },
        '[DONE]',
      ],
    },
  },
  'POST /v1/responses': createResponse,
  'GET /v1/responses/:id': {
    summary: 'Read a response, or resume its stream',
    description:
      'The stored response (an answer of the tree). With `stream=true` its events as Server-Sent Events after ' +
      '`starting_after` (a `sequence_number`): the ones missed, then the live rest while it is being written. ' +
      'Once its events are no longer kept (10 minutes after it ended), `starting_after` is a 400 and the stream ' +
      'is rebuilt from the stored answer: the live events and items (reasoning, function calls, text), each piece ' +
      'whole in one delta.',
    responses: {
      200: ok('The response.', Response, responseExample),
      ...errorResponses(openaiError, [400, 404]),
    },
    stream: responseStreamDoc,
  },
  'DELETE /v1/responses/:id': {
    summary: 'Delete a response',
    description: 'Soft-deletes the answer (and what hangs under it leaves the current branch’s items).',
    responses: { 200: deleted('response.deleted', EXAMPLE.response), ...errorResponses(openaiError, [404]) },
  },
  'GET /v1/responses/:id/input_items': {
    summary: 'List a response’s input items',
    description:
      'The items this response’s request wrote before its answer, listed as a conversation’s items are (a cursor ' +
      'list, newest first): messages with their inline images and files as the data URLs they were sent as, ' +
      '`function_call` and `function_call_output` items. A page ends early past 32 MB of inline bytes (`has_more`).',
    responses: {
      200: ok('The input items.', CursorList(ConversationItem), itemsExample),
      ...errorResponses(openaiError, [400, 404]),
    },
  },
  'POST /v1/responses/:id/cancel': {
    summary: 'Cancel a response being written',
    description:
      'Stops the generation (a background response, or any still being written: Parley’s streams outlive their ' +
      'client); the answer is kept with what arrived, `cancelled`, and can be continued with the native API. ' +
      'Cancelling it again returns it; a finished response is a 400, as on OpenAI (`Cannot cancel a completed ' +
      'response.`, `Cannot cancel a synchronous response.`).',
    responses: {
      200: ok('The response as it is now.', Response, {
        ...responseExample,
        status: 'cancelled',
        completed_at: null,
      }),
      ...errorResponses(openaiError, [400, 404]),
    },
  },
  'POST /v1/conversations': {
    summary: 'Create a conversation',
    description:
      'A new conversation, with up to 20 first items (messages, in order, each under the one before).',
    requestExamples: {
      empty: {},
      'with a first message': { items: [{ type: 'message', role: 'user', content: 'Plan a day in Oslo' }] },
    },
    responses: {
      200: ok('The conversation.', Conversation, conversationExample),
      ...errorResponses(openaiError, [...WITH_BODY]),
    },
  },
  'GET /v1/conversations': {
    summary: 'List conversations (Parley’s addition)',
    description: 'The caller’s conversations as a cursor list (`after`, `limit`, `order`), newest first.',
    responses: {
      200: ok('A page of conversations.', CursorList(Conversation), {
        object: 'list',
        data: [conversationExample],
        first_id: EXAMPLE.conversation,
        last_id: EXAMPLE.conversation,
        has_more: false,
      }),
      ...errorResponses(openaiError, [400]),
    },
  },
  'GET /v1/conversations/:id': {
    summary: 'Read a conversation',
    description: 'The conversation object (its items are at `/items`).',
    responses: {
      200: ok('The conversation.', Conversation, conversationExample),
      ...errorResponses(openaiError, [404]),
    },
  },
  'POST /v1/conversations/:id': {
    summary: 'Update a conversation’s metadata',
    description: 'Replaces the metadata (up to 16 pairs). The tree does not change.',
    requestExamples: { tag: { metadata: { topic: 'travel' } } },
    responses: {
      200: ok('The conversation.', Conversation, { ...conversationExample, metadata: { topic: 'travel' } }),
      ...errorResponses(openaiError, [...WITH_BODY, 404]),
    },
  },
  'DELETE /v1/conversations/:id': {
    summary: 'Delete a conversation',
    description: 'Soft-deletes the conversation and all its messages.',
    responses: {
      200: deleted('conversation.deleted', EXAMPLE.conversation),
      ...errorResponses(openaiError, [404]),
    },
  },
  'POST /v1/conversations/:id/items': {
    summary: 'Add items to a conversation',
    description:
      'Appends items (1 to 20) after the current node, each under the one before; the last becomes the current node. ' +
      'Messages take `input_text`, `input_image`, `input_file` and `input_audio` parts (an https URL, or bytes as a data URL or base64); ' +
      '`function_call` and `function_call_output` items are stored as tool calls and results, so a response that ' +
      'continues the conversation sends them to the model.',
    requestExamples: {
      'a message': { items: [{ type: 'message', role: 'user', content: 'Plan a day in Oslo' }] },
      'a tool call and its result': {
        items: [
          { type: 'function_call', call_id: 'call_7', name: 'weather', arguments: '{"city":"Oslo"}' },
          { type: 'function_call_output', call_id: 'call_7', output: '21 degrees' },
        ],
      },
    },
    responses: {
      200: ok('The items written.', CursorList(ConversationItem), itemsExample),
      ...errorResponses(openaiError, [...WITH_BODY, 404]),
    },
  },
  'GET /v1/conversations/:id/items': {
    summary: 'List a conversation’s items (its current branch)',
    description:
      'The items from the root to the current node, as a cursor list (`order=desc` by default): each message, ' +
      'an assistant’s reasoning as `reasoning` items before it and its tool calls as `function_call` items after it, ' +
      'a tool result as a `function_call_output` item.',
    responses: {
      200: ok('The items.', CursorList(ConversationItem), {
        ...itemsExample,
        data: [answerItem, questionItem],
        first_id: EXAMPLE.message,
      }),
      ...errorResponses(openaiError, [400, 404]),
    },
  },
  'GET /v1/conversations/:id/items/:itemId': {
    summary: 'Read one item',
    description: 'One item of the conversation, by its `msg_` or `fc_` id.',
    responses: {
      200: ok('The item.', ConversationItem, questionItem),
      ...errorResponses(openaiError, [404]),
    },
  },
  'DELETE /v1/conversations/:id/items/:itemId': {
    summary: 'Delete an item',
    description:
      'Soft-deletes one item of the conversation (a message with its function calls, or a function call stored ' +
      'alone, by its `fc_` id; a call stored with other items is a 400 naming the message); answers the conversation.',
    responses: {
      200: ok('The conversation.', Conversation, conversationExample),
      ...errorResponses(openaiError, [404]),
    },
  },
};
