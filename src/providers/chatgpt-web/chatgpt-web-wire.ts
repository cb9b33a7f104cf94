/**
 * The parts of ChatGPT's web backend wire format this provider writes and reads, with type guards
 * (acheong08/ChatGPT `src/revChatGPT/V1.py` is the reference client): the `POST conversation`
 * body, the stream events (a whole message snapshot whose `content.parts[0]` is the text so far,
 * control events such as `{"type": "moderation"}`, and the `delta_encoding: v1` patches of the
 * newer backend), and the error body `{"detail": "..." | {"code", "message"}}`.
 */

/** The one message a `next` request carries. */
export interface ChatGPTWebInputMessage {
  readonly id: string;
  readonly author: { readonly role: 'user' };
  readonly content: { readonly content_type: 'text'; readonly parts: readonly [string] };
}

/** `POST {base}conversation`: `next` sends a new message under a parent, `continue` extends an answer. */
export type ChatGPTWebRequest =
  | {
      readonly action: 'next';
      readonly messages: readonly [ChatGPTWebInputMessage];
      readonly conversation_id?: string;
      readonly parent_message_id: string;
      readonly model: string;
      readonly timezone_offset_min: number;
      readonly history_and_training_disabled: false;
      readonly conversation_mode: { readonly kind: 'primary_assistant' };
    }
  | {
      readonly action: 'continue';
      readonly conversation_id: string;
      readonly parent_message_id: string;
      readonly model: string;
      readonly timezone_offset_min: number;
      readonly history_and_training_disabled: false;
      readonly conversation_mode: { readonly kind: 'primary_assistant' };
    };

/** A message as the stream shows it: the whole message so far, not a piece of it. */
export interface ChatGPTWebMessage {
  readonly id: string;
  readonly author: { readonly role: string };
  readonly content?: { readonly content_type?: string; readonly parts?: readonly unknown[] } | null;
  readonly status?: string | null;
  readonly end_turn?: boolean | null;
  readonly recipient?: string | null;
  readonly metadata?: {
    readonly finish_details?: { readonly type?: unknown } | null;
  } | null;
}

/** One classic stream event: a message snapshot and the conversation it belongs to. */
export interface ChatGPTWebSnapshot {
  readonly message: ChatGPTWebMessage;
  readonly conversation_id?: string | null;
}

/** One `delta_encoding: v1` patch; `c`, `p` and `o` carry over from the previous one when absent. */
export interface ChatGPTWebDelta {
  readonly c?: number;
  readonly p?: string;
  readonly o?: string;
  readonly v: unknown;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOptional(value: unknown, type: 'string' | 'boolean'): boolean {
  return value === undefined || value === null || typeof value === type;
}

export function isChatGPTWebMessage(value: unknown): value is ChatGPTWebMessage {
  if (!isRecord(value) || typeof value.id !== 'string') return false;
  if (!isRecord(value.author) || typeof value.author.role !== 'string') return false;
  const { content, metadata } = value;
  if (content !== undefined && content !== null) {
    if (!isRecord(content) || !isOptional(content.content_type, 'string')) return false;
    if (content.parts !== undefined && !Array.isArray(content.parts)) return false;
  }
  if (metadata !== undefined && metadata !== null && !isRecord(metadata)) return false;
  return (
    isOptional(value.status, 'string') &&
    isOptional(value.end_turn, 'boolean') &&
    isOptional(value.recipient, 'string')
  );
}

/** An event that carries a message (a classic event, or a v1 document after its patches). */
export function isSnapshot(value: unknown): value is ChatGPTWebSnapshot {
  return isRecord(value) && isChatGPTWebMessage(value.message) && isOptional(value.conversation_id, 'string');
}

/** A v1 patch: it has a value and none of the keys of a whole event. */
export function isDelta(value: unknown): value is ChatGPTWebDelta {
  return (
    isRecord(value) &&
    'v' in value &&
    !('type' in value) &&
    !('message' in value) &&
    (value.c === undefined || (typeof value.c === 'number' && Number.isInteger(value.c))) &&
    (value.p === undefined || typeof value.p === 'string') &&
    (value.o === undefined || typeof value.o === 'string')
  );
}

/** The text of a message: its first part when that is a string (images and tool parts are not text). */
export function textOf(message: ChatGPTWebMessage): string | undefined {
  const part = message.content?.parts?.[0];
  return typeof part === 'string' ? part : undefined;
}

/** `{"detail": ...}`: FastAPI's error body, a string, `{code, message}`, or a list of problems. */
export function detailOf(body: unknown): { readonly code?: string; readonly message: string } | undefined {
  if (!isRecord(body) || body.detail === undefined || body.detail === null) return undefined;
  const { detail } = body;
  if (typeof detail === 'string') return { message: detail };
  if (isRecord(detail)) {
    const message = typeof detail.message === 'string' ? detail.message : '';
    return typeof detail.code === 'string' ? { code: detail.code, message } : { message };
  }
  if (Array.isArray(detail)) {
    const messages = detail.map((item) => (isRecord(item) && typeof item.msg === 'string' ? item.msg : ''));
    return { message: messages.filter((text) => text !== '').join('; ') };
  }
  return undefined;
}
