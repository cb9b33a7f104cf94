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

/** Sentences of the long answer: prose with the quotes, backticks and line breaks a model's markdown holds. */
const LONG_ANSWER_SENTENCES = [
  'A conversation tree keeps every branch: edit a question or ask again, and the old answer stays beside the new one.',
  'Each message points to its parent, so the path from the root to any leaf is one whole conversation.',
  'When you say "go on", the model continues the answer where it stopped, in place.',
  'The server sends the path upstream, trimmed to the context window of the model that answers.',
  'Streams carry only what is new, so a long answer costs the wire about its own length.',
  'Run `GET /api/conversations/{id}` to read the tree back, with every branch and its current node.',
];

/** A long answer of exactly `chars` characters, in paragraphs of four sentences. */
export function longAnswerText(chars: number): string {
  let text = '';
  for (let index = 0; text.length < chars; index++) {
    const sentence = LONG_ANSWER_SENTENCES[index % LONG_ANSWER_SENTENCES.length] ?? '';
    text += index % 4 === 3 ? `${sentence}\n\n` : `${sentence} `;
  }
  return text.slice(0, chars);
}

/** The long answer cut into pieces of `pieceChars` characters, as a model streams it (~4 characters a token). */
export function longAnswerPieces(chars: number, pieceChars: number): string[] {
  const text = longAnswerText(chars);
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += pieceChars)
    pieces.push(text.slice(start, start + pieceChars));
  return pieces;
}
