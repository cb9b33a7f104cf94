/** Shared by the Store implementations' imports. */

import type { MessageRecord } from './store.ts';

/**
 * Orders messages so that every parent comes before its children. Throws on a cycle, which the
 * foreign key alone would let in (it is checked at the end of the statement).
 */
export function parentsFirst(messages: readonly MessageRecord[]): MessageRecord[] {
  const byId = new Map(messages.map((message) => [message.id, message]));
  const ordered: MessageRecord[] = [];
  const placed = new Set<string>();
  for (const message of messages) {
    const chain: MessageRecord[] = [];
    const inChain = new Set<string>();
    let current: MessageRecord | undefined = message;
    while (current !== undefined && !placed.has(current.id)) {
      if (inChain.has(current.id))
        throw new Error(`import: the parents of message ${current.id} form a cycle`);
      chain.push(current);
      inChain.add(current.id);
      current = current.parentId === null ? undefined : byId.get(current.parentId);
    }
    for (const entry of chain) placed.add(entry.id);
    ordered.push(...chain.reverse());
  }
  return ordered;
}
