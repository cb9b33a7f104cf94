/**
 * Turns a prompt into what ChatGPT's web backend needs. The backend keeps the conversation, so
 * only what it has not seen is sent: everything after the ANCHOR, the last assistant message it
 * answered (the one with an `upstreamRef`), under that message as parent. With no anchor (a new
 * conversation, or history another model wrote) a new upstream conversation starts, its first
 * message carrying the earlier history as plain text.
 */

import { randomUUID } from 'node:crypto';
import { assertTextOnly, type PromptMessage, type UpstreamRef } from '../spec.ts';
import type { ChatGPTWebRequest } from './chatgpt-web-wire.ts';

/** What one call does upstream. */
export type ChatGPTWebTurn =
  /** Sends one user message: under `parent`, or as the first message of a new conversation. */
  | { readonly action: 'next'; readonly text: string; readonly parent?: UpstreamRef }
  /** The prompt ends with an answer the backend wrote: it writes more of that answer. */
  | { readonly action: 'continue'; readonly parent: UpstreamRef; readonly parentText: string };

/**
 * @example
 * planChatGPTWebTurn([{ role: 'user', content: 'Hi' }]) // { action: 'next', text: 'Hi' }
 */
export function planChatGPTWebTurn(prompt: readonly PromptMessage[]): ChatGPTWebTurn {
  assertTextOnly(prompt, 'chatgpt-web');
  const anchorIndex = prompt.findLastIndex(
    (message) => message.role === 'assistant' && message.upstreamRef !== undefined,
  );
  const anchor = prompt[anchorIndex];
  if (anchor?.upstreamRef !== undefined && anchorIndex === prompt.length - 1) {
    return { action: 'continue', parent: anchor.upstreamRef, parentText: anchor.content };
  }
  const unseen = prompt.slice(anchorIndex + 1);
  const text = renderUnseen(unseen);
  if (text === '') throw new TypeError('the prompt has no message to send to ChatGPT');
  return anchor?.upstreamRef === undefined
    ? { action: 'next', text }
    : { action: 'next', text, parent: anchor.upstreamRef };
}

/**
 * The messages the backend has not seen as one message: the trailing user messages (joined by
 * blank lines), after a plain transcript of whatever came before them.
 */
export function renderUnseen(messages: readonly PromptMessage[]): string {
  let questionStart = messages.length;
  while (questionStart > 0 && messages[questionStart - 1]?.role === 'user') questionStart -= 1;
  const question = messages
    .slice(questionStart)
    .map((message) => message.content)
    .join('\n\n');
  const history = messages.slice(0, questionStart).map(renderMessage);
  return [...history, question].filter((block) => block !== '').join('\n\n');
}

function renderMessage(message: PromptMessage): string {
  switch (message.role) {
    case 'system':
      return `[system] ${message.content}`;
    case 'user':
      return `User: ${message.content}`;
    case 'tool':
      return `[tool result] ${message.content}`;
    case 'assistant': {
      const calls = (message.toolCalls ?? []).map((call) => `[called ${call.name}(${call.arguments})]`);
      return `Assistant: ${[message.content, ...calls].filter((line) => line !== '').join('\n')}`;
    }
  }
}

export interface RequestIds {
  /** The id of the user message sent (a `next`). */
  readonly messageId: string;
  /** The root a new conversation hangs from. */
  readonly newParentId: string;
}

export function newRequestIds(): RequestIds {
  return { messageId: randomUUID(), newParentId: randomUUID() };
}

/** The JSON body of `POST {base}conversation` for a turn (V1.py's `post_messages` and `continue_write`). */
export function toChatGPTWebRequest(
  turn: ChatGPTWebTurn,
  model: string,
  ids: RequestIds,
  timezoneOffsetMinutes: number,
): ChatGPTWebRequest {
  const common = {
    model,
    timezone_offset_min: timezoneOffsetMinutes,
    // With history off the backend keeps no conversation, and the next turn could not name its parent.
    history_and_training_disabled: false,
    conversation_mode: { kind: 'primary_assistant' },
  } as const;
  if (turn.action === 'continue') {
    return {
      action: 'continue',
      conversation_id: turn.parent.conversationId,
      parent_message_id: turn.parent.messageId,
      ...common,
    };
  }
  return {
    action: 'next',
    messages: [
      { id: ids.messageId, author: { role: 'user' }, content: { content_type: 'text', parts: [turn.text] } },
    ],
    ...(turn.parent === undefined ? {} : { conversation_id: turn.parent.conversationId }),
    parent_message_id: turn.parent?.messageId ?? ids.newParentId,
    ...common,
  };
}
