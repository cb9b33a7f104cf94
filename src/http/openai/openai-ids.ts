/**
 * OpenAI-style ids over Parley's UUIDs: `conv_`, `resp_`, `msg_` and `chatcmpl-` followed by the
 * UUID's 32 hex digits. The same row always has the same id, so a conversation started by `/ask`
 * is reachable through `/v1` and the reverse:
 * - `conv_<hex>`: a conversation (the seed's `conversation_id`);
 * - `resp_<hex>`: an assistant message (the seed's `parent_id` after an answer);
 * - `msg_<hex>`: any message, as an item (an answer's output item is `msg_` + the same hex).
 */

export type IdPrefix = 'conv_' | 'resp_' | 'msg_';

export function toPublicId(prefix: IdPrefix, uuid: string): string {
  return prefix + uuid.replaceAll('-', '');
}

/** The UUID behind a public id, or undefined when the id is not of that kind. */
export function fromPublicId(prefix: IdPrefix, publicId: string): string | undefined {
  if (!publicId.startsWith(prefix)) return undefined;
  const hex = publicId.slice(prefix.length);
  if (!/^[0-9a-f]{32}$/.test(hex)) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
