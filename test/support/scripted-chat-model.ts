/**
 * A ChatModel for tests of the core and the HTTP surfaces: it answers from a script, records
 * every prompt it was given, and notes whether its caller aborted it.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { ModelRegistry } from '../../src/providers/registry.ts';
import {
  type CallOptions,
  type ChatModel,
  type FinishReason,
  type GenerateResult,
  type PromptMessage,
  ProviderError,
  type StreamPart,
  type Usage,
} from '../../src/providers/spec.ts';

export interface Script {
  readonly deltas: readonly string[];
  readonly finishReason?: FinishReason;
  readonly usage?: Usage;
  /** Thrown after this many deltas were sent. */
  readonly failAfter?: { readonly deltas: number; readonly error: ProviderError };
  /** Waits between deltas; with `hang`, waits for the abort after the last delta. */
  readonly delayMs?: number;
  readonly hang?: boolean;
}

export interface Call {
  readonly prompt: readonly PromptMessage[];
  readonly modelId: string;
  /** The call's options, as the model received them (temperature, token limit, ...). */
  readonly options: CallOptions;
  aborted: boolean;
}

export class ScriptedChatModel implements ChatModel {
  readonly provider = 'scripted';
  readonly modelId: string;
  readonly calls: Call[];
  readonly #scripts: Script[];

  constructor(modelId: string, scripts: Script[], calls: Call[]) {
    this.modelId = modelId;
    this.#scripts = scripts;
    this.calls = calls;
  }

  #next(prompt: readonly PromptMessage[], options: CallOptions): { script: Script; call: Call } {
    const script = this.#scripts.shift() ?? { deltas: ['ok'] };
    const call: Call = { prompt, modelId: this.modelId, options, aborted: false };
    this.calls.push(call);
    options.signal?.addEventListener('abort', () => {
      call.aborted = true;
    });
    return { script, call };
  }

  async doGenerate(prompt: readonly PromptMessage[], options: CallOptions): Promise<GenerateResult> {
    let text = '';
    for await (const part of this.doStream(prompt, options)) {
      if (part.type === 'text-delta') text += part.delta;
      else if (part.type === 'finish')
        return {
          text,
          finishReason: part.finishReason,
          ...(part.usage === undefined ? {} : { usage: part.usage }),
        };
    }
    throw new Error('unreachable: the scripted stream always finishes or throws');
  }

  async *doStream(prompt: readonly PromptMessage[], options: CallOptions): AsyncGenerator<StreamPart> {
    const { script } = this.#next(prompt, options);
    const signal = options.signal;
    const abortError = () => new ProviderError('aborted', { kind: 'aborted', provider: this.provider });
    for (let index = 0; index < script.deltas.length; index++) {
      if (script.failAfter?.deltas === index) throw script.failAfter.error;
      if (signal?.aborted) throw abortError();
      if (script.delayMs !== undefined) await sleep(script.delayMs, undefined, { signal }).catch(() => {});
      if (signal?.aborted) throw abortError();
      yield { type: 'text-delta', delta: script.deltas[index] ?? '' };
    }
    if (script.failAfter?.deltas === script.deltas.length) throw script.failAfter.error;
    if (script.hang === true) {
      if (signal?.aborted !== true) {
        await new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
      }
      throw abortError();
    }
    yield {
      type: 'finish',
      finishReason: script.finishReason ?? 'stop',
      ...(script.usage === undefined ? {} : { usage: script.usage }),
    };
  }
}

/** A registry where every model name answers from one shared queue of scripts. */
export function scriptedRegistry(scripts: Script[] = [], defaultModel = 'scripted-model') {
  const calls: Call[] = [];
  const registry: ModelRegistry = {
    defaultModel,
    setupAdvice: 'configure a provider',
    resolve: (modelName) =>
      modelName === 'unknown-model' ? undefined : new ScriptedChatModel(modelName, scripts, calls),
  };
  return { registry, scripts, calls };
}
