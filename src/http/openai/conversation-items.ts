/**
 * A conversation's stored messages as OpenAI's conversation items, so what a client adds with
 * `conversations.items.create` lists back as it was sent: a message item (inline images and
 * files as the data URLs they came in), an assistant's reasoning as `reasoning` items before it
 * and its tool calls as `function_call` items after it (`rs_…` and `fc_…` ids, as on Responses),
 * a tool result as a `function_call_output` item.
 */

import type { ConversationCore } from '../../conversations/core.ts';
import { attachmentsOf } from '../../conversations/message-parts.ts';
import type { Attachments } from '../../conversations/prompt.ts';
import type { MessageRecord, NewAttachment } from '../../store/store.ts';
import { cursorList } from '../cursor-list.ts';
import { pageOf, toMessageItemWithBytes } from './input-items.ts';
import { parsePartItemId } from './item-references.ts';
import { fromPublicId, toPublicId } from './openai-ids.ts';
import { reasoningItems } from './reasoning-items.ts';
import { functionCallItems } from './response-object.ts';

export type ConversationItem =
  | ReturnType<typeof toMessageItemWithBytes>
  | ReturnType<typeof functionCallItems>[number]
  | ReturnType<typeof reasoningItems>[number]
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
  // Listed as the model gave it (its summary), without the provider's payload.
  const reasoning = reasoningItems(message, { summary: true, encrypted: false });
  // Calls and reasoning sent as items of their own were stored as an assistant message holding only them.
  const onlyItems =
    calls.length + reasoning.length > 0 &&
    message.parts.every((part) => part.type === 'tool-call' || part.type === 'reasoning');
  return [...reasoning, ...(onlyItems ? [] : [toMessageItemWithBytes(message, bytes)]), ...calls];
}

/** Where the bytes of a message's inline images, files and audio are read from. */
export type AttachmentReader = Pick<ConversationCore['tree'], 'getAttachments'>;

/** The SHA-256s of the bytes a message's inline images, files and audio name. */
const attachmentsNamed = (message: MessageRecord): string[] => attachmentsOf(message.parts);

/** The bytes of the inline images, files and audio one message holds. */
export async function bytesOf(
  tree: AttachmentReader,
  owner: string,
  message: MessageRecord,
): Promise<Attachments> {
  const wanted = attachmentsNamed(message);
  return wanted.length === 0 ? new Map() : tree.getAttachments(owner, wanted);
}

/** The most bytes of images, files and audio one page of items carries back (inline). */
export const PAGE_BYTES = 32 * 1024 * 1024;

/**
 * A page of items (each named by its id and its message) with their bytes, read message by
 * message. Once it carries more than `maxBytes`, the page ends early and says there is more (it
 * always holds its first item), so a listing of large attachments stays bounded.
 */
export async function itemsOfPage(
  tree: AttachmentReader,
  owner: string,
  page: {
    readonly data: readonly { readonly id: string; readonly message: MessageRecord }[];
    readonly has_more: boolean;
  },
  maxBytes = PAGE_BYTES,
) {
  const bytes = new Map<string, Uint8Array>();
  let carried = 0;
  const items: ConversationItem[] = [];
  for (const { id, message } of page.data) {
    const wanted = attachmentsNamed(message).filter((sha256) => !bytes.has(sha256));
    if (wanted.length > 0) {
      for (const [sha256, data] of await tree.getAttachments(owner, wanted)) {
        bytes.set(sha256, data);
        carried += data.byteLength;
      }
    }
    if (carried > maxBytes && items.length > 0) return cursorList(items, true);
    items.push(...toConversationItems(message, bytes).filter((item) => item.id === id));
  }
  return cursorList(items, page.has_more);
}

/**
 * Stored messages listed as their items, with their bytes, as one cursor page (`order=desc` by
 * default): a conversation's items, or the input items of a response. Paged by id first, so only
 * the page's attachments are read.
 */
export function listItems(
  tree: AttachmentReader,
  owner: string,
  messages: readonly MessageRecord[],
  query: { limit?: string; after?: string; order?: 'asc' | 'desc' },
) {
  const entries = messages.flatMap((message) =>
    toConversationItems(message).map((item) => ({ id: item.id, message })),
  );
  return itemsOfPage(tree, owner, pageOf(entries, query, 'desc'));
}

/** The bytes a request just stored, by SHA-256 (to list what was written without reading it back). */
export const bytesSent = (attachments: readonly NewAttachment[]): Attachments =>
  new Map(attachments.map((attachment) => [attachment.sha256, attachment.data]));

/** The message behind an item id (`msg_…`, or `fc_…` and `rs_…` for a function call or reasoning), or undefined. */
export function messageIdOfItem(itemId: string): string | undefined {
  return parsePartItemId(itemId)?.answerId ?? fromPublicId('msg_', itemId);
}
