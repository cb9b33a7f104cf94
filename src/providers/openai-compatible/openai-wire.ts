/**
 * The parts of OpenAI's `/chat/completions` wire format this provider reads, with type guards:
 * an upstream's JSON is checked before anything trusts it (an OpenAI-compatible server is
 * sometimes only mostly compatible).
 */

export interface OpenAIUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
}

export interface OpenAIToolCall {
  readonly id: string;
  readonly function: { readonly name: string; readonly arguments: string };
}

export interface OpenAIToolCallDelta {
  readonly index: number;
  readonly id?: string | null;
  readonly function?: { readonly name?: string | null; readonly arguments?: string | null } | null;
}

export interface OpenAITokenAlternative {
  readonly token: string;
  readonly logprob: number;
  readonly bytes?: readonly number[] | null;
}

export interface OpenAITokenLogprob extends OpenAITokenAlternative {
  readonly top_logprobs?: readonly OpenAITokenAlternative[] | null;
}

/** A choice's `logprobs` (its `refusal` tokens are not read). */
export interface OpenAILogprobs {
  readonly content?: readonly OpenAITokenLogprob[] | null;
}

/**
 * Reasoning beside the content, as servers that give it send it: `reasoning_content` (DeepSeek,
 * vLLM, Qwen) or `reasoning` (OpenRouter, Ollama). OpenAI itself sends neither.
 */
export interface OpenAIReasoningFields {
  readonly reasoning_content?: unknown;
  readonly reasoning?: unknown;
}

/** The reasoning text of a message or a delta, whichever field carries it. */
export function reasoningOf(fields: OpenAIReasoningFields): string | undefined {
  for (const value of [fields.reasoning_content, fields.reasoning])
    if (typeof value === 'string' && value !== '') return value;
  return undefined;
}

export interface OpenAIChoice {
  readonly message: OpenAIReasoningFields & {
    readonly content: string | null;
    readonly tool_calls?: readonly OpenAIToolCall[] | null;
  };
  readonly finish_reason: string | null;
  readonly logprobs?: OpenAILogprobs | null;
}

export interface OpenAIChatCompletion {
  readonly choices: readonly OpenAIChoice[];
  readonly usage?: OpenAIUsage | null;
}

export interface OpenAIChunkChoice {
  readonly delta: OpenAIReasoningFields & {
    readonly content?: string | null;
    readonly tool_calls?: readonly OpenAIToolCallDelta[] | null;
  };
  readonly finish_reason?: string | null;
  readonly logprobs?: OpenAILogprobs | null;
}

export interface OpenAIChatCompletionChunk {
  readonly choices: readonly OpenAIChunkChoice[];
  readonly usage?: OpenAIUsage | null;
}

export interface OpenAIErrorBody {
  readonly error: { readonly message?: unknown; readonly type?: unknown; readonly code?: unknown };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOptionalString(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}

export function isOpenAIUsage(value: unknown): value is OpenAIUsage {
  return (
    isRecord(value) && typeof value.prompt_tokens === 'number' && typeof value.completion_tokens === 'number'
  );
}

function hasValidUsage(value: Record<string, unknown>): boolean {
  return value.usage === undefined || value.usage === null || isOpenAIUsage(value.usage);
}

function isToolCall(value: unknown): value is OpenAIToolCall {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    isRecord(value.function) &&
    typeof value.function.name === 'string' &&
    typeof value.function.arguments === 'string'
  );
}

function isToolCallDelta(value: unknown): value is OpenAIToolCallDelta {
  if (!isRecord(value) || typeof value.index !== 'number' || !isOptionalString(value.id)) return false;
  const fn = value.function;
  if (fn === undefined || fn === null) return true;
  return isRecord(fn) && isOptionalString(fn.name) && isOptionalString(fn.arguments);
}

function isTokenAlternative(value: unknown): value is OpenAITokenAlternative {
  return (
    isRecord(value) &&
    typeof value.token === 'string' &&
    typeof value.logprob === 'number' &&
    isOptionalArrayOf(value.bytes, (byte) => typeof byte === 'number')
  );
}

function isTokenLogprob(value: unknown): value is OpenAITokenLogprob {
  return (
    isRecord(value) && isTokenAlternative(value) && isOptionalArrayOf(value.top_logprobs, isTokenAlternative)
  );
}

function isOptionalLogprobs(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (isRecord(value) && isOptionalArrayOf(value.content, isTokenLogprob))
  );
}

function isOptionalArrayOf(value: unknown, guard: (item: unknown) => boolean): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.every(guard));
}

export function isChatCompletion(value: unknown): value is OpenAIChatCompletion {
  if (!isRecord(value) || !Array.isArray(value.choices) || !hasValidUsage(value)) return false;
  return value.choices.every(
    (choice) =>
      isRecord(choice) &&
      isRecord(choice.message) &&
      isOptionalString(choice.message.content) &&
      isOptionalArrayOf(choice.message.tool_calls, isToolCall) &&
      isOptionalString(choice.finish_reason) &&
      isOptionalLogprobs(choice.logprobs),
  );
}

export function isChatCompletionChunk(value: unknown): value is OpenAIChatCompletionChunk {
  if (!isRecord(value) || !Array.isArray(value.choices) || !hasValidUsage(value)) return false;
  return value.choices.every(
    (choice) =>
      isRecord(choice) &&
      isRecord(choice.delta) &&
      isOptionalString(choice.delta.content) &&
      isOptionalArrayOf(choice.delta.tool_calls, isToolCallDelta) &&
      isOptionalString(choice.finish_reason) &&
      isOptionalLogprobs(choice.logprobs),
  );
}

export function isErrorBody(value: unknown): value is OpenAIErrorBody {
  return isRecord(value) && isRecord(value.error);
}
