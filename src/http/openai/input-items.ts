/**
 * Input items (OpenAI's `EasyInputMessage` / `ResponseInputItem.Message`) in and message items
 * out. Parley keeps text messages; other item types get a 400 naming them.
 */

import { Type } from 'typebox';
import type { Attachments, InputMessage } from '../../conversations/prompt.ts';
import { badRequest } from '../../errors.ts';
import type { MessageRecord, NewAttachment, PartRecord } from '../../store/store.ts';
import { collectAttachment, type InlineBytes } from '../collect-attachment.ts';
import { cursorList } from '../cursor-list.ts';
import { audioBytes, audioFormatOf, fileBytes, imageDetail, imageSource } from './media-parts.ts';
import { toPublicId } from './openai-ids.ts';
import { refuseEverywhere } from './provider-support.ts';

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

/** A message read from the store for an item reference: taken as it is, parts included. */
export interface ResolvedItem {
  readonly resolved: InputMessage;
}

/** The bytes of an image or file part, stored once by SHA-256 (`attachments` collects them). */
function attach(bytes: InlineBytes, attachments: NewAttachment[]): string {
  return collectAttachment(bytes.data, attachments);
}

/** One content part as a stored part; images, files and audio only where `attachments` can take their bytes. */
function toPartRecord(
  part: unknown,
  role: string,
  at: string,
  attachments: NewAttachment[] | undefined,
): PartRecord {
  const candidate = (typeof part === 'object' && part !== null ? part : {}) as Record<string, unknown>;
  if (isTextPart(part)) return { type: 'text', text: part.text };
  if (candidate.type === 'refusal' && role === 'assistant' && typeof candidate.refusal === 'string') {
    return { type: 'refusal', text: candidate.refusal };
  }
  if (attachments !== undefined && role === 'user' && candidate.type === 'input_image') {
    if (candidate.file_id != null) {
      throw refuseEverywhere(`${at}.file_id`, 'images are sent inline (a data URL) or by https URL');
    }
    const source = imageSource(candidate.image_url, `${at}.image_url`);
    const detail = imageDetail(candidate.detail);
    return source.url === undefined
      ? { type: 'image', attachment: attach(source, attachments), mediaType: source.mediaType, ...detail }
      : { type: 'image', url: source.url, ...detail };
  }
  if (attachments !== undefined && role === 'user' && candidate.type === 'input_file') {
    const bytes = fileBytes(candidate, at);
    const filename =
      typeof candidate.filename === 'string' && candidate.filename !== '' ? candidate.filename : 'file';
    return { type: 'file', attachment: attach(bytes, attachments), mediaType: bytes.mediaType, filename };
  }
  if (attachments !== undefined && role === 'user' && candidate.type === 'input_audio') {
    const bytes = audioBytes(candidate.input_audio, `${at}.input_audio`);
    return { type: 'audio', attachment: attach(bytes, attachments), mediaType: bytes.mediaType };
  }
  const type = typeof candidate.type === 'string' ? ` '${candidate.type}'` : '';
  throw badRequest(
    `Content part${type} at ${at} is not served by Parley ${attachments === undefined ? 'on this endpoint' : `in a ${role} message`}: it reads ${attachments === undefined ? 'text parts' : 'input_text, input_image, input_file and input_audio parts'}.`,
    at,
  );
}

/**
 * Converts items to messages to store, or throws a 400 naming the first unsupported part. Image
 * and file parts are taken when `attachments` is given: their bytes are pushed there.
 */
