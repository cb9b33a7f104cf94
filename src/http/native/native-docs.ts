/**
 * The API reference of the native surface (`/api`): summaries, what each route does to the
 * conversation tree, answers per status, and the events of its streams (`start`, `delta`,
 * `reasoning`, `tool_call`, `done`, `error`, resumable). Errors are `{"error": {"code", "message"}}` with the real HTTP status.
 */

import { createHash } from 'node:crypto';
import { Type } from 'typebox';
import {
  CursorList,
  errorResponses,
  GENERATING,
  Nullable,
  type RouteDoc,
  type RouteDocs,
  WITH_BODY,
} from '../route-docs.ts';
import { accessDocs } from './access-docs.ts';
import { nativeError } from './native-error-schema.ts';

const Uuid = Type.String({ format: 'uuid' });
const Seconds = Type.Integer({ description: 'Unix time in seconds' });

const EXAMPLE = {
  conversation: '0b5e6a5c-3f0e-4a4e-9f57-2f1c2d6c8a11',
  question: '5d0c1f8e-2b7a-4c55-8d1e-6f3a9b2c4e70',
  answer: 'c2a4e6f8-1b3d-4f5a-9c7e-0d2b4f6a8c91',
  key: 'key_3kTq9vXw2mZp',
} as const;

const Conversation = Type.Object({
  id: Uuid,
  object: Type.Literal('conversation'),
  owner: Type.String({ description: 'Who owns it: a user, or `local` without keys' }),
  title: Nullable(Type.String()),
  model: Nullable(Type.String({ description: 'Its default model' })),
  current_node: Nullable(
    Type.String({ format: 'uuid', description: 'The leaf last written: the current branch' }),
  ),
  system_prompt: Nullable(Type.String()),
  temperature: Nullable(
    Type.Number({
      description: 'Its answers’ temperature (a request’s own wins); null: the model’s default',
    }),
  ),
  max_output_tokens: Nullable(
    Type.Integer({ description: 'The most tokens an answer in it may have (a request’s own wins)' }),
  ),
  metadata: Type.Record(Type.String(), Type.String()),
  created_at: Seconds,
  updated_at: Seconds,
});
const conversationExample = {
  id: EXAMPLE.conversation,
  object: 'conversation',
  owner: 'local',
  title: 'Trip',
  model: 'gpt-4o-mini',
  current_node: EXAMPLE.answer,
  system_prompt: 'Be brief.',
  temperature: 0.3,
  max_output_tokens: null,
  metadata: {},
  created_at: 1764700000,
  updated_at: 1764700004,
};

const PART_TYPES = ['text', 'image', 'file', 'audio', 'tool_call', 'tool_result', 'reasoning', 'refusal'];
const Message = Type.Object({
  id: Uuid,
  parent_id: Nullable(Uuid),
  children: Type.Array(Uuid, { description: 'Messages under this one; siblings are the parent’s children' }),
  role: Type.String({ enum: ['system', 'user', 'assistant', 'tool'] }),
  content: Type.String({ description: 'The plain text' }),
  parts: Type.Array(Type.Object({ type: Type.String({ enum: PART_TYPES }) }), {
    description:
      'What it is made of, in order: text `{text}`; image `{url, detail?}`, or bytes `{media_type, sha256, ' +
      'url, detail?}` (`url`: where `GET /api/attachments/{sha256}` serves them); file `{media_type, filename, ' +
      'sha256, url}`; audio `{media_type, sha256, url}`; tool_call `{call_id, name, arguments}`; tool_result ' +
      '`{call_id, output}`; reasoning `{text}`; refusal `{text}`',
  }),
  status: Type.String({ enum: ['in_progress', 'completed', 'incomplete', 'failed'] }),
  model: Nullable(Type.String()),
  provider: Nullable(Type.String()),
  finish_reason: Nullable(Type.String()),
  usage: Nullable(
    Type.Object({ input_tokens: Nullable(Type.Integer()), output_tokens: Nullable(Type.Integer()) }),
  ),
  error: Nullable(Type.String()),
  context: Nullable(
    Type.Record(Type.String(), Type.Unknown(), {
      description: 'On answers: the context window, the messages sent and dropped, tokens',
    }),
  ),
  upstream: Nullable(
    Type.Object(
      { conversation_id: Type.String(), message_id: Type.String() },
      {
        description: "Where an upstream that keeps conversations (ChatGPT's web backend) holds it",
      },
    ),
  ),
  deleted: Type.Boolean(),
  created_at: Seconds,
  updated_at: Seconds,
});
const answerExample = {
  id: EXAMPLE.answer,
  parent_id: EXAMPLE.question,
  children: [],
  role: 'assistant',
  content: 'Start at the harbour, then walk up to the fortress.',
  parts: [{ type: 'text', text: 'Start at the harbour, then walk up to the fortress.' }],
  status: 'completed',
  model: 'gpt-4o-mini',
  provider: 'openai-compatible',
  finish_reason: 'stop',
  usage: { input_tokens: 21, output_tokens: 12 },
  error: null,
  context: null,
  upstream: null,
  deleted: false,
  created_at: 1764700001,
  updated_at: 1764700004,
};

