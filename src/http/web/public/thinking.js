/**
 * An answer's reasoning (the model's "thinking"), shown above its text as a collapsed disclosure:
 * filled live from a native stream's `reasoning` events, and from the stored reasoning parts when a
 * conversation is loaded. Model output: set as text, never as HTML.
 */

import { element } from './dom.js';

/** The stored reasoning of a message in the API's shape: its reasoning parts' text, in order. */
export function reasoningOf(message) {
  const parts = Array.isArray(message.parts) ? message.parts : [];
  return parts
    .filter((part) => part.type === 'reasoning' && typeof part.text === 'string' && part.text !== '')
    .map((part) => part.text)
    .join('\n\n');
}

/**
 * A "Thinking" disclosure, hidden while there is no reasoning; `update` sets its text and whether
 * the model is still thinking. Left open or closed as the reader chose.
 */
export function thinkingDisclosure() {
  const node = element('details', 'thinking');
  const summary = element('summary', '', 'Thinking');
  const text = element('div', 'thinking-text');
  node.append(summary, text);
  node.hidden = true;
  let shown = '';
  const update = (reasoning, thinking) => {
    summary.textContent = thinking ? 'Thinking…' : 'Thinking';
    if (reasoning === shown) return;
    shown = reasoning;
    text.textContent = reasoning;
    node.hidden = reasoning === '';
  };
  return { node, update };
}
