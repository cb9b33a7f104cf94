/**
 * A conversation's own sampling — temperature and a limit on the answer's tokens, set in its
 * settings — and how a generation in it applies them: each value the request does not set itself
 * comes from the conversation; a request's own value wins.
 */

import { badRequest } from '../errors.ts';
import type { ChatModel } from '../providers/spec.ts';
import type { ConversationRecord } from '../store/store.ts';
import type { GenerationOptions } from './turn.ts';

/** The values a conversation may keep (the API checks them; an import too). */
export const SAMPLING_LIMITS = {
  temperature: { minimum: 0, maximum: 2 },
  maxOutputTokens: { minimum: 1, maximum: 1_000_000 },
} as const;

/** Whether a value is one a conversation may keep for that field. */
export function isSamplingValue(field: keyof typeof SAMPLING_LIMITS, value: number): boolean {
  const { minimum, maximum } = SAMPLING_LIMITS[field];
  const whole = field === 'temperature' || Number.isInteger(value);
  return whole && value >= minimum && value <= maximum;
}

/**
 * The generation's options with the conversation's sampling filled in where the request left it out.
 * @example withConversationSampling({ temperature: 0.3, maxOutputTokens: null }, { temperature: 1 })
 * // → { temperature: 1 } (the request's own)
 */
export function withConversationSampling(
  conversation: Pick<ConversationRecord, 'temperature' | 'maxOutputTokens'> | undefined,
  options: GenerationOptions = {},
): GenerationOptions {
  if (conversation === undefined) return options;
  return {
    ...(conversation.temperature === null ? {} : { temperature: conversation.temperature }),
    ...(conversation.maxOutputTokens === null ? {} : { maxOutputTokens: conversation.maxOutputTokens }),
    ...definedOnly(options),
  };
}

/**
 * Refuses sampling the model would ignore (an upstream that chooses its own, as ChatGPT's web
 * backend does): a 400 naming the field, before anything is written — never dropped silently.
 */
export function assertSamplingTaken(options: GenerationOptions, model: ChatModel): void {
  if (model.capabilities?.sampling !== false) return;
  for (const [option, field] of [
    ['temperature', 'temperature'],
    ['maxOutputTokens', 'max_output_tokens'],
  ] as const) {
    if (options[option] === undefined) continue;
    throw badRequest(
      `the ${model.provider} provider chooses its own sampling and takes no ${field}: clear it in this ` +
        "conversation's settings, or use a model of another provider",
      field,
    );
  }
}

/** The options without keys whose value is undefined (so they do not hide the conversation's). */
function definedOnly(options: GenerationOptions): GenerationOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
