/**
 * Draws the current branch of a conversation: one item per message, its text as text (never as
 * HTML), its status, "‹ 2 / 3 ›" between siblings, and the actions a message allows (edit a
 * question, regenerate or continue an answer).
 */

import { siblingsOf } from './tree.js';

const ROLE_NAMES = { user: 'You', assistant: 'Assistant', system: 'System', tool: 'Tool' };
const STATUS_NAMES = { in_progress: 'writing…', incomplete: 'incomplete', failed: 'failed' };

/** Creates an element with a class and, optionally, text. */
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className !== '') node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, accessibleLabel, onClick) {
  const node = element('button', '', label);
  node.type = 'button';
  if (accessibleLabel !== label) node.setAttribute('aria-label', accessibleLabel);
  node.addEventListener('click', onClick);
  return node;
}

/**
 * One message, drawn. `message` is the API's shape (or a draft with `id` empty); the handle's
 * `show` updates text and status in place while an answer streams.
 */
export function messageItem(message) {
  const item = element('li', `message ${message.role}`);
  item.dataset.id = message.id;
  const header = element('div', 'message-header');
  const model =
    message.role === 'assistant' && typeof message.model === 'string' ? ` · ${message.model}` : '';
  header.append(element('span', 'role', `${ROLE_NAMES[message.role] ?? message.role}${model}`));
  const status = element('span', 'status');
  header.append(status);
  const content = element('div', 'content');
  const problem = element('p', 'message-error');
  item.append(header, content, problem);
  const show = ({ text, state, error }) => {
    content.textContent = text;
    status.textContent = STATUS_NAMES[state] ?? '';
    status.hidden = status.textContent === '';
    item.dataset.status = state;
    // Screen readers announce the answer once it is written, not at every piece.
    item.setAttribute('aria-busy', String(state === 'in_progress'));
    problem.textContent = error ?? '';
    problem.hidden = problem.textContent === '';
  };
  show({ text: message.content, state: message.status, error: message.error });
  return { item, show };
}

/** "‹ 2 / 3 ›" for a message with siblings; nothing for an only child. */
function siblingNavigation(tree, message, actions, disabled) {
  const siblings = siblingsOf(tree, message);
  if (siblings.length < 2) return undefined;
  const index = siblings.findIndex((sibling) => sibling.id === message.id);
  const nav = element('span', 'siblings');
  const previous = button('‹', 'Previous version', () => actions.switchTo(siblings[index - 1]));
  const next = button('›', 'Next version', () => actions.switchTo(siblings[index + 1]));
  previous.disabled = disabled || index === 0;
  next.disabled = disabled || index === siblings.length - 1;
  nav.append(previous, element('span', 'position', `${index + 1} / ${siblings.length}`), next);
  return nav;
}

/** An inline form in place of a question's text: its new text is sent as a sibling question. */
function editForm(message, actions, close) {
  const form = element('form', 'edit-form');
  const label = element('label', 'visually-hidden', 'Edited message');
  const field = element('textarea');
  field.id = `edit-${message.id}`;
  label.htmlFor = field.id;
  field.value = message.content;
  field.required = true;
  field.rows = 3;
  const save = element('button', 'primary', 'Save and send');
  save.type = 'submit';
  const buttons = element('div', 'form-buttons');
  buttons.append(save, button('Cancel', 'Cancel editing', close));
  form.append(label, field, buttons);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (field.value.trim() !== '') actions.edit(message, field.value);
  });
  return form;
}

/**
 * Replaces the list's items with the branch.
 * @param {HTMLOListElement} list
 * @param {{tree: object, branch: object[], busy: boolean, actions: {switchTo, edit, regenerate, resume}}} view
 */
export function renderBranch(list, { tree, branch, busy, actions }) {
  list.replaceChildren();
  for (const message of branch) {
    const { item } = messageItem(message);
    const tools = element('div', 'message-actions');
    const navigation = siblingNavigation(tree, message, actions, busy);
    if (navigation !== undefined) tools.append(navigation);
    if (message.role === 'user') {
      const edit = button('Edit', 'Edit this message', () => {
        const content = item.querySelector('.content');
        const form = editForm(message, actions, () => form.replaceWith(content));
        content.replaceWith(form);
        form.querySelector('textarea').focus();
      });
      edit.disabled = busy;
      tools.append(edit);
    }
    if (message.role === 'assistant' && message.status !== 'in_progress') {
      const regenerate = button('Regenerate', 'Regenerate this answer', () => actions.regenerate(message));
      regenerate.disabled = busy;
      tools.append(regenerate);
      if (message.status === 'incomplete') {
        const resume = button('Continue', 'Continue this answer', () => actions.resume(message));
        resume.disabled = busy;
        tools.append(resume);
      }
    }
    if (tools.childElementCount > 0) item.append(tools);
    list.append(item);
  }
}
