/**
 * A ChatGPT `conversations.json` of a chosen size, generated: the large import's file for its
 * end-to-end test and for `npm run bench -- --only import`.
 */

import { randomUUID } from 'node:crypto';

/** `conversations` conversations of `pairs` question-and-answer turns, each text `textLength` characters. */
export function chatGptExport(conversations: number, pairs: number, textLength = 700): string {
  const filler = 'lorem ipsum dolor sit amet consectetur '.repeat(Math.ceil(textLength / 39));
  const entries: string[] = [];
  for (let index = 0; index < conversations; index += 1) {
    const mapping: Record<string, unknown> = {};
    let parent: string | null = null;
    for (let turn = 0; turn < pairs * 2; turn += 1) {
      const id = `n${turn}`;
      const role = turn % 2 === 0 ? 'user' : 'assistant';
      mapping[id] = {
        id,
        parent,
        children: turn + 1 < pairs * 2 ? [`n${turn + 1}`] : [],
        message: {
          id,
          author: { role },
          create_time: 1_700_000_000 + index * 100 + turn,
          content: { content_type: 'text', parts: [`${index}.${turn} ${filler}`.slice(0, textLength)] },
          status: 'finished_successfully',
          metadata: role === 'assistant' ? { model_slug: 'gpt-4o' } : {},
        },
      };
      parent = id;
    }
    entries.push(
      JSON.stringify({
        title: `Imported ${index}`,
        create_time: 1_700_000_000 + index * 100,
        update_time: 1_700_000_000 + index * 100 + pairs * 2,
        mapping,
        current_node: parent,
        id: randomUUID(),
      }),
    );
  }
  return `[${entries.join(',')}]`;
}
