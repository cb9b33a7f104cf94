/** What a client of background responses does with the `openai` SDK: poll one, drop a stream, read one. */

import assert from 'node:assert/strict';
import type OpenAI from 'openai';

/**
 * Retrieves the response every 40 ms while it is `queued` or `in_progress`; returns its final state
 * and every status the polls saw.
 */
export async function pollUntilSettled(
  client: OpenAI,
  created: OpenAI.Responses.Response,
  timeoutMs = 15_000,
): Promise<{ final: OpenAI.Responses.Response; seen: string[] }> {
  const seen: string[] = [];
  let polled = created;
  for (const deadline = Date.now() + timeoutMs; ['queued', 'in_progress'].includes(polled.status ?? ''); ) {
    assert.ok(Date.now() < deadline, `still ${polled.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 40));
    polled = await client.responses.retrieve(created.id);
    seen.push(polled.status ?? '');
  }
  return { final: polled, seen };
}

/** Resolves once `check` holds, checking every 20 ms; throws after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Reads a response stream until `deltas` pieces of text arrived, then drops it (as a client whose
 * connection broke): the response as created, the last sequence number seen and the text so far.
 */
export async function readThenDrop(
  stream: AsyncIterable<OpenAI.Responses.ResponseStreamEvent>,
  deltas: number,
): Promise<{ created: OpenAI.Responses.Response | undefined; lastSeen: number; text: string }> {
  let created: OpenAI.Responses.Response | undefined;
  let lastSeen = -1;
  let text = '';
  let seen = 0;
  for await (const event of stream) {
    if (event.type === 'response.created') created = event.response;
    lastSeen = event.sequence_number;
    if (event.type === 'response.output_text.delta') {
      text += event.delta;
      seen += 1;
      if (seen === deltas) break;
    }
  }
  return { created, lastSeen, text };
}

/** Every event of a stream, to its end. */
export async function allEvents(
  stream: AsyncIterable<OpenAI.Responses.ResponseStreamEvent>,
): Promise<OpenAI.Responses.ResponseStreamEvent[]> {
  const events: OpenAI.Responses.ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}
