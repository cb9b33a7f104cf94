/**
 * Export and import. Parley's own format round-trips exactly (ids, tree, times in milliseconds,
 * statuses, every message's parts, and since version 2 the bytes of its images, files and audio,
 * `export-attachments.ts`); a file of version 1 (text only) still imports. ChatGPT's data export
 * (`conversations.json`) is read too (`chatgpt-import.ts`). A malformed file is a 400 that says
 * where, and nothing is imported.
 */

import { badRequest } from '../errors.ts';
import type {
  ConversationRecord,
  ImportedConversation,
  ImportedMessage,
  MessageContext,
  MessageRecord,
  MessageRole,
  MessageStatus,
  NewAttachment,
  PartRecord,
} from '../store/store.ts';
import { parseChatGptConversation } from './chatgpt-import.ts';
import { readExportAttachments } from './export-attachments.ts';
import { readExportPart, toExportPart } from './export-parts.ts';
import { isRecord, Reader, ROLES } from './import-reader.ts';
import { markdownOfMessage } from './markdown-parts.ts';
import { attachmentsOf } from './message-parts.ts';
import type { ConversationHistory } from './tree.ts';

export const EXPORT_FORMAT = 'parley.export';
/** 2: messages carry their `parts`, and the file the bytes they name (`attachments`). */
export const EXPORT_VERSION = 2;
const READABLE_VERSIONS: readonly number[] = [1, 2];

const STATUSES: readonly MessageStatus[] = ['in_progress', 'completed', 'incomplete', 'failed'];

export function toExportConversation(history: ConversationHistory) {
  const { conversation, messages } = history;
  return {
    id: conversation.id,
    title: conversation.title,
    model: conversation.model,
    current_node: conversation.currentNode,
    system_prompt: conversation.systemPrompt,
    temperature: conversation.temperature,
    max_output_tokens: conversation.maxOutputTokens,
    metadata: conversation.metadata,
    created_at: conversation.createdAt,
    updated_at: conversation.updatedAt,
    messages: messages.map((message) => ({
      id: message.id,
      parent_id: message.parentId,
      role: message.role,
      content: message.content,
      parts: message.parts.map(toExportPart),
      status: message.status,
      model: message.model,
      provider: message.provider,
      finish_reason: message.finishReason,
      input_tokens: message.inputTokens,
      output_tokens: message.outputTokens,
      error: message.error,
      // JSON text, as exports have always carried them.
      request_options: message.requestOptions === null ? null : JSON.stringify(message.requestOptions),
      deleted_at: message.deletedAt,
      context: message.context === null ? null : JSON.stringify(message.context),
      upstream_conversation_id: message.upstreamConversationId,
      upstream_message_id: message.upstreamMessageId,
      created_at: message.createdAt,
      updated_at: message.updatedAt,
    })),
  };
}

const ROLE_NAMES: Readonly<Record<MessageRole, string>> = {
  system: 'System',
  developer: 'Developer',
  user: 'User',
  assistant: 'Assistant',
  tool: 'Tool',
};

/** The current branch as Markdown, oldest first (parts as `markdown-parts.ts` shows them); other branches are counted, not shown. */
export function toMarkdown(history: ConversationHistory): string {
  const { conversation, messages } = history;
  const byId = new Map(messages.map((message) => [message.id, message]));
  const branch: MessageRecord[] = [];
  for (
    let node = conversation.currentNode === null ? undefined : byId.get(conversation.currentNode);
    node !== undefined;
  ) {
    if (node.deletedAt === null) branch.unshift(node);
    node = node.parentId === null ? undefined : byId.get(node.parentId);
  }
  const lines = [`# ${conversation.title ?? 'Untitled conversation'}`, ''];
  lines.push(
    `_${new Date(conversation.createdAt).toISOString()}${conversation.model === null ? '' : ` · ${conversation.model}`}_`,
    '',
  );
  for (const message of branch) {
    const note = message.status === 'completed' ? '' : ` _(${message.status})_`;
    lines.push(`**${ROLE_NAMES[message.role]}:**${note}`, '', markdownOfMessage(message), '');
  }
  const others = messages.length - branch.length;
  if (others > 0) lines.push(`_${others} more message${others === 1 ? '' : 's'} on other branches._`, '');
  return lines.join('\n');
}

/** What an import writes: whole conversations, and the bytes their parts name. */
export interface ParsedImport {
  readonly conversations: readonly ImportedConversation[];
  readonly attachments: readonly NewAttachment[];
}

export interface ImportOptions {
  readonly owner: string;
  /** The date of what the file leaves undated (ChatGPT's `create_time`). */
  readonly now: number;
  /** `PARLEY_MAX_ATTACHMENT_BYTES`: an attachment over it is a 413. */
  readonly maxAttachmentBytes: number;
}

