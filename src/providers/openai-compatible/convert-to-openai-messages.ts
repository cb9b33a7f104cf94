import type { PromptMessage } from '../spec.ts';

export interface OpenAIMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/**
 * The prompt as OpenAI's `messages`. Tool messages need a `tool_call_id` that text-only prompts
 * do not carry yet, so they are refused here rather than sent malformed.
 */
export function convertToOpenAIMessages(prompt: readonly PromptMessage[]): OpenAIMessage[] {
  return prompt.map((message) => {
    if (message.role === 'tool') throw new TypeError('tool messages are not supported by text prompts yet');
    return { role: message.role, content: message.content };
  });
}
