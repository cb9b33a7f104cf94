/**
 * `{"type": "item_reference", "id": "msg_…"}` input items: a client that keeps the history itself
 * (the AI SDK's Responses model does) refers to a stored item instead of sending it again. Each
 * reference becomes the message it names with its parts, read from the store for the caller only;
 * an unknown, deleted or another owner's id is OpenAI's 404.
 */

import { badRequest, ParleyError } from '../../errors.ts';
import type { MessageRecord } from '../../store/store.ts';
import type { InputItemBody, ResolvedItem } from './input-items.ts';
import { fromPublicId } from './openai-ids.ts';

/** The caller's message by its internal id, or undefined. */
export type FindMessage = (messageId: string) => Promise<MessageRecord | undefined>;

/**
 * `fc_<answer hex><index, 2 hex digits>` (see `functionCallItemId`) or `rs_…` (see
 * `reasoningItemId`) as the kind of part, the answer and the index among the answer's parts of
 * that kind.
 */
export function parsePartItemId(
  id: string,
): { type: 'tool-call' | 'reasoning'; answerId: string; index: number } | undefined {
  const match = /^(fc|rs)_([0-9a-f]{32})([0-9a-f]{2})$/.exec(id);
  if (match === null) return undefined;
  const answerId = fromPublicId('msg_', `msg_${match[2]}`);
  if (answerId === undefined) return undefined;
  return {
    type: match[1] === 'fc' ? 'tool-call' : 'reasoning',
    answerId,
    index: Number.parseInt(match[3] ?? '0', 16),
  };
}

/**
 * A reasoning item sent back by value without its payload, under the id of a stored one (the
 * Agents SDK keeps `rs_…` items so, and OpenAI reads their encrypted reasoning from its store):
 * the stored payload is filled in, so Anthropic gets its thinking back with the signature.
 */
async function withStoredPayload(item: InputItemBody, find: FindMessage): Promise<InputItemBody> {
  const stored = typeof item.id === 'string' ? parsePartItemId(item.id) : undefined;
  if (stored?.type !== 'reasoning' || item.encrypted_content != null) return item;
  const message = await find(stored.answerId);
  if (message === undefined || message.deletedAt !== null) return item;
  const part = message.parts.filter((each) => each.type === 'reasoning')[stored.index];
  return part?.type === 'reasoning' && part.encrypted !== undefined
    ? { ...item, encrypted_content: part.encrypted }
    : item;
}

const itemNotFound = (id: string, param: string) =>
  new ParleyError('NOT_FOUND', `Item with id '${id}' not found.`, { param });

/** The items with every reference replaced by the message item it names. */
export async function resolveItemReferences(
  items: readonly InputItemBody[],
  param: string,
  find: FindMessage,
): Promise<(InputItemBody | ResolvedItem)[]> {
  return Promise.all(
    items.map(async (item, index) => {
      if (item.type === 'reasoning') return withStoredPayload(item, find);
      if (item.type !== 'item_reference') return item;
      const at = `${param}[${index}]`;
      const unknown = Object.keys(item).find((key) => key !== 'type' && key !== 'id');
      if (unknown !== undefined)
        throw badRequest(`Unknown parameter: '${at}.${unknown}'.`, `${at}.${unknown}`);
      if (typeof item.id !== 'string') {
        throw badRequest(`Missing required parameter: '${at}.id'.`, `${at}.id`);
      }
      const partItem = parsePartItemId(item.id);
      const messageId = partItem?.answerId ?? fromPublicId('msg_', item.id);
      const message = messageId === undefined ? undefined : await find(messageId);
      if (message === undefined || message.deletedAt !== null) throw itemNotFound(item.id, `${at}.id`);
      if (partItem !== undefined) {
        // A function call or reasoning item: that part of the answer, as an assistant message of its own.
        const part = message.parts.filter((each) => each.type === partItem.type)[partItem.index];
        if (part === undefined) throw itemNotFound(item.id, `${at}.id`);
        return { resolved: { role: 'assistant' as const, content: '', parts: [part] } };
      }
      if (message.role === 'tool') {
        throw badRequest(
          `The item '${item.id}' at ${at} is a tool result: references to tool items are not served by Parley yet.`,
          `${at}.id`,
        );
      }
      // The stored message with its parts (images, files); its function calls and reasoning are
      // items of their own (`fc_…`, `rs_…`), which the client refers to or sends separately.
      const parts = message.parts.filter((part) => part.type !== 'tool-call' && part.type !== 'reasoning');
      return {
        resolved: {
          role: message.role,
          content: message.content,
          ...(parts.length === 0 ? {} : { parts }),
        },
      };
    }),
  );
}
