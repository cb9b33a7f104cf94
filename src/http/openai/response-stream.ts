/**
 * Streams a response as OpenAI's typed events, each with its `sequence_number` (also the SSE
 * `id:`), from the events of its run. The numbering is a function of the run's events, so a
 * client that resumes with `starting_after` gets exactly the events it missed. The stream opens
 * with the first event, so a failure before any text still gets a real HTTP status; a failure
 * after it ends the stream with `response.failed` (or `response.incomplete` when cancelled).
 */

import type { FastifyReply } from 'fastify';
import { failureError, type RunEvent } from '../../conversations/runs.ts';
import { ParleyError } from '../../errors.ts';
import { SseWriter } from '../sse.ts';
import { toOpenAIError } from './openai-errors.ts';
import { toPublicId } from './openai-ids.ts';
import type { RenderResponse } from './responses-routes.ts';

const TEXT_POSITION = { output_index: 0, content_index: 0 } as const;

export async function streamResponse(
  events: AsyncIterable<RunEvent>,
  answerId: string,
  reply: FastifyReply,
  render: RenderResponse,
  startingAfter = -1,
): Promise<void> {
  const sse = new SseWriter(reply);
  const itemId = toPublicId('msg_', answerId);
  let sequence = 0;
  const send = (event: { type: string } & Record<string, unknown>) => {
    const sequenceNumber = sequence++;
    if (sequenceNumber <= startingAfter) return Promise.resolve();
    return sse.send({
      id: sequenceNumber,
      event: event.type,
      data: JSON.stringify({ ...event, sequence_number: sequenceNumber }),
    });
  };
  const open = async () => {
    sse.open();
    const initial = render({ text: '', status: 'in_progress' });
    await send({ type: 'response.created', response: initial });
    await send({ type: 'response.in_progress', response: initial });
    await send({
      type: 'response.output_item.added',
      output_index: 0,
      item: { id: itemId, type: 'message', status: 'in_progress', role: 'assistant', content: [] },
    });
    await send({
      type: 'response.content_part.added',
      item_id: itemId,
      ...TEXT_POSITION,
      part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
    });
  };

  for await (const event of events) {
    if (event.type === 'error') {
      if (!sse.isOpen) throw failureError(event);
      const cancelled = event.code === 'CANCELLED';
      const { body } = toOpenAIError(failureError(event));
      const final = cancelled
        ? render({ text: event.text, status: 'incomplete', finishReason: 'cancelled' })
        : render({
            text: event.text,
            status: event.text === '' ? 'failed' : 'incomplete',
            error: body.error.message,
          });
      await send({ type: cancelled ? 'response.incomplete' : 'response.failed', response: final });
      break;
    }
    if (!sse.isOpen) await open();
    if (event.type === 'delta') {
      await send({
        type: 'response.output_text.delta',
        item_id: itemId,
        ...TEXT_POSITION,
        delta: event.delta,
        logprobs: [],
      });
      continue;
    }
    const final = render({
      text: event.text,
      status: event.status,
      finishReason: event.finishReason,
      ...(event.usage === undefined ? {} : { usage: event.usage }),
    });
    await send({
      type: 'response.output_text.done',
      item_id: itemId,
      ...TEXT_POSITION,
      text: event.text,
      logprobs: [],
    });
    await send({
      type: 'response.content_part.done',
      item_id: itemId,
      ...TEXT_POSITION,
      part: { type: 'output_text', text: event.text, annotations: [], logprobs: [] },
    });
    await send({ type: 'response.output_item.done', output_index: 0, item: final.output[0] });
    await send({
      type: final.status === 'completed' ? 'response.completed' : 'response.incomplete',
      response: final,
    });
  }
  // No event at all: the follower left before the run said anything.
  if (!sse.isOpen) {
    if (reply.raw.destroyed) return;
    throw new ParleyError('UPSTREAM_ERROR', 'the response ended without any event');
  }
  sse.end();
}
