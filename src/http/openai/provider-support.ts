/**
 * The 400s for what the routed model cannot honour of OpenAI's request fields, and the field
 * values shared by both `/v1` endpoints. What a model honours is what it declares
 * (`ChatModel.capabilities`: tools, sampling, reasoning, OpenAI's other fields, ...), so no
 * provider is named here. The `/v1` surfaces check before anything is generated or stored: a
 * field is honoured, or refused by name with the provider's name, never dropped.
 */

import { badRequest, type ParleyError } from '../../errors.ts';
import type { ChatModel, ReasoningEffort } from '../../providers/spec.ts';

const REASONING_EFFORTS: readonly ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'];

/**
 * Fields of both endpoints that change no output (caching, billing, abuse tracking): accepted for
 * every provider, and passed on under the same names to one that takes OpenAI's fields.
 */
export const HINT_FIELDS = [
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'prompt_cache_options',
  'prompt_cache_retention',
  'service_tier',
] as const;

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
