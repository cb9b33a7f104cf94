/**
 * A conversation's stored messages as OpenAI's conversation items, so what a client adds with
 * `conversations.items.create` lists back as it was sent: a message item (inline images and
 * files as the data URLs they came in), an assistant's tool calls as `function_call` items after
 * it (`fc_…` ids, as on Responses), a tool result as a `function_call_output` item.
 */

import type { ConversationCore } from '../../conversations/core.ts';
import type { Attachments } from '../../conversations/prompt.ts';
import type { MessageRecord, NewAttachment } from '../../store/store.ts';
import { toMessageItemWithBytes } from './input-items.ts';
import { parseFunctionCallId } from './item-references.ts';
import { fromPublicId, toPublicId } from './openai-ids.ts';
import { functionCallItems } from './response-object.ts';

export type ConversationItem =
  | ReturnType<typeof toMessageItemWithBytes>
  | ReturnType<typeof functionCallItems>[number]
  | {
      readonly type: 'function_call_output';
      readonly id: string;
      readonly call_id: string;
      readonly output: string;
      readonly status: 'completed';
    };

/** The items one stored message lists as, in order. */
export function toConversationItems(message: MessageRecord, bytes?: Attachments): ConversationItem[] {
  const result =
    message.role === 'tool' ? message.parts.find((part) => part.type === 'tool-result') : undefined;
  if (result !== undefined) {
    const id = toPublicId('msg_', message.id);
    return [
      {
        type: 'function_call_output',
        id,
        call_id: result.callId,
        output: result.output,
        status: 'completed',
      },
    ];
  }
  const calls = functionCallItems(message);
  // Calls sent as items of their own were stored as an assistant message holding only them.
  const onlyCalls = calls.length > 0 && message.parts.every((part) => part.type === 'tool-call');
  return onlyCalls ? calls : [toMessageItemWithBytes(message, bytes), ...calls];
}

/** The bytes of the inline images and files these messages hold, read in one go. */
export async function bytesOf(
  conversations: ConversationCore,
  owner: string,
  messages: readonly MessageRecord[],
): Promise<Attachments> {
  const wanted = new Set<string>();
  for (const message of messages)
    for (const part of message.parts)
      if ((part.type === 'image' && !('url' in part)) || part.type === 'file') wanted.add(part.attachment);
  return wanted.size === 0 ? new Map() : conversations.tree.getAttachments(owner, [...wanted]);
}

/** The bytes a request just stored, by SHA-256 (to list what was written without reading it back). */
export const bytesSent = (attachments: readonly NewAttachment[]): Attachments =>
  new Map(attachments.map((attachment) => [attachment.sha256, attachment.data]));

/** The message behind an item id (`msg_…`, or `fc_…` for a function call), or undefined. */
export function messageIdOfItem(itemId: string): string | undefined {
  return parseFunctionCallId(itemId)?.answerId ?? fromPublicId('msg_', itemId);
}
