/**
 * A parsed import cut into slices small enough that writing one holds neither the database nor the
 * event loop for long (a 20 MB ChatGPT export is ~200 slices). Each conversation comes with its
 * first messages, each message after its parent; one long conversation may span many slices.
 */

import { parentsFirst } from '../store/parents-first.ts';
import type { ImportedConversation, ImportedMessage, ImportSlice } from '../store/store.ts';

export interface SliceLimits {
  /** Messages per slice at most. */
  readonly messages: number;
  /** Characters of message text per slice, about (a slice ends at the message that passes it). */
  readonly characters: number;
}

export const DEFAULT_SLICE_LIMITS: SliceLimits = { messages: 100, characters: 128 * 1024 };

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
  items: readonly ImportedConversation[],
  limits: SliceLimits = DEFAULT_SLICE_LIMITS,
): Generator<ImportSlice> {
  let conversations: ImportSlice['conversations'][number][] = [];
  let messages: ImportedMessage[] = [];
  let characters = 0;
  for (const { conversation, messages: list } of items) {
    conversations.push(conversation);
    for (const message of parentsFirst(list)) {
      messages.push({ ...message, conversationId: conversation.id });
      characters += message.content.length;
      if (messages.length >= limits.messages || characters >= limits.characters) {
        yield { conversations, messages };
        conversations = [];
        messages = [];
        characters = 0;
      }
    }
  }
  if (conversations.length > 0 || messages.length > 0) yield { conversations, messages };
}
