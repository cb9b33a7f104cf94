/**
 * One answer through the native API: its stream read to the end (`start` names the answer,
 * `delta` events carry each new piece of text, `reasoning` ones each piece of the model's thinking,
 * then `done` names the stored answer or `error` says why it failed), and the cancel that stops it
 * on the server.
 */

import { requestJson } from './api.js';
import { readEventBatches } from './sse.js';

/**
 * Reads a native answer stream: `onStart` gets the `start` event's ids (the answer's
 * `message_id` first of all), `onText` the whole text and reasoning so far — once per batch read,
 * however many deltas it held, so a reader that fell behind catches up in one drawing.
 * @param {ReadableStream<Uint8Array>} body
 * @param {{startText?: string, startReasoning?: string, onStart?: (ids: {message_id: string}) => void, onText: (text: string, reasoning: string) => void}} handlers
 *   `startText`, `startReasoning`: what the answer held before this stream (a continued answer's
 *   first part), its reasoning drawn apart from the new one
 * @returns {Promise<{finished: boolean, answerId?: string, failure?: string}>} `finished` is false
 *   when the connection closed before a `done` or `error` event
 */
export async function readAnswer(body, { startText = '', startReasoning = '', onStart, onText }) {
  let text = startText;
  let reasoning = startReasoning;
  // A continued answer's new reasoning is another piece: drawn apart, as stored parts are.
  let needsSeparator = startReasoning !== '';
  for await (const batch of readEventBatches(body)) {
    const before = { text, reasoning };
    let outcome;
    for (const frame of batch) {
      const data = JSON.parse(frame.data);
      if (frame.event === 'start') onStart?.(data);
      else if (frame.event === 'delta') text += data.delta;
      else if (frame.event === 'reasoning' && data.delta !== '') {
        if (needsSeparator) reasoning += '\n\n';
        needsSeparator = false;
        reasoning += data.delta;
      } else if (frame.event === 'done') outcome = { finished: true, answerId: data.message?.id };
      else if (frame.event === 'error') outcome = { finished: true, failure: data.message };
      if (outcome !== undefined) break;
    }
    if (text !== before.text || reasoning !== before.reasoning) onText(text, reasoning);
    if (outcome !== undefined) return outcome;
  }
  return { finished: false };
}

/**
 * Stops an answer on the server: leaving a native stream does not stop its generation (it can be
 * resumed), the cancel route does. A stream names its answer in its first event; Stop pressed
 * before that finds the answer as the conversation's current node, which the turn set when it began.
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
