/**
 * Which model answers a call: the name asked for (or the default), within the caller's allowlist,
 * resolved by the registry. Every generation — turns, continues, titles, stateless completions —
 * chooses its model here, so the errors are the same on every surface.
 */

import { ParleyError } from '../errors.ts';
import type { ModelRegistry } from '../providers/registry.ts';
import {
  type CallOptions,
  type ChatModel,
  type PromptMessage,
  type PromptPart,
  partKindsOf,
} from '../providers/spec.ts';
import { toParleyError } from './provider-errors.ts';

export interface ChosenModel {
  readonly modelName: string;
  readonly model: ChatModel;
}

/**
 * The model for `requested`, or the default one. With no provider set up, a 503 with the setup
 * advice; a name outside `allowedModels`, a 403; a name no provider serves, a 400.
 */
export function chooseModel(
  models: ModelRegistry,
  requested: string | undefined,
  allowedModels: readonly string[] | null | undefined,
  /** The request field that named the model, for the error (OpenAI's `param`). */
  param?: string,
): ChosenModel {
  const modelName = requested ?? models.defaultModel;
  if (modelName === undefined) throw new ParleyError('NO_PROVIDER', models.setupAdvice);
  assertModelAllowed(modelName, allowedModels);
  const model = models.resolve(modelName);
  if (model !== undefined) return { modelName, model };
  if (models.defaultModel === undefined) throw new ParleyError('NO_PROVIDER', models.setupAdvice);
  throw new ParleyError('UNKNOWN_MODEL', `no provider serves the model "${modelName}"`, {
    ...(param === undefined ? {} : { param }),
  });
}

/** Refuses a model outside the caller's allowlist (403, naming the model). */
export function assertModelAllowed(
  modelName: string,
  allowedModels: readonly string[] | null | undefined,
): void {
  if (allowedModels === null || allowedModels === undefined || allowedModels.includes(modelName)) return;
  throw new ParleyError('FORBIDDEN', `this key may not use the model "${modelName}"`, { param: 'model' });
}

/**
 * The capability each kind of part a client sends needs; reasoning and refusals are the model's
 * own output, passed back as it gave them, and need none.
 */
const CAPABILITY_OF_PART: Partial<Record<PromptPart['type'], 'images' | 'files' | 'audio'>> = {
  image: 'images',
  file: 'files',
  audio: 'audio',
};

/** Refuses a prompt with parts the model cannot take (400 naming the part and the provider). */
export function assertModelTakes(prompt: readonly PromptMessage[], model: ChatModel): void {
  for (const kind of partKindsOf(prompt)) {
    const capability = CAPABILITY_OF_PART[kind];
    if (capability !== undefined && model.capabilities?.[capability] !== true) {
      throw new ParleyError('BAD_REQUEST', `the ${model.provider} provider does not take ${kind} parts`);
    }
  }
}

/**
 * Refuses a call the model's provider would refuse (its `checkCall`: e.g. Anthropic's thinking with
 * a forced tool call) with the 400 the call would end in, before anything is written or sent.
 */
export function assertCallAccepted(
  prompt: readonly PromptMessage[],
  options: Omit<CallOptions, 'signal' | 'onAttempt'>,
  model: ChatModel,
): void {
  try {
    model.checkCall?.(prompt, options);
  } catch (error) {
    throw toParleyError(error);
  }
}