const TurnAnswer = Type.Object({
  conversation_id: Uuid,
  question_id: Type.String({ format: 'uuid', description: 'The message answered' }),
  message: Message,
});
const turnAnswerExample = {
  conversation_id: EXAMPLE.conversation,
  question_id: EXAMPLE.question,
  message: answerExample,
};

const StartEvent = Type.Object(
  {
    conversation_id: Uuid,
    question_id: Uuid,
    message_id: Type.String({
      format: 'uuid',
      description: "The answer's id: cancel or follow it with this",
    }),
    parent_id: Nullable(Uuid),
  },
  { title: 'start' },
);
const NativeEvent = Type.Union([
  StartEvent,
  Type.Object({ delta: Type.String({ description: 'The new text' }) }, { title: 'delta' }),
  Type.Object(
    { delta: Type.String({ description: 'The new piece of the reasoning' }) },
    { title: 'reasoning', description: "The model's thinking, as it streams (a provider that gives it)" },
  ),
  Type.Object(
    {
      index: Type.Integer({ minimum: 0, description: 'Which tool call of the answer (from 0)' }),
      id: Type.Optional(Type.String({ description: "The call's id, with its first piece" })),
      name: Type.Optional(Type.String({ description: "The tool's name, with its first piece" })),
      arguments_delta: Type.String({ description: 'The new piece of its arguments (JSON text)' }),
    },
    { title: 'tool_call', description: 'A piece of a tool call the model makes' },
  ),
  Type.Object(
    { conversation_id: Uuid, question_id: Uuid, message: Nullable(Message) },
    { title: 'done', description: 'The stored answer' },
  ),
  Type.Object(
    { code: Type.String(), message: Type.String() },
    { title: 'error', description: 'The stream ends after it; the answer is stored incomplete' },
  ),
]);
const nativeStreamExample = [
  `event: start\ndata: {"conversation_id":"${EXAMPLE.conversation}","question_id":"${EXAMPLE.question}","message_id":"${EXAMPLE.answer}","parent_id":"${EXAMPLE.question}"}\n`,
  'id: 1\nevent: reasoning\ndata: {"delta":"A first visit: "}\n',
  'id: 2\nevent: reasoning\ndata: {"delta":"the old town."}\n',
  'id: 4\nevent: delta\ndata: {"delta":"Start at"}\n',
  'id: 5\nevent: delta\ndata: {"delta":" the harbour."}\n',
  `id: 6\nevent: done\ndata: {"conversation_id":"${EXAMPLE.conversation}","question_id":"${EXAMPLE.question}","message":{…}}\n`,
].join('\n');
const STREAM_DESCRIPTION = [
  'With `"stream": true` the answer comes as Server-Sent Events, in this order: `start` (once, no `id:`:',
  '`{conversation_id, question_id, message_id, parent_id}`, naming the answer being written), then the pieces',
  'as they come, any number of times: `delta` (`{delta}`, only the new text); `reasoning` (`{delta}`, a new piece',
  "of the model's thinking, from a provider that gives it); `tool_call` (`{index, id, name, arguments_delta}`: a",
  'piece of the `index`th tool call, `id` and `name` with its first piece only). Then `done` (`{conversation_id,',
  'question_id, message}`, the stored answer, whose `parts` hold the reasoning and tool calls whole) — or, on a',
  'failure, `error` (`{code, message}`) after which the stream ends and the answer is stored `incomplete` with',
  "what arrived. Every event but `start` carries the run's sequence number as `id:` (numbers may be skipped);",
  'a client that knows only `delta` can ignore the other events.',
  'A failure before the first event is a plain JSON error with its HTTP status.',
  'The generation runs on its own: a client that drops resumes with',
  '`GET /api/conversations/{id}/messages/{message_id}/events` and `Last-Event-ID` (or `?after=`), getting exactly',
  'the events it missed; `POST .../cancel` stops it.',
].join(' ');
const streamDoc = {
  description: STREAM_DESCRIPTION,
  schema: NativeEvent,
  example: nativeStreamExample,
  eventExamples: [
    {
      conversation_id: EXAMPLE.conversation,
      question_id: EXAMPLE.question,
      message_id: EXAMPLE.answer,
      parent_id: EXAMPLE.question,
    },
    { delta: 'Start at' },
    { index: 0, id: 'call_1', name: 'weather', arguments_delta: '{"city":' },
    { index: 0, arguments_delta: '"Oslo"}' },
    turnAnswerExample,
    { code: 'UPSTREAM_ERROR', message: 'upstream closed the stream before it finished' },
  ],
} as const;

