/**
 * The parts of Anthropic's Messages API this provider reads, with type guards: a response, the
 * streaming events (`message_start`, `content_block_delta`, `message_delta`, `message_stop`,
 * `error`, `ping`, ...) and the error body `{"type": "error", "error": {"type", "message"}}`.
 */

export interface AnthropicUsage {
  readonly input_tokens?: number;
  readonly output_tokens?: number;
}

export interface AnthropicMessage {
  readonly content: readonly { readonly type: string; readonly text?: string }[];
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
    value.content.every(
      (block) =>
        isRecord(block) &&
        typeof block.type === 'string' &&
        (block.text === undefined || typeof block.text === 'string'),
    ) &&
    (value.stop_reason === null || typeof value.stop_reason === 'string') &&
    (value.usage === undefined || isUsage(value.usage))
  );
}

export function isErrorBody(value: unknown): value is AnthropicErrorBody {
  return isRecord(value) && isRecord(value.error);
}
