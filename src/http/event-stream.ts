/**
 * The one way a generation reaches a client as Server-Sent Events, whatever the surface. The
 * stream opens with the first event, so a failure before it is a real HTTP status with the
 * surface's JSON error; after it, a failure is the surface's error frame and the stream ends.
 * Each surface supplies an encoder: how events become frames, and how a failure and the end look.
 */

import type { FastifyReply } from 'fastify';
import type { GenerationEvent } from '../conversations/generation-events.ts';
import { toParleyError } from '../conversations/provider-errors.ts';
import { failureError } from '../conversations/runs.ts';
import type { ParleyError } from '../errors.ts';
import { type SseFrame, SseWriter } from './sse.ts';

type Frames = readonly SseFrame[] | Promise<readonly SseFrame[]>;

/** The events a stream sends (a surface may mark them, e.g. with the choice they belong to). */
type SentEvent = Exclude<GenerationEvent, { type: 'error' }>;

export interface StreamEncoder<Event extends SentEvent = SentEvent> {
  /** Headers of the stream's response, beside the SSE ones. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Frames sent first, as the stream opens. */
  opening?(): Frames;
  /** The frames of one event (none to skip it). */
  frames(event: Event): Frames;
  /** The frames of a failure once the stream is open (after which it ends). */
  failure(error: ParleyError): Frames;
  /** Frames after the last event, when the events ended without a failure. */
  closing?(): Frames;
}

/**
 * Sends `events` through `encoder`. A thrown error or an `error` event before the stream opened
 * is thrown (the route's error handler answers it with a status); when the events end before
 * anything was sent, `onEmpty` says what to throw (nothing is sent to a client that left).
 */
export async function sendEventStream<Event extends SentEvent>(
  reply: FastifyReply,
  events: AsyncIterable<Event | Extract<GenerationEvent, { type: 'error' }>>,
  encoder: StreamEncoder<Event>,
  onEmpty: () => Error,
): Promise<void> {
  const sse = new SseWriter(reply);
  const sendAll = async (frames: Frames) => {
    for (const frame of await frames) await sse.send(frame);
  };
  try {
    for await (const event of events) {
      if (event.type === 'error') throw failureError(event);
      if (!sse.isOpen) {
        sse.open(encoder.headers);
        if (encoder.opening !== undefined) await sendAll(encoder.opening());
      }
      await sendAll(encoder.frames(event));
    }
  } catch (error) {
    if (!sse.isOpen) throw error;
    await sendAll(encoder.failure(toParleyError(error)));
    sse.end();
    return;
  }
  if (!sse.isOpen) {
    if (reply.raw.destroyed) return;
    throw onEmpty();
  }
  if (encoder.closing !== undefined) await sendAll(encoder.closing());
  sse.end();
}
