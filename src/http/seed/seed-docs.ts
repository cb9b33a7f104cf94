/**
 * The API reference of the seed surface (`chatgpt-webapi`'s API): summaries, what each route does
 * to the conversation tree, answers per status and the events of `/ask`'s stream. Errors are
 * `{"code": 1, "msg"}` with the real HTTP status.
 */

import { Type } from 'typebox';
import {
  ALWAYS,
  type ErrorShape,
  errorResponses,
  GENERATING,
  type RouteDocs,
  WITH_BODY,
} from '../route-docs.ts';

const Uuid = Type.String({ format: 'uuid' });
const UnixSeconds = Type.Number({ description: 'Unix time in seconds (milliseconds as the fraction)' });

export const SeedError = Type.Object(
  { code: Type.Literal(1), msg: Type.String({ description: 'What went wrong, safe to show' }) },
  { title: 'SeedError', description: "The seed's error: `code` 1 and a message, with the real HTTP status." },
);
const seedError: ErrorShape = { schema: SeedError, render: (_code, message) => ({ code: 1, msg: message }) };

const EXAMPLE = {
  conversation: '0b5e6a5c-3f0e-4a4e-9f57-2f1c2d6c8a11',
  question: '5d0c1f8e-2b7a-4c55-8d1e-6f3a9b2c4e70',
  answer: 'c2a4e6f8-1b3d-4f5a-9c7e-0d2b4f6a8c91',
} as const;

const AskAnswer = Type.Object({
  code: Type.Literal(0),
  data: Type.Object({
    message: Type.String({ description: 'The whole answer' }),
    parent_id: Type.String({
      format: 'uuid',
      description: "The answer's id: send it as `parent_id` to follow up",
    }),
    conversation_id: Uuid,
  }),
});

const AskEvent = Type.Union([
  Type.Object(
    {
      message: Type.String({ description: 'The whole text so far (cumulative, as ChatGPT sends it)' }),
      delta: Type.String({ description: 'What this event added' }),
      parent_id: Type.String({ format: 'uuid', description: "The answer's id" }),
      conversation_id: Uuid,
    },
    { title: 'AskDelta' },
  ),
  Type.Literal('[DONE]', { title: 'AskDone' }),
  Type.Object(
    {
      code: Type.Literal(1),
      msg: Type.String(),
      parent_id: Type.String({ format: 'uuid' }),
      conversation_id: Uuid,
    },
    { title: 'AskError', description: 'The `data` of an `event: error` frame' },
  ),
]);

const Node = Type.Object({
  id: Uuid,
  parent: Type.Union([Uuid, Type.Null()]),
  children: Type.Array(Uuid),
  message: Type.Object({
    id: Uuid,
    author: Type.Object({ role: Type.String({ enum: ['system', 'user', 'assistant', 'tool'] }) }),
    create_time: UnixSeconds,
    update_time: UnixSeconds,
    content: Type.Object({ content_type: Type.Literal('text'), parts: Type.Array(Type.String()) }),
    status: Type.String({
      enum: ['finished_successfully', 'in_progress', 'finished_partial_completion', 'failed'],
    }),
    end_turn: Type.Union([Type.Boolean(), Type.Null()]),
    metadata: Type.Object(
      {
        model_slug: Type.Union([Type.String(), Type.Null()]),
        parley_status: Type.String({ enum: ['in_progress', 'completed', 'incomplete', 'failed'] }),
      },
      { description: 'Also `provider`, `finish_details`, `usage`, `error` and `parley_context` when set' },
    ),
  }),
});

const ChatGptConversation = Type.Object({
  title: Type.Union([Type.String(), Type.Null()]),
  create_time: UnixSeconds,
  update_time: UnixSeconds,
  mapping: Type.Record(Type.String({ format: 'uuid' }), Node, {
    description: 'Every message of the tree, by id, with its parent and children',
  }),
  current_node: Type.Union([Uuid, Type.Null()], { description: 'The leaf last written' }),
  conversation_id: Uuid,
  default_model_slug: Type.Union([Type.String(), Type.Null()]),
});

