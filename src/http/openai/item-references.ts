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
      if (item.type !== 'item_reference') return item;
      const at = `${param}[${index}]`;
      const unknown = Object.keys(item).find((key) => key !== 'type' && key !== 'id');
      if (unknown !== undefined)
        throw badRequest(`Unknown parameter: '${at}.${unknown}'.`, `${at}.${unknown}`);
      if (typeof item.id !== 'string') {
        throw badRequest(`Missing required parameter: '${at}.id'.`, `${at}.id`);
      }
      const messageId = fromPublicId('msg_', item.id);
      const message = messageId === undefined ? undefined : await find(messageId);
      if (message === undefined || message.deletedAt !== null) throw itemNotFound(item.id, `${at}.id`);
      if (message.role === 'tool') {
        throw badRequest(
          `The item '${item.id}' at ${at} is a tool result: references to tool items are not served by Parley yet.`,
          `${at}.id`,
        );
      }
      // The stored message as it is, with its parts (images, files, tool calls) kept.
      return {
        resolved: {
          role: message.role,
          content: message.content,
          ...(message.parts.length === 0 ? {} : { parts: message.parts }),
        },
      };
    }),
  );
}
