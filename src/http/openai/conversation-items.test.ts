import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { MessageRecord, PartRecord } from '../../store/store.ts';
import { type AttachmentReader, itemsOfPage, toConversationItems } from './conversation-items.ts';

const message = (parts: readonly PartRecord[], role: MessageRecord['role'] = 'user'): MessageRecord => ({
  id: randomUUID(),
  conversationId: 'c',
  parentId: null,
  role,
  content: parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join(''),
  parts,
  model: null,
  provider: null,
  status: 'completed',
  finishReason: null,
  inputTokens: null,
  outputTokens: null,
  error: null,
  requestOptions: null,
  deletedAt: null,
  context: null,
  upstreamConversationId: null,
  upstreamMessageId: null,
  createdAt: 0,
  updatedAt: 0,
});

const image = (sha256: string): PartRecord => ({ type: 'image', attachment: sha256, mediaType: 'image/png' });

/** Attachments of ten bytes each, and the reads asked of them. */
function reader() {
  const reads: string[][] = [];
  const tree: AttachmentReader = {
    getAttachments: async (_owner, sha256s) => {
      reads.push([...sha256s]);
      return new Map(sha256s.map((sha256) => [sha256, new Uint8Array(10).fill(sha256.charCodeAt(0))]));
    },
  };
  return { tree, reads };
}

const pageOf = (messages: readonly MessageRecord[], hasMore = false) => ({
  data: messages.flatMap((each) => toConversationItems(each).map((item) => ({ id: item.id, message: each }))),
  has_more: hasMore,
});

describe('a page of conversation items', () => {
  it('carries inline bytes back as the data URLs they were sent as, reading each once', async () => {
    const { tree, reads } = reader();
    const file: PartRecord = {
      type: 'file',
      attachment: 'f',
      mediaType: 'application/pdf',
      filename: 'a.pdf',
    };
    const messages = [message([{ type: 'text', text: 'see' }, image('a'), file]), message([image('a')])];
    const page = await itemsOfPage(tree, 'owner', pageOf(messages, true));
    const dataUrl = (mediaType: string, byte: string) =>
      `data:${mediaType};base64,${Buffer.alloc(10, byte.charCodeAt(0)).toString('base64')}`;
    assert.deepEqual(page.data[0]?.type === 'message' && page.data[0].content, [
      { type: 'input_text', text: 'see' },
      { type: 'input_image', detail: 'auto', file_id: null, image_url: dataUrl('image/png', 'a') },
      { type: 'input_file', file_id: null, filename: 'a.pdf', file_data: dataUrl('application/pdf', 'f') },
    ]);
    assert.equal(page.data.length, 2);
    assert.equal(page.has_more, true);
    assert.deepEqual(reads, [['a', 'f']]);
  });

  it('ends early, with more to come, once it carries more bytes than allowed, but always holds its first item', async () => {
    const { tree } = reader();
    const messages = [message([image('a')]), message([image('b')]), message([image('c')])];
    const page = await itemsOfPage(tree, 'owner', pageOf(messages), 15);
    assert.deepEqual(
      page.data.map((item) => item.id),
      [`msg_${messages[0]?.id.replaceAll('-', '')}`],
    );
    assert.equal(page.has_more, true);
    assert.equal(page.last_id, page.data[0]?.id);
    const alone = await itemsOfPage(tree, 'owner', pageOf(messages), 5);
    assert.equal(alone.data.length, 1);
    const all = await itemsOfPage(tree, 'owner', pageOf(messages), 30);
    assert.deepEqual([all.data.length, all.has_more], [3, false]);
  });

  it('lists a tool call as function_call items and a tool result as a function_call_output item', () => {
    const calls = message(
      [
        { type: 'tool-call', callId: 'call_1', name: 'f', arguments: '{}' },
        { type: 'tool-call', callId: 'call_2', name: 'g', arguments: '{}' },
      ],
      'assistant',
    );
    assert.deepEqual(
      toConversationItems(calls).map((item) => [item.type, item.id.slice(0, 3)]),
      [
        ['function_call', 'fc_'],
        ['function_call', 'fc_'],
      ],
    );
    const result = message([{ type: 'tool-result', callId: 'call_1', output: 'done' }], 'tool');
    assert.deepEqual(toConversationItems(result), [
      {
        type: 'function_call_output',
        id: `msg_${result.id.replaceAll('-', '')}`,
        call_id: 'call_1',
        output: 'done',
        status: 'completed',
      },
    ]);
  });
});
