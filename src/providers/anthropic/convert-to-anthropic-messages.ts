import { toBase64 } from '../shared/data-url.ts';
import type { PromptMessage, PromptPart } from '../spec.ts';

/** A content block of a message (Messages API). */
export type AnthropicContentBlock =
  | { readonly type: 'text'; readonly text: string }
  | {
      readonly type: 'image';
      readonly source:
        | { readonly type: 'base64'; readonly media_type: string; readonly data: string }
        | { readonly type: 'url'; readonly url: string };
    }
  | {
      readonly type: 'document';
      readonly source: { readonly type: 'base64'; readonly media_type: string; readonly data: string };
      readonly title?: string;
    };

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
 * message first). A message with images or files becomes content blocks. Tool messages are not
 * supported yet.
 */
export function convertToAnthropicMessages(prompt: readonly PromptMessage[]): AnthropicPrompt {
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  for (const message of prompt) {
    if (message.role === 'system') {
      system.push(message.content);
      continue;
    }
    if (message.role === 'tool')
      throw new TypeError('tool messages are not supported by the anthropic provider yet');
    const content = message.parts === undefined ? message.content : message.parts.flatMap(toContentBlock);
    const last = messages.at(-1);
    if (last !== undefined && last.role === message.role) last.content = merge(last.content, content);
    else messages.push({ role: message.role, content });
  }
  if (messages[0]?.role === 'assistant') messages.unshift({ role: 'user', content: '(continue)' });
  return { system: system.length === 0 ? undefined : system.join('\n\n'), messages };
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
    default:
      return [];
  }
}
