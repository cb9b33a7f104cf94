/**
 * Stateless completions (`/v1/chat/completions`): a prompt in, an answer out, nothing stored.
 * The same model choice, generation path, metrics and usage as conversations, without the tree.
 */

import type { ModelRegistry } from '../providers/registry.ts';
import type { PromptMessage } from '../providers/spec.ts';
import type { Generations } from './generations.ts';
import { type ChosenModel, chooseModel } from './model-choice.ts';
import type { GenerationOptions, Turn } from './turn.ts';

/** Who a stateless completion is charged to. */
export interface CompletionAccount {
  readonly owner: string;
  readonly keyId: string | null;
}

export class Completions {
  readonly #models: ModelRegistry;
  readonly #generations: Generations;

  constructor(models: ModelRegistry, generations: Generations) {
    this.#models = models;
    this.#generations = generations;
  }

  /** The model for a name (or the default one), or a 503/403/400 saying why there is none. */
  resolve(modelName: string | undefined, allowedModels?: readonly string[] | null): ChosenModel {
    return chooseModel(this.#models, modelName, allowedModels, 'model');
  }

  /**
   * A stateless generation of `prompt`: the conversations' own turn, storing nothing (so it is
   * measured, charged and stopped like every other). Run it with `generate` or `stream`.
   */
  start(
    resolved: ChosenModel,
    prompt: readonly PromptMessage[],
    options: GenerationOptions,
    account: CompletionAccount,
  ): Turn {
    return this.#generations.statelessTurn({ ...resolved, ...account, prompt, options });
  }

  /** The model names this server routes, the default first. */
  listModels(): readonly { readonly id: string; readonly provider: string }[] {
    const { defaultModel, listed = [] } = this.#models;
    const names = new Set(defaultModel === undefined ? listed : [defaultModel, ...listed]);
    return [...names].flatMap((id) => {
      const model = this.#models.resolve(id);
      return model === undefined ? [] : [{ id, provider: model.provider }];
    });
  }
}
