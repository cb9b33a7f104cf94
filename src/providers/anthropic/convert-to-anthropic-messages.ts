import type { PromptMessage } from '../spec.ts';

export interface AnthropicPrompt {
  readonly system: string | undefined;
  readonly messages: { role: 'user' | 'assistant'; content: string }[];
}

/**
 * The prompt in Anthropic's shape: system messages go to the top-level `system` (joined), the rest
 * alternate user/assistant — consecutive messages of one role are merged, and a conversation that
 * would start with the assistant gets an empty-question user turn first (the API requires a user
 * message first). Tool messages are not supported by text prompts.
 */
export function convertToAnthropicMessages(prompt: readonly PromptMessage[]): AnthropicPrompt {
  const system: string[] = [];
  const messages: { role: 'user' | 'assistant'; content: string }[] = [];
  for (const message of prompt) {
    if (message.role === 'system') {
      system.push(message.content);
      continue;
    }
    if (message.role === 'tool')
      throw new TypeError('tool messages are not supported by the anthropic provider yet');
    const last = messages.at(-1);
    if (last !== undefined && last.role === message.role) last.content += `\n\n${message.content}`;
    else messages.push({ role: message.role, content: message.content });
  }
  if (messages[0]?.role === 'assistant') messages.unshift({ role: 'user', content: '(continue)' });
  return { system: system.length === 0 ? undefined : system.join('\n\n'), messages };
}