export function toInputMessages(
  items: readonly (InputItemBody | ResolvedItem)[],
  param: string,
  attachments?: NewAttachment[],
): InputMessage[] {
  const messages = items.map((body, index) => {
    if ('resolved' in body) return body.resolved as InputMessage;
    const item = body as InputItemBody & MessageItemBody;
    const at = `${param}[${index}]`;
    if (
      attachments !== undefined &&
      (item.type === 'function_call' || item.type === 'function_call_output')
    ) {
      return toolItemMessage(item, at);
    }
    if (attachments !== undefined && item.type === 'reasoning') return reasoningItemMessage(item, at);
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
    const role = item.role as InputMessage['role'];
    if (item.content === undefined) throw badRequest(`${at}.content is required.`, `${at}.content`);
    if (typeof item.content === 'string') return { role, content: item.content };
    const parts = item.content.map((part, partIndex) =>
      toPartRecord(part, role, `${at}.content[${partIndex}]`, attachments),
    );
    const content = parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
    return parts.every((part) => part.type === 'text') ? { role, content } : { role, content, parts };
  });
  return mergeToolCalls(messages);
}

const FUNCTION_CALL_KEYS = new Set(['type', 'id', 'call_id', 'name', 'arguments', 'status', 'namespace']);
const FUNCTION_CALL_OUTPUT_KEYS = new Set(['type', 'id', 'call_id', 'output', 'status']);

/** A `function_call` item (a call the model made) or a `function_call_output` (its result). */
function toolItemMessage(item: InputItemBody, at: string): InputMessage {
  const keys = item.type === 'function_call' ? FUNCTION_CALL_KEYS : FUNCTION_CALL_OUTPUT_KEYS;
  const unknown = Object.keys(item).find((key) => !keys.has(key));
  if (unknown !== undefined) throw badRequest(`Unknown parameter: '${at}.${unknown}'.`, `${at}.${unknown}`);
  const text = (field: string): string => {
    const value = item[field];
    if (typeof value !== 'string')
      throw badRequest(`Missing required parameter: '${at}.${field}'.`, `${at}.${field}`);
    return value;
  };
  const callId = text('call_id');
  if (item.type === 'function_call') {
    return {
      role: 'assistant',
      content: '',
      parts: [{ type: 'tool-call', callId, name: text('name'), arguments: text('arguments') }],
    };
  }
  const output = item.output;
  const outputText =
    typeof output === 'string'
      ? output
      : Array.isArray(output) && output.every(isTextPart)
        ? output.map((part) => part.text).join('')
        : undefined;
  if (outputText === undefined) {
    throw badRequest(
      `Invalid value for '${at}.output': Parley takes a function's output as text (a string or input_text parts).`,
      `${at}.output`,
    );
  }
  return { role: 'tool', content: outputText, parts: [{ type: 'tool-result', callId, output: outputText }] };
}

const REASONING_KEYS = new Set(['type', 'id', 'summary', 'content', 'encrypted_content', 'status']);

/**
 * A `reasoning` item a client kept from an earlier answer: its summary (or reasoning text) and its
 * `encrypted_content`, which goes back to the provider that gave it (Anthropic's thinking block and its signature).
 */
function reasoningItemMessage(item: InputItemBody, at: string): InputMessage {
  const unknown = Object.keys(item).find((key) => !REASONING_KEYS.has(key));
  if (unknown !== undefined) throw badRequest(`Unknown parameter: '${at}.${unknown}'.`, `${at}.${unknown}`);
  const texts = (field: 'summary' | 'content', type: string): string[] => {
    const value = item[field] ?? [];
    const valid =
      Array.isArray(value) &&
      value.every((part) => typeof part === 'object' && part?.type === type && typeof part.text === 'string');
    if (!valid) {
      throw badRequest(
        `Invalid value for '${at}.${field}': expected a list of ${type} parts.`,
        `${at}.${field}`,
      );
    }
    return (value as { text: string }[]).map((part) => part.text);
  };
  const summary = texts('summary', 'summary_text');
  const content = texts('content', 'reasoning_text');
  const encrypted = item.encrypted_content;
  if (encrypted !== undefined && encrypted !== null && typeof encrypted !== 'string') {
    throw badRequest(
      `Invalid value for '${at}.encrypted_content': expected a string.`,
      `${at}.encrypted_content`,
    );
  }
  const text = (content.length > 0 ? content : summary).join('\n\n');
  return {
    role: 'assistant',
    content: '',
    parts: [{ type: 'reasoning', text, ...(typeof encrypted === 'string' ? { encrypted } : {}) }],
  };
}

