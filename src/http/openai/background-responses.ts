/**
 * Background responses (`background: true`), as OpenAI's background mode: the request answers at
 * once (`queued`) while the generation runs as a run of its own, apart from the connection; the
 * client polls `GET /v1/responses/{id}`, follows or resumes its events with `stream=true` and
 * `starting_after`, or cancels it. The rules OpenAI states for them (stored only; what can be
 * cancelled) are here, with OpenAI's wording.
 */

import type { ConversationCore } from '../../conversations/core.ts';
import { badRequest } from '../../errors.ts';
import type { MessageRecord } from '../../store/store.ts';
import { type ResponseObject, toResponseObject } from './response-object.ts';
import type { CreateResponseRequest } from './responses-request.ts';

/** A background response is polled and cancelled by id, so it must be stored (OpenAI refuses it too). */
export function assertBackgroundStored(body: CreateResponseRequest): void {
  if (body.background === true && body.store === false) {
    throw badRequest(
      "'background' requires a stored response: a background response is polled and cancelled by its id, so it cannot be used with 'store': false.",
      'background',
    );
  }
}

/**
 * Cancels a response: one being written stops (its upstream request closes) and is stored
 * `cancelled` with what arrived; cancelling it again returns it as it is. As OpenAI does, a
 * finished response is refused: `Cannot cancel a synchronous response.` when it was not in the
 * background, else `Cannot cancel a completed response.` (or failed, incomplete). Parley also
 * cancels a response still being written that was not in the background, since its streams go
 * on after their client leaves.
 */
export async function cancelResponse(
  conversations: ConversationCore,
  owner: string,
  answer: MessageRecord,
  readAgain: () => Promise<MessageRecord>,
): Promise<ResponseObject> {
  if (answer.status === 'in_progress') {
    await conversations.runs.cancel(owner, answer.id);
    return toResponseObject(await readAgain());
  }
  const response = toResponseObject(answer);
  if (response.status === 'cancelled') return response;
  if (!response.background) throw badRequest('Cannot cancel a synchronous response.');
  throw badRequest(`Cannot cancel a ${response.status} response.`);
}
