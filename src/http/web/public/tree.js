/**
 * The message tree of one conversation as the native API returns it (every message with its
 * `parent_id`), and the walks the page needs: the branch down to a node, a message's siblings,
 * and the newest leaf under a message. Deleted messages and context summaries (system messages
 * kept beside the flow) are not part of what a person navigates.
 */

/** Marks the roots among `children`: their parent id is null. */
const ROOT = null;

/** @param {{role: string, deleted: boolean, context: {summary_of?: string} | null}} message */
function isNavigable(message) {
  return !message.deleted && !(message.role === 'system' && typeof message.context?.summary_of === 'string');
}

/**
 * Indexes the messages by id and lists each one's children in the order they were written
 * (the API's order), the roots under `null`.
 * @param {Array<{id: string, parent_id: string | null}>} messages
 */
export function indexTree(messages) {
  const byId = new Map();
  const children = new Map();
  for (const message of messages) if (isNavigable(message)) byId.set(message.id, message);
  for (const message of byId.values()) {
    const parent = message.parent_id !== null && byId.has(message.parent_id) ? message.parent_id : ROOT;
    const list = children.get(parent);
    if (list === undefined) children.set(parent, [message]);
    else list.push(message);
  }
  return { byId, children };
}

/** The messages from the root down to `leafId`, root first (empty for null or an unknown id). */
export function branchTo(tree, leafId) {
  const branch = [];
  for (let message = tree.byId.get(leafId); message !== undefined; message = tree.byId.get(message.parent_id))
    branch.push(message);
  return branch.reverse();
}

/** The message and its siblings (the parent's children, itself included), oldest first. */
export function siblingsOf(tree, message) {
  const parent = message.parent_id !== null && tree.byId.has(message.parent_id) ? message.parent_id : ROOT;
  return tree.children.get(parent) ?? [message];
}

/** Down from `messageId` through the newest child each time, to a leaf: where a switch lands. */
export function newestLeafUnder(tree, messageId) {
  let message = tree.byId.get(messageId);
  for (let next = tree.children.get(message?.id)?.at(-1); next !== undefined; ) {
    message = next;
    next = tree.children.get(message.id)?.at(-1);
  }
  return message;
}
