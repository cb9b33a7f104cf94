/**
 * Search as you type in the sidebar (`GET /api/search`): each hit shows its conversation's title
 * and a snippet with the matched words marked; choosing one opens the conversation at that
 * message. Escape (or an empty box) goes back to the list. The server wraps matches in
 * `<mark>…</mark>` and sends the rest as the message's own text, often markdown: its syntax is taken
 * out (`plain-markdown.js`) and the snippet is built from text nodes and mark elements, never
 * parsed as HTML.
 */

import { request } from './api.js';
import { button, element } from './dom.js';
import { markdownToPlainText } from './plain-markdown.js';

const WAIT_MS = 200;
const ROLE_NAMES = { user: 'You', assistant: 'Assistant', system: 'System', tool: 'Tool' };

/** Where the server's `<mark>` and `</mark>` stand while the markdown around them is taken out. */
const OPEN = '\ue100';
const CLOSE = '\ue101';
const MARKED_PIECE = /(\ue100[^\ue100\ue101]*\ue101)/;

/** A snippet as plain text (markdown syntax taken out), its matches between OPEN and CLOSE. */
function plainSnippet(snippet) {
  const marked = snippet
    .replace(/[\ue100\ue101]/g, '')
    .replaceAll('<mark>', OPEN)
    .replaceAll('</mark>', CLOSE);
  return markdownToPlainText(marked);
}

/** A snippet's text, without markdown syntax, with its matches as mark elements (text nodes only). */
export function snippetNodes(snippet) {
  // Split by a capturing pattern: the odd pieces are the matches.
  return plainSnippet(snippet)
    .split(MARKED_PIECE)
    .map((piece, index) =>
      index % 2 === 1
        ? element('mark', '', piece.slice(1, -1))
        : document.createTextNode(piece.replace(/[\ue100\ue101]/g, '')),
    )
    .filter((node) => node.textContent !== '');
}

/**
 * @param {{input: HTMLInputElement, results: HTMLElement, list: HTMLElement,
 *   open: (conversationId: string, messageId: string | null) => void, report: (error: unknown) => void}} parts
 */
export function setUpSearch({ input, results, list, open, report }) {
  let timer;
  let controller;

  const showResults = (shown) => {
    results.hidden = !shown;
    list.hidden = shown;
  };

  const draw = (query, hits) => {
    if (hits.length === 0) {
      results.replaceChildren(element('p', 'list-empty', `Nothing found for “${query}”.`));
      return;
    }
    const items = element('ul', 'search-hits');
    items.setAttribute('aria-label', 'Search results');
    for (const hit of hits) {
      const title = hit.conversation_title ?? 'Untitled';
      const plain = plainSnippet(hit.snippet).replace(/[\ue100\ue101]/g, '');
      // A title hit is its title, marked; a message hit says whose message it is.
      const onTitle = hit.kind === 'title' || hit.message_id === null;
      const who = `${ROLE_NAMES[hit.role] ?? hit.role}: `;
      const choose = button('', onTitle ? `Conversation “${plain}”` : `${title}: ${who}${plain}`, () =>
        open(hit.conversation_id, hit.message_id),
      );
      choose.className = 'search-hit';
      choose.dataset.kind = onTitle ? 'title' : 'message';
      if (onTitle) {
        const heading = element('span', 'hit-title');
        heading.append(...snippetNodes(hit.snippet));
        choose.append(heading);
      } else {
        const snippet = element('span', 'hit-snippet');
        snippet.append(element('span', 'hit-role', who), ...snippetNodes(hit.snippet));
        choose.append(element('span', 'hit-title', title), snippet);
      }
      const item = element('li');
      item.append(choose);
      items.append(item);
    }
    results.replaceChildren(items);
  };

  const run = async () => {
    const query = input.value.trim();
    controller?.abort();
    if (query === '') {
      showResults(false);
      return;
    }
    controller = new AbortController();
    const signal = controller.signal;
    try {
      const response = await request(
        'GET',
        `/api/search?q=${encodeURIComponent(query)}&limit=30`,
        undefined,
        signal,
      );
      const { data } = await response.json();
      if (signal.aborted) return;
      draw(query, data);
      showResults(true);
    } catch (error) {
      if (!signal.aborted) report(error);
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, WAIT_MS);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    clear();
  });

  /** Empties the box and shows the list again. */
  function clear() {
    clearTimeout(timer);
    controller?.abort();
    input.value = '';
    showResults(false);
  }
  return { clear };
}
