/**
 * Runs a turn for the native API: as one JSON answer, or as Server-Sent Events (see `streamRun`).
 * As elsewhere, the stream opens with the first event, so a failure before it is a real status.
 */

import type { FastifyReply } from 'fastify';
import type { ConversationCore } from '../../conversations/core.ts';
import type { RunEvent } from '../../conversations/runs.ts';
import type { Turn } from '../../conversations/turn.ts';
import { notFound } from '../../errors.ts';
import { abortOnDisconnect } from '../client-signal.ts';
import { holdLimitsUntil } from '../limit-holds.ts';
import { sendEventStream } from '../event-stream.ts';
import { routeHeaderReporter } from '../route-header.ts';
import type { SseFrame } from '../sse.ts';
import { toMessage } from './conversations-routes.ts';

/** What the `start` event of a native stream says: the answer being written, and where. */
export interface StreamIds {
  readonly conversation_id: string;
  /** The message answered (the answer's parent). */
  readonly question_id: string;
  /** The answer's id: follow (`/events`) or cancel it with this. */
  readonly message_id: string;
  readonly parent_id: string | null;
}

export async function runTurn(
  turn: Turn,
  reply: FastifyReply,
  stream: boolean,
  conversations: ConversationCore,
  owner: string,
): Promise<unknown> {
  turn.reportAttemptsTo(routeHeaderReporter(reply));
  const signal = abortOnDisconnect(reply);
  const answerOf = async () => {
    const message = await conversations.tree.getMessage(owner, turn.ids.answerId);
    if (message === undefined) throw notFound(`message ${turn.ids.answerId} not found`);
    return toMessage(message);
  };
  const ids = { conversation_id: turn.ids.conversationId, question_id: turn.ids.questionId };
  if (!stream) {
    await turn.generate(signal);
    return { ...ids, message: await answerOf() };
  }
  // Streamed generations run on their own: a client that drops can come back for the rest.
  const runId = conversations.runs.start(turn);
  holdLimitsUntil(reply.request, turn.settled);
  return streamRun(conversations.runs.follow(runId, -1, signal), reply, conversations, owner, {
    ...ids,
    message_id: runId,
    parent_id: turn.ids.questionId,
  });
}

/** A `tool_call` event's data: a piece of the `index`th call, its id and name with its first piece. */
function toolCallData(event: Extract<RunEvent, { type: 'tool-call-delta' }>) {
  return {
    index: event.index,
    ...(event.id === undefined ? {} : { id: event.id }),
    ...(event.name === undefined ? {} : { name: event.name }),
    arguments_delta: event.argumentsDelta,
  };
}

/**
 * Writes a run's events as native SSE: `start` first (naming the answer, so a client can cancel or
 * resume it by id), then the pieces as they come — `delta` (`{delta}`, only the new text),
 * `reasoning` (`{delta}`, the model's thinking), `tool_call` (`{index, id?, name?, arguments_delta}`)
 * — with the run's sequence numbers as ids, then `done` (`{message}`, the stored answer) or `error`
 * (`{code, message}`). Used for a new stream and to resume one (`Last-Event-ID`).
 */
export async function streamRun(
  events: AsyncIterable<RunEvent>,
  reply: FastifyReply,
  conversations: ConversationCore,
  owner: string,
  ids: StreamIds,
): Promise<undefined> {
  const answerId = ids.message_id;
  const frame = (event: string, data: unknown, id?: number): SseFrame => ({
    ...(id === undefined ? {} : { id }),
    event,
    data: JSON.stringify(data),
  });
  await sendEventStream(
    reply,
    events,
    {
      opening: () => [frame('start', ids)],
      // The end of a piece of reasoning is not sent: not every provider marks it, so a stream
      // rebuilt from the stored answer could not say it as the live one did; its opaque payload
      // stays on the server, as in the message's reasoning parts.
      async frames(event) {
        if (event.type === 'text-delta') return [frame('delta', { delta: event.delta }, event.sequence)];
        if (event.type === 'reasoning-delta')
          return [frame('reasoning', { delta: event.delta }, event.sequence)];
        if (event.type === 'tool-call-delta')
          return [frame('tool_call', toolCallData(event), event.sequence)];
        if (event.type !== 'finish') return [];
        const message = await conversations.tree.getMessage(owner, answerId);
        const done = {
          conversation_id: ids.conversation_id,
          question_id: ids.question_id,
          message: message === undefined ? null : toMessage(message),
        };
        return [frame('done', done, event.sequence)];
      },
      failure: (error) => [frame('error', { code: error.code, message: error.message })],
    },
    () => notFound(`no events for message ${answerId}`),
  );
  return undefined;
}
