import { toBase64 } from '../shared/data-url.ts';
import { type PromptMessage, type PromptPart, ProviderError, type ToolCall } from '../spec.ts';
import { PROVIDER } from './anthropic-error.ts';
import { toContentBlock as reasoningBlock } from './anthropic-thinking-payload.ts';

type Base64Source = { readonly type: 'base64'; readonly media_type: string; readonly data: string };

/** A content block of a message (Messages API). */
export type AnthropicContentBlock =
  | { readonly type: 'text'; readonly text: string }
  | {
      readonly type: 'image';
      readonly source: Base64Source | { readonly type: 'url'; readonly url: string };
    }
  | { readonly type: 'document'; readonly source: Base64Source; readonly title?: string }
  | { readonly type: 'thinking'; readonly thinking: string; readonly signature: string }
  | { readonly type: 'redacted_thinking'; readonly data: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: unknown }
  | { readonly type: 'tool_result'; readonly tool_use_id: string; readonly content: string };

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string | AnthropicContentBlock[];
}

export interface AnthropicPrompt {
  readonly system: string | undefined;
  readonly messages: AnthropicMessage[];
}

/**
 * The prompt in Anthropic's shape: system messages go to the top-level `system` (joined), the rest
 * alternate user/assistant — consecutive messages of one role are merged, and a conversation that
 * would start with the assistant gets an empty-question user turn first (the API requires a user
 * message first). A message with images or files becomes content blocks; an assistant's tool calls
 * become `tool_use` blocks after its thinking and text; a tool message becomes a `tool_result`
 * block of a user message, so the results of one turn's calls travel together.
 */
export function convertToAnthropicMessages(prompt: readonly PromptMessage[]): AnthropicPrompt {
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  for (const message of prompt) {
    if (message.role === 'system') {
      system.push(message.content);
      continue;
    }
    const role = message.role === 'tool' ? 'user' : message.role;
    const content = contentOf(message);
    const last = messages.at(-1);
    if (last !== undefined && last.role === role) last.content = merge(last.content, content);
    else messages.push({ role, content });
  }
  if (messages[0]?.role === 'assistant') messages.unshift({ role: 'user', content: '(continue)' });
  return { system: system.length === 0 ? undefined : system.join('\n\n'), messages };
}

function contentOf(message: PromptMessage): string | AnthropicContentBlock[] {
  if (message.role === 'tool') {
    if (message.toolCallId === undefined)
      throw new TypeError('a tool message needs the id of the call it answers');
    return [{ type: 'tool_result', tool_use_id: message.toolCallId, content: message.content }];
  }
  const calls = message.toolCalls ?? [];
  if (message.parts === undefined && calls.length === 0) return message.content;
  const parts = message.parts ?? [{ type: 'text', text: message.content }];
  // Anthropic refuses empty text blocks (an answer that only called tools has no text).
  const blocks = parts.flatMap(toContentBlock).filter((block) => block.type !== 'text' || block.text !== '');
  return [...blocks, ...calls.map(toToolUse)];
}

function merge(
  earlier: string | AnthropicContentBlock[],
  later: string | AnthropicContentBlock[],
): string | AnthropicContentBlock[] {
  if (typeof earlier === 'string' && typeof later === 'string') return `${earlier}\n\n${later}`;
  const blocks = (content: string | AnthropicContentBlock[]): AnthropicContentBlock[] =>
    typeof content === 'string' ? [{ type: 'text', text: content }] : content;
  return [...blocks(earlier), ...blocks(later)];
}

/** A call as a `tool_use` block: Anthropic takes the arguments as a JSON object, not text. */
function toToolUse(call: ToolCall): AnthropicContentBlock {
  let input: unknown = {};
  if (call.arguments.trim() !== '') {
    try {
      input = JSON.parse(call.arguments);
    } catch {
      input = undefined;
    }
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ProviderError(
      `the anthropic provider takes a tool call's arguments as a JSON object; those of the call '${call.id}' are not`,
      { kind: 'unsupported', provider: PROVIDER },
    );
  }
  return { type: 'tool_use', id: call.id, name: call.name, input };
}

function toContentBlock(part: PromptPart): AnthropicContentBlock[] {
  switch (part.type) {
    case 'text':
      return [{ type: 'text', text: part.text }];
    case 'image':
      return [
        {
          type: 'image',
          source:
            'url' in part
              ? { type: 'url', url: part.url }
              : { type: 'base64', media_type: part.mediaType, data: toBase64(part.data) },
        },
      ];
    case 'file':
      return [
        {
          type: 'document',
          source: { type: 'base64', media_type: part.mediaType, data: toBase64(part.data) },
          title: part.filename,
        },
      ];
    case 'reasoning':
      return reasoningBlock(part);
    default:
      return [];
  }
}
