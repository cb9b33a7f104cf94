/**
 * What the benchmark sends and recognises on the wire: the token texts the mock upstream streams
 * (so the load can find the first token and count chunks on every arm), and the request bodies.
 */

/** Token k of every answer the mock upstream gives. */
export const tokenText = (index: number): string => `tok${index} `;

export const MODEL = 'bench-model';

/** A small, realistic `/v1/chat/completions` body. */
export function chatBody(stream: boolean): string {
  return JSON.stringify({
    model: MODEL,
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Hello! Could you tell me what a conversation tree is?' },
    ],
    ...(stream ? { stream: true } : {}),
  });
}

/** The seed's `/ask` body continuing under `parentId`. */
export function askBody(conversationId: string, parentId: string, stream: boolean): string {
  return JSON.stringify({
    msg: 'And what comes next?',
    conversation_id: conversationId,
    parent_id: parentId,
    ...(stream ? { stream: true } : {}),
  });
}

/** The text of message `index` of a seeded conversation: about 60 characters a question, 140 an answer. */
export function seededContent(role: 'user' | 'assistant', index: number): string {
  return role === 'user'
    ? `Question ${index}: could you say a little more about that point?`
    : `Answer ${index}: certainly. Here is a short paragraph of text that stands in for what a model said, about this long.`;
}
