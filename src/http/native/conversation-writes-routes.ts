/**
 * The native API's conversation operations: create, update (title, system prompt, default model,
 * temperature and answer length, current branch), delete; post a message under any parent; regenerate, edit, continue; fork.
 * Generating routes answer JSON, or a stream with `"stream": true`.
 */

import { type Static, Type } from 'typebox';
import type { ConversationCore } from '../../conversations/core.ts';
import { storedRunEvents } from '../../conversations/stored-answer-events.ts';
import { SAMPLING_LIMITS } from '../../conversations/sampling.ts';
import { badRequest, notFound } from '../../errors.ts';
import { abortOnDisconnect } from '../client-signal.ts';
import { attachmentBodyLimit } from '../collect-attachment.ts';
import { MetadataSchema } from '../openai/responses-schemas.ts';
import { toConversation } from './conversations-routes.ts';
import { decodeContent, MessageContent } from './message-parts.ts';
import type { NativeApp } from './native-app.ts';
import { runTurn, streamRun } from './run-turn.ts';

const Uuid = Type.String({ format: 'uuid' });
const Model = Type.String({ minLength: 1, maxLength: 200 });
const Text = Type.String({ maxLength: 100_000 });
/** A conversation's own sampling for its answers (null clears it: the model's default). */
const Temperature = Type.Union([Type.Number(SAMPLING_LIMITS.temperature), Type.Null()]);
const MaxOutputTokens = Type.Union([Type.Integer(SAMPLING_LIMITS.maxOutputTokens), Type.Null()]);

