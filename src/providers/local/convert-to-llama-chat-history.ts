/**
 * Turns a prompt into node-llama-cpp's chat history, which the model's own chat template then
 * renders. The history ends with a model response for the engine to write: an empty one, or the
 * prompt's trailing assistant message, which the model continues.
 */

import type { ChatHistoryItem, ChatModelResponse } from 'node-llama-cpp';
import { assertTextOnly, type PromptMessage } from '../spec.ts';

/**
 * - `system` and `user` map one to one; `assistant` becomes a model response (its tool calls are
 *   dropped: the local provider serves text only).
 * - A `tool` result becomes a user message that says which call it answers, since chat templates
 *   without tool support have no other place for it.
 * - Consecutive messages of the same kind are joined, as many templates require turns to alternate.
 */
export function convertToLlamaChatHistory(prompt: readonly PromptMessage[]): ChatHistoryItem[] {
  assertTextOnly(prompt, 'local');
  const history: ChatHistoryItem[] = [];
  for (const message of prompt) {
    const last = history.at(-1);
    switch (message.role) {
      case 'system':
        if (last?.type === 'system' && typeof last.text === 'string') last.text += `\n\n${message.content}`;
        else history.push({ type: 'system', text: message.content });
        break;
      case 'user':
      case 'tool': {
        const text =
          message.role === 'tool'
            ? `Result of tool call${message.toolCallId === undefined ? '' : ` ${message.toolCallId}`}:\n${message.content}`
            : message.content;
        if (last?.type === 'user') last.text += `\n\n${text}`;
        else history.push({ type: 'user', text });
        break;
      }
      case 'assistant':
        if (last?.type === 'model') last.response.push(`\n\n${message.content}`);
        else history.push({ type: 'model', response: [message.content] });
        break;
    }
  }
  if (history.at(-1)?.type !== 'model')
    history.push({ type: 'model', response: [] } satisfies ChatModelResponse);
  return history;
}
