/**
 * A finished run held for resuming keeps its events packed: each stretch of consecutive text (or
 * reasoning) deltas becomes one string and the lengths of its pieces, about 2 bytes per character
 * instead of an object per delta (~15 bytes per character for 4-character deltas). Read back, the
 * events are the ones appended — same types, sequence numbers and pieces — so a stream resumed
 * from any sequence number replays exactly what it would have. `runEventCodec` writes the same
 * packing as text, for the copy a run log shared through Redis keeps.
 */

import { type EventCodec, type PackedEvents, unpack } from '../infra/run-log.ts';
import type { GenerationEvent } from './generation-events.ts';

type DeltaType = 'text-delta' | 'reasoning-delta';

/** Consecutive deltas of one type, as one string and where each piece ends in it. */
interface DeltaStretch {
  readonly type: DeltaType;
  readonly firstSequence: number;
  readonly text: string;
  readonly ends: Uint32Array;
}

type Segment = DeltaStretch | GenerationEvent;

/** A delta with nothing but its type, sequence and text (one with log probabilities stays as is). */
function plainDelta(event: GenerationEvent): event is Extract<GenerationEvent, { type: DeltaType }> {
  return (event.type === 'text-delta' || event.type === 'reasoning-delta') && Object.keys(event).length === 3;
}

export function packRunEvents(events: readonly GenerationEvent[]): PackedEvents<GenerationEvent> {
  return PackedRunEvents.from(segmentsOf(events));
}

function segmentsOf(events: readonly GenerationEvent[]): Segment[] {
  const segments: Segment[] = [];
  let index = 0;
  while (index < events.length) {
    const first = events[index] as GenerationEvent;
    let end = index + 1;
    if (plainDelta(first)) {
      while (end < events.length) {
        const next = events[end] as GenerationEvent;
        if (!plainDelta(next) || next.type !== first.type || next.sequence !== first.sequence + (end - index))
          break;
        end++;
      }
    }
    if (end - index < 2 || !plainDelta(first)) segments.push(first);
    else
      segments.push(stretchOf(events.slice(index, end) as Extract<GenerationEvent, { type: DeltaType }>[]));
    index = end;
  }
  return segments;
}

function stretchOf(deltas: readonly Extract<GenerationEvent, { type: DeltaType }>[]): DeltaStretch {
  const ends = new Uint32Array(deltas.length);
  let length = 0;
  for (const [position, delta] of deltas.entries()) {
    length += delta.delta.length;
    ends[position] = length;
  }
  const first = deltas[0] as (typeof deltas)[number];
  return {
    type: first.type,
    firstSequence: first.sequence,
    text: deltas.map((delta) => delta.delta).join(''),
    ends,
  };
}

class PackedRunEvents implements PackedEvents<GenerationEvent> {
  readonly #segments: readonly Segment[];
  /** The index of each segment's first event. */
  readonly #starts: Uint32Array;
  readonly length: number;

  constructor(segments: readonly Segment[], starts: Uint32Array, length: number) {
    this.#segments = segments;
    this.#starts = starts;
    this.length = length;
  }

  static from(segments: readonly Segment[]): PackedRunEvents {
    const starts = new Uint32Array(segments.length);
    let length = 0;
    for (const [index, segment] of segments.entries()) {
      starts[index] = length;
      length += 'ends' in segment ? segment.ends.length : 1;
    }
    return new PackedRunEvents(segments, starts, length);
  }

  get segments(): readonly Segment[] {
    return this.#segments;
  }

  at(index: number): GenerationEvent | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) return undefined;
    // The last segment that starts at or before `index`.
    let low = 0;
    let high = this.#starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((this.#starts[middle] ?? 0) <= index) low = middle;
      else high = middle - 1;
    }
    const segment = this.#segments[low];
    if (segment === undefined || !('ends' in segment)) return segment;
    const offset = index - (this.#starts[low] ?? 0);
    const from = offset === 0 ? 0 : (segment.ends[offset - 1] ?? 0);
    return {
      type: segment.type,
      sequence: segment.firstSequence + offset,
      delta: segment.text.slice(from, segment.ends[offset]),
    };
  }
}

/** A stretch or an event as JSON: the pieces' lengths, not where they end (shorter as text). */
type EncodedSegment =
  | { readonly stretch: DeltaType; readonly first: number; readonly text: string; readonly lengths: number[] }
  | { readonly event: GenerationEvent };

/**
 * A finished run as compact text for Redis (`infra/redis-run-log.ts`): about 1.5 bytes per
 * character of a long answer, where a stream entry per delta costs ~17.
 */
export const runEventCodec: EventCodec<GenerationEvent> = {
  encode(events) {
    const packed =
      events instanceof PackedRunEvents ? events : PackedRunEvents.from(segmentsOf(unpack(events)));
    const encoded: EncodedSegment[] = packed.segments.map((segment) => {
      if (!('ends' in segment)) return { event: segment };
      const lengths = Array.from(
        segment.ends,
        (end, index) => end - (index === 0 ? 0 : (segment.ends[index - 1] ?? 0)),
      );
      return { stretch: segment.type, first: segment.firstSequence, text: segment.text, lengths };
    });
    return JSON.stringify({ v: 1, segments: encoded });
  },
  decode(text) {
    const parsed = JSON.parse(text) as { v?: unknown; segments?: unknown };
    if (parsed.v !== 1 || !Array.isArray(parsed.segments)) throw new Error('not a packed run');
    const segments = (parsed.segments as EncodedSegment[]).map((segment): Segment => {
      if ('event' in segment) return segment.event;
      const ends = new Uint32Array(segment.lengths.length);
      let end = 0;
      for (const [index, length] of segment.lengths.entries()) {
        end += length;
        ends[index] = end;
      }
      return { type: segment.stretch, firstSequence: segment.first, text: segment.text, ends };
    });
    return PackedRunEvents.from(segments);
  },
};
