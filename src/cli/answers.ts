/**
 * Following one streamed answer to its end, and stopping one on the server. Leaving a native
 * stream does not stop its generation (it can be resumed); the cancel route does. A stream names
 * its answer only at its end, so until then the answer is the conversation's current node, which
 * the turn set when it began.
 */

import type { ApiClient } from './api-client.ts';
import type { AnswerEvent, ApiConversationWithMessages, ApiMessage } from './api-types.ts';
import type { AnswerWriter } from './answer-writer.ts';

export interface AnswerOutcome {
  readonly conversationId: string | undefined;
  readonly questionId: string | undefined;
  /** The stored answer, from the `done` event. */
  readonly message: ApiMessage | null;
  /** Why the answer failed, from an `error` event. */
  readonly failure: string | undefined;
  /** Whether the stream ended without `done` or `error` (cut). */
  readonly cut: boolean;
}

export async function followAnswer(
  events: AsyncIterable<AnswerEvent>,
  writer: AnswerWriter,
): Promise<AnswerOutcome> {
  try {
    for await (const event of events) {
      if (event.type === 'delta') writer.write(event.delta);
      else if (event.type === 'done') {
        return {
          conversationId: event.conversation_id,
          questionId: event.question_id,
          message: event.message,
          failure: undefined,
          cut: false,
        };
      } else {
        return {
          conversationId: undefined,
          questionId: undefined,
          message: null,
          failure: event.message,
          cut: false,
        };
      }
    }
    return { conversationId: undefined, questionId: undefined, message: null, failure: undefined, cut: true };
  } finally {
    writer.end();
  }
}

/** Stops the answer being written in a conversation; returns its id, or undefined when none was. */
export async function cancelAnswer(client: ApiClient, conversationId: string): Promise<string | undefined> {
  const conversation = await client.json<ApiConversationWithMessages>(
    'GET',
    `/api/conversations/${conversationId}`,
  );
  const current = conversation.messages.find((message) => message.id === conversation.current_node);
  if (current?.role !== 'assistant' || current.status !== 'in_progress') return undefined;
  await client.json('POST', `/api/conversations/${conversationId}/messages/${current.id}/cancel`, {
    body: {},
  });
  return current.id;
}
