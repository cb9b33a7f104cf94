/** What an empty conversation shows: the model that will answer and a few prompts to start from. */

import { button, element } from './dom.js';

const EXAMPLES = [
  'Explain how a hash map works, with a short example in Python',
  'Plan a three-day trip to Lisbon on a small budget',
  'Write a polite email asking to move a meeting to next week',
  'Summarise the pros and cons of SQLite versus PostgreSQL in a table',
];

/**
 * @param {HTMLElement} container
 * @param {string} model the model a new question goes to
 * @param {(prompt: string) => void} choose puts an example in the composer
 */
export function renderWelcome(container, model, choose) {
  const heading = element('h2', 'welcome-title', 'What can I help with?');
  const note = element('p', 'welcome-model');
  note.append('Answers come from ', element('strong', '', model), '.');
  const hint = element(
    'p',
    'welcome-hint',
    'Enter sends, Shift+Enter adds a line, Escape stops an answer, Ctrl+K searches.',
  );
  const examples = element('ul', 'examples');
  examples.setAttribute('aria-label', 'Example prompts');
  for (const example of EXAMPLES) {
    const item = element('li');
    item.append(button(example, example, () => choose(example)));
    examples.append(item);
  }
  container.replaceChildren(heading, note, examples, hint);
}
