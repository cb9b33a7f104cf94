/**
 * The sidebar's conversations, most recently active first, grouped by date (today, yesterday, the
 * previous 7 days, the previous 30 days, older), the open one marked as current, each with Rename
 * (inline: Enter saves, Escape cancels) and Delete; and the first title the page gives a
 * conversation.
 */

import { button, element } from './dom.js';

export const UNTITLED = 'Untitled';

/**
 * A first title from the first question: its start, cut at a word near 60 characters, like the
 * title the server gives a conversation that `/ask` or `/v1` creates (the server's keeps the first
 * line only). A conversation made by `POST /api/conversations` gets no such title from the server.
 */
export function titleFromQuestion(question) {
  const text = question.replace(/\s+/g, ' ').trim();
  if (text.length <= 60) return text;
  const cut = text.slice(0, 60);
  const space = cut.lastIndexOf(' ');
  return `${space > 30 ? cut.slice(0, space) : cut}…`;
}

const DAY = 24 * 60 * 60 * 1000;

/** The date group of a time in seconds, seen from `now` (local days). */
export function dateGroup(seconds, now = new Date()) {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const time = seconds * 1000;
  if (time >= today) return 'Today';
  if (time >= today - DAY) return 'Yesterday';
  if (time >= today - 7 * DAY) return 'Previous 7 days';
  if (time >= today - 30 * DAY) return 'Previous 30 days';
  return 'Older';
}

/** A row's title turned into a form; `save` gets the new title. */
function renameInPlace(row, conversation, save) {
  const form = element('form', 'rename-inline');
  const label = element('label', 'visually-hidden', 'New title');
  const input = element('input');
  input.id = `rename-${conversation.id}`;
  label.htmlFor = input.id;
  input.value = conversation.title ?? '';
  input.maxLength = 300;
  input.required = true;
  form.append(label, input);
  const restore = row.replaceChildren.bind(row, ...row.childNodes);
  row.replaceChildren(form);
  input.select();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const title = input.value.trim();
    if (title !== '') save(title);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      restore();
      row.querySelector('button.conversation')?.focus();
    }
  });
  input.addEventListener('blur', () => {
    if (row.contains(form)) restore();
  });
}

/**
 * @param {HTMLElement} container
 * @param {Array<{id: string, title: string | null, updated_at: number}>} conversations newest activity first
 * @param {string | undefined} openId
 * @param {{open: (id: string) => void, rename: (id: string, title: string) => void, remove: (conversation: object) => void}} handlers
 */
export function renderConversationList(container, conversations, openId, handlers) {
  const sections = [];
  let list;
  let current;
  const now = new Date();
  for (const conversation of conversations) {
    const group = dateGroup(conversation.updated_at, now);
    if (group !== current) {
      current = group;
      const section = element('section', 'conversation-group');
      const heading = element('h2', 'group-title', group);
      heading.id = `group-${sections.length}`;
      list = element('ul', 'conversation-items');
      list.setAttribute('aria-labelledby', heading.id);
      section.append(heading, list);
      sections.push(section);
    }
    const title = conversation.title ?? UNTITLED;
    const item = element('li', 'conversation-row');
    const open = button(title, title, () => handlers.open(conversation.id));
    open.className = 'conversation';
    open.title = title;
    open.dataset.id = conversation.id;
    if (conversation.id === openId) open.setAttribute('aria-current', 'page');
    const rename = button('✎', `Rename “${title}”`, () =>
      renameInPlace(item, conversation, (newTitle) => handlers.rename(conversation.id, newTitle)),
    );
    rename.className = 'row-action';
    const remove = button('×', `Delete “${title}”`, () => handlers.remove(conversation));
    remove.className = 'row-action';
    item.append(open, rename, remove);
    list.append(item);
  }
  if (sections.length === 0) {
    const empty = element('p', 'list-empty', 'No conversations yet.');
    container.replaceChildren(empty);
  } else container.replaceChildren(...sections);
}
