/**
 * The events of an answer whose run is no longer held (it ended more than the retention time ago,
 * or on a server that did not run it, without Redis): rebuilt from the stored answer, so that the
 * encoders that render a live run (`/v1/responses`, the native stream) render it the same way.
 * Each piece comes whole, as one delta: the shape of the live events, not their numbers.
 */

import { ParleyError } from '../errors.ts';
import type { FinishReason } from '../providers/spec.ts';
import type { MessageRecord, PartRecord } from '../store/store.ts';
import type { GenerationEvent, TurnEvent } from './generation-events.ts';
import { failureEvent } from './runs.ts';
import { CANCELLED_FINISH_REASON } from './turn.ts';

/** A delta event before it is numbered. */
type Piece = Unnumbered<Exclude<TurnEvent, { type: 'finish' }>>;
type Unnumbered<Event> = Event extends unknown ? Omit<Event, 'sequence'> : never;

/**
 * What a turn streams for these stored parts, in the order an answer's parts are written
 * (`answer-parts.ts`) and its Response object lists them: its reasoning, its text, its tool calls.
 * A reasoning piece ends with its payload; a tool call comes with its id, name and arguments.
 */
export function storedPartEvents(parts: readonly PartRecord[], text: string): Piece[] {
  const reasoning = parts.flatMap((part): Piece[] => {
    if (part.type !== 'reasoning') return [];
    const end: Piece =
      part.encrypted === undefined
        ? { type: 'reasoning-end' }
        : { type: 'reasoning-end', encrypted: part.encrypted };
    return part.text === '' ? [end] : [{ type: 'reasoning-delta', delta: part.text }, end];
  });
  const calls = parts
    .flatMap((part) => (part.type === 'tool-call' ? [part] : []))
    .map(
      (call, index): Piece => ({
        type: 'tool-call-delta',
        index,
        id: call.callId,
        name: call.name,
        argumentsDelta: call.arguments,
      }),
    );
  return [...reasoning, ...(text === '' ? [] : [{ type: 'text-delta' as const, delta: text }]), ...calls];
}

/**
 * The stored answer's events, numbered from 1, then its end: a finish, or, for an answer a failure
 * ended (it keeps the error: failed, or incomplete with what arrived, or cancelled), the error its
 * run ended with — its code is kept only for a cancel. An answer still being written elsewhere is a 409.
 */
export async function* storedRunEvents(answer: MessageRecord): AsyncIterable<GenerationEvent> {
  if (answer.status === 'in_progress') {
    throw new ParleyError('CONFLICT', 'this answer is being written by another server: follow it there');
  }
  let sequence = 0;
  for (const piece of storedPartEvents(answer.parts, answer.content)) {
    yield { ...piece, sequence: ++sequence } as GenerationEvent;
  }
  if (answer.status === 'failed' || (answer.status === 'incomplete' && answer.error !== null)) {
    const code = answer.finishReason === CANCELLED_FINISH_REASON ? 'CANCELLED' : 'UPSTREAM_ERROR';
    yield failureEvent(new ParleyError(code, answer.error ?? 'failed'), ++sequence);
    return;
  }
  const finish = {
    type: 'finish',
    sequence: ++sequence,
    status: answer.status,
    finishReason: (answer.finishReason ?? 'stop') as FinishReason,
  } as const;
  const { inputTokens, outputTokens } = answer;
  yield inputTokens === null || outputTokens === null
    ? finish
    : { ...finish, usage: { inputTokens, outputTokens } };
}
