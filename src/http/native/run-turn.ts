/**
 * Runs a turn for the native API: as one JSON answer, or as Server-Sent Events — `delta`
 * (`{delta, text}`), then `done` (`{message}`), or `error` (`{code, message}`) — each with its
 * sequence number as the SSE id. As elsewhere, the stream opens with the first event, so a failure
 * before it is a real status.
 */

import type { FastifyReply } from 'fastify';
import type { ConversationService } from '../../conversations/conversation-service.ts';
import type { Turn } from '../../conversations/turn.ts';
import { notFound } from '../../errors.ts';
import { toClientError } from '../client-error.ts';
import { abortOnDisconnect } from '../client-signal.ts';
import { SseWriter } from '../sse.ts';
import { toMessage } from './conversations-routes.ts';

export async function runTurn(
  turn: Turn,
  reply: FastifyReply,
  stream: boolean,
  conversations: ConversationService,
  owner: string,
): Promise<unknown> {
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
  const sse = new SseWriter(reply);
  try {
    for await (const event of turn.stream(signal)) {
      if (!sse.isOpen) sse.open();
      if (event.type === 'delta') {
        await sse.send({
          id: event.sequence,
          event: 'delta',
          data: JSON.stringify({ delta: event.delta, text: event.text }),
        });
      } else {
        await sse.send({
          id: event.sequence,
          event: 'done',
          data: JSON.stringify({ ...ids, message: await answerOf() }),
        });
      }
    }
  } catch (error) {
    if (!sse.isOpen) throw error;
    const clientError = toClientError(error);
    await sse.send({
      event: 'error',
      data: JSON.stringify({ code: clientError.code, message: clientError.message }),
    });
  }
  sse.end();
  return undefined;
}
