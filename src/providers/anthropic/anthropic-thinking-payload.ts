/**
 * Thinking blocks as reasoning parts and back. A part's `encrypted` payload is the whole block
 * (its thinking and signature, or a redacted block's data), encoded opaquely: Anthropic requires
 * the block passed back unchanged before the `tool_use` it led to, and a client that keeps its
 * own history may hold only the payload (`encrypted_content` without a summary). The part's text
 * is for reading; the payload alone is sent back.
 */

import type { ReasoningPart } from '../spec.ts';
import { isRecord } from './anthropic-wire.ts';

export type ThinkingBlock =
  | { readonly type: 'thinking'; readonly thinking: string; readonly signature: string }
  | { readonly type: 'redacted_thinking'; readonly data: string };

/** The block as an opaque payload. */
function toPayload(block: ThinkingBlock): string {
  return Buffer.from(JSON.stringify(block), 'utf8').toString('base64');
}

/** The block a payload holds; undefined for anything else (another provider's payload). */
function fromPayload(payload: string): ThinkingBlock | undefined {
  let block: unknown;
  try {
    block = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(block)) return undefined;
  if (block.type === 'redacted_thinking' && typeof block.data === 'string')
    return { type: 'redacted_thinking', data: block.data };
  if (block.type === 'thinking' && typeof block.thinking === 'string' && typeof block.signature === 'string')
    return { type: 'thinking', thinking: block.thinking, signature: block.signature };
  return undefined;
}

/** A thinking block (or redacted one) as a reasoning part; one without a signature has no payload. */
export function fromThinkingBlock(block: {
  readonly type: string;
  readonly thinking?: unknown;
  readonly signature?: unknown;
  readonly data?: unknown;
}): ReasoningPart | undefined {
  if (block.type === 'redacted_thinking' && typeof block.data === 'string')
    return { text: '', encrypted: toPayload({ type: 'redacted_thinking', data: block.data }) };
  if (block.type !== 'thinking' || typeof block.thinking !== 'string') return undefined;
  return typeof block.signature === 'string' && block.signature !== ''
    ? {
        text: block.thinking,
        encrypted: toPayload({ type: 'thinking', thinking: block.thinking, signature: block.signature }),
      }
    : { text: block.thinking };
}

/**
 * A reasoning part as the block it came from. Without a payload of Anthropic's it cannot be passed
 * back (Anthropic checks the signature), so it is left out: the model's own words, not the user's.
 */
export function toContentBlock(part: ReasoningPart): ThinkingBlock[] {
  const block = part.encrypted === undefined ? undefined : fromPayload(part.encrypted);
  return block === undefined ? [] : [block];
}
