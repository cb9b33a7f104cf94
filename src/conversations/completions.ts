/**
 * Stateless completions (`/v1/chat/completions`): a prompt in, an answer out, nothing stored.
 * The same model resolution and error mapping as conversations, without the tree.
 */

import { ParleyError } from '../errors.ts';
import type { ModelRegistry } from '../providers/registry.ts';
import type {
  CallOptions,
  ChatModel,
  GenerateResult,
  PromptMessage,
  StreamPart,
  Usage,
} from '../providers/spec.ts';
import { assertModelAllowed } from './conversation-service.ts';
import { toParleyError } from './provider-errors.ts';
import type { UsageRecorder } from './usage-recorder.ts';

/** Who a stateless completion is charged to. */
export interface CompletionAccount {
  readonly owner: string;
  readonly keyId: string | null;
}

export class Completions {
  readonly #models: ModelRegistry;
  readonly #recorder: UsageRecorder | undefined;
  readonly #now: () => number;

  constructor(models: ModelRegistry, recorder?: UsageRecorder, now: () => number = Date.now) {
    this.#models = models;
    this.#recorder = recorder;
    this.#now = now;
  }

  #record(
    account: CompletionAccount,
    model: ChatModel,
    prompt: readonly PromptMessage[],
    outcome: {
      text: string;
      usage: Usage | undefined;
      status: string;
      startedAt: number;
      firstTokenAt: number | null;
    },
  ): void {
    void this.#recorder?.record({
      account: {
        ...account,
        conversationId: null,
        messageId: null,
        model: model.modelId,
        provider: model.provider,
      },
      prompt,
      text: outcome.text,
      usage: outcome.usage,
      status: outcome.status,
      startedAt: outcome.startedAt,
      firstTokenAt: outcome.firstTokenAt,
      endedAt: this.#now(),
    });
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

  async generate(
    model: ChatModel,
    prompt: readonly PromptMessage[],
    options: Omit<CallOptions, 'signal'>,
    signal: AbortSignal,
    account: CompletionAccount,
  ): Promise<GenerateResult> {
    const startedAt = this.#now();
    try {
      const result = await model.doGenerate(prompt, { ...options, signal });
      this.#record(account, model, prompt, {
        text: result.text,
        usage: result.usage,
        status: 'completed',
        startedAt,
        firstTokenAt: null,
      });
      return result;
    } catch (error) {
      this.#record(account, model, prompt, {
        text: '',
        usage: undefined,
        status: 'failed',
        startedAt,
        firstTokenAt: null,
      });
      throw toParleyError(error);
    }
  }

  /** Parts as they arrive; a failure (before or during the stream) is thrown as a ParleyError. */
  async *stream(
    model: ChatModel,
    prompt: readonly PromptMessage[],
    options: Omit<CallOptions, 'signal'>,
    signal: AbortSignal,
    account: CompletionAccount,
  ): AsyncGenerator<StreamPart> {
    const startedAt = this.#now();
    let firstTokenAt: number | null = null;
    let text = '';
    let usage: Usage | undefined;
    let status = 'incomplete';
    try {
      for await (const part of model.doStream(prompt, { ...options, signal })) {
        if (part.type === 'text-delta') {
          firstTokenAt ??= this.#now();
          text += part.delta;
        } else if (part.type === 'finish') {
          usage = part.usage;
          status = 'completed';
        }
        yield part;
      }
    } catch (error) {
      status = text === '' ? 'failed' : 'incomplete';
      throw toParleyError(error);
    } finally {
      this.#record(account, model, prompt, { text, usage, status, startedAt, firstTokenAt });
    }
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
