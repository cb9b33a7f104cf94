/**
 * `POST /ask`: the seed's one chat call. Without ids it starts a conversation; with
 * `parent_id` + `conversation_id` it answers under that message (an older parent makes a branch).
 * With `stream: true` it answers Server-Sent Events carrying the cumulative text, as ChatGPT's
 * backend does, ending with `data: [DONE]`.
 */

import type { FastifyReply } from 'fastify';
import type { ConversationService } from '../../conversations/conversation-service.ts';
import type { Turn } from '../../conversations/turn.ts';
import { badRequest } from '../../errors.ts';
import { toClientError } from '../client-error.ts';
import { abortOnDisconnect } from '../client-signal.ts';
import { ownerOf } from '../owner.ts';
import { routeHeaderReporter } from '../route-header.ts';
import { SseWriter } from '../sse.ts';
import type { SeedApp } from './seed-app.ts';
import { AskBody } from './seed-schemas.ts';

export function registerAskRoute(app: SeedApp, conversations: ConversationService): void {
  app.post('/ask', { schema: { body: AskBody } }, async (request, reply) => {
    const body = request.body;
    const owner = ownerOf(request);
    let turn: Turn;
    if (body.action === 'variant' || body.action === 'continue') {
      if (body.parent_id === undefined || body.conversation_id === undefined) {
        throw badRequest(`action "${body.action}" needs the parent_id of an answer and its conversation_id`);
      }
      const caller = {
        ...(body.model === undefined ? {} : { model: body.model }),
        allowedModels: request.principal.models,
        keyId: request.principal.keyId,
      };
      turn =
        body.action === 'variant'
          ? await conversations.regenerate(
              owner,
              body.conversation_id,
              body.parent_id,
              body.model,
              caller.allowedModels,
              caller.keyId,
            )
          : await conversations.continueAnswer(owner, body.conversation_id, body.parent_id, caller);
    } else {
      if (body.msg === undefined) throw badRequest('msg is required');
      turn = await conversations.startTurn({
        owner,
        question: body.msg,
        ...(body.conversation_id === undefined ? {} : { conversationId: body.conversation_id }),
        ...(body.parent_id === undefined ? {} : { parentId: body.parent_id }),
        ...(body.model === undefined ? {} : { model: body.model }),
        allowedModels: request.principal.models,
        keyId: request.principal.keyId,
      });
    }
    turn.reportAttemptsTo(routeHeaderReporter(reply));
    const signal = abortOnDisconnect(reply);
    if (body.stream === true) return streamAnswer(turn, reply, signal);
    const result = await turn.generate(signal);
    return {
      code: 0,
      data: { message: result.text, parent_id: turn.ids.answerId, conversation_id: turn.ids.conversationId },
    };
  });
}

/**
 * Headers go out with the first event, so a failure before any text still gets a real status and
 * a JSON body; after that, a failure is an `error` event and the stream closes without `[DONE]`.
 */
async function streamAnswer(turn: Turn, reply: FastifyReply, signal: AbortSignal): Promise<void> {
  const sse = new SseWriter(reply);
  const ids = { parent_id: turn.ids.answerId, conversation_id: turn.ids.conversationId };
  try {
    for await (const event of turn.stream(signal)) {
      if (!sse.isOpen) sse.open();
      if (event.type === 'delta') {
        await sse.send({
          id: event.sequence,
          data: JSON.stringify({ message: event.text, delta: event.delta, ...ids }),
        });
      } else {
        await sse.send({ data: '[DONE]' });
      }
    }
  } catch (error) {
    if (!sse.isOpen) throw error;
    const clientError = toClientError(error);
    await sse.send({ event: 'error', data: JSON.stringify({ code: 1, msg: clientError.message, ...ids }) });
  }
  sse.end();
}
