/**
 * Stateless completions (`/v1/chat/completions`): a prompt in, an answer out, nothing stored.
 * The same model resolution, generation path, metrics and usage as conversations, without the tree.
 */

import { ParleyError } from '../errors.ts';
import type { ModelRegistry } from '../providers/registry.ts';
import type { ChatModel, PromptMessage } from '../providers/spec.ts';
import { assertModelAllowed, type ConversationService } from './conversation-service.ts';
import type { GenerationOptions, Turn } from './turn.ts';

/** Who a stateless completion is charged to. */
export interface CompletionAccount {
  readonly owner: string;
  readonly keyId: string | null;
}

export class Completions {
  readonly #models: ModelRegistry;
  readonly #conversations: ConversationService;

  constructor(models: ModelRegistry, conversations: ConversationService) {
    this.#models = models;
    this.#conversations = conversations;
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

  /**
   * A stateless generation of `prompt`: the conversations' own turn, storing nothing (so it is
   * measured, charged and stopped like every other). Run it with `generate` or `stream`.
   */
  start(
    resolved: { readonly modelName: string; readonly model: ChatModel },
    prompt: readonly PromptMessage[],
    options: GenerationOptions,
    account: CompletionAccount,
  ): Turn {
    return this.#conversations.statelessTurn({ ...resolved, ...account, prompt, options });
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
