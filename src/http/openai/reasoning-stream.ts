/** The reasoning output items of a streamed response, as OpenAI's reasoning events. */

import type { SseFrame } from '../sse.ts';
import { type ReasoningView, reasoningItemId, toReasoningItem } from './reasoning-items.ts';

/** Numbers one event and frames it (none when a resumed stream already saw it). */
export type Frame = (event: { type: string } & Record<string, unknown>) => SseFrame[];

/**
 * The reasoning items of a stream: one opens at the first reasoning delta after anything else and
 * closes at its end (with the provider's payload), at the text, at a call, or at the finish. Its
 * text streams as summary deltas when the request asked for a summary.
 */
export class ReasoningFrames {
  readonly pieces: { text: string; encrypted?: string }[] = [];
  #open: { id: string; outputIndex: number; text: string } | undefined;
  readonly #answerId: string;
  readonly #view: ReasoningView;
  readonly #frame: Frame;
  readonly #nextOutputIndex: () => number;

  constructor(answerId: string, view: ReasoningView, frame: Frame, nextOutputIndex: () => number) {
    this.#answerId = answerId;
    this.#view = view;
    this.#frame = frame;
    this.#nextOutputIndex = nextOutputIndex;
  }

  delta(delta: string): SseFrame[] {
    const frames = this.#open === undefined ? this.#start() : [];
    const open = this.#open as { id: string; outputIndex: number; text: string };
    open.text += delta;
    if (!this.#view.summary) return frames;
    return [
      ...frames,
      ...this.#frame({ type: 'response.reasoning_summary_text.delta', ...this.#at(open), delta }),
    ];
  }

  /** Ends the open item; `encrypted` alone (a redacted block) is an item of its own. */
  close(encrypted?: string): SseFrame[] {
    if (this.#open === undefined && encrypted === undefined) return [];
    const frames = this.#open === undefined ? this.#start() : [];
    const open = this.#open as { id: string; outputIndex: number; text: string };
    this.#open = undefined;
    const piece = { text: open.text, ...(encrypted === undefined ? {} : { encrypted }) };
    this.pieces.push(piece);
    const part = { type: 'summary_text', text: open.text };
    if (this.#view.summary && open.text !== '') {
      frames.push(
        ...this.#frame({ type: 'response.reasoning_summary_text.done', ...this.#at(open), text: open.text }),
        ...this.#frame({ type: 'response.reasoning_summary_part.done', ...this.#at(open), part }),
      );
    }
    const item = toReasoningItem(open.id, piece, this.#view);
    frames.push(...this.#frame({ type: 'response.output_item.done', output_index: open.outputIndex, item }));
    return frames;
  }

  #start(): SseFrame[] {
    const open = {
      id: reasoningItemId(this.#answerId, this.pieces.length),
      outputIndex: this.#nextOutputIndex(),
      text: '',
    };
    this.#open = open;
    return [
      ...this.#frame({
        type: 'response.output_item.added',
        output_index: open.outputIndex,
        item: { type: 'reasoning', id: open.id, summary: [] },
      }),
      ...(this.#view.summary
        ? this.#frame({
            type: 'response.reasoning_summary_part.added',
            ...this.#at(open),
            part: { type: 'summary_text', text: '' },
          })
        : []),
    ];
  }

  #at(open: { id: string; outputIndex: number }) {
    return { item_id: open.id, output_index: open.outputIndex, summary_index: 0 };
  }
}
