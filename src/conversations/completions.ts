/**
 * Stateless completions (`/v1/chat/completions`): a prompt in, an answer out, nothing stored.
 * The same model resolution and error mapping as conversations, without the tree.
 */

import { ParleyError } from '../errors.ts';
import type { ModelRegistry } from '../providers/registry.ts';
import type { CallOptions, ChatModel, GenerateResult, PromptMessage, StreamPart } from '../providers/spec.ts';
import { assertModelAllowed } from './conversation-service.ts';
import { toParleyError } from './provider-errors.ts';

export class Completions {
  readonly #models: ModelRegistry;

  constructor(models: ModelRegistry) {
    this.#models = models;
  }

  /** The model for a name (or the default one), or a 503/400 saying why there is none. */
  resolve(
    modelName: string | undefined,
    allowedModels?: readonly string[] | null,
  ): { readonly modelName: string; readonly model: ChatModel } {
    const name = modelName ?? this.#models.defaultModel;
    if (name === undefined || this.#models.defaultModel === undefined) {
      throw new ParleyError('NO_PROVIDER', this.#models.setupAdvice);
    }
    assertModelAllowed(name, allowedModels);
    const model = this.#models.resolve(name);
    if (model === undefined)
      throw new ParleyError('UNKNOWN_MODEL', `no provider serves the model "${name}"`, { param: 'model' });
    return { modelName: name, model };
  }

  /** Refuses (400, naming the field) what this model cannot do, rather than dropping it silently. */
  assertSupported(model: ChatModel, options: CallOptions): void {
    if (options.tools !== undefined && model.capabilities?.tools !== true) {
      throw new ParleyError(
        'BAD_REQUEST',
        `the model's provider (${model.provider}) does not support tools`,
        {
          param: 'tools',
        },
      );
    }
    if (options.responseFormat !== undefined && model.capabilities?.responseFormat !== true) {
      throw new ParleyError(
        'BAD_REQUEST',
        `the model's provider (${model.provider}) does not support response_format`,
        { param: 'response_format' },
      );
    }
  }

  async generate(
    model: ChatModel,
    prompt: readonly PromptMessage[],
    options: Omit<CallOptions, 'signal'>,
    signal: AbortSignal,
  ): Promise<GenerateResult> {
    try {
      return await model.doGenerate(prompt, { ...options, signal });
    } catch (error) {
      throw toParleyError(error);
    }
  }

  /** Parts as they arrive; a failure (before or during the stream) is thrown as a ParleyError. */
  async *stream(
    model: ChatModel,
    prompt: readonly PromptMessage[],
    options: Omit<CallOptions, 'signal'>,
    signal: AbortSignal,
  ): AsyncGenerator<StreamPart> {
    try {
      yield* model.doStream(prompt, { ...options, signal });
    } catch (error) {
      throw toParleyError(error);
    }
  }

  /** The model names this server routes, the default first. */
  listModels(): readonly { readonly id: string; readonly provider: string }[] {
    const name = this.#models.defaultModel;
    const model = name === undefined ? undefined : this.#models.resolve(name);
    return name === undefined || model === undefined ? [] : [{ id: name, provider: model.provider }];
  }
}
