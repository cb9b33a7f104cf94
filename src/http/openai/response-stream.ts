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
import { functionCallItemId } from './response-object.ts';
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
  // The function calls so far, by the model's index; each is an output item after the message.
  const calls: { id: string; name: string; arguments: string }[] = [];
  const toolCallFrames = (event: Extract<RunEvent, { type: 'tool-call-delta' }>): SseFrame[] => {
    const output_index = 1 + event.index;
    const item_id = functionCallItemId(answerId, event.index);
    const frames: SseFrame[] = [];
    let call = calls[event.index];
    if (call === undefined) {
      call = { id: event.id ?? '', name: event.name ?? '', arguments: '' };
      calls[event.index] = call;
      frames.push(
        ...frame({
          type: 'response.output_item.added',
          output_index,
          item: {
            type: 'function_call',
            id: item_id,
            call_id: call.id,
            name: call.name,
            arguments: '',
            status: 'in_progress',
          },
        }),
      );
    }
    call.arguments += event.argumentsDelta;
    if (event.argumentsDelta !== '') {
      frames.push(
        ...frame({
          type: 'response.function_call_arguments.delta',
          item_id,
          output_index,
          delta: event.argumentsDelta,
        }),
      );
    }
    return frames;
  };
  await sendEventStream(
    reply,
    events,
    {
      opening: () => [
        ...frame({
          type: 'response.created',
          response: render({ text: '', status: 'in_progress', queued: true }),
        }),
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
        if (event.type === 'tool-call-delta') return toolCallFrames(event);
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
        const toolCalls = calls.filter((call) => call !== undefined);
        const final = render({
          text,
          status: event.status,
          finishReason: event.finishReason,
          ...(event.usage === undefined ? {} : { usage: event.usage }),
          ...(toolCalls.length === 0 ? {} : { toolCalls }),
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
          ...frame({
            type: 'response.output_item.done',
            output_index: 0,
            item: {
              id: itemId,
              type: 'message',
              status: final.status === 'completed' ? 'completed' : 'incomplete',
              role: 'assistant',
              content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
            },
          }),
          ...final.output.flatMap((item) => {
            if (item.type !== 'function_call') return [];
            const output_index = 1 + toolCalls.findIndex((call) => call.id === item.call_id);
            return [
              ...frame({
                type: 'response.function_call_arguments.done',
                item_id: item.id,
                output_index,
                name: item.name,
                arguments: item.arguments,
              }),
              ...frame({ type: 'response.output_item.done', output_index, item }),
            ];
          }),
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
