/** Cutting an import into slices: each attachment travels with the first message that names it. */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ImportedConversation, PartRecord } from '../store/store.ts';
import { importedMessage } from '../store/store-contract.ts';
import { sliceImport } from './import-slices.ts';

const LIMITS = { messages: 100, characters: 100_000, attachmentBytes: 10 };

function conversationNaming(hashes: readonly (string | undefined)[]): ImportedConversation {
  const conversationId = randomUUID();
  const ids = hashes.map(() => randomUUID());
  const messages = hashes.map((sha256, index) => {
    const parts: PartRecord[] =
      sha256 === undefined
        ? []
        : [{ type: 'file', attachment: sha256, mediaType: 'text/plain', filename: 'a' }];
    return {
      ...importedMessage({
        id: ids[index] ?? '',
        conversationId,
        parentId: index === 0 ? null : (ids[index - 1] ?? null),
        role: 'user',
        content: '',
        context: null,
        createdAt: index,
      }),
      parts,
    };
  });
  return {
    conversation: {
      id: conversationId,
      owner: 'o',
      title: null,
      model: null,
      currentNode: ids.at(-1) ?? null,
      systemPrompt: null,
      temperature: null,
      maxOutputTokens: null,
      metadata: {},
      createdAt: 0,
      updatedAt: 0,
    },
    messages,
  };
}

describe('sliceImport', () => {
  it('sends each attachment once, with the first message naming it, and cuts slices by bytes', () => {
    const bytes = (size: number) => new Uint8Array(size);
    const attachments = [
      { sha256: 'a'.repeat(64), data: bytes(6) },
      { sha256: 'b'.repeat(64), data: bytes(6) },
      { sha256: 'c'.repeat(64), data: bytes(3) },
    ];
    const slices = [
      ...sliceImport(
        {
          conversations: [
            conversationNaming(['a'.repeat(64), undefined, 'a'.repeat(64), 'b'.repeat(64)]),
            conversationNaming(['c'.repeat(64), 'b'.repeat(64)]),
          ],
          attachments,
        },
        LIMITS,
      ),
    ];
    // a (6) and b (6) pass 10 bytes at b's message; c (3) and the rest end the last slice.
    assert.deepEqual(
      slices.map((slice) => [
        slice.messages.length,
        (slice.attachments ?? []).map(({ sha256 }) => sha256[0]),
      ]),
      [
        [4, ['a', 'b']],
        [2, ['c']],
      ],
    );
    assert.deepEqual(
      slices.map((slice) => slice.conversations.length),
      [1, 1],
    );
  });
});
