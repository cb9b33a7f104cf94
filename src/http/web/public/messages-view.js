/**
 * Draws the current branch of a conversation: one item per message — a question as its plain
 * text, an answer as its reasoning in a collapsed "Thinking" disclosure (`thinking.js`) above
 * sanitized markdown (drawn as it streams, see `markdown-stream.js`), then its
 * images and files (`message-attachments.js`) — with its time, model and token usage, its status,
 * "‹ 2 / 3 ›" between siblings, and the actions a message allows (copy; edit a question;
 * regenerate or continue an answer).
 */

import { button, element } from './dom.js';
import { renderMarkdown } from './markdown.js';
import { MarkdownStream } from './markdown-stream.js';
import { messageAttachments } from './message-attachments.js';
import { reasoningOf, thinkingDisclosure } from './thinking.js';
import { siblingsOf } from './tree.js';

const ROLE_NAMES = { user: 'You', assistant: 'Assistant', system: 'System', tool: 'Tool' };
const STATUS_NAMES = { in_progress: 'writing…', incomplete: 'incomplete', failed: 'failed' };
const TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const COUNT = new Intl.NumberFormat();

/** "14:05" (the whole date on hover), for a time in seconds since the epoch. */
function timeOf(seconds) {
  const date = new Date(seconds * 1000);
  const node = element('time', 'time', TIME.format(date));
  node.dateTime = date.toISOString();
  node.title = DATE_TIME.format(date);
  return node;
}

/** "12 → 340 tokens" when the provider said. */
function usageOf(usage) {
  if (usage === null || usage === undefined) return undefined;
  const input = usage.input_tokens === null ? '?' : COUNT.format(usage.input_tokens);
  const output = usage.output_tokens === null ? '?' : COUNT.format(usage.output_tokens);
  const node = element('span', 'usage', `${input} → ${output} tokens`);
  node.title = 'Tokens read → tokens written';
  return node;
}

/**
 * Answers already drawn, by id with their text: drawing a branch again (after a stream, a switch, a
 * reload of the conversation) moves these nodes instead of parsing the markdown again.
 */
const drawn = new Map();
const DRAWN_KEPT = 200;

function keepDrawn(id, text, content) {
  if (id === '') return;
  drawn.delete(id);
  drawn.set(id, { text, nodes: [...content.childNodes] });
  if (drawn.size > DRAWN_KEPT) drawn.delete(drawn.keys().next().value);
}

function drawMarkdown(content, id, text) {
  const kept = drawn.get(id);
  if (kept?.text === text) content.replaceChildren(...kept.nodes);
  else {
    content.replaceChildren(renderMarkdown(text));
    keepDrawn(id, text, content);
  }
}

/** Shown in place of an answer before its first words arrive. */
function waitingIndicator() {
  const node = element('span', 'waiting');
  node.setAttribute('role', 'status');
  node.setAttribute('aria-label', 'Waiting for the answer');
  node.append(element('span', 'dot'), element('span', 'dot'), element('span', 'dot'));
  return node;
}

/**
 * One message, drawn. `message` is the API's shape (or a draft with `id` empty); the handle's
 * `show` updates text, reasoning and status in place while an answer streams (`follow` wraps each drawing of
 * it, to keep its end in view), and `keep` files the streamed drawing under the answer's id once
 * it is complete.
 * @param {object} message
 * @param {{follow?: (draw: () => void) => void}} [options]
 */
export function messageItem(message, { follow } = {}) {
  const item = element('li', `message ${message.role}`);
  item.dataset.id = message.id;
  const header = element('div', 'message-header');
  header.append(element('span', 'role', ROLE_NAMES[message.role] ?? message.role));
  const meta = element('span', 'meta');
  if (message.role === 'assistant' && typeof message.model === 'string')
    meta.append(element('span', 'model', message.model));
  if (typeof message.created_at === 'number') meta.append(timeOf(message.created_at));
  const usage = usageOf(message.usage);
  if (usage !== undefined) meta.append(usage);
  const status = element('span', 'status');
  header.append(meta, status);
  const markdown = message.role === 'assistant';
  const content = element('div', markdown ? 'content markdown' : 'content');
  const problem = element('p', 'message-error');
  const thinking = markdown ? thinkingDisclosure() : undefined;
  item.append(header, ...(thinking === undefined ? [] : [thinking.node]), content, problem);
  let stream;
  let streamed = '';
  const show = ({ text, reasoning = '', state, error }) => {
    // Still thinking while reasoning is all that has come.
    thinking?.update(reasoning, state === 'in_progress' && text === '');
    if (!markdown) content.textContent = text;
    else if (state === 'in_progress' && text === '') content.replaceChildren(waitingIndicator());
    else if (state === 'in_progress') {
      stream ??= new MarkdownStream(content, follow);
      stream.update(text);
      streamed = text;
    } else drawMarkdown(content, message.id, text);
    status.textContent = STATUS_NAMES[state] ?? '';
    status.hidden = status.textContent === '';
    item.dataset.status = state;
    // Screen readers announce the answer once it is written, not at every piece.
    item.setAttribute('aria-busy', String(state === 'in_progress'));
    problem.textContent = error ?? '';
    problem.hidden = problem.textContent === '';
  };
  show({
    text: message.content,
    reasoning: reasoningOf(message),
    state: message.status,
    error: message.error,
  });
  /** Once the streamed drawing is complete, files it under the answer's id. */
  const keep = async (id) => {
    if (stream === undefined) return;
    // A hidden tab draws no frames: after a while (or at once when hidden) it is drawn anew instead.
    if (document.hidden) return;
    const timeout = new Promise((resolve) => setTimeout(resolve, 15_000, false));
    if (await Promise.race([stream.drawn().then(() => true), timeout])) keepDrawn(id, streamed, content);
  };
  return { item, show, keep };
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

/** The buttons under a message. */
function messageTools(item, message, { tree, busy, actions }) {
  const tools = element('div', 'message-actions');
  const navigation = siblingNavigation(tree, message, actions, busy);
  if (navigation !== undefined) tools.append(navigation);
  const copy = button('Copy', 'Copy this message', () => actions.copy(message.content, copy));
  tools.append(copy);
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
    if (message.status === 'incomplete' || (message.status === 'failed' && message.content !== '')) {
      const resume = button('Continue', 'Continue this answer', () => actions.resume(message));
      resume.disabled = busy;
      tools.append(resume);
    }
  }
  return tools;
}

/**
 * Replaces the list's items with the branch.
 * @param {HTMLOListElement} list
 * @param {{tree: object, branch: object[], busy: boolean, actions: {switchTo, edit, regenerate, resume, copy, report}}} view
 */
export function renderBranch(list, view) {
  list.replaceChildren();
  for (const message of view.branch) {
    const { item } = messageItem(message);
    const attachments = messageAttachments(message, view.actions.report);
    if (attachments !== undefined) item.querySelector('.content').after(attachments);
    item.append(messageTools(item, message, view));
    list.append(item);
  }
}
