/**
 * Runs a turn for the native API: as one JSON answer, or as Server-Sent Events — `delta`
 * (`{delta, text}`), then `done` (`{message}`), or `error` (`{code, message}`) — each with its
 * sequence number as the SSE id. As elsewhere, the stream opens with the first event, so a failure
 * before it is a real status.
 */

import type { FastifyReply } from 'fastify';
import type { ConversationService } from '../../conversations/conversation-service.ts';
import { failureError, type RunEvent } from '../../conversations/runs.ts';
import type { Turn } from '../../conversations/turn.ts';
import { notFound } from '../../errors.ts';
import { abortOnDisconnect } from '../client-signal.ts';
import { routeHeaderReporter } from '../route-header.ts';
import { SseWriter } from '../sse.ts';
import { toMessage } from './conversations-routes.ts';

export async function runTurn(
  turn: Turn,
  reply: FastifyReply,
  stream: boolean,
  conversations: ConversationService,
  owner: string,
): Promise<unknown> {
  turn.reportAttemptsTo(routeHeaderReporter(reply));
  const signal = abortOnDisconnect(reply);
  const answerOf = async () => {
    const message = await conversations.getMessage(owner, turn.ids.answerId);
    if (message === undefined) throw notFound(`message ${turn.ids.answerId} not found`);
    return toMessage(message);
  };
  const ids = { conversation_id: turn.ids.conversationId, question_id: turn.ids.questionId };
  if (!stream) {
    await turn.generate(signal);
    return { ...ids, message: await answerOf() };
  }
  // Streamed generations run on their own: a client that drops can come back for the rest.
  const runId = conversations.startRun(turn);
  return streamRun(conversations.followRun(runId, -1, signal), reply, conversations, owner, ids, runId);
}

/**
 * Writes a run's events as native SSE (`delta`, `done`, `error`, with the run's sequence numbers
 * as ids). Used for a new stream and to resume one (`Last-Event-ID`).
 */
export async function streamRun(
  events: AsyncIterable<RunEvent>,
  reply: FastifyReply,
  conversations: ConversationService,
  owner: string,
  ids: { conversation_id: string; question_id: string },
  answerId: string,
): Promise<undefined> {
  const sse = new SseWriter(reply);
  for await (const event of events) {
    if (event.type === 'error') {
      if (!sse.isOpen) throw failureError(event);
      await sse.send({
        id: event.sequence,
        event: 'error',
        data: JSON.stringify({ code: event.code, message: event.message }),
      });
      break;
    }
    if (!sse.isOpen) sse.open();
    if (event.type === 'delta') {
      await sse.send({
        id: event.sequence,
        event: 'delta',
        data: JSON.stringify({ delta: event.delta, text: event.text }),
      });
    } else {
      const message = await conversations.getMessage(owner, answerId);
      await sse.send({
        id: event.sequence,
        event: 'done',
        data: JSON.stringify({ ...ids, message: message === undefined ? null : toMessage(message) }),
      });
    }
  }
  if (!sse.isOpen) {
    if (reply.raw.destroyed) return undefined;
    throw notFound(`no events for message ${answerId}`);
  }
  sse.end();
  return undefined;
}
