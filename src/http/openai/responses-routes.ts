/**
 * `/v1/responses`: create (stored or not, streamed or not, in the background or not), retrieve,
 * delete, input items and cancel. A stored response is an answer of the conversation tree: `previous_response_id` is its
 * parent, so pointing it at an older response branches, exactly like `/ask`'s `parent_id`.
 */

import type { ConversationCore } from '../../conversations/core.ts';
import { textParts } from '../../conversations/message-parts.ts';
import type { Placement } from '../../conversations/planning.ts';
import { storedRunEvents } from '../../conversations/stored-answer-events.ts';
import type { Turn } from '../../conversations/turn.ts';
import { badRequest } from '../../errors.ts';
import type { ReasoningPart, TokenLogprob, ToolCall } from '../../providers/spec.ts';
import type { ConversationRecord, MessageRecord, NewAttachment } from '../../store/store.ts';
import { abortOnDisconnect } from '../client-signal.ts';
import { holdLimitsUntil } from '../limit-holds.ts';
import { ownerOf } from '../owner.ts';
import { routeHeaderReporter } from '../route-header.ts';
import { assertBackgroundStored, cancelResponse } from './background-responses.ts';
import { listItems } from './conversation-items.ts';
import { ListQuery, toInputMessages } from './input-items.ts';
import { resolveItemReferences } from './item-references.ts';
import type { OpenAIApp } from './openai-app.ts';
import { notFoundError } from './openai-errors.ts';
import { fromPublicId } from './openai-ids.ts';
import { reasoningView } from './reasoning-items.ts';
import {
  type ResponseObject,
  type ResponseOptions,
  readResponseOptions,
  toResponseObject,
} from './response-object.ts';
import { withOutputTextLogprobs } from './response-logprobs.ts';
import { streamResponse } from './response-stream.ts';
import {
  assertResponsesRequestHonoured,
  assertResponsesRequestServed,
  CreateResponseBody,
  type CreateResponseRequest,
  toResponseSettings,
  toResponsesCallOptions,
} from './responses-request.ts';
import { ResponseParams, RetrieveQuery } from './responses-schemas.ts';

