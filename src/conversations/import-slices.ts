/**
 * A parsed import cut into slices small enough that writing one holds neither the database nor the
 * event loop for long (a 20 MB ChatGPT export is ~200 slices). Each conversation comes with its
 * first messages, each message after its parent, each attachment with the first message that
 * names it; one long conversation may span many slices.
 */

import { parentsFirst } from '../store/parents-first.ts';
import type { ImportedConversation, ImportedMessage, ImportSlice, NewAttachment } from '../store/store.ts';
import { attachmentsOf } from './message-parts.ts';

export interface SliceLimits {
  /** Messages per slice at most. */
  readonly messages: number;
  /** Characters of message text per slice, about (a slice ends at the message that passes it). */
  readonly characters: number;
  /** Bytes of attachments per slice, about (one larger attachment makes a slice of its own). */
  readonly attachmentBytes: number;
}

export const DEFAULT_SLICE_LIMITS: SliceLimits = {
  messages: 100,
  characters: 128 * 1024,
  attachmentBytes: 8 * 1024 * 1024,
};

/** What an import wrote, conversation by conversation (the route's answer). */
export interface ImportedSummary {
  readonly id: string;
  readonly title: string | null;
  readonly messages: number;
  readonly currentNode: string | null;
}

export function summarizeImport(items: readonly ImportedConversation[]): ImportedSummary[] {
  return items.map(({ conversation, messages }) => ({
    id: conversation.id,
    title: conversation.title,
    messages: messages.length,
    currentNode: conversation.currentNode,
  }));
}

export function* sliceImport(
  parsed: {
    readonly conversations: readonly ImportedConversation[];
    readonly attachments?: readonly NewAttachment[];
  },
  limits: SliceLimits = DEFAULT_SLICE_LIMITS,
): Generator<ImportSlice> {
  /** The bytes not yet in a slice, by SHA-256. */
  const unsent = new Map((parsed.attachments ?? []).map((attachment) => [attachment.sha256, attachment]));
  let conversations: ImportSlice['conversations'][number][] = [];
  let messages: ImportedMessage[] = [];
  let attachments: NewAttachment[] = [];
  let characters = 0;
  let bytes = 0;
  for (const { conversation, messages: list } of parsed.conversations) {
    conversations.push(conversation);
    for (const message of parentsFirst(list)) {
      messages.push({ ...message, conversationId: conversation.id });
      characters += message.content.length;
      for (const sha256 of attachmentsOf(message.parts ?? [])) {
        const attachment = unsent.get(sha256);
        if (attachment === undefined) continue;
        unsent.delete(sha256);
        attachments.push(attachment);
        bytes += attachment.data.byteLength;
      }
      if (
        messages.length >= limits.messages ||
        characters >= limits.characters ||
        bytes >= limits.attachmentBytes
      ) {
        yield { conversations, messages, attachments };
        conversations = [];
        messages = [];
        attachments = [];
        characters = 0;
        bytes = 0;
      }
    }
  }
  if (conversations.length > 0 || messages.length > 0) yield { conversations, messages, attachments };
}
