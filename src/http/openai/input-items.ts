/**
 * Input items (OpenAI's `EasyInputMessage` / `ResponseInputItem.Message`) in and message items
 * out. Parley keeps text messages; other item types get a 400 naming them.
 */

import { Type } from 'typebox';
import type { InputMessage } from '../../conversations/prompt.ts';
import { badRequest } from '../../errors.ts';
import type { MessageRecord } from '../../store/store.ts';
import { cursorList } from '../cursor-list.ts';
import { toPublicId } from './openai-ids.ts';

const TextPart = Type.Object(
  {
    type: Type.Union([Type.Literal('input_text'), Type.Literal('output_text')]),
    text: Type.String(),
    annotations: Type.Optional(Type.Array(Type.Unknown())),
    logprobs: Type.Optional(Type.Array(Type.Unknown())),
  },
  { additionalProperties: false },
);

/**
 * An input item of any type: message items are checked by hand below, so an item type Parley
 * does not serve yet is named in the 400 instead of failing a schema branch by branch.
 */
export const InputItem = Type.Object(
  { type: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: true },
);

/** An input item as the schema lets it through; a message's fields are checked by `toInputMessages`. */
export interface InputItemBody {
  readonly type?: string;
  readonly [field: string]: unknown;
}

interface MessageItemBody {
  readonly role?: string;
  readonly content?: string | readonly unknown[];
}

const ROLES = new Set(['user', 'assistant', 'system', 'developer']);
const MESSAGE_KEYS = new Set(['type', 'id', 'status', 'role', 'content', 'phase']);

function isTextPart(part: unknown): part is Type.Static<typeof TextPart> {
  if (typeof part !== 'object' || part === null) return false;
  const candidate = part as Record<string, unknown>;
  return (
    (candidate.type === 'input_text' || candidate.type === 'output_text') &&
    typeof candidate.text === 'string'
  );
}

/** Converts items to stored messages, or throws a 400 naming the first unsupported part. */
export function toInputMessages(items: readonly InputItemBody[], param: string): InputMessage[] {
  return items.map((body, index) => {
    const item = body as InputItemBody & MessageItemBody;
    const at = `${param}[${index}]`;
    if (item.type !== undefined && item.type !== 'message') {
      throw badRequest(
        `Input items of type '${item.type}' (at ${at}) are not served by Parley yet: it reads message items and item references.`,
        `${at}.type`,
      );
    }
    const unknown = Object.keys(item).find((key) => !MESSAGE_KEYS.has(key));
    if (unknown !== undefined) throw badRequest(`Unknown parameter: '${at}.${unknown}'.`, `${at}.${unknown}`);
    if (item.content !== undefined && typeof item.content !== 'string' && !Array.isArray(item.content)) {
      throw badRequest(`Invalid value for '${at}.content': expected a string or an array.`, `${at}.content`);
    }
    if (item.role === undefined || !ROLES.has(item.role)) {
      throw badRequest(`${at}.role must be one of user, assistant, system, developer.`, `${at}.role`);
    }
    if (item.content === undefined) throw badRequest(`${at}.content is required.`, `${at}.content`);
    if (typeof item.content === 'string') {
      return { role: item.role as InputMessage['role'], content: item.content };
    }
    const texts: string[] = [];
    item.content.forEach((part, partIndex) => {
      if (!isTextPart(part)) {
        const type = (part as { type?: unknown } | null)?.type;
        throw badRequest(
          `Content part${typeof type === 'string' ? ` '${type}'` : ''} at ${at}.content[${partIndex}] is not served by Parley yet: it reads text parts.`,
          `${at}.content[${partIndex}]`,
        );
      }
      texts.push(part.text);
    });
    return { role: item.role as InputMessage['role'], content: texts.join('') };
  });
}

/** A stored message as an OpenAI message item. */
export function toMessageItem(message: MessageRecord) {
  const isAssistant = message.role === 'assistant';
  return {
    type: 'message' as const,
    id: toPublicId('msg_', message.id),
    status:
      message.status === 'in_progress'
        ? 'in_progress'
        : message.status === 'completed'
          ? 'completed'
          : 'incomplete',
    role: message.role,
    content: [
      isAssistant
        ? { type: 'output_text' as const, text: message.content, annotations: [], logprobs: [] }
        : { type: 'input_text' as const, text: message.content },
    ],
  };
}

export const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
    after: Type.Optional(Type.String({ maxLength: 100 })),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
    include: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

/** `limit` 1..100 (default 20), as OpenAI's list calls take it. */
export function parseLimit(limit: string | undefined): number {
  if (limit === undefined) return 20;
  const value = Number(limit);
  if (value < 1 || value > 100) throw badRequest('limit must be between 1 and 100.', 'limit');
  return value;
}

/** A cursor page over an in-memory list of items with ids (OpenAI's `{object: "list", ...}`). */
export function pageOf<T extends { id: string }>(
  items: readonly T[],
  query: { limit?: string; after?: string; order?: 'asc' | 'desc' },
  defaultOrder: 'asc' | 'desc',
) {
  const limit = parseLimit(query.limit);
  const ordered = (query.order ?? defaultOrder) === 'asc' ? [...items] : [...items].reverse();
  let start = 0;
  if (query.after !== undefined) {
    const index = ordered.findIndex((item) => item.id === query.after);
    start = index === -1 ? ordered.length : index + 1;
  }
  return cursorList(ordered.slice(start, start + limit), start + limit < ordered.length);
}
