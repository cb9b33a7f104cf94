/**
 * Streams a response as OpenAI's typed events, each with its `sequence_number` (also the SSE
 * `id:`), from the events of its run. The numbering is a function of the run's events, so a
 * client that resumes with `starting_after` gets exactly the events it missed. The stream opens
 * with the first event, so a failure before any text still gets a real HTTP status; a failure
 * after it ends the stream with `response.failed` (or `response.incomplete` when cancelled).
 *
 * Output items take their `output_index` in the order they start, as the Response object lists
 * them: reasoning first, then the message (at its first text), then the function calls.
 */

import type { FastifyReply } from 'fastify';
import type { RunEvent } from '../../conversations/runs.ts';
import { ParleyError } from '../../errors.ts';
import type { TokenLogprob } from '../../providers/spec.ts';
import { sendEventStream } from '../event-stream.ts';
import type { SseFrame } from '../sse.ts';
import { toOpenAIError } from './openai-errors.ts';
import { toPublicId } from './openai-ids.ts';
import type { ReasoningView } from './reasoning-items.ts';
import { type Frame, ReasoningFrames } from './reasoning-stream.ts';
import { toOutputTextLogprobs, toTextEventLogprobs } from './response-logprobs.ts';
import { functionCallItemId } from './response-object.ts';
import type { RenderResponse } from './responses-routes.ts';

export async function streamResponse(
  events: AsyncIterable<RunEvent>,
  answerId: string,
  reply: FastifyReply,
  render: RenderResponse,
  view: ReasoningView,
  startingAfter = -1,
): Promise<void> {
  const itemId = toPublicId('msg_', answerId);
  // The text so far (and its tokens, when log probabilities were asked for): the final events carry it whole.
  let text = '';
  const tokens: TokenLogprob[] = [];
  let sequence = 0;
  let nextOutputIndex = 0;
  const frame: Frame = (event) => {
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
  const reasoning = new ReasoningFrames(answerId, view, frame, () => nextOutputIndex++);
  // The message's output index, once its first text came (or at the end, when nothing else did).
  let messageIndex: number | undefined;
  const textPosition = () => ({ output_index: messageIndex, content_index: 0 });
  const openMessage = (): SseFrame[] => {
    if (messageIndex !== undefined) return [];
    messageIndex = nextOutputIndex++;
    return [
      ...frame({
        type: 'response.output_item.added',
        output_index: messageIndex,
        item: { id: itemId, type: 'message', status: 'in_progress', role: 'assistant', content: [] },
      }),
      ...frame({
        type: 'response.content_part.added',
        item_id: itemId,
        ...textPosition(),
        part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
      }),
    ];
  };
  // The function calls so far, by the model's index, with their output index.
  const calls: { id: string; name: string; arguments: string; outputIndex: number }[] = [];
  const toolCallFrames = (event: Extract<RunEvent, { type: 'tool-call-delta' }>): SseFrame[] => {
    const item_id = functionCallItemId(answerId, event.index);
    const frames: SseFrame[] = reasoning.close();
    let call = calls[event.index];
    if (call === undefined) {
      call = { id: event.id ?? '', name: event.name ?? '', arguments: '', outputIndex: nextOutputIndex++ };
      calls[event.index] = call;
      frames.push(
        ...frame({
          type: 'response.output_item.added',
          output_index: call.outputIndex,
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
          output_index: call.outputIndex,
          delta: event.argumentsDelta,
        }),
      );
    }
    return frames;
  };
  const messageDoneFrames = (status: string): SseFrame[] => {
    if (messageIndex === undefined) return [];
    const part = { type: 'output_text', text, annotations: [], logprobs: toOutputTextLogprobs(tokens) };
    const logprobs = toTextEventLogprobs(tokens);
    return [
      ...frame({ type: 'response.output_text.done', item_id: itemId, ...textPosition(), text, logprobs }),
      ...frame({ type: 'response.content_part.done', item_id: itemId, ...textPosition(), part }),
      ...frame({
        type: 'response.output_item.done',
        output_index: messageIndex,
        item: { id: itemId, type: 'message', status, role: 'assistant', content: [part] },
      }),
    ];
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
      ],
      frames(event) {
        switch (event.type) {
          case 'reasoning-delta':
            return reasoning.delta(event.delta);
          case 'reasoning-end':
            return reasoning.close(event.encrypted);
          case 'tool-call-delta':
            return toolCallFrames(event);
          case 'text-delta':
            text += event.delta;
            tokens.push(...(event.logprobs ?? []));
            return [
              ...reasoning.close(),
              ...openMessage(),
              ...frame({
                type: 'response.output_text.delta',
                item_id: itemId,
                ...textPosition(),
                delta: event.delta,
                logprobs: toTextEventLogprobs(event.logprobs),
              }),
            ];
          case 'finish':
            break;
          default:
            return [];
        }
        const toolCalls = calls.filter((call) => call !== undefined);
        // An answer with no text and no calls still has its (empty) message, as the object lists it.
        const opening = [...reasoning.close(), ...(toolCalls.length === 0 ? openMessage() : [])];
        const final = render({
          text,
          status: event.status,
          finishReason: event.finishReason,
          ...(event.usage === undefined ? {} : { usage: event.usage }),
          ...(toolCalls.length === 0 ? {} : { toolCalls }),
          ...(reasoning.pieces.length === 0 ? {} : { reasoning: reasoning.pieces }),
          ...(tokens.length === 0 ? {} : { logprobs: tokens }),
        });
        return [
          ...opening,
          ...messageDoneFrames(final.status === 'completed' ? 'completed' : 'incomplete'),
          ...final.output.flatMap((item) => {
            if (item.type !== 'function_call') return [];
            const output_index = toolCalls.find((call) => call.id === item.call_id)?.outputIndex;
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
        // What streamed before the failure, as the store keeps it.
        const toolCalls = calls.filter((call) => call !== undefined);
        const streamed = {
          ...(tokens.length === 0 ? {} : { logprobs: tokens }),
          ...(toolCalls.length === 0 ? {} : { toolCalls }),
          ...(reasoning.pieces.length === 0 ? {} : { reasoning: reasoning.pieces }),
        };
        const final = cancelled
          ? render({ text, status: 'incomplete', finishReason: 'cancelled', ...streamed })
          : render({
              text,
              status: text === '' ? 'failed' : 'incomplete',
              error: toOpenAIError(error).body.error.message,
              ...streamed,
            });
        return frame({ type: cancelled ? 'response.incomplete' : 'response.failed', response: final });
      },
    },
    // No event at all: the follower left before the run said anything.
    () => new ParleyError('UPSTREAM_ERROR', 'the response ended without any event'),
  );
}
