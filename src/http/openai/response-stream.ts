/**
 * Streams a response as OpenAI's typed events, each with its `sequence_number` (also the SSE
 * `id:`), from the events of its run. The numbering is a function of the run's events, so a
 * client that resumes with `starting_after` gets exactly the events it missed. The stream opens
 * with the first event, so a failure before any text still gets a real HTTP status; a failure
 * after it ends the stream with `response.failed` (or `response.incomplete` when cancelled).
 */

import type { FastifyReply } from 'fastify';
import type { RunEvent } from '../../conversations/runs.ts';
import { ParleyError } from '../../errors.ts';
import { sendEventStream } from '../event-stream.ts';
import type { SseFrame } from '../sse.ts';
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
  const itemId = toPublicId('msg_', answerId);
  // The text so far: the final events carry it whole.
  let text = '';
  let sequence = 0;
  const frame = (event: { type: string } & Record<string, unknown>): SseFrame[] => {
    const sequenceNumber = sequence++;
    if (sequenceNumber <= startingAfter) return [];
    return [
      {
        id: sequenceNumber,
        event: event.type,
        data: JSON.stringify({ ...event, sequence_number: sequenceNumber }),
      },
    ];
  };
  const initial = () => render({ text: '', status: 'in_progress' });
  await sendEventStream(
    reply,
    events,
    {
      opening: () => [
        ...frame({ type: 'response.created', response: initial() }),
        ...frame({ type: 'response.in_progress', response: initial() }),
        ...frame({
          type: 'response.output_item.added',
          output_index: 0,
          item: { id: itemId, type: 'message', status: 'in_progress', role: 'assistant', content: [] },
        }),
        ...frame({
          type: 'response.content_part.added',
          item_id: itemId,
          ...TEXT_POSITION,
          part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
        }),
      ],
      frames(event) {
        if (event.type === 'text-delta') {
          text += event.delta;
          return frame({
            type: 'response.output_text.delta',
            item_id: itemId,
            ...TEXT_POSITION,
            delta: event.delta,
            logprobs: [],
          });
        }
        if (event.type !== 'finish') return [];
        const final = render({
          text,
          status: event.status,
          finishReason: event.finishReason,
          ...(event.usage === undefined ? {} : { usage: event.usage }),
        });
        return [
          ...frame({
            type: 'response.output_text.done',
            item_id: itemId,
            ...TEXT_POSITION,
            text,
            logprobs: [],
          }),
          ...frame({
            type: 'response.content_part.done',
            item_id: itemId,
            ...TEXT_POSITION,
            part: { type: 'output_text', text, annotations: [], logprobs: [] },
          }),
          ...frame({ type: 'response.output_item.done', output_index: 0, item: final.output[0] }),
          ...frame({
            type: final.status === 'completed' ? 'response.completed' : 'response.incomplete',
            response: final,
          }),
        ];
      },
      failure(error) {
        const cancelled = error.code === 'CANCELLED';
        const final = cancelled
          ? render({ text, status: 'incomplete', finishReason: 'cancelled' })
          : render({
              text,
              status: text === '' ? 'failed' : 'incomplete',
              error: toOpenAIError(error).body.error.message,
            });
        return frame({ type: cancelled ? 'response.incomplete' : 'response.failed', response: final });
      },
    },
    // No event at all: the follower left before the run said anything.
    () => new ParleyError('UPSTREAM_ERROR', 'the response ended without any event'),
  );
}
