/**
 * `POST /ask`: the seed's one chat call. Without ids it starts a conversation; with
 * `parent_id` + `conversation_id` it answers under that message (an older parent makes a branch).
 * With `stream: true` it answers Server-Sent Events carrying the cumulative text, as ChatGPT's
 * backend does, ending with `data: [DONE]`.
 */

import type { FastifyReply } from 'fastify';
import type { ConversationCore } from '../../conversations/core.ts';
import type { Turn } from '../../conversations/turn.ts';
import { badRequest, ParleyError } from '../../errors.ts';
import { toClientError } from '../client-error.ts';
import { abortOnDisconnect } from '../client-signal.ts';
import { sendEventStream } from '../event-stream.ts';
import { ownerOf } from '../owner.ts';
import { routeHeaderReporter } from '../route-header.ts';
import type { SeedApp } from './seed-app.ts';
import { AskBody } from './seed-schemas.ts';

export function registerAskRoute(app: SeedApp, conversations: ConversationCore): void {
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
          ? await conversations.generations.regenerate(
              owner,
              body.conversation_id,
              body.parent_id,
              body.model,
              caller.allowedModels,
              caller.keyId,
            )
          : await conversations.generations.continueAnswer(
              owner,
              body.conversation_id,
              body.parent_id,
              caller,
            );
    } else {
      if (body.msg === undefined) throw badRequest('msg is required');
      turn = await conversations.generations.startTurn({
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
 * The seed's stream: each event's `message` is the whole text so far (ChatGPT's protocol defines it
 * cumulative; this encoder keeps it), `delta` the new piece; `data: [DONE]` ends a finished answer,
 * and a failure after the first event is an `error` event with the seed's `{code: 1, msg}`.
 */
async function streamAnswer(turn: Turn, reply: FastifyReply, signal: AbortSignal): Promise<void> {
  const ids = { parent_id: turn.ids.answerId, conversation_id: turn.ids.conversationId };
  let text = '';
  await sendEventStream(
    reply,
    turn.stream(signal),
    {
      frames(event) {
        if (event.type === 'text-delta') {
          text += event.delta;
          return [
            { id: event.sequence, data: JSON.stringify({ message: text, delta: event.delta, ...ids }) },
          ];
        }
        return event.type === 'finish' ? [{ data: '[DONE]' }] : [];
      },
      failure: (error) => [
        { event: 'error', data: JSON.stringify({ code: 1, msg: toClientError(error).message, ...ids }) },
      ],
    },
    () => new ParleyError('UPSTREAM_ERROR', 'the answer ended without any event'),
  );
}
