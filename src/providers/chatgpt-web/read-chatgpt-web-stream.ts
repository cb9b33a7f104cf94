/**
 * Reads the event stream of `POST conversation` into stream parts. Each classic event holds the
 * whole answer so far (`message.content.parts[0]`); a text delta is what a snapshot adds to the
 * previous one. Events that are not the answer are skipped: the echo of the question, system and
 * tool messages, moderation and title events, keep-alive lines. The newer `delta_encoding: v1`
 * patches are applied first, and the resulting document is read like a classic event.
 */

import type { EventSourceMessage } from 'eventsource-parser';
import { parseJsonOrUndefined } from '../shared/upstream-http.ts';
import type { FinishReason, StreamPart, UpstreamRef } from '../spec.ts';
import { cutOff, invalidResponse, streamedErrorOf } from './chatgpt-web-error.ts';
import { type ChatGPTWebMessage, isDelta, isRecord, isSnapshot, textOf } from './chatgpt-web-wire.ts';
import { DeltaDecoder, DeltaEncodingError } from './delta-encoding.ts';
import { mapChatGPTWebFinishReason } from './map-chatgpt-web-finish-reason.ts';

export interface AnswerContext {
  /** The id of the question sent (a `next`); absent for a `continue`, which sends none. */
  readonly sentMessageId?: string;
  /** The message this turn hangs from, when the upstream conversation exists already. */
  readonly parent?: UpstreamRef;
  /** For a `continue`: the answer being extended, whose text the client has already. */
  readonly continued?: { readonly messageId: string; readonly text: string };
  /** The access token, kept out of every error message. */
  readonly secret: string;
}

/** Between two assistant messages of one answer (text, a tool step, more text). */
const MESSAGE_SEPARATOR = '\n\n';

export async function* readChatGPTWebAnswer(
  events: AsyncIterable<EventSourceMessage>,
  context: AnswerContext,
): AsyncGenerator<StreamPart> {
  let conversationId = context.parent?.conversationId;
  let decoder: DeltaDecoder | undefined;
  /** The assistant message being read and the part of its text already turned into deltas. */
  let current: { id: string; seen: string } | undefined;
  let separator = '';
  let emittedText = false;
  let refsFor: string | undefined;
  let last: ChatGPTWebMessage | undefined;
  let blocked = false;
  let handedOff = false;

  for await (const event of events) {
    if (event.data === '[DONE]') {
      if (last === undefined) {
        if (blocked) {
          yield { type: 'finish', finishReason: 'content-filter' };
          return;
        }
        throw invalidResponse(
          handedOff
            ? "ChatGPT's web backend handed the answer over to a websocket, which this provider does not follow"
            : "ChatGPT's web backend ended the stream without an answer",
        );
      }
      yield { type: 'finish', finishReason: blocked ? 'content-filter' : finishReasonOf(last) };
      return;
    }
    // `"v1"` announces the patches; they are told apart by their shape, announced or not.
    if (event.event === 'delta_encoding') continue;
    const data = parseJsonOrUndefined(event.data);
    // Keep-alive lines (a timestamp) and other non-JSON data carry nothing; V1.py skips them too.
    if (!isRecord(data)) continue;
    let document: unknown = data;
    if (isDelta(data)) {
      decoder ??= new DeltaDecoder();
      try {
        document = decoder.apply(data);
      } catch (error) {
        if (!(error instanceof DeltaEncodingError)) throw error;
        throw invalidResponse(`ChatGPT's web backend sent a patch that does not apply (${error.message})`);
      }
    } else if (typeof data.type === 'string' && !('message' in data)) {
      // Control events: moderation, title_generation, message_stream_complete, input_message, ...
      if (data.type === 'moderation' && isRecord(data.moderation_response)) {
        blocked ||= data.moderation_response.blocked === true;
      }
      if (data.type === 'stream_handoff') handedOff = true;
      continue;
    }
    if (!isRecord(document)) continue;
    const failure = streamedErrorOf(document, context.secret);
    if (failure !== undefined) throw failure;
    if (typeof document.conversation_id === 'string') conversationId = document.conversation_id;
    if (!isSnapshot(document)) continue;
    const { message } = document;
    const text = textOf(message);
    if (!isAnswerText(message) || text === undefined) continue;

    if (current?.id !== message.id) {
      // The first message of the answer, or the next one after a tool step.
      if (emittedText) separator = MESSAGE_SEPARATOR;
      current = {
        id: message.id,
        seen: context.continued?.messageId === message.id ? context.continued.text : '',
      };
    }
    last = message;
    if (conversationId !== undefined && refsFor !== message.id) {
      refsFor = message.id;
      const output = { conversationId, messageId: message.id };
      // A `continue` sent no question: only the answer has a (new) place upstream.
      yield {
        type: 'upstream-refs',
        refs:
          context.sentMessageId === undefined
            ? { output }
            : { input: { conversationId, messageId: context.sentMessageId }, output },
      };
    }
    const delta = nextDelta(current, text);
    if (delta !== '') {
      yield { type: 'text-delta', delta: separator + delta };
      separator = '';
      emittedText = true;
    }
  }
  throw cutOff();
}

function finishReasonOf(message: ChatGPTWebMessage): FinishReason {
  const finishType = message.metadata?.finish_details?.type;
  // Snapshots in progress say `end_turn: null`; a finished one without the field ended its turn (V1.py).
  const endTurn =
    message.end_turn ??
    (message.status === undefined || message.status === null || message.status === 'finished_successfully');
  return mapChatGPTWebFinishReason(typeof finishType === 'string' ? finishType : undefined, endTurn);
}

/** An assistant message addressed to the user (not a tool call) whose content is text. */
function isAnswerText(message: ChatGPTWebMessage): boolean {
  if (message.author.role !== 'assistant') return false;
  if (message.recipient !== undefined && message.recipient !== null && message.recipient !== 'all')
    return false;
  const type = message.content?.content_type;
  return type === undefined || type === 'text';
}

/**
 * What a snapshot adds to the text seen so far. A snapshot that is shorter than it (the backend
 * trimmed a trailing space) adds nothing; one that rewrote earlier text cannot take back what was
 * sent, so, as V1.py does, the answer goes on from the snapshot's length.
 */
function nextDelta(current: { seen: string }, text: string): string {
  if (text.startsWith(current.seen)) {
    const delta = text.slice(current.seen.length);
    current.seen = text;
    return delta;
  }
  if (current.seen.startsWith(text)) return '';
  const delta = text.slice(current.seen.length);
  current.seen = text;
  return delta;
}
