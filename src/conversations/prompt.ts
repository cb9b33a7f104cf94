/** Turns a path of stored messages into the prompt a provider receives. */

import type { PromptMessage } from '../providers/spec.ts';
import type { MessageRecord } from '../store/store.ts';

/** A message as a caller sends it: the text of one role. */
export interface InputMessage {
  readonly role: 'system' | 'developer' | 'user' | 'assistant';
  readonly content: string;
}

/**
 * The conversation's system prompt, then instructions (for this call only), then the path from the
 * root, then the new inputs.
 * Deleted messages and answers that failed with no text are left out (they carry nothing the
 * model said); partial answers keep the text that arrived. Providers know no `developer` role:
 * it is sent as `system`.
 */
export function buildPrompt(
  path: readonly MessageRecord[],
  inputs: readonly InputMessage[],
  instructions?: string,
  systemPrompt?: string | null,
): PromptMessage[] {
  return buildPromptWithSources(path, inputs, instructions, systemPrompt).prompt;
}

/** The prompt, and for each of its messages the stored message it came from (null for the rest). */
export function buildPromptWithSources(
  path: readonly MessageRecord[],
  inputs: readonly InputMessage[],
  instructions?: string,
  systemPrompt?: string | null,
): { prompt: PromptMessage[]; sources: (MessageRecord | null)[] } {
  const prompt: PromptMessage[] = [];
  const sources: (MessageRecord | null)[] = [];
  const add = (message: PromptMessage, source: MessageRecord | null) => {
    prompt.push(message);
    sources.push(source);
  };
  if (systemPrompt !== undefined && systemPrompt !== null && systemPrompt !== '') {
    add({ role: 'system', content: systemPrompt }, null);
  }
  if (instructions !== undefined && instructions !== '') add({ role: 'system', content: instructions }, null);
  for (const message of path) {
    if (message.deletedAt !== null) continue;
    if (message.role === 'assistant' && message.content === '' && message.status !== 'completed') continue;
    const { upstreamConversationId, upstreamMessageId } = message;
    const upstreamRef =
      upstreamConversationId === null || upstreamMessageId === null
        ? undefined
        : { conversationId: upstreamConversationId, messageId: upstreamMessageId };
    add(
      { role: promptRole(message.role), content: message.content, ...(upstreamRef && { upstreamRef }) },
      message,
    );
  }
  for (const input of inputs) add({ role: promptRole(input.role), content: input.content }, null);
  return { prompt, sources };
}

function promptRole(role: MessageRecord['role']): PromptMessage['role'] {
  return role === 'developer' ? 'system' : role;
}

/** A first title from the question: its first line, cut at a word near 60 characters. */
export function titleFromQuestion(question: string): string {
  const firstLine = question.trim().split('\n', 1)[0]?.trim() ?? '';
  if (firstLine.length <= 60) return firstLine === '' ? 'New chat' : firstLine;
  const cut = firstLine.slice(0, 60);
  const lastSpace = cut.lastIndexOf(' ');
  return `${lastSpace > 30 ? cut.slice(0, lastSpace) : cut}…`;
}