/** A route that writes a turn and generates its answer (JSON or a stream). */
const generating = (
  summary: string,
  description: string,
  requestExamples: Record<string, unknown>,
): RouteDoc => ({
  summary,
  description,
  requestExamples,
  responses: {
    200: {
      description: 'The answer, stored, with its conversation and the message it answers.',
      schema: TurnAnswer,
      example: turnAnswerExample,
    },
    ...errorResponses(nativeError, [...WITH_BODY, 403, 404, 409, ...GENERATING]),
  },
  stream: streamDoc,
});

const KeyObject = Type.Object({
  id: Type.String(),
  object: Type.Literal('api_key'),
  name: Type.String(),
  user_id: Type.String({ description: 'The user the key acts as' }),
  user_name: Nullable(Type.String()),
  hint: Type.String({ description: "The secret's first characters" }),
  role: Type.String({ enum: ['admin', 'user'] }),
  models: Nullable(Type.Array(Type.String(), { description: 'Models the key may use; null: all' })),
  limits: Type.Object({
    requests_per_minute: Nullable(Type.Integer()),
    tokens_per_minute: Nullable(Type.Integer()),
    tokens_per_day: Nullable(Type.Integer()),
    budget_per_day: Nullable(Type.Number()),
    concurrent_streams: Nullable(Type.Integer()),
  }),
  expires_at: Nullable(Seconds),
  created_at: Seconds,
  revoked_at: Nullable(Seconds),
});
const keyExample = {
  id: EXAMPLE.key,
  object: 'api_key',
  name: 'ci',
  user_id: 'usr_8fJ2kQ',
  user_name: 'ci',
  hint: 'pk-3kTq',
  role: 'user',
  models: null,
  limits: {
    requests_per_minute: 60,
    tokens_per_minute: null,
    tokens_per_day: null,
    budget_per_day: null,
    concurrent_streams: null,
  },
  expires_at: null,
  created_at: 1764700000,
  revoked_at: null,
};

const List = (item: Parameters<typeof Type.Array>[0]) =>
  Type.Object({ object: Type.Literal('list'), data: Type.Array(item) });

const SearchHit = Type.Object({
  kind: Type.String({ enum: ['title', 'message'] }),
  conversation_id: Uuid,
  conversation_title: Nullable(Type.String()),
  message_id: Nullable(Uuid),
  role: Nullable(Type.String()),
  snippet: Type.String({
    description: 'Plain text with matches in `<mark>…</mark>`: escape it before showing it as HTML',
  }),
  rank: Type.Number({
    description: 'How well this title or message matches, among its conversation’s hits (lower is better)',
  }),
  created_at: Seconds,
});

