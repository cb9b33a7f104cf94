/**
 * An answer's reasoning as OpenAI's `reasoning` output items. The reasoning text the provider gave
 * is the item's summary when the request asked for one (`reasoning.summary`), as OpenAI gives a
 * summary only then; the provider's opaque payload (Anthropic's thinking block with its signature) is its
 * `encrypted_content` when the request asked to include it (`include:
 * ["reasoning.encrypted_content"]`), so a client that keeps its own history can send it back.
 */

import type { MessageRecord } from '../../store/store.ts';
import { toPublicId } from './openai-ids.ts';

export const ENCRYPTED_REASONING = 'reasoning.encrypted_content';

/** What a request asked to see of the reasoning. */
export interface ReasoningView {
  readonly summary: boolean;
  readonly encrypted: boolean;
}

export function reasoningView(summary: string | null, include: readonly string[]): ReasoningView {
  return { summary: summary !== null, encrypted: include.includes(ENCRYPTED_REASONING) };
}

/** The id of an answer's `index`th reasoning item: `rs_` + the answer's hex + the index. */
export function reasoningItemId(answerId: string, index: number): string {
  return `rs_${toPublicId('msg_', answerId).slice('msg_'.length)}${index.toString(16).padStart(2, '0')}`;
}

/** One piece of reasoning as an output item. */
export function toReasoningItem(
  id: string,
  reasoning: { readonly text: string; readonly encrypted?: string },
  view: ReasoningView,
) {
  return {
    type: 'reasoning' as const,
    id,
    summary:
      view.summary && reasoning.text !== '' ? [{ type: 'summary_text' as const, text: reasoning.text }] : [],
    ...(view.encrypted && reasoning.encrypted !== undefined
      ? { encrypted_content: reasoning.encrypted }
      : {}),
  };
}

/** The answer's reasoning parts as output items, in order. */
export function reasoningItems(message: MessageRecord, view: ReasoningView) {
  return message.parts
    .flatMap((part) => (part.type === 'reasoning' ? [part] : []))
    .map((part, index) => toReasoningItem(reasoningItemId(message.id, index), part, view));
}
