/**
 * Following one streamed answer to its end, and stopping one on the server. Leaving a native
 * stream does not stop its generation (it can be resumed); the cancel route does. The stream's
 * `start` event names the answer; if the stop comes before it, the answer is found as the
 * conversation's current node, which the turn set when it began.
 */

import type { AnswerWriter } from './answer-writer.ts';
import type { ApiClient } from './api-client.ts';
import type { AnswerEvent, ApiConversationWithMessages, ApiMessage } from './api-types.ts';
import { CliError } from './cli-error.ts';

export interface AnswerOutcome {
  /** The stored answer, from the `done` event. */
  readonly message: ApiMessage | null;
  readonly conversationId: string | undefined;
  readonly questionId: string | undefined;
  /** Why the answer failed, from an `error` event. */
  readonly failure: string | undefined;
  /** Whether the stream ended without `done` or `error` (cut). */
  readonly cut: boolean;
}

const ended = (failure: string | undefined, cut: boolean): AnswerOutcome => ({
  message: null,
  conversationId: undefined,
  questionId: undefined,
  failure,
  cut,
});

/** Writes the answer's text as it comes; `onStart` learns the answer's id from the first event. */
export async function followAnswer(
  events: AsyncIterable<AnswerEvent>,
  writer: AnswerWriter,
  onStart: (answerId: string) => void = () => {},
): Promise<AnswerOutcome> {
  try {
    for await (const event of events) {
      if (event.type === 'start') onStart(event.message_id);
      else if (event.type === 'delta') writer.write(event.delta);
      else if (event.type === 'error') return ended(event.message, false);
      else {
        return {
          message: event.message,
          conversationId: event.conversation_id,
          questionId: event.question_id,
          failure: undefined,
          cut: false,
        };
      }
    }
    return ended(undefined, true);
  } finally {
    writer.end();
  }
}

export interface AnswerRequest {
  readonly conversationId: string;
  /** The generating route, e.g. `/api/conversations/<id>/messages`. */
  readonly path: string;
  readonly body: Record<string, unknown>;
  /** Aborting it stops the answer: the stream, then the generation on the server. */
  readonly signal: AbortSignal;
}

/**
 * Streams one answer into `writer`. Returns the outcome of an answer that finished, or undefined
 * for one stopped through the signal (cancelled on the server, kept as `incomplete`); throws a
 * `CliError` for one that failed or was cut.
 */
export async function streamAnswer(
  client: ApiClient,
  request: AnswerRequest,
  writer: AnswerWriter,
): Promise<AnswerOutcome | undefined> {
  let answerId: string | undefined;
  const outcome = await followAnswer(
    client.answer(request.path, request.body, request.signal),
    writer,
    (id) => {
      answerId = id;
    },
  ).catch((error: unknown) => {
    if (!request.signal.aborted) throw error;
    return undefined;
  });
  if (outcome === undefined || request.signal.aborted) {
    await cancelAnswer(client, request.conversationId, answerId);
    return undefined;
  }
  if (outcome.failure !== undefined) throw new CliError(`the answer failed: ${outcome.failure}`);
  if (outcome.cut) throw new CliError('the server closed the stream before the answer ended');
  return outcome;
}

/** Stops an answer being written (by id, or the conversation's answer in progress). */
export async function cancelAnswer(
  client: ApiClient,
  conversationId: string,
  answerId: string | undefined,
): Promise<void> {
  let id = answerId;
  if (id === undefined) {
    const conversation = await client.json<ApiConversationWithMessages>(
      'GET',
      `/api/conversations/${conversationId}`,
    );
    const current = conversation.messages.find((message) => message.id === conversation.current_node);
    if (current?.role === 'assistant' && current.status === 'in_progress') id = current.id;
  }
  if (id === undefined) return;
  await client.json('POST', `/api/conversations/${conversationId}/messages/${id}/cancel`, { body: {} });
}
