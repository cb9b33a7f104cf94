/**
 * A message's parts in the Markdown export, so that what is not text still shows: an image by URL
 * as an image, bytes as a note naming them, tool calls and results as code, reasoning quoted. A
 * message of text only is its text, as before parts existed.
 */

import type { MessageRecord, PartRecord } from '../store/store.ts';

export function markdownOfMessage(message: MessageRecord): string {
  if (message.parts.every((part) => part.type === 'text')) return message.content;
  return message.parts.map(markdownOfPart).join('\n\n');
}

function markdownOfPart(part: PartRecord): string {
  switch (part.type) {
    case 'text':
      return part.text;
    case 'image':
      return 'url' in part
        ? `![image](<${part.url}>)`
        : `_[image: ${part.mediaType}, sha256 ${part.attachment}]_`;
    case 'file':
      return `_[file: ${part.filename}, ${part.mediaType}, sha256 ${part.attachment}]_`;
    case 'audio':
      return `_[audio: ${part.mediaType}, sha256 ${part.attachment}]_`;
    case 'tool-call':
      return `_Calls \`${part.name}\` (${part.callId}):_\n\n${fenced(part.arguments, 'json')}`;
    case 'tool-result':
      return `_Result of ${part.callId}:_\n\n${fenced(part.output)}`;
    case 'reasoning':
      return part.text === '' ? '_(reasoning)_' : part.text.replace(/^/gm, '> ');
    case 'refusal':
      return `_Refused:_ ${part.text}`;
  }
}

/** A code block whose fence is longer than any run of backticks inside it. */
function fenced(text: string, language = ''): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text}\n${fence}`;
}