export function registerResponsesRoutes(app: OpenAIApp, conversations: ConversationCore): void {
  app.post('/responses', { schema: { body: CreateResponseBody } }, async (request, reply) => {
    const owner = ownerOf(request);
    const body = request.body;
    assertResponsesRequestServed(body);
    assertBackgroundStored(body);
    const { placement, conversationPublicId, conversation } = await placementFor(conversations, owner, body);
    // The bytes of images, files and audio sent inline, stored with the inputs that name them.
    const attachments: NewAttachment[] = [];
    const inputs =
      typeof body.input === 'string'
        ? [{ role: 'user' as const, content: body.input }]
        : toInputMessages(
            await resolveItemReferences(body.input ?? [], 'input', (id) =>
              conversations.tree.getMessage(owner, id),
            ),
            'input',
            attachments,
          );
    if (inputs.length === 0) throw badRequest("'input' is required and must not be empty.", 'input');
    const options: ResponseOptions = {
      instructions: body.instructions ?? null,
      metadata: body.metadata ?? {},
      // What is used: the request's own, or the conversation's (see `withConversationSampling`).
      temperature: body.temperature ?? conversation?.temperature ?? null,
      top_p: body.top_p ?? null,
      max_output_tokens: body.max_output_tokens ?? conversation?.maxOutputTokens ?? null,
      previous_response_id: body.previous_response_id ?? null,
      conversation: conversationPublicId,
      input_count: inputs.length,
      user: body.user ?? null,
      settings: toResponseSettings(body),
      background: body.background === true,
      include: body.include ?? [],
    };
    const store = body.store !== false;
    const startedAt = Date.now();
    const turn = await conversations.generations.startGeneration({
      owner,
      inputs,
      placement,
      ...(body.model === undefined ? {} : { model: body.model }),
      ...(body.instructions === undefined || body.instructions === null
        ? {}
        : { instructions: body.instructions }),
      options: toResponsesCallOptions(body),
      checkModel: (model) => assertResponsesRequestHonoured(body, model),
      ...(attachments.length === 0 ? {} : { attachments }),
      ...(body.truncation == null ? {} : { truncation: body.truncation }),
      requestOptions: { ...options },
      store,
      allowedModels: request.principal.models,
      keyId: request.principal.keyId,
    });
    turn.reportAttemptsTo(routeHeaderReporter(reply));
    const render = renderWith((state) => answerRecord(turn, startedAt, state), options, store);
    if (body.stream === true || options.background) {
      // The generation runs on its own: a client that drops can resume it (GET with stream=true),
      // and a background one is polled (GET) or cancelled by id.
      const runId = conversations.runs.start(turn);
      holdLimitsUntil(request, turn.settled);
      if (body.stream !== true) return render({ text: '', status: 'in_progress', queued: true });
      return streamResponse(
        conversations.runs.follow(runId, -1, abortOnDisconnect(reply)),
        runId,
        reply,
        render,
        reasoningView(options.settings.reasoning.summary, options.include),
      );
    }
    const result = await turn.generate(abortOnDisconnect(reply));
    return render({
      text: result.text,
      status: result.status,
      finishReason: result.finishReason,
      ...(result.usage === undefined ? {} : { usage: result.usage }),
      ...(result.toolCalls === undefined ? {} : { toolCalls: result.toolCalls }),
      ...(result.reasoning === undefined ? {} : { reasoning: result.reasoning }),
      ...(result.logprobs === undefined ? {} : { logprobs: result.logprobs }),
    });
  });

  app.get(
    '/responses/:id',
    { schema: { params: ResponseParams, querystring: RetrieveQuery } },
    async (request, reply) => {
      const answer = await findResponse(conversations, ownerOf(request), request.params.id);
      if (request.query.stream !== 'true') return toResponseObject(answer);
      // Resume: the events after `starting_after`, from the run while it is known here, else rebuilt
      // from the stored answer once it has ended (the same items, each piece as one delta: other numbers).
      const held = await conversations.runs.has(answer.id);
      if (!held && answer.status !== 'in_progress' && request.query.starting_after !== undefined) {
        throw badRequest(
          "The events of this response are no longer kept (a run's events are kept 10 minutes after it ends, and without Redis only by the server that ran it), so 'starting_after' cannot be honoured: retrieve it without 'stream', or stream it whole without 'starting_after'.",
          'starting_after',
        );
      }
      const options = readResponseOptions(answer);
      const render = renderWith((state) => withState(answer, state), options, true);
      const startingAfter =
        request.query.starting_after === undefined ? -1 : Number(request.query.starting_after);
      const events = held
        ? conversations.runs.follow(answer.id, -1, abortOnDisconnect(reply))
        : storedRunEvents(answer);
      const view = reasoningView(options.settings.reasoning.summary, options.include);
      return streamResponse(events, answer.id, reply, render, view, startingAfter);
    },
  );

  app.delete('/responses/:id', { schema: { params: ResponseParams } }, async (request) => {
    const owner = ownerOf(request);
    const answer = await findResponse(conversations, owner, request.params.id);
    await conversations.tree.deleteMessage(owner, answer.conversationId, answer.id);
    return { id: request.params.id, object: 'response.deleted', deleted: true };
  });

  app.get(
    '/responses/:id/input_items',
    { schema: { params: ResponseParams, querystring: ListQuery } },
    async (request) => {
      const owner = ownerOf(request);
      const answer = await findResponse(conversations, owner, request.params.id);
      const path = await conversations.tree.getPath(owner, answer.conversationId, answer.id);
      const inputCount = readResponseOptions(answer).input_count;
      const inputs = path.slice(Math.max(0, path.length - 1 - inputCount), -1);
      const kept = inputs.filter((message) => message.deletedAt === null);
      return listItems(conversations.tree, owner, kept, request.query);
    },
  );

  app.post('/responses/:id/cancel', { schema: { params: ResponseParams } }, async (request) => {
    const owner = ownerOf(request);
    const answer = await findResponse(conversations, owner, request.params.id);
    return cancelResponse(conversations, owner, answer, () =>
      findResponse(conversations, owner, request.params.id),
    );
  });
}

/**
 * Where the new input goes: under `previous_response_id`, after a conversation's last item, or
 * new; and that conversation (undefined for a new one).
 */
async function placementFor(
  conversations: ConversationCore,
  owner: string,
  body: CreateResponseRequest,
): Promise<{
  placement: Placement;
  conversationPublicId: string | null;
  conversation: ConversationRecord | undefined;
}> {
  const conversation =
    typeof body.conversation === 'string' ? body.conversation : (body.conversation?.id ?? null);
  const previous = body.previous_response_id ?? null;
  if (conversation !== null && previous !== null) {
    throw badRequest(
      "'previous_response_id' and 'conversation' cannot be used together: the conversation already says what came before.",
      'previous_response_id',
    );
  }
  if (previous !== null) {
    const parent = await findResponse(conversations, owner, previous, 'previous_response_id');
    return {
      placement: { kind: 'under', conversationId: parent.conversationId, parentId: parent.id },
      conversationPublicId: null,
      conversation: await conversations.tree.getConversation(owner, parent.conversationId),
    };
  }
  if (conversation !== null) {
    const conversationId = fromPublicId('conv_', conversation);
    const found =
      conversationId === undefined
        ? undefined
        : await conversations.tree.getConversation(owner, conversationId);
    if (found === undefined) throw notFoundError('conversation', conversation);
    return {
      placement: { kind: 'after-current', conversationId: found.id },
      conversationPublicId: conversation,
      conversation: found,
    };
  }
  return { placement: { kind: 'new-conversation' }, conversationPublicId: null, conversation: undefined };
}

