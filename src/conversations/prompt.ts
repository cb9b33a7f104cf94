/** Turns a path of stored messages into the prompt a provider receives. */

import type { PromptMessage } from '../providers/spec.ts';
import type { MessageRecord } from '../store/store.ts';

/**
 * The path from the root, then the new question. Answers that failed with no text are left out
 * (they carry nothing the model said); partial answers keep the text that arrived.
 */
export function buildPrompt(path: readonly MessageRecord[], question: string): PromptMessage[] {
  const prompt: PromptMessage[] = [];
  for (const message of path) {
    if (message.role === 'assistant' && message.content === '' && message.status !== 'completed') continue;
    prompt.push({ role: message.role, content: message.content });
  }
  prompt.push({ role: 'user', content: question });
  return prompt;
}

/** A first title from the question: its first line, cut at a word near 60 characters. */
export function titleFromQuestion(question: string): string {
  const firstLine = question.trim().split('\n', 1)[0]?.trim() ?? '';
  if (firstLine.length <= 60) return firstLine === '' ? 'New chat' : firstLine;
  const cut = firstLine.slice(0, 60);
  const lastSpace = cut.lastIndexOf(' ');
  return `${lastSpace > 30 ? cut.slice(0, lastSpace) : cut}…`;
}