/** Reads an uploaded file: Parley's export, or ChatGPT's `conversations.json` (a list, or one conversation). */
export function parseImport(data: unknown, options: ImportOptions): ParsedImport {
  const { owner, now } = options;
  if (isRecord(data) && data.format === EXPORT_FORMAT) return parseParleyExport(data, options);
  if (Array.isArray(data))
    return {
      conversations: data.map((entry, index) => parseChatGptConversation(entry, `[${index}]`, owner, now)),
      attachments: [],
    };
  if (isRecord(data) && isRecord(data.mapping))
    return { conversations: [parseChatGptConversation(data, '', owner, now)], attachments: [] };
  throw badRequest(
    'unknown file: expected a Parley export ({"format": "parley.export"}) or ChatGPT conversations.json (a list of conversations)',
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseParleyExport(data: Record<string, unknown>, options: ImportOptions): ParsedImport {
  const { owner } = options;
  const top: Reader = new Reader('');
  const version = READABLE_VERSIONS.find((candidate) => candidate === data.version);
  if (version === undefined) top.fail('version', `one of ${READABLE_VERSIONS.join(', ')}`);
  const named: string[] = [];
  if (!Array.isArray(data.conversations)) top.fail('conversations', 'a list');
  const items = (data.conversations as unknown[]).map((entry, index) => {
    const read: Reader = new Reader(`conversations[${index}]`);
    if (!isRecord(entry)) read.fail('', 'an object');
    const id = read.string(entry, 'id');
    if (!UUID.test(id)) read.fail('id', 'a UUID');
    const metadata = entry.metadata ?? {};
    if (!isRecord(metadata) || !Object.values(metadata).every((value) => typeof value === 'string')) {
      read.fail('metadata', 'an object of strings');
    }
    if (!Array.isArray(entry.messages)) read.fail('messages', 'a list');
    const messages = (entry.messages as unknown[]).map((raw, messageIndex) => {
      const field: Reader = new Reader(`conversations[${index}].messages[${messageIndex}]`);
      if (!isRecord(raw)) field.fail('', 'an object');
      const messageId = field.string(raw, 'id');
      if (!UUID.test(messageId)) field.fail('id', 'a UUID');
      const parts = version === 1 ? undefined : readParts(field, raw);
      if (parts !== undefined) named.push(...attachmentsOf(parts));
      return {
        id: messageId,
        ...(parts === undefined ? {} : { parts }),
        conversationId: id,
        parentId: field.nullableString(raw, 'parent_id'),
        role: field.oneOf(raw, 'role', ROLES),
        content: field.string(raw, 'content'),
        model: field.nullableString(raw, 'model'),
        provider: field.nullableString(raw, 'provider'),
        status: field.oneOf(raw, 'status', STATUSES),
        finishReason: field.nullableString(raw, 'finish_reason'),
        inputTokens: field.nullableNumber(raw, 'input_tokens'),
        outputTokens: field.nullableNumber(raw, 'output_tokens'),
        error: field.nullableString(raw, 'error'),
        requestOptions: jsonObject(field.nullableString(raw, 'request_options')),
        deletedAt: field.nullableNumber(raw, 'deleted_at'),
        context: jsonObject(field.nullableString(raw, 'context')) as MessageContext | null,
        upstreamConversationId: field.nullableString(raw, 'upstream_conversation_id'),
        upstreamMessageId: field.nullableString(raw, 'upstream_message_id'),
        createdAt: field.number(raw, 'created_at'),
        updatedAt: field.number(raw, 'updated_at'),
      } satisfies ImportedMessage;
    });
    const conversation: ConversationRecord = {
      id,
      owner,
      title: read.nullableString(entry, 'title'),
      model: read.nullableString(entry, 'model'),
      currentNode: read.nullableString(entry, 'current_node'),
      systemPrompt: read.nullableString(entry, 'system_prompt'),
      temperature: read.sampling(entry, 'temperature', 'temperature'),
      maxOutputTokens: read.sampling(entry, 'max_output_tokens', 'maxOutputTokens'),
      metadata: metadata as Record<string, string>,
      createdAt: read.number(entry, 'created_at'),
      updatedAt: read.number(entry, 'updated_at'),
    };
    checkTree(read, conversation, messages);
    return { conversation, messages };
  });
  checkDistinctIds(top, items);
  return {
    conversations: items,
    attachments: readExportAttachments(data.attachments, named, options.maxAttachmentBytes),
  };
}

/** A version-2 message's `parts`, each checked where it stands. */
function readParts(read: Reader, raw: Record<string, unknown>): PartRecord[] {
  const list = raw.parts;
  if (!Array.isArray(list)) return read.fail('parts', 'a list');
  return list.map((part: unknown, index) => {
    const field = new Reader(`${read.where}.parts[${index}]`);
    return isRecord(part) ? readExportPart(part, field) : field.fail('', 'an object');
  });
}

/** No id twice in one file (a conversation's own messages are checked by `checkTree`). */
function checkDistinctIds(read: Reader, items: readonly ImportedConversation[]): void {
  const seen = new Set<string>();
  for (const { conversation, messages } of items) {
    for (const id of [conversation.id, ...messages.map((message) => message.id)]) {
      if (seen.has(id)) read.fail('conversations', `conversations with distinct ids: ${id} comes twice`);
      seen.add(id);
    }
  }
}

/** Every parent and the current node must be messages of the same conversation. */
function checkTree(
  read: Reader,
  conversation: ConversationRecord,
  messages: readonly ImportedMessage[],
): void {
  const ids = new Set(messages.map((message) => message.id));
  if (ids.size !== messages.length) read.fail('messages', 'messages with distinct ids');
  for (const message of messages) {
    if (message.parentId !== null && !ids.has(message.parentId))
      read.fail('messages', `complete: parent ${message.parentId} is missing`);
  }
  if (conversation.currentNode !== null && !ids.has(conversation.currentNode))
    read.fail('current_node', 'one of its messages');
}

/** A JSON object carried as text in an export; anything else reads as none. */
function jsonObject(text: string | null): Readonly<Record<string, unknown>> | null {
  if (text === null || text === '') return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
