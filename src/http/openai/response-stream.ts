/**
 * Streams a response as OpenAI's typed events, each with its `sequence_number` (also the SSE
 * `id:`). The stream opens with the first model output, so a failure before it still gets a real
 * HTTP status; a failure after it ends the stream with `response.failed`.
 */

import type { FastifyReply } from 'fastify';
import type { Turn } from '../../conversations/turn.ts';
import { ParleyError } from '../../errors.ts';
import { SseWriter } from '../sse.ts';
import { toOpenAIError } from './openai-errors.ts';
import { toPublicId } from './openai-ids.ts';
import type { RenderResponse } from './responses-routes.ts';

const TEXT_POSITION = { output_index: 0, content_index: 0 } as const;

export async function streamResponse(
  turn: Turn,
  reply: FastifyReply,
  signal: AbortSignal,
  render: RenderResponse,
): Promise<void> {
  const sse = new SseWriter(reply);
  const itemId = toPublicId('msg_', turn.ids.answerId);
  let sequence = 0;
  let text = '';
  const send = (event: { type: string } & Record<string, unknown>) => {
    const sequenceNumber = sequence++;
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

  try {
    for await (const event of turn.stream(signal)) {
      if (!sse.isOpen) await open();
      if (event.type === 'delta') {
        text = event.text;
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
  } catch (error) {
    if (!sse.isOpen) throw error;
    const cancelled = error instanceof ParleyError && error.code === 'CANCELLED';
    const { body } = toOpenAIError(error);
    const final = cancelled
      ? render({ text, status: 'incomplete', finishReason: 'cancelled' })
      : render({ text, status: text === '' ? 'failed' : 'incomplete', error: body.error.message });
    await send({ type: cancelled ? 'response.incomplete' : 'response.failed', response: final });
  }
  sse.end();
}
