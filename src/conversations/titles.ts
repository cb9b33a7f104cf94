/**
 * Titles written by the model: a few words from the first exchange. Used on demand (the seed's
 * `gen_title`) and, unless switched off, after a conversation's first answer.
 */

import type { PromptMessage } from '../providers/spec.ts';
import type { MessageRecord } from '../store/store.ts';

const MAX_TITLE_LENGTH = 80;
/** Enough of each message for a title; long ones are cut. */
const EXCERPT_LENGTH = 1_000;

/** The prompt asking for a title of the first question and answer on a path. */
export function titlePrompt(path: readonly MessageRecord[]): PromptMessage[] | undefined {
  const question = path.find((message) => message.role === 'user' && message.deletedAt === null);
  if (question === undefined) return undefined;
  const answer = path.find((message) => message.role === 'assistant' && message.parentId === question.id);
  const excerpt = (text: string) =>
    text.length > EXCERPT_LENGTH ? `${text.slice(0, EXCERPT_LENGTH)}…` : text;
  const exchange = [`User: ${excerpt(question.content)}`];
  if (answer !== undefined && answer.content !== '') exchange.push(`Assistant: ${excerpt(answer.content)}`);
  return [
    {
      role: 'system',
      content:
        'You name conversations. Reply with a title of at most six words in the language of the conversation, ' +
        'with no quotes and no final punctuation.',
    },
    { role: 'user', content: `${exchange.join('\n\n')}\n\nTitle:` },
  ];
}

/** The model's reply as a clean title: one line, no quotes or trailing period, bounded. */
export function cleanTitle(reply: string): string | undefined {
  const line = reply
    .split('\n')
    .map((part) => part.trim())
    .find((part) => part !== '');
  if (line === undefined) return undefined;
  const title = line
    .replace(/^(title\s*:\s*)/i, '')
    .replace(/^["'“”‘’«»*]+|["'“”‘’«»*]+$/g, '')
    .replace(/[.。!]+$/, '')
    .trim();
  if (title === '') return undefined;
  return title.length > MAX_TITLE_LENGTH ? `${title.slice(0, MAX_TITLE_LENGTH - 1)}…` : title;
}