/** The owner's answer behind a `resp_` id, or a 404. */
async function findResponse(
  conversations: ConversationCore,
  owner: string,
  publicId: string,
  param?: string,
): Promise<MessageRecord> {
  const id = fromPublicId('resp_', publicId);
  const message = id === undefined ? undefined : await conversations.tree.getMessage(owner, id);
  if (message === undefined || message.role !== 'assistant') {
    const error = notFoundError('response', publicId);
    throw param === undefined ? error : Object.assign(error, { param });
  }
  return message;
}

export interface AnswerState {
  readonly text: string;
  readonly status: MessageRecord['status'];
  readonly finishReason?: string;
  readonly usage?: { readonly inputTokens: number; readonly outputTokens: number };
  readonly error?: string;
  /** The functions the model called, when it called any. */
  readonly toolCalls?: readonly ToolCall[];
  /** Nothing is generated yet: a background response reports itself `queued` then. */
  readonly queued?: boolean;
  /** The model's reasoning, when it gave any. */
  readonly reasoning?: readonly ReasoningPart[];
  /** The text's tokens, when the request asked for log probabilities (never stored). */
  readonly logprobs?: readonly TokenLogprob[];
}

/** The answer's parts: its reasoning, its text, then its tool calls. */
function partsOf(state: AnswerState): MessageRecord['parts'] {
  return [
    ...(state.reasoning ?? []).map((part) => ({ type: 'reasoning' as const, ...part })),
    ...textParts(state.text),
    ...(state.toolCalls ?? []).map((call) => ({
      type: 'tool-call' as const,
      callId: call.id,
      name: call.name,
      arguments: call.arguments,
    })),
  ];
}

/**
 * The answer with the state a stream event reports. Its output is the stream's so far (the stream
 * reads the run from its first event), never the stored one: a replayed stream opens empty as the
 * live one did. Once ended, usage the events did not carry is the stored one.
 */
function withState(answer: MessageRecord, state: AnswerState): MessageRecord {
  const ended = state.status !== 'in_progress';
  return {
    ...answer,
    content: state.text,
    parts: partsOf(state),
    status: state.status,
    finishReason: state.finishReason ?? answer.finishReason,
    inputTokens: state.usage?.inputTokens ?? (ended ? answer.inputTokens : null),
    outputTokens: state.usage?.outputTokens ?? (ended ? answer.outputTokens : null),
    error: state.error ?? answer.error,
    // Read while it was being written and ended since: it ended now, not at the read.
    updatedAt:
      answer.status === 'in_progress' && state.status !== 'in_progress' ? Date.now() : answer.updatedAt,
  };
}

/** The answer as the store holds it (or would, with `store: false`), without reading it back. */
function answerRecord(turn: Turn, startedAt: number, state: AnswerState): MessageRecord {
  return {
    id: turn.ids.answerId,
    conversationId: turn.ids.conversationId,
    parentId: turn.ids.questionId,
    role: 'assistant',
    content: state.text,
    parts: partsOf(state),
    model: turn.modelName,
    provider: turn.provider,
    status: state.status,
    finishReason: state.finishReason ?? null,
    inputTokens: state.usage?.inputTokens ?? null,
    outputTokens: state.usage?.outputTokens ?? null,
    error: state.error ?? null,
    requestOptions: null,
    deletedAt: null,
    context: null,
    upstreamConversationId: null,
    upstreamMessageId: null,
    createdAt: startedAt,
    updatedAt: Date.now(),
  };
}

export type RenderResponse = (
  state: AnswerState,
) => Omit<ResponseObject, 'status'> & { status: ResponseObject['status'] | 'queued'; store: boolean };

/** The Response object of the answer in a state, as the request that made it reports it. */
function renderWith(
  record: (state: AnswerState) => MessageRecord,
  options: ResponseOptions,
  store: boolean,
): RenderResponse {
  return (state) => {
    const response = withOutputTextLogprobs(
      { ...toResponseObject(record(state), options), store },
      state.logprobs,
    );
    return state.queued === true && options.background ? { ...response, status: 'queued' } : response;
  };
}
