/**
 * Turns node-llama-cpp's function-call callbacks into the spec's `tool-call-delta` parts: each call
 * gets an id (llama.cpp has none), its name comes with its first piece, and its arguments stream
 * as the model writes them. node-llama-cpp ends a call's arguments with four newlines (its
 * grammar's end mark); those never reach the client, while newlines inside the JSON do.
 */

import { randomBytes } from 'node:crypto';
import type { StreamPart } from '../spec.ts';

/** The mark node-llama-cpp's arguments grammar ends with (`FunctionCallParamsGrammar`). */
const ARGUMENTS_END = '\n\n\n\n';

type ToolCallDelta = Extract<StreamPart, { type: 'tool-call-delta' }>;

export class FunctionCallDeltas {
  readonly #emit: (part: ToolCallDelta) => void;
  /** How many calls have been announced (their first delta sent). */
  #started = 0;
  /** Calls the model has finished. */
  #finished = 0;
  /** Trailing newlines of the current call's arguments, held until something else follows them. */
  #heldNewlines = '';

  constructor(emit: (part: ToolCallDelta) => void) {
    this.#emit = emit;
  }

  /** node-llama-cpp's `onFunctionCallParamsChunk`. */
  onParamsChunk = (chunk: { callIndex: number; functionName: string; paramsChunk: string }): void => {
    let text = this.#heldNewlines + chunk.paramsChunk;
    const trailing = /\n*$/.exec(text)?.[0] ?? '';
    this.#heldNewlines = trailing;
    text = text.slice(0, text.length - trailing.length);
    if (chunk.callIndex >= this.#started) this.#start(chunk.functionName, text);
    else if (text !== '')
      this.#emit({ type: 'tool-call-delta', index: chunk.callIndex, argumentsDelta: text });
  };

  /**
   * node-llama-cpp's `onFunctionCall`, once a call is complete. A call without parameters streams
   * no pieces: its arguments are sent here, whole.
   */
  onFunctionCall = (call: { functionName: string; params: unknown }): void => {
    if (this.#finished >= this.#started) this.#start(call.functionName, JSON.stringify(call.params ?? {}));
    else if (this.#heldNewlines.length > ARGUMENTS_END.length) {
      // Newlines the JSON itself ended with, before the end mark.
      this.#emit({
        type: 'tool-call-delta',
        index: this.#finished,
        argumentsDelta: this.#heldNewlines.slice(ARGUMENTS_END.length),
      });
    }
    this.#heldNewlines = '';
    this.#finished += 1;
  };

  /** How many calls the model made. */
  get count(): number {
    return this.#finished;
  }

  #start(name: string, argumentsDelta: string): void {
    this.#emit({ type: 'tool-call-delta', index: this.#started, id: newCallId(), name, argumentsDelta });
    this.#started += 1;
  }
}

/** An id in the shape OpenAI's are: `call_` and 24 letters or digits. */
function newCallId(): string {
  return `call_${randomBytes(12).toString('hex')}`;
}