const CreateBody = Type.Object(
  {
    title: Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()])),
    system_prompt: Type.Optional(Type.Union([Text, Type.Null()])),
    model: Type.Optional(Type.Union([Model, Type.Null()])),
    temperature: Type.Optional(Temperature),
    max_output_tokens: Type.Optional(MaxOutputTokens),
    metadata: Type.Optional(MetadataSchema),
  },
  { additionalProperties: false },
);
const PatchBody = Type.Object(
  {
    title: Type.Optional(Type.Union([Type.String({ maxLength: 300 }), Type.Null()])),
    system_prompt: Type.Optional(Type.Union([Text, Type.Null()])),
    model: Type.Optional(Type.Union([Model, Type.Null()])),
    temperature: Type.Optional(Temperature),
    max_output_tokens: Type.Optional(MaxOutputTokens),
    current_node: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
const PostMessageBody = Type.Object(
  {
    content: MessageContent,
    /** Absent: after the current node; null: a new root. */
    parent_id: Type.Optional(Type.Union([Uuid, Type.Null()])),
    model: Type.Optional(Model),
    stream: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const EditBody = Type.Object(
  {
    content: MessageContent,
    model: Type.Optional(Model),
    stream: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const GenerateBody = Type.Object(
  { model: Type.Optional(Model), stream: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const EventsQuery = Type.Object(
  { after: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })) },
  { additionalProperties: false },
);
const ForkBody = Type.Object({ message_id: Uuid }, { additionalProperties: false });
const Params = Type.Object({ id: Uuid });
const MessageParams = Type.Object({ id: Uuid, messageId: Uuid });

/** The sampling fields a create or patch sets (absent ones stay absent). */
function samplingOf(body: {
  readonly temperature?: number | null;
  readonly max_output_tokens?: number | null;
}): { temperature?: number | null; maxOutputTokens?: number | null } {
  return {
    ...(body.temperature === undefined ? {} : { temperature: body.temperature }),
    ...(body.max_output_tokens === undefined ? {} : { maxOutputTokens: body.max_output_tokens }),
  };
}

export function registerConversationWriteRoutes(
  app: NativeApp,
  conversations: ConversationCore,
  limits: { readonly bodyLimitBytes: number; readonly maxAttachmentBytes: number },
): void {
  // Routes that take a message may carry an attachment as base64: 4/3 of its bytes, and the rest.
  const bodyLimit = attachmentBodyLimit(limits);
  const decode = (content: Static<typeof MessageContent>) =>
    decodeContent(content, limits.maxAttachmentBytes);
  app.post('/conversations', { schema: { body: CreateBody } }, async (request, reply) => {
    const body = request.body;
    const { conversation } = await conversations.tree.createConversation(
      request.principal.owner,
      [],
      body.metadata ?? {},
      {
        ...(body.title === undefined ? {} : { title: body.title }),
        ...(body.system_prompt === undefined ? {} : { systemPrompt: body.system_prompt }),
        ...(body.model === undefined ? {} : { model: body.model }),
        ...samplingOf(body),
      },
    );
    return reply.code(201).send(toConversation(conversation));
  });

  app.patch('/conversations/:id', { schema: { params: Params, body: PatchBody } }, async (request) => {
    const body = request.body;
    const conversation = await conversations.tree.update(request.principal.owner, request.params.id, {
      ...(body.title === undefined ? {} : { title: body.title }),
      ...(body.system_prompt === undefined ? {} : { systemPrompt: body.system_prompt }),
      ...(body.model === undefined ? {} : { model: body.model }),
      ...samplingOf(body),
      ...(body.current_node === undefined ? {} : { currentNode: body.current_node }),
    });
    return toConversation(conversation);
  });

  app.delete('/conversations/:id', { schema: { params: Params } }, async (request) => {
    await conversations.tree.delete(request.principal.owner, request.params.id);
    return { id: request.params.id, object: 'conversation', deleted: true };
  });

  app.post(
    '/conversations/:id/messages',
    { schema: { params: Params, body: PostMessageBody }, bodyLimit },
    async (request, reply) => {
      const principal = request.principal;
      const body = request.body;
      const { attachments, ...question } = decode(body.content);
      const turn = await conversations.generations.startGeneration({
        owner: principal.owner,
        inputs: [{ role: 'user', ...question }],
        ...(attachments.length === 0 ? {} : { attachments }),
        placement:
          body.parent_id === undefined
            ? { kind: 'after-current', conversationId: request.params.id }
            : { kind: 'under', conversationId: request.params.id, parentId: body.parent_id },
        ...(body.model === undefined ? {} : { model: body.model }),
        allowedModels: principal.models,
        keyId: principal.keyId,
      });
      return runTurn(turn, reply, body.stream === true, conversations, principal.owner);
    },
  );

  app.post(
    '/conversations/:id/messages/:messageId/regenerate',
    { schema: { params: MessageParams, body: GenerateBody } },
    async (request, reply) => {
      const principal = request.principal;
      const turn = await conversations.generations.regenerate(
        principal.owner,
        request.params.id,
        request.params.messageId,
        request.body.model,
        principal.models,
        principal.keyId,
      );
      return runTurn(turn, reply, request.body.stream === true, conversations, principal.owner);
    },
  );

  app.post(
    '/conversations/:id/messages/:messageId/edit',
    { schema: { params: MessageParams, body: EditBody }, bodyLimit },
    async (request, reply) => {
      const principal = request.principal;
      const turn = await conversations.generations.edit(
        principal.owner,
        request.params.id,
        request.params.messageId,
        decode(request.body.content),
        {
          ...(request.body.model === undefined ? {} : { model: request.body.model }),
          allowedModels: principal.models,
          keyId: principal.keyId,
        },
      );
      return runTurn(turn, reply, request.body.stream === true, conversations, principal.owner);
    },
  );

  app.post(
    '/conversations/:id/messages/:messageId/continue',
    { schema: { params: MessageParams, body: GenerateBody } },
    async (request, reply) => {
      const principal = request.principal;
      const turn = await conversations.generations.continueAnswer(
        principal.owner,
        request.params.id,
        request.params.messageId,
        {
          ...(request.body.model === undefined ? {} : { model: request.body.model }),
          allowedModels: principal.models,
          keyId: principal.keyId,
        },
      );
      return runTurn(turn, reply, request.body.stream === true, conversations, principal.owner);
    },
  );

  // Stop an answer being written (idempotent): it is kept, `incomplete`, with what arrived.
  app.post(
    '/conversations/:id/messages/:messageId/cancel',
    { schema: { params: MessageParams } },
    async (request) => {
      const owner = request.principal.owner;
      const answer = await conversations.tree.getMessage(owner, request.params.messageId);
      if (answer === undefined || answer.conversationId !== request.params.id) {
        throw notFound(`message ${request.params.messageId} not found in this conversation`);
      }
      const cancelled = await conversations.runs.cancel(owner, answer.id);
      const after = await conversations.tree.getMessage(owner, answer.id);
      return { id: answer.id, object: 'message', status: after?.status ?? answer.status, cancelled };
    },
  );

  // Follow (or resume) an answer's stream: events after `Last-Event-ID` (or `?after=`), then live.
  app.get(
    '/conversations/:id/messages/:messageId/events',
    { schema: { params: MessageParams, querystring: EventsQuery } },
    async (request, reply) => {
      const owner = request.principal.owner;
      const answer = await conversations.tree.getMessage(owner, request.params.messageId);
      if (
        answer === undefined ||
        answer.conversationId !== request.params.id ||
        answer.role !== 'assistant'
      ) {
        throw notFound(`answer ${request.params.messageId} not found in this conversation`);
      }
      const lastEventId = request.headers['last-event-id'];
      const fromHeader =
        typeof lastEventId === 'string' && /^\d{1,9}$/.test(lastEventId) ? Number(lastEventId) : -1;
      const after = request.query.after === undefined ? fromHeader : Number(request.query.after);
      const held = await conversations.runs.has(answer.id);
      // Rebuilt from the stored answer, the events are numbered anew: a resume would skip or repeat.
      if (!held && answer.status !== 'in_progress' && after > 0) {
        throw badRequest(
          "The events of this answer are no longer kept (a run's events are kept 10 minutes after it ends, and without Redis only by the server that ran it), so 'Last-Event-ID' (or 'after') cannot be honoured: read the message, or follow its events from the start.",
          request.query.after === undefined ? 'Last-Event-ID' : 'after',
        );
      }
      const events = held
        ? conversations.runs.follow(answer.id, after, abortOnDisconnect(reply))
        : storedRunEvents(answer);
      return streamRun(events, reply, conversations, owner, {
        conversation_id: answer.conversationId,
        question_id: answer.parentId ?? answer.id,
        message_id: answer.id,
        parent_id: answer.parentId,
      });
    },
  );

  app.post(
    '/conversations/:id/fork',
    { schema: { params: Params, body: ForkBody } },
    async (request, reply) => {
      const fork = await conversations.tree.fork(
        request.principal.owner,
        request.params.id,
        request.body.message_id,
      );
      return reply.code(201).send(toConversation(fork));
    },
  );
}
