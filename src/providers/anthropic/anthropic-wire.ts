/**
 * The parts of Anthropic's Messages API this provider reads, with type guards: a response, the
 * streaming events (`message_start`, `content_block_start`/`_delta`/`_stop`, `message_delta`, `message_stop`,
 * `error`, `ping`, ...) and the error body `{"type": "error", "error": {"type", "message"}}`.
 */

export interface AnthropicUsage {
  readonly input_tokens?: number;
  readonly output_tokens?: number;
}

/** A block of an answer: `text`, `thinking` (with its signature), `redacted_thinking`, `tool_use`. */
export interface AnthropicAnswerBlock {
  readonly type: string;
  readonly text?: string;
  readonly thinking?: string;
  readonly signature?: string;
  readonly data?: string;
  readonly id?: string;
  readonly name?: string;
  readonly input?: unknown;
}

export interface AnthropicMessage {
  readonly content: readonly AnthropicAnswerBlock[];
  readonly stop_reason: string | null;
  readonly usage?: AnthropicUsage;
}

export interface AnthropicErrorBody {
  readonly error: { readonly type?: unknown; readonly message?: unknown };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isUsage(value: unknown): value is AnthropicUsage {
  return (
    isRecord(value) &&
    (value.input_tokens === undefined || typeof value.input_tokens === 'number') &&
    (value.output_tokens === undefined || typeof value.output_tokens === 'number')
  );
}

export function isMessage(value: unknown): value is AnthropicMessage {
  return (
    isRecord(value) &&
    Array.isArray(value.content) &&
    value.content.every(isAnswerBlock) &&
    (value.stop_reason === null || typeof value.stop_reason === 'string') &&
    (value.usage === undefined || isUsage(value.usage))
  );
}

function isAnswerBlock(block: unknown): block is AnthropicAnswerBlock {
  if (!isRecord(block) || typeof block.type !== 'string') return false;
  const optionalText = (field: string) => block[field] === undefined || typeof block[field] === 'string';
  return ['text', 'thinking', 'signature', 'data', 'id', 'name'].every(optionalText);
}

export function isErrorBody(value: unknown): value is AnthropicErrorBody {
  return isRecord(value) && isRecord(value.error);
}
