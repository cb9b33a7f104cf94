/** Turns a path of stored messages into the prompt a provider receives. */

import type { PromptMessage, PromptPart, ToolCall } from '../providers/spec.ts';
import type { MessageRecord, PartRecord } from '../store/store.ts';

/** A message as a caller sends it: the text of one role, and its parts when it holds more. */
export interface InputMessage {
  readonly role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  /** The plain text (its text parts joined). */
  readonly content: string;
  /** Absent: the text is the only part. Bytes are named by SHA-256 (see `Attachments`). */
  readonly parts?: readonly PartRecord[];
}

/** The bytes of the attachments a prompt's parts name, by SHA-256. */
export type Attachments = ReadonlyMap<string, Uint8Array>;

/**
 * The conversation's system prompt, then instructions (for this call only), then the path from the
 * root, then the new inputs.
 * Deleted messages and answers that failed with no text are left out (they carry nothing the
 * model said); partial answers keep the text that arrived. Providers know no `developer` role:
 * it is sent as `system`.
 */
export function buildPrompt(
  path: readonly MessageRecord[],
  inputs: readonly InputMessage[],
  instructions?: string,
  systemPrompt?: string | null,
  attachments: Attachments = new Map(),
): PromptMessage[] {
  return buildPromptWithSources(path, inputs, instructions, systemPrompt, attachments).prompt;
}

/** The prompt, and for each of its messages the stored message it came from (null for the rest). */
export function buildPromptWithSources(
  path: readonly MessageRecord[],
  inputs: readonly InputMessage[],
  instructions?: string,
  systemPrompt?: string | null,
  attachments: Attachments = new Map(),
): { prompt: PromptMessage[]; sources: (MessageRecord | null)[] } {
  const prompt: PromptMessage[] = [];
  const sources: (MessageRecord | null)[] = [];
  const add = (message: PromptMessage, source: MessageRecord | null) => {
    prompt.push(message);
    sources.push(source);
  };
  if (systemPrompt !== undefined && systemPrompt !== null && systemPrompt !== '') {
    add({ role: 'system', content: systemPrompt }, null);
  }
  if (instructions !== undefined && instructions !== '') add({ role: 'system', content: instructions }, null);
  for (const message of path) {
    if (message.deletedAt !== null) continue;
    if (message.role === 'assistant' && message.content === '' && message.status !== 'completed') continue;
    const { upstreamConversationId, upstreamMessageId } = message;
    const upstreamRef =
      upstreamConversationId === null || upstreamMessageId === null
        ? undefined
        : { conversationId: upstreamConversationId, messageId: upstreamMessageId };
    add({ ...toPromptMessage(message, attachments), ...(upstreamRef && { upstreamRef }) }, message);
  }
  for (const input of inputs) add(toPromptMessage(input, attachments), null);
  return { prompt, sources };
}

/**
 * One stored (or new) message as a prompt message: its text, its tool calls or the call its
 * result answers, and its other parts with their bytes. A text-only message carries no `parts`.
 */
function toPromptMessage(
  message: {
    readonly role: MessageRecord['role'];
    readonly content: string;
    readonly parts?: readonly PartRecord[];
  },
  attachments: Attachments,
): PromptMessage {
  const role = promptRole(message.role);
  const parts = message.parts ?? [];
  const toolCalls: ToolCall[] = [];
  const promptParts: PromptPart[] = [];
  let toolCallId: string | undefined;
  let onlyText = true;
  for (const part of parts) {
    if (part.type === 'tool-call')
      toolCalls.push({ id: part.callId, name: part.name, arguments: part.arguments });
    else if (part.type === 'tool-result') toolCallId = part.callId;
    else {
      const promptPart = toPromptPart(part, attachments);
      if (promptPart.type !== 'text') onlyText = false;
      promptParts.push(promptPart);
    }
  }
  const toolResult = parts.find((part) => part.type === 'tool-result');
  return {
    role,
    content: toolResult?.type === 'tool-result' ? toolResult.output : message.content,
    ...(onlyText ? {} : { parts: promptParts }),
    ...(toolCalls.length === 0 ? {} : { toolCalls }),
    ...(toolCallId === undefined ? {} : { toolCallId }),
  };
}

function toPromptPart(
  part: Exclude<PartRecord, { type: 'tool-call' | 'tool-result' }>,
  attachments: Attachments,
): PromptPart {
  if (part.type !== 'image' && part.type !== 'file' && part.type !== 'audio') return part;
  if (!('attachment' in part)) return part;
  const data = attachments.get(part.attachment);
  // The core loads every attachment a prompt names before building it; a missing one is a bug.
  if (data === undefined) throw new Error(`attachment ${part.attachment} was not loaded`);
  switch (part.type) {
    case 'image':
      return {
        type: 'image',
        mediaType: part.mediaType,
        data,
        ...(part.detail === undefined ? {} : { detail: part.detail }),
      };
    case 'file':
      return { type: 'file', mediaType: part.mediaType, filename: part.filename, data };
    case 'audio':
      return { type: 'audio', mediaType: part.mediaType, data };
  }
}

function promptRole(role: MessageRecord['role']): PromptMessage['role'] {
  return role === 'developer' ? 'system' : role;
}

/** A first title from the question: its first line, cut at a word near 60 characters. */
export function titleFromQuestion(question: string): string {
  const firstLine = question.trim().split('\n', 1)[0]?.trim() ?? '';
  if (firstLine.length <= 60) return firstLine === '' ? 'New chat' : firstLine;
  const cut = firstLine.slice(0, 60);
  const lastSpace = cut.lastIndexOf(' ');
  return `${lastSpace > 30 ? cut.slice(0, lastSpace) : cut}…`;
}
