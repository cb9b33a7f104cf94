/**
 * Gathers what a generation produces besides its text — reasoning, tool calls — from its streamed
 * deltas, so the answer's parts are written once, whole, when it ends.
 */

import type { ToolCall } from '../providers/spec.ts';
import type { PartRecord } from '../store/store.ts';

export class AnswerParts {
  #reasoning = '';
  readonly #calls: { id: string; name: string; arguments: string }[] = [];

  addReasoning(delta: string): void {
    this.#reasoning += delta;
  }

  /** A piece of the `index`th tool call; its id and name come with its first piece. */
  addToolCallDelta(index: number, delta: { id?: string; name?: string; argumentsDelta: string }): void {
    let call = this.#calls[index];
    if (call === undefined) {
      call = { id: '', name: '', arguments: '' };
      this.#calls[index] = call;
    }
    if (delta.id !== undefined) call.id = delta.id;
    if (delta.name !== undefined) call.name = delta.name;
    call.arguments += delta.argumentsDelta;
  }

  addToolCalls(calls: readonly ToolCall[]): void {
    for (const call of calls) this.#calls.push({ ...call });
  }

  /** The answer's parts with this text, or undefined when the text is all there is. */
  build(text: string): readonly PartRecord[] | undefined {
    const calls = this.#calls.filter((call) => call !== undefined);
    if (this.#reasoning === '' && calls.length === 0) return undefined;
    return [
      ...(this.#reasoning === '' ? [] : [{ type: 'reasoning' as const, text: this.#reasoning }]),
      ...(text === '' ? [] : [{ type: 'text' as const, text }]),
      ...calls.map((call) => ({
        type: 'tool-call' as const,
        callId: call.id,
        name: call.name,
        arguments: call.arguments,
      })),
    ];
  }
}
