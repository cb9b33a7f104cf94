/**
 * What each provider honours of OpenAI's request fields, beyond the tools and structured output
 * its model declares (`ChatModel.capabilities`), and the 400 for what it cannot honour. The
 * `/v1` surfaces ask here before anything is generated or stored: a field is honoured, or
 * refused by name with the provider's name, never dropped.
 */

import { badRequest, type ParleyError } from '../../errors.ts';
import type { ChatModel, ReasoningEffort } from '../../providers/spec.ts';

const REASONING_EFFORTS: readonly ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'];

/** The provider that speaks OpenAI's `/chat/completions` itself and takes its fields verbatim. */
export const OPENAI_COMPATIBLE = 'openai-compatible';

export interface ProviderSupport {
  /** Temperature, top_p, a token limit and stop sequences reach the model. */
  readonly sampling: boolean;
  /** OpenAI's other chat-completions fields (seed, penalties, reasoning_effort, ...) pass through. */
  readonly openaiFields: boolean;
}

const SUPPORT: Readonly<Record<string, ProviderSupport>> = {
  [OPENAI_COMPATIBLE]: { sampling: true, openaiFields: true },
  anthropic: { sampling: true, openaiFields: false },
  local: { sampling: true, openaiFields: false },
  // ChatGPT's web backend chooses its own sampling and length: it takes none of these.
  'chatgpt-web': { sampling: false, openaiFields: false },
};

/**
 * Fields of both endpoints that change no output (caching, billing, abuse tracking): accepted for
 * every provider, and passed on to an OpenAI-compatible upstream under the same names.
 */
export const HINT_FIELDS = [
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'prompt_cache_options',
  'prompt_cache_retention',
  'service_tier',
] as const;

/** A provider not in the table (a test double) takes sampling fields and nothing else. */
const OTHER: ProviderSupport = { sampling: true, openaiFields: false };

export function supportOf(model: ChatModel): ProviderSupport {
  return SUPPORT[model.provider] ?? OTHER;
}

/**
 * The 400 for a field the routed provider cannot honour.
 * @example refuseForProvider('seed', model) // "'seed' is not supported by the provider 'anthropic' ..."
 */
export function refuseForProvider(field: string, model: ChatModel, why?: string): ParleyError {
  return badRequest(
    `'${field}' is not supported by the provider '${model.provider}' that serves the model '${model.modelId}'` +
      `${why === undefined ? '' : ` (${why})`}. Leave it out, or use a model of a provider that supports it.`,
    field,
  );
}

/** The 400 for a field Parley itself does not honour yet, whatever the provider. */
export function refuseEverywhere(field: string, why: string): ParleyError {
  return badRequest(`'${field}' is not supported by Parley: ${why}.`, field);
}

/** True for the values that ask for nothing: absent, null, `[]`, `{}` (OpenAI's defaults). */
export function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object')
    return Object.values(value).every((each) => each === undefined || each === null);
  return false;
}

/** A reasoning effort OpenAI defines, or a 400 naming the field and the values it takes. */
export function reasoningEffort(value: string, field: string): ReasoningEffort {
  const effort = REASONING_EFFORTS.find((each) => each === value);
  if (effort === undefined) {
    throw badRequest(
      `Invalid value for '${field}': expected one of ${REASONING_EFFORTS.map((each) => `'${each}'`).join(', ')}.`,
      field,
    );
  }
  return effort;
}