const ExportPart = Type.Object(
  { type: Type.String({ enum: PART_TYPES }) },
  {
    description:
      'A part as a message’s `parts` show it, bytes named by `sha256` (their bytes are in `attachments`), ' +
      'with no attachment URL; a reasoning part keeps its opaque `encrypted` payload',
  },
);
const ExportMessage = Type.Object({
  id: Uuid,
  parent_id: Nullable(Uuid),
  role: Type.String(),
  content: Type.String({ description: 'The plain text' }),
  parts: Type.Array(ExportPart, { description: 'Since version 2; a version-1 message is its text' }),
  status: Type.String(),
  created_at: Type.Integer({ description: 'Unix milliseconds' }),
  updated_at: Type.Integer({ description: 'Unix milliseconds' }),
});
const ExportDocument = Type.Object({
  format: Type.Literal('parley.export'),
  version: Type.Integer({ description: '2; an import takes 1 (text only) too' }),
  exported_at: Type.Integer({ description: 'Unix milliseconds' }),
  conversations: Type.Array(
    Type.Object({
      id: Uuid,
      title: Nullable(Type.String()),
      current_node: Nullable(Uuid),
      created_at: Type.Integer(),
      updated_at: Type.Integer(),
      messages: Type.Array(ExportMessage),
    }),
  ),
  attachments: Type.Record(Type.String({ pattern: '^[0-9a-f]{64}$' }), Type.Object({ data: Type.String() }), {
    description:
      'Since version 2, after the conversations: the bytes every part names, once per SHA-256, as base64. ' +
      'An import hashes them again: bytes that are not what their key names are a 400, bytes over ' +
      'PARLEY_MAX_ATTACHMENT_BYTES a 413',
  }),
});
const examplePng = Buffer.from('an image');
const examplePngSha256 = createHash('sha256').update(examplePng).digest('hex');
const exportExample = {
  format: 'parley.export',
  version: 2,
  exported_at: 1764700100000,
  conversations: [
    {
      id: EXAMPLE.conversation,
      title: 'Trip',
      model: 'gpt-4o-mini',
      current_node: EXAMPLE.answer,
      system_prompt: null,
      temperature: null,
      max_output_tokens: null,
      metadata: {},
      created_at: 1764700000123,
      updated_at: 1764700004500,
      messages: [
        {
          id: EXAMPLE.question,
          parent_id: null,
          role: 'user',
          content: 'Plan a day in Oslo',
          parts: [
            { type: 'text', text: 'Plan a day in Oslo' },
            { type: 'image', media_type: 'image/png', sha256: examplePngSha256 },
          ],
          status: 'completed',
          created_at: 1764700000123,
          updated_at: 1764700000123,
        },
        {
          id: EXAMPLE.answer,
          parent_id: EXAMPLE.question,
          role: 'assistant',
          content: 'Start at the harbour.',
          parts: [{ type: 'text', text: 'Start at the harbour.' }],
          status: 'completed',
          created_at: 1764700000200,
          updated_at: 1764700004500,
        },
      ],
    },
  ],
  attachments: { [examplePngSha256]: { data: examplePng.toString('base64') } },
};

const deleted = (object: string) =>
  Type.Object({ id: Type.String(), object: Type.Literal(object), deleted: Type.Literal(true) });

