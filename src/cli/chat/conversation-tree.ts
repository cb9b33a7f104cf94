/**
 * Reading a conversation's message tree as the chat shows it: the branch from the root to the
 * current node, the alternatives at the fork nearest to it (regenerated answers, edited
 * questions), and the leaf a branch ends in.
 */

import type { ApiConversationWithMessages, ApiMessage } from '../api-types.ts';

export class ConversationTree {
  readonly #byId: ReadonlyMap<string, ApiMessage>;
  readonly conversation: ApiConversationWithMessages;

  constructor(conversation: ApiConversationWithMessages) {
    this.conversation = conversation;
    this.#byId = new Map(conversation.messages.map((message) => [message.id, message]));
  }

  get(id: string | null | undefined): ApiMessage | undefined {
    return id === null || id === undefined ? undefined : this.#byId.get(id);
  }

  /** The messages from the root to the current node. */
  currentPath(): ApiMessage[] {
    const path: ApiMessage[] = [];
    for (
      let message = this.get(this.conversation.current_node);
      message !== undefined;
      message = this.get(message.parent_id)
    ) {
      path.unshift(message);
    }
    return path;
  }

  /** The last message of `role` on the current branch. */
  lastOnPath(role: string): ApiMessage | undefined {
    return this.currentPath().findLast((message) => message.role === role);
  }

  /** A message and its siblings (the children of its parent, or every root), oldest first. */
  siblingsOf(message: ApiMessage): ApiMessage[] {
    const ids =
      message.parent_id === null
        ? this.conversation.messages
            .filter((candidate) => candidate.parent_id === null)
            .map((root) => root.id)
        : (this.get(message.parent_id)?.children ?? []);
    return ids
      .map((id) => this.get(id))
      .filter((sibling) => sibling !== undefined && !isDeleted(sibling)) as ApiMessage[];
  }

  /** The fork nearest to the current node: the message on the branch that has siblings, with them. */
  nearestFork(): { readonly chosen: ApiMessage; readonly siblings: ApiMessage[] } | undefined {
    for (const message of this.currentPath().reverse()) {
      const siblings = this.siblingsOf(message);
      if (siblings.length > 1) return { chosen: message, siblings };
    }
    return undefined;
  }

  /** Where a branch ends: from `message`, the newest child at each step. */
  leafOf(message: ApiMessage): ApiMessage {
    let leaf = message;
    for (;;) {
      const children = leaf.children
        .map((id) => this.get(id))
        .filter((child) => child !== undefined && !isDeleted(child));
      const newest = children.at(-1);
      if (newest === undefined) return leaf;
      leaf = newest;
    }
  }
}

function isDeleted(message: ApiMessage): boolean {
  return message.deleted === true;
}

/** A message's text on one line, cut to `width` characters. */
export function snippet(text: string, width = 60): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}
