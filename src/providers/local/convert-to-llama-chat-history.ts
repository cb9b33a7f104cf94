/**
 * Turns a prompt into node-llama-cpp's chat history, which the model's own chat template then
 * renders. The history ends with a model response for the engine to write: an empty one, or the
 * prompt's trailing assistant message, which the model continues.
 */

import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse } from 'node-llama-cpp';
import { assertTextOnly, type PromptMessage, type ToolCall } from '../spec.ts';

/**
 * - `system` and `user` map one to one; `assistant` becomes a model response.
 * - An assistant's tool calls become function calls in its response, each holding the result its
 *   `tool` message gave: the chat template writes both in the model's own syntax (node-llama-cpp's
 *   generic `||call:` one for templates without tools).
 * - A `tool` result that answers no call of the assistant message before it becomes a user message
 *   that says which call it answers.
 * - Consecutive messages of the same kind are joined, as many templates require turns to alternate.
 */
export function convertToLlamaChatHistory(prompt: readonly PromptMessage[]): ChatHistoryItem[] {
  assertTextOnly(prompt, 'local');
  const given = resultsGivenToCalls(prompt);
  const history: ChatHistoryItem[] = [];
  for (const [index, message] of prompt.entries()) {
    const last = history.at(-1);
    switch (message.role) {
      case 'system':
        if (last?.type === 'system' && typeof last.text === 'string') last.text += `\n\n${message.content}`;
        else history.push({ type: 'system', text: message.content });
        break;
      case 'tool':
      case 'user': {
        if (given.has(index)) break;
        const text =
          message.role === 'tool'
            ? `Result of tool call${message.toolCallId === undefined ? '' : ` ${message.toolCallId}`}:\n${message.content}`
            : message.content;
        if (last?.type === 'user') last.text += `\n\n${text}`;
        else history.push({ type: 'user', text });
        break;
      }
      case 'assistant': {
        const response: ChatModelResponse['response'] = [];
        if (message.content !== '' || message.toolCalls === undefined) response.push(message.content);
        for (const [callIndex, call] of (message.toolCalls ?? []).entries()) {
          response.push(toFunctionCall(call, callIndex === 0, given.resultOf(index, call.id)));
        }
        if (last?.type === 'model') {
          if (typeof response[0] === 'string') response[0] = `\n\n${response[0]}`;
          last.response.push(...response);
        } else history.push({ type: 'model', response });
        break;
      }
    }
  }
  if (history.at(-1)?.type !== 'model')
    history.push({ type: 'model', response: [] } satisfies ChatModelResponse);
  return history;
}

/**
 * Which tool messages answer a call of the assistant message just before them (the first result
 * for each call id counts), and each call's result.
 */
function resultsGivenToCalls(prompt: readonly PromptMessage[]) {
  const givenAt = new Set<number>();
  const results = new Map<string, string>();
  const key = (assistantIndex: number, callId: string) => `${assistantIndex}:${callId}`;
  for (const [index, message] of prompt.entries()) {
    if (message.role !== 'assistant' || message.toolCalls === undefined) continue;
    const callIds = new Set(message.toolCalls.map((call) => call.id));
    for (let at = index + 1; prompt[at]?.role === 'tool'; at++) {
      const callId = prompt[at]?.toolCallId;
      if (callId === undefined || !callIds.has(callId) || results.has(key(index, callId))) continue;
      results.set(key(index, callId), prompt[at]?.content ?? '');
      givenAt.add(at);
    }
  }
  return {
    has: (index: number) => givenAt.has(index),
    resultOf: (assistantIndex: number, callId: string) => results.get(key(assistantIndex, callId)),
  };
}

function toFunctionCall(
  call: ToolCall,
  startsNewChunk: boolean,
  result: string | undefined,
): ChatModelFunctionCall {
  return {
    type: 'functionCall',
    name: call.name,
    // The template writes arguments and results as JSON: parsed, they read as they were written.
    params: parseJsonOr(call.arguments),
    result: result === undefined ? undefined : parseJsonOr(result),
    startsNewChunk,
  };
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