const Done = (example: string) =>
  ({
    description: 'Done.',
    schema: Type.Object({ code: Type.Literal(0), msg: Type.String() }),
    example: { code: 0, msg: example },
  }) as const;

const askStream = [
  `id: 1\ndata: {"message":"Start","delta":"Start","parent_id":"${EXAMPLE.answer}","conversation_id":"${EXAMPLE.conversation}"}\n`,
  `id: 2\ndata: {"message":"Start at the harbour.","delta":" at the harbour.","parent_id":"${EXAMPLE.answer}","conversation_id":"${EXAMPLE.conversation}"}\n`,
  'data: [DONE]\n',
].join('\n');

export const seedDocs: RouteDocs = {
  'POST /ask': {
    summary: 'Ask: start a conversation, follow up, branch, regenerate or continue',
    description: [
      "The seed's one chat call (`chatgpt-webapi`'s `POST /ask`). Without ids it starts a conversation: a user",
      "message (the root) and the answer under it. With `parent_id` (an answer's id) and `conversation_id` it",
      'adds the question under that answer and the new answer under the question; a `parent_id` that is not',
      'the newest answer makes a branch. `action: "variant"` answers `parent_id`\'s question again (a sibling',
      'of that answer); `action: "continue"` extends the answer `parent_id` in place, when it was cut short.',
      "The conversation's `current_node` moves to the new answer.\n\n",
      'With `"stream": true` the answer comes as Server-Sent Events (see the `text/event-stream` response).',
      'A client that disconnects stops the upstream at once; the answer is kept, marked incomplete.',
    ].join(' '),
    requestExamples: {
      'a new conversation': { msg: 'Plan a day in Oslo' },
      'streamed as events': { msg: 'Plan a day in Oslo', stream: true },
    },
    responses: {
      200: {
        description: 'The answer, with its id (`parent_id` of a follow-up) and its conversation.',
        schema: AskAnswer,
        example: {
          code: 0,
          data: {
            message: 'Start at the harbour, then walk up to the fortress.',
            parent_id: EXAMPLE.answer,
            conversation_id: EXAMPLE.conversation,
          },
        },
      },
      ...errorResponses(seedError, [...WITH_BODY, 404, 409, ...GENERATING]),
    },
    stream: {
      description: [
        'With `"stream": true`: one unnamed event per piece of text, `data` =',
        '`{message, delta, parent_id, conversation_id}` where `message` is the whole text so far (cumulative, as',
        "ChatGPT's backend sends it) and `delta` what the event added; each carries the run's sequence number as",
        '`id:`. A finished answer ends with `data: [DONE]`. A failure before the first event is a plain JSON error',
        'with its HTTP status; after it, the stream ends with `event: error` whose `data` is',
        '`{code: 1, msg, parent_id, conversation_id}`, no `[DONE]`, and the answer is stored `incomplete` with',
        "what arrived. `/ask` streams cannot be resumed (the native API's can): read what was stored with",
        '`GET /conversation/{id}`.',
      ].join(' '),
      schema: AskEvent,
      example: askStream,
      eventExamples: [
        {
          message: 'Start',
          delta: 'Start',
          parent_id: EXAMPLE.answer,
          conversation_id: EXAMPLE.conversation,
        },
        '[DONE]',
        {
          code: 1,
          msg: 'upstream closed the stream before it finished',
          parent_id: EXAMPLE.answer,
          conversation_id: EXAMPLE.conversation,
        },
      ],
    },
  },
  'GET /conversation/:id': {
    summary: "Read a conversation's whole tree (ChatGPT's `mapping` shape)",
    description:
      "Every message of the conversation, branches included, as ChatGPT's web backend returned it: `mapping` " +
      'holds each node with its `parent` and `children`; `current_node` is the leaf last written. Reads nothing ' +
      'but the tree; a conversation of another owner is "not found".',
    responses: {
      200: {
        description: 'The conversation.',
        schema: ChatGptConversation,
        example: {
          title: 'Trip',
          create_time: 1764700000.123,
          update_time: 1764700004.5,
          mapping: {
            [EXAMPLE.question]: {
              id: EXAMPLE.question,
              parent: null,
              children: [EXAMPLE.answer],
              message: {
                id: EXAMPLE.question,
                author: { role: 'user' },
                create_time: 1764700000.123,
                update_time: 1764700000.123,
                content: { content_type: 'text', parts: ['Plan a day in Oslo'] },
                status: 'finished_successfully',
                end_turn: null,
                metadata: { model_slug: 'gpt-4o-mini', parley_status: 'completed' },
              },
            },
            [EXAMPLE.answer]: {
              id: EXAMPLE.answer,
              parent: EXAMPLE.question,
              children: [],
              message: {
                id: EXAMPLE.answer,
                author: { role: 'assistant' },
                create_time: 1764700000.2,
                update_time: 1764700004.5,
                content: { content_type: 'text', parts: ['Start at the harbour.'] },
                status: 'finished_successfully',
                end_turn: true,
                metadata: {
                  model_slug: 'gpt-4o-mini',
                  parley_status: 'completed',
                  provider: 'openai-compatible',
                },
              },
            },
          },
          current_node: EXAMPLE.answer,
          conversation_id: EXAMPLE.conversation,
          default_model_slug: 'gpt-4o-mini',
        },
      },
      ...errorResponses(seedError, [400, 404]),
    },
  },
  'GET /conversations': {
    summary: 'List conversations, newest first',
    description:
      "The caller's conversations, most recently updated first, `limit` (1 to 100, default 20) from `offset`.",
    responses: {
      200: {
        description: 'A page of conversations and how many there are.',
        schema: Type.Object({
          items: Type.Array(
            Type.Object({
              id: Uuid,
              title: Type.Union([Type.String(), Type.Null()]),
              create_time: UnixSeconds,
              update_time: UnixSeconds,
            }),
          ),
          total: Type.Integer({ minimum: 0 }),
          limit: Type.Integer({ minimum: 1, maximum: 100 }),
          offset: Type.Integer({ minimum: 0 }),
        }),
        example: {
          items: [
            {
              id: EXAMPLE.conversation,
              title: 'Trip',
              create_time: 1764700000.123,
              update_time: 1764700004.5,
            },
          ],
          total: 1,
          limit: 20,
          offset: 0,
        },
      },
      ...errorResponses(seedError, [400]),
    },
  },
  'POST /conversation/:id/title': {
    summary: 'Rename a conversation',
    description:
      'Sets the title (no message changes). With the ChatGPT web provider, the upstream copy is renamed too.',
    requestExamples: { 'a new title': { title: 'A day in Oslo' } },
    responses: { 200: Done('title updated'), ...errorResponses(seedError, [...WITH_BODY, 404]) },
  },
  'POST /conversation/:id/gen_title': {
    summary: 'Have the model write a title',
    description:
      "Asks the model for a short title from the conversation's first messages and stores it (one upstream call, " +
      "counted in usage). The tree's messages do not change.",
    responses: {
      200: {
        description: 'The new title.',
        schema: Type.Object({ code: Type.Literal(0), data: Type.Object({ title: Type.String() }) }),
        example: { code: 0, data: { title: 'A day in Oslo' } },
      },
      ...errorResponses(seedError, [400, 404, ...GENERATING]),
    },
  },
  'POST /conversations/clear': {
    summary: "Delete all the caller's conversations",
    description: 'Soft-deletes every conversation of the caller (they leave lists, reads and search).',
    responses: { 200: Done('3 conversations deleted'), ...errorResponses(seedError, ALWAYS) },
  },
  'POST /conversation/:id/delete': {
    summary: 'Delete a conversation',
    description:
      'Soft-deletes the conversation with all its messages; it leaves lists, reads and search. With the ' +
      'ChatGPT web provider, the upstream copy is deleted too.',
    responses: { 200: Done('conversation deleted'), ...errorResponses(seedError, [400, 404]) },
  },
};