/**
 * The items of one answer become that one assistant message: its reasoning items, then its
 * message, then its function calls.
 */
function mergeToolCalls(messages: readonly InputMessage[]): InputMessage[] {
  const merged: InputMessage[] = [];
  for (const message of messages) {
    const previous = merged.at(-1);
    const only = (candidate: InputMessage | undefined, type: PartRecord['type']) =>
      candidate?.parts?.every((part) => part.type === type) === true;
    const continuesPrevious = only(message, 'tool-call') || only(previous, 'reasoning');
    if (message.role === 'assistant' && continuesPrevious && previous?.role === 'assistant') {
      const partsOf = (each: InputMessage): readonly PartRecord[] =>
        each.parts ?? (each.content === '' ? [] : [{ type: 'text', text: each.content }]);
      merged[merged.length - 1] = {
        ...previous,
        content: previous.content + message.content,
        parts: [...partsOf(previous), ...partsOf(message)],
      };
    } else merged.push(message);
  }
  return merged;
}

/** A stored message as an OpenAI message item (inline images, files and audio without their bytes). */
export const toMessageItem = (message: MessageRecord) => toMessageItemWithBytes(message, undefined);

/**
 * A stored message as an OpenAI message item; an inline image or file whose bytes `bytes` holds
 * comes back as the data URL it was sent as.
 */
export function toMessageItemWithBytes(message: MessageRecord, bytes: Attachments | undefined) {
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
    content:
      isAssistant || message.parts.every((part) => part.type === 'text')
        ? [
            isAssistant
              ? { type: 'output_text' as const, text: message.content, annotations: [], logprobs: [] }
              : { type: 'input_text' as const, text: message.content },
          ]
        : message.parts.flatMap<InputContent>((part) => toInputContent(part, bytes)),
  };
}

/**
 * A stored part of an input message as OpenAI's input content. Bytes stored by Parley come back
 * as a data URL (audio: base64) when `bytes` holds them; otherwise (OpenAI would name them by a
 * file id Parley does not have) an inline image, a file or audio comes back with its detail, name
 * or format only.
 */
type InputContent =
  | { readonly type: 'input_text'; readonly text: string }
  | {
      readonly type: 'input_image';
      readonly detail: string;
      readonly file_id: null;
      readonly image_url: string | null;
    }
  | {
      readonly type: 'input_file';
      readonly file_id: null;
      readonly filename: string;
      readonly file_data?: string;
    }
  | {
      readonly type: 'input_audio';
      readonly input_audio: { readonly format: string; readonly data?: string };
    };

const dataUrl = (mediaType: string, data: Uint8Array | undefined) =>
  data === undefined ? undefined : `data:${mediaType};base64,${Buffer.from(data).toString('base64')}`;

function toInputContent(part: PartRecord, bytes: Attachments | undefined): InputContent[] {
  switch (part.type) {
    case 'text':
      return [{ type: 'input_text', text: part.text }];
    case 'image':
      return [
        {
          type: 'input_image',
          detail: part.detail ?? 'auto',
          file_id: null,
          image_url:
            'url' in part ? part.url : (dataUrl(part.mediaType, bytes?.get(part.attachment)) ?? null),
        },
      ];
    case 'file': {
      const fileData = dataUrl(part.mediaType, bytes?.get(part.attachment));
      return [
        {
          type: 'input_file',
          file_id: null,
          filename: part.filename,
          ...(fileData === undefined ? {} : { file_data: fileData }),
        },
      ];
    }
    case 'audio': {
      const data = bytes?.get(part.attachment);
      const format = audioFormatOf(part.mediaType);
      return [
        {
          type: 'input_audio',
          input_audio:
            data === undefined ? { format } : { data: Buffer.from(data).toString('base64'), format },
        },
      ];
    }
    default:
      return [];
  }
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
