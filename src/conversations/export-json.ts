/**
 * Parley's JSON export, written while it is read, so an export of any size holds one conversation
 * and one attachment in memory at a time: the header, the conversations one by one, then the
 * `attachments` map, each SHA-256 the parts named once with its bytes in base64 (last, because
 * which bytes are needed is known only once every message was written).
 */

import { exportAttachmentEntry } from './export-attachments.ts';
import { attachmentsOf } from './message-parts.ts';
import { EXPORT_FORMAT, EXPORT_VERSION, toExportConversation } from './transfer.ts';
import type { ConversationHistory } from './tree.ts';

/** Reads the bytes of one attachment its owner stored (undefined when there are none). */
export type AttachmentReader = (owner: string, sha256: string) => Promise<Uint8Array | undefined>;

export async function* exportJsonText(
  histories: AsyncIterable<ConversationHistory> | Iterable<ConversationHistory>,
  readAttachment: AttachmentReader,
  exportedAt: number,
): AsyncGenerator<string> {
  yield `{"format":"${EXPORT_FORMAT}","version":${EXPORT_VERSION},"exported_at":${exportedAt},"conversations":[`;
  /** Each SHA-256 named, with an owner who may read its bytes (an admin exports others' too). */
  const named = new Map<string, string>();
  let separator = '';
  for await (const history of histories) {
    yield `${separator}${JSON.stringify(toExportConversation(history))}`;
    separator = ',';
    for (const message of history.messages) {
      for (const sha256 of attachmentsOf(message.parts))
        if (!named.has(sha256)) named.set(sha256, history.conversation.owner);
    }
  }
  yield '],"attachments":{';
  separator = '';
  for (const [sha256, owner] of named) {
    const data = await readAttachment(owner, sha256);
    // An export without bytes its parts name would not import: better no export than a broken one.
    if (data === undefined)
      throw new Error(`export: the bytes of attachment ${sha256} are missing from the store`);
    if (separator !== '') yield separator;
    yield* exportAttachmentEntry(sha256, data);
    separator = ',';
  }
  yield '}}\n';
}
