/**
 * One answer through the native API: its stream read to the end (`start` names the answer,
 * `delta` events carry each new piece of text, then `done` names the stored answer or `error` says
 * why it failed), and the cancel that stops it on the server.
 */

import { requestJson } from './api.js';
import { readEvents } from './sse.js';

/**
 * Reads a native answer stream, calling `onText` with the whole text so far at each piece.
 * @param {ReadableStream<Uint8Array>} body
 * @param {(text: string) => void} onText
 * @returns {Promise<{finished: boolean, answerId?: string, failure?: string}>} `finished` is false
 *   when the connection closed before a `done` or `error` event
 */
export async function readAnswer(body, onText) {
  let text = '';
  for await (const frame of readEvents(body)) {
    const data = JSON.parse(frame.data);
    if (frame.event === 'delta') {
      text += data.delta;
      onText(text);
    } else if (frame.event === 'done') return { finished: true, answerId: data.message?.id };
    else if (frame.event === 'error') return { finished: true, failure: data.message };
  }
  return { finished: false };
}

/**
 * Stops an answer on the server: leaving a native stream does not stop its generation (it can be
 * resumed), the cancel route does. A stream names its answer only at its end, so until then the
 * answer is found as the conversation's current node, which the turn set when it began.
 * @param {string} conversationId
 * @param {string | undefined} answerId
 */
export async function cancelAnswer(conversationId, answerId) {
  let id = answerId;
  if (id === undefined) {
    const conversation = await requestJson('GET', `/api/conversations/${conversationId}`);
    const current = conversation.messages.find((message) => message.id === conversation.current_node);
    if (current?.role === 'assistant' && current.status === 'in_progress') id = current.id;
  }
  if (id !== undefined)
    await requestJson('POST', `/api/conversations/${conversationId}/messages/${id}/cancel`);
}
