/** Shared by the Store implementations' imports. */

/**
 * Orders messages so that every parent comes before its children. Throws on a cycle, which the
 * foreign key alone would let in (it is checked at the end of the statement).
 */
export function parentsFirst<M extends { readonly id: string; readonly parentId: string | null }>(
  messages: readonly M[],
): M[] {
  const byId = new Map(messages.map((message) => [message.id, message]));
  const ordered: M[] = [];
  const placed = new Set<string>();
  for (const message of messages) {
    const chain: M[] = [];
    const inChain = new Set<string>();
    let current: M | undefined = message;
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