export const nativeDocs: RouteDocs = {
  ...accessDocs,
  'GET /api/attachments/:sha256': {
    summary: 'Download an image, file or recording sent in a message',
    description:
      'The bytes of an attachment of the caller’s messages, by its SHA-256 (stored once however often sent). Raster ' +
      'images named with `media_type` are served inline with that type; anything else downloads as bytes. Reads only.',
    responses: {
      200: {
        description: 'The bytes (cacheable for good: the address is the content’s hash).',
        contentType: 'application/octet-stream',
        schema: Type.String({ format: 'binary' }),
      },
      ...errorResponses(nativeError, [400, 404]),
    },
  },
  'GET /api/conversations': {
    summary: 'List conversations (cursor pages)',
    description:
      "The caller's conversations, most recently updated first (`order=asc` for the oldest first), `limit` (1 to 100, " +
      'default 20) after the id `after`. An admin key lists another owner’s with `owner=`.',
    responses: {
      200: {
        description: 'A page of conversations.',
        schema: CursorList(Conversation),
        example: {
          object: 'list',
          data: [conversationExample],
          first_id: EXAMPLE.conversation,
          last_id: EXAMPLE.conversation,
          has_more: false,
        },
      },
      ...errorResponses(nativeError, [400]),
    },
  },
  'POST /api/conversations': {
    summary: 'Create an empty conversation',
    description:
      'A conversation with no message yet, with an optional title, system prompt (sent before every turn), default ' +
      'model and metadata. Post its first message with `POST /api/conversations/{id}/messages`.',
    requestExamples: {
      'the README’s trip': { title: 'Trip', system_prompt: 'Be brief.' },
      'nothing set': {},
    },
    responses: {
      201: {
        description: 'The new conversation.',
        schema: Conversation,
        example: { ...conversationExample, current_node: null },
      },
      ...errorResponses(nativeError, [...WITH_BODY]),
    },
  },
  'GET /api/conversations/:id': {
    summary: 'Read a conversation with its whole tree',
    description:
      'The conversation and every message of its tree (branches included), each with `parent_id` and `children`; ' +
      '`current_node` says which branch is current. An admin key reads any owner’s conversation.',
    responses: {
      200: {
        description: 'The conversation and its messages.',
        schema: Type.Intersect([Conversation, Type.Object({ messages: Type.Array(Message) })]),
        example: {
          ...conversationExample,
          messages: [
            {
              ...answerExample,
              id: EXAMPLE.question,
              parent_id: null,
              children: [EXAMPLE.answer],
              role: 'user',
              content: 'Plan a day in Oslo',
              parts: [{ type: 'text', text: 'Plan a day in Oslo' }],
              model: null,
              provider: null,
              finish_reason: null,
              usage: null,
            },
            answerExample,
          ],
        },
      },
      ...errorResponses(nativeError, [400, 404]),
    },
  },
  'PATCH /api/conversations/:id': {
    summary: 'Rename, set the system prompt or model, or switch branch',
    description:
      'Changes only the fields sent. `current_node` switches the current branch to the one ending at that message ' +
      '(it must be in this conversation): later turns without a parent continue from it, and every client sees it.',
    requestExamples: { rename: { title: 'A day in Oslo' } },
    responses: {
      200: {
        description: 'The conversation as it is now.',
        schema: Conversation,
        example: { ...conversationExample, title: 'A day in Oslo' },
      },
      ...errorResponses(nativeError, [...WITH_BODY, 404]),
    },
  },
  'DELETE /api/conversations/:id': {
    summary: 'Delete a conversation',
    description:
      'Soft-deletes the conversation and all its messages: they leave lists, reads, search and export.',
    responses: {
      200: {
        description: 'Deleted.',
        schema: deleted('conversation'),
        example: { id: EXAMPLE.conversation, object: 'conversation', deleted: true },
      },
      ...errorResponses(nativeError, [400, 404]),
    },
  },
  'POST /api/conversations/:id/messages': generating(
    'Post a message and generate the answer',
    'Adds a user message and the answer under it. Without `parent_id` it goes after `current_node` (the current ' +
      'branch); with `parent_id` under that message (an older one makes a branch); `parent_id: null` makes a new ' +
      'root. `current_node` moves to the answer.',
    {
      'a question': { content: 'Plan a day in Oslo' },
      'streamed as events': { content: 'Plan a day in Oslo', stream: true },
    },
  ),
  'POST /api/conversations/:id/messages/:messageId/regenerate': generating(
    'Regenerate an answer (a sibling)',
    'Answers the same question again: a new assistant message beside `messageId` (an answer), which is kept. ' +
      '`current_node` moves to the new answer; switch back with `PATCH current_node`.',
    { 'same model': {} },
  ),
  'POST /api/conversations/:id/messages/:messageId/edit': generating(
    'Edit a question (a sibling) and answer it',
    'Writes a new user message beside `messageId` (a question) with the new content, and its answer: the old ' +
      'question and its branch are kept. `current_node` moves to the new answer.',
    { 'new wording': { content: 'Plan a rainy day in Oslo' } },
  ),
  'POST /api/conversations/:id/messages/:messageId/continue': generating(
    'Continue an answer that was cut short',
    'Extends the answer `messageId` in place (same id) when it stopped early (length, cancel, failure): its text ' +
      'grows, and its earlier reasoning and tool calls stay in its parts before the new ones (a stream carries ' +
      'only the new pieces). Two continues of one answer at once: one wins, the other gets a 409.',
    { 'same model': {} },
  ),
  'POST /api/conversations/:id/messages/:messageId/cancel': {
    summary: 'Stop an answer being written',
    description:
      'Stops the generation of the answer `messageId` (idempotent). The answer is kept, `incomplete`, with the text ' +
      'that arrived, and can be continued.',
    responses: {
      200: {
        description: 'The answer’s status now, and whether this call stopped it.',
        schema: Type.Object({
          id: Uuid,
          object: Type.Literal('message'),
          status: Type.String(),
          cancelled: Type.Boolean(),
        }),
        example: { id: EXAMPLE.answer, object: 'message', status: 'incomplete', cancelled: true },
      },
      ...errorResponses(nativeError, [400, 404]),
    },
  },
  'GET /api/conversations/:id/messages/:messageId/events': {
    summary: 'Follow or resume an answer’s stream',
    description:
      'The events of the answer `messageId` after `Last-Event-ID` (or `?after=`), then the live rest while it is ' +
      'being written; for a finished answer, its stored events (`start`, its `reasoning`, `delta` and `tool_call` ' +
      'events, then `done`, or `error` when a failure or a cancel ended it), with the numbers they had live. Once ' +
      'its events are no longer kept (10 minutes after it ended), the stream is rebuilt from the stored answer ' +
      '(each reasoning part in one `reasoning`, the text in one `delta`, each tool call ' +
      'in one `tool_call`, numbered anew), and `Last-Event-ID` or `after` ' +
      'above 0 is a 400. Nothing changes in the tree.',
    responses: {
      200: { description: 'The events (see below).' },
      ...errorResponses(nativeError, [400, 404]),
    },
    stream: streamDoc,
  },
  'POST /api/conversations/:id/fork': {
    summary: 'Fork a conversation at a message',
    description:
      'A new conversation holding a copy of the path from the root to `message_id` (new ids); the original is unchanged.',
    requestExamples: { 'at an answer': { message_id: EXAMPLE.answer } },
    responses: {
      201: { description: 'The new conversation.', schema: Conversation, example: conversationExample },
      ...errorResponses(nativeError, [...WITH_BODY, 404]),
    },
  },
  'GET /api/search': {
    summary: 'Search titles and messages',
    description:
      'Full-text search over the caller’s titles and finished messages. A conversation matches when every word of `q` ' +
      '(the last as a prefix) occurs in its title or any of its messages; its hits are the title and the messages ' +
      'holding a word. Conversations whose title matched come first, then the most recently updated. Each word reads ' +
      'only the newest 1,000 messages (and titles) holding it: more specific words find older ones. Example: ' +
      '`q=oslo trip` finds the conversation titled "Trip" holding "Plan a day in Oslo".',
    responses: {
      200: {
        description: 'Hits, best first (`limit`, default 20, at most 100).',
        schema: List(SearchHit),
        example: {
          object: 'list',
          data: [
            {
              kind: 'title',
              conversation_id: EXAMPLE.conversation,
              conversation_title: 'Trip',
              message_id: null,
              role: null,
              snippet: '<mark>Trip</mark>',
              rank: -1.2,
              created_at: 1764700000,
            },
            {
              kind: 'message',
              conversation_id: EXAMPLE.conversation,
              conversation_title: 'Trip',
              message_id: EXAMPLE.question,
              role: 'user',
              snippet: 'Plan a day in <mark>Oslo</mark>',
              rank: -0.8,
              created_at: 1764700000,
            },
          ],
        },
      },
      ...errorResponses(nativeError, [400]),
    },
  },
  'GET /api/conversations/:id/export': {
    summary: 'Export one conversation (JSON or Markdown)',
    description:
      'The conversation with every message, exactly (ids, tree, times, statuses, parts and the bytes they name), ' +
      'as Parley JSON; with ' +
      '`format=markdown`, as Markdown (`text/markdown`).',
    responses: {
      200: {
        description: 'Parley’s export format (one conversation).',
        schema: ExportDocument,
        example: exportExample,
      },
      ...errorResponses(nativeError, [400, 404]),
    },
  },
  'GET /api/export': {
    summary: 'Export every conversation of the caller',
    description:
      'All the caller’s conversations, exactly, as Parley JSON (what `POST /api/import` takes: every message’s ' +
      'parts, and the bytes they name once per SHA-256 in `attachments`, after the conversations) or Markdown. ' +
      'Streamed as it is read.',
    responses: {
      200: { description: 'Parley’s export format.', schema: ExportDocument, example: exportExample },
      ...errorResponses(nativeError, [400]),
    },
  },
  'POST /api/import': {
    summary: 'Import conversations (Parley’s export or ChatGPT’s)',
    description:
      'Writes whole conversations, all or nothing: Parley’s own export (ids, tree, times and statuses kept; an id ' +
      'that exists is a 409) or ChatGPT’s `conversations.json` (messages with parents, roles, text and times, the ' +
      'title and current branch). Parts and attachments are restored exactly, their bytes hashed again (another ' +
      'SHA-256 is a 400 naming the attachment, bytes over PARLEY_MAX_ATTACHMENT_BYTES a 413); a version-1 export ' +
      '(text only) imports too. A malformed file is a 400 naming the place. Bodies up to 32 MB (or one of the ' +
      'largest attachments allowed, as base64, when that is more); parsed in a worker thread.',
    responses: {
      201: {
        description: 'What was imported.',
        schema: Type.Object({
          object: Type.Literal('import'),
          imported: Type.Integer(),
          conversations: Type.Array(
            Type.Object({
              id: Uuid,
              title: Nullable(Type.String()),
              messages: Type.Integer(),
              current_node: Nullable(Uuid),
            }),
          ),
        }),
        example: {
          object: 'import',
          imported: 1,
          conversations: [
            { id: EXAMPLE.conversation, title: 'Trip', messages: 2, current_node: EXAMPLE.answer },
          ],
        },
      },
      ...errorResponses(nativeError, [...WITH_BODY, 409]),
    },
  },
  'POST /api/keys': {
    summary: 'Create an API key (the secret is shown once)',
    description:
      'A key acts as its user. An admin creates keys for any user (`user_id`), or, naming none, a key with a new user ' +
      'of its own (`role`, default `user`); a user creates keys for themself. Optional model allowlist, expiry and ' +
      'limits. The secret (`key`) is in this answer only. Once a key exists, every request needs one.',
    requestExamples: {
      'a user key': { name: 'ci' },
      limited: { name: 'ci', models: ['gpt-4o-mini'], limits: { requests_per_minute: 60 } },
    },
    responses: {
      201: {
        description: 'The key, with its secret.',
        schema: Type.Intersect([KeyObject, Type.Object({ key: Type.String() })]),
        example: { ...keyExample, key: 'sk-parley-3kTq9vXw2mZpLr8sYb4nHc6dJf1gKe' },
      },
      ...errorResponses(nativeError, [...WITH_BODY, 403, 404]),
    },
  },
  'GET /api/keys': {
    summary: 'List API keys',
    description:
      'Keys, live and revoked, without secrets: an admin sees all (or one user’s with `user_id=`), a user their own.',
    responses: {
      200: {
        description: 'The keys.',
        schema: List(KeyObject),
        example: { object: 'list', data: [keyExample] },
      },
      ...errorResponses(nativeError, [400, 403]),
    },
  },
  'PATCH /api/keys/:id': {
    summary: 'Change a key’s name, model allowlist or limits (admin)',
    description:
      'Changes only the fields sent; the secret and the user stay. Takes effect on the key’s next request.',
    requestExamples: { 'more requests': { limits: { requests_per_minute: 120 } } },
    responses: {
      200: { description: 'The key as it is now.', schema: KeyObject, example: keyExample },
      ...errorResponses(nativeError, [...WITH_BODY, 403, 404]),
    },
  },
  'DELETE /api/keys/:id': {
    summary: 'Revoke an API key',
    description:
      'The key stops working at once; its user, conversations and usage stay. A user revokes their own keys.',
    responses: {
      200: {
        description: 'Revoked.',
        schema: Type.Object({
          id: Type.String(),
          object: Type.Literal('api_key'),
          revoked: Type.Literal(true),
        }),
        example: { id: EXAMPLE.key, object: 'api_key', revoked: true },
      },
      ...errorResponses(nativeError, [403, 404]),
    },
  },
  'GET /api/usage': {
    summary: 'Usage by key, model and day',
    description:
      'Requests, tokens and cost summed per key, model and UTC day, between `from` and `to` (Unix seconds). A user ' +
      'key sees its own usage; an admin everyone’s (or one owner’s with `owner=`).',
    responses: {
      200: {
        description: 'The sums.',
        schema: List(
          Type.Object({
            owner: Type.String(),
            key_id: Nullable(Type.String()),
            model: Type.String(),
            day: Type.String({ description: 'YYYY-MM-DD (UTC)' }),
            requests: Type.Integer(),
            input_tokens: Type.Integer(),
            output_tokens: Type.Integer(),
            cost: Nullable(Type.Number({ description: 'US dollars, when prices are configured' })),
          }),
        ),
        example: {
          object: 'list',
          data: [
            {
              owner: 'local',
              key_id: null,
              model: 'gpt-4o-mini',
              day: '2026-12-02',
              requests: 3,
              input_tokens: 120,
              output_tokens: 64,
              cost: null,
            },
          ],
        },
      },
      ...errorResponses(nativeError, [400]),
    },
  },
};
