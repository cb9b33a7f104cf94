/**
 * The Messages API's stream events as stream parts: text deltas, thinking (`thinking_delta`, and
 * its `signature_delta` kept for the reasoning's end), tool calls (`content_block_start` of a
 * `tool_use` block, then its `input_json_delta` pieces), usage and the stop reason.
 */

import type { EventSourceMessage } from 'eventsource-parser';
import { parseJsonOrUndefined } from '../shared/upstream-http.ts';
import { ProviderError, type StreamPart, type Usage } from '../spec.ts';
import { invalidResponse, PROVIDER, streamedError } from './anthropic-error.ts';
import { fromThinkingBlock } from './anthropic-thinking-payload.ts';
import { isRecord, isUsage } from './anthropic-wire.ts';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.ts';

/** What a content block being streamed is, by its index in the message. */
type OpenBlock =
  | { readonly kind: 'thinking'; thinking: string; signature?: string }
  | { readonly kind: 'tool'; readonly callIndex: number; sentArguments: boolean }
  | { readonly kind: 'other' };

export async function* readAnthropicStream(
  events: AsyncIterable<EventSourceMessage>,
): AsyncGenerator<StreamPart> {
  let inputTokens: number | undefined;
  let outputTokens: number | undefined;
  let stopReason: string | null | undefined;
  const blocks = new Map<number, OpenBlock>();
  let calls = 0;
  for await (const event of events) {
    const data = parseJsonOrUndefined(event.data);
    if (!isRecord(data))
      throw invalidResponse(`Anthropic sent an event that is not JSON (${event.event ?? 'message'})`);
    const index = typeof data.index === 'number' ? data.index : -1;
    switch (data.type) {
      case 'message_start': {
        const usage = isRecord(data.message) ? data.message.usage : undefined;
        if (isUsage(usage)) inputTokens = usage.input_tokens;
        break;
      }
      case 'content_block_start': {
        const block = isRecord(data.content_block) ? data.content_block : {};
        if (block.type === 'tool_use') {
          if (typeof block.id !== 'string' || typeof block.name !== 'string')
            throw invalidResponse('Anthropic started a tool_use block without its id and name');
          blocks.set(index, { kind: 'tool', callIndex: calls, sentArguments: false });
          yield {
            type: 'tool-call-delta',
            index: calls++,
            id: block.id,
            name: block.name,
            argumentsDelta: '',
          };
        } else if (block.type === 'thinking') {
          blocks.set(index, { kind: 'thinking', thinking: '' });
        } else if (block.type === 'redacted_thinking') {
          const part = fromThinkingBlock({ ...block, type: block.type });
          if (part?.encrypted !== undefined) yield { type: 'reasoning-end', encrypted: part.encrypted };
        } else blocks.set(index, { kind: 'other' });
        break;
      }
      case 'content_block_delta': {
        const part = deltaPart(data.delta, blocks.get(index));
        if (part !== undefined) yield part;
        break;
      }
      case 'content_block_stop': {
        const block = blocks.get(index);
        blocks.delete(index);
        if (block?.kind === 'thinking') {
          const encrypted = fromThinkingBlock({ type: 'thinking', ...block })?.encrypted;
          yield encrypted === undefined ? { type: 'reasoning-end' } : { type: 'reasoning-end', encrypted };
        }
        // A call with no input streams no JSON at all; its arguments are the empty object.
        if (block?.kind === 'tool' && !block.sentArguments)
          yield { type: 'tool-call-delta', index: block.callIndex, argumentsDelta: '{}' };
        break;
      }
      case 'message_delta': {
        if (
          isRecord(data.delta) &&
          (typeof data.delta.stop_reason === 'string' || data.delta.stop_reason === null)
        )
          stopReason = data.delta.stop_reason;
        if (isUsage(data.usage) && data.usage.output_tokens !== undefined)
          outputTokens = data.usage.output_tokens;
        break;
      }
      case 'message_stop': {
        const usage = toUsage(inputTokens, outputTokens);
        yield {
          type: 'finish',
          finishReason: mapAnthropicStopReason(stopReason),
          ...(usage === undefined ? {} : { usage }),
        };
        return;
      }
      case 'error':
        throw streamedError(data);
      default:
        // ping and future events carry nothing we need.
        break;
    }
  }
  throw new ProviderError('Anthropic closed the stream before the answer was complete', {
    kind: 'network',
    provider: PROVIDER,
  });
}

/** One `content_block_delta` as a stream part; a signature is kept on its block for the block's end. */
function deltaPart(delta: unknown, block: OpenBlock | undefined): StreamPart | undefined {
  if (!isRecord(delta)) return undefined;
  switch (delta.type) {
    case 'text_delta':
      return typeof delta.text === 'string' && delta.text !== ''
        ? { type: 'text-delta', delta: delta.text }
        : undefined;
    case 'thinking_delta':
      if (typeof delta.thinking !== 'string' || delta.thinking === '') return undefined;
      // Kept whole on its block too: the block's payload holds it with the signature.
      if (block?.kind === 'thinking') block.thinking += delta.thinking;
      return { type: 'reasoning-delta', delta: delta.thinking };
    case 'signature_delta':
      if (block?.kind === 'thinking' && typeof delta.signature === 'string')
        block.signature = (block.signature ?? '') + delta.signature;
      return undefined;
    case 'input_json_delta':
      if (block?.kind !== 'tool')
        throw invalidResponse('Anthropic sent input_json_delta outside a tool_use block');
      if (typeof delta.partial_json !== 'string' || delta.partial_json === '') return undefined;
      block.sentArguments = true;
      return { type: 'tool-call-delta', index: block.callIndex, argumentsDelta: delta.partial_json };
    default:
      // citations_delta and future deltas carry nothing the spec holds yet.
      return undefined;
  }
}

export function toUsage(
  inputTokens: number | undefined,
  outputTokens: number | undefined,
): Usage | undefined {
  if (inputTokens === undefined && outputTokens === undefined) return undefined;
  return { inputTokens: inputTokens ?? 0, outputTokens: outputTokens ?? 0 };
}
