/**
 * Gathers what a generation produces besides its text — reasoning, tool calls — from its streamed
 * deltas, so the answer's parts are written once, whole, when it ends.
 */

import type { ReasoningPart, ToolCall } from '../providers/spec.ts';
import type { PartRecord } from '../store/store.ts';

export class AnswerParts {
  /** The reasoning pieces so far; the last one is open until it ends (see `endReasoning`). */
  readonly #reasoning: { text: string; encrypted?: string }[] = [];
  #reasoningOpen = false;
  readonly #calls: { id: string; name: string; arguments: string }[] = [];
  /** A continued answer's calls from before: the new calls' indexes count from 0 after them. */
  readonly #earlierCalls: { id: string; name: string; arguments: string }[] = [];

  /** `earlier`: the parts a continued answer already has; its reasoning and calls are kept. */
  constructor(earlier: readonly PartRecord[] = []) {
    for (const part of earlier) {
      if (part.type === 'reasoning') {
        const { text, encrypted } = part;
        this.#reasoning.push(encrypted === undefined ? { text } : { text, encrypted });
      }
      if (part.type === 'tool-call')
        this.#earlierCalls.push({ id: part.callId, name: part.name, arguments: part.arguments });
    }
  }

  addReasoning(delta: string): void {
    this.#openReasoning().text += delta;
  }

  /** Ends the open piece of reasoning, keeping the payload the provider needs passed back with it. */
  endReasoning(encrypted: string | undefined): void {
    const piece = this.#openReasoning();
    if (encrypted !== undefined) piece.encrypted = encrypted;
    this.#reasoningOpen = false;
  }

  addReasoningParts(parts: readonly ReasoningPart[]): void {
    for (const part of parts) this.#reasoning.push({ ...part });
    this.#reasoningOpen = false;
  }

  #openReasoning(): { text: string; encrypted?: string } {
    const open = this.#reasoning.at(-1);
    if (this.#reasoningOpen && open !== undefined) return open;
    const piece = { text: '' };
    this.#reasoning.push(piece);
    this.#reasoningOpen = true;
    return piece;
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
    const calls = [...this.#earlierCalls, ...this.#calls.filter((call) => call !== undefined)];
    const reasoning = this.#reasoning.filter((piece) => piece.text !== '' || piece.encrypted !== undefined);
    if (reasoning.length === 0 && calls.length === 0) return undefined;
    return [
      ...reasoning.map((piece) => ({ type: 'reasoning' as const, ...piece })),
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
