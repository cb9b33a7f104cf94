/**
 * Parley's chat page. It talks only to the native API (`/api`) and reads the model list from
 * `/v1/models`: conversations in the sidebar, the open one's current branch, answers streamed as
 * they are written, "‹ 2 / 3 ›" between siblings (a switch is stored as the conversation's
 * `current_node`), regenerate, edit, continue, stop. A 401 asks for an API key.
 */

import { cancelAnswer, readAnswer } from './answer-stream.js';
import { ApiError, request, requestJson, storedKey } from './api.js';
import { renderConversationList, titleFromQuestion, UNTITLED } from './conversation-list.js';
import { messageItem, renderBranch } from './messages-view.js';
import { chosenModel, loadModels } from './model-picker.js';
import { branchTo, indexTree, newestLeafUnder } from './tree.js';

const PAGE_SIZE = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const byId = (id) => document.getElementById(id);
const ui = {
  sidebar: byId('sidebar'),
  toggleSidebar: byId('toggle-sidebar'),
  list: byId('conversation-list'),
  more: byId('more-conversations'),
  newConversation: byId('new-conversation'),
  model: byId('model'),
  forgetKey: byId('forget-key'),
  title: byId('conversation-title'),
  rename: byId('rename'),
  renameForm: byId('rename-form'),
  renameInput: byId('rename-input'),
  renameCancel: byId('rename-cancel'),
  remove: byId('delete'),
  error: byId('error'),
  messages: byId('messages'),
  composer: byId('composer'),
  prompt: byId('prompt'),
  send: byId('send'),
  stop: byId('stop'),
  keyDialog: byId('key-dialog'),
  keyForm: byId('key-form'),
  keyInput: byId('key-input'),
  keyReason: byId('key-reason'),
};

const state = {
  /** The sidebar's page(s) of conversations, newest first. */
  conversations: [],
  hasMore: false,
  /** The open conversation as `GET /api/conversations/:id` returns it; undefined for a new one. */
  open: undefined,
  tree: indexTree([]),
  /** The last message of the branch on screen (null: nothing yet). */
  leafId: null,
  /** While an answer streams: its abort controller, and the answer's id once known. */
  run: undefined,
};

const actions = { switchTo, edit, regenerate, resume, copy: copyText };

// --- errors and the API key -------------------------------------------------------------------

function showError(message) {
  ui.error.textContent = message;
  ui.error.hidden = false;
}

function hideError() {
  ui.error.hidden = true;
  ui.error.textContent = '';
}

/** Shows what went wrong; a 401 asks for a key instead. */
function report(error) {
  if (error instanceof ApiError && error.status === 401) return askForKey(error.message);
  showError(error instanceof Error ? error.message : String(error));
}

function askForKey(reason) {
  const message =
    storedKey.get() === null ? 'This server needs an API key.' : `The API key was refused: ${reason}`;
  showError(message);
  ui.keyReason.textContent = message;
  ui.keyInput.value = '';
  if (!ui.keyDialog.open) ui.keyDialog.showModal();
}

function showKeyState() {
  ui.forgetKey.hidden = storedKey.get() === null;
}

// --- the sidebar --------------------------------------------------------------------------------

function renderList() {
  renderConversationList(ui.list, state.conversations, state.open?.id, (id) => {
    closeSidebarOnNarrowScreens();
    hideError();
    void openConversation(id, { follow: true }).catch(report);
  });
  ui.more.hidden = !state.hasMore;
}

async function loadConversations({ more = false } = {}) {
  const after = more ? `&after=${encodeURIComponent(state.conversations.at(-1)?.id ?? '')}` : '';
  const page = await requestJson('GET', `/api/conversations?limit=${PAGE_SIZE}${after}`);
  state.conversations = more ? [...state.conversations, ...page.data] : page.data;
  state.hasMore = page.has_more;
  renderList();
}

function closeSidebarOnNarrowScreens() {
  ui.sidebar.classList.remove('open');
  ui.toggleSidebar.setAttribute('aria-expanded', 'false');
}

// --- the open conversation --------------------------------------------------------------------

/** True while an answer streams onto the page (its draft is then what the messages show). */
const streaming = () => state.run !== undefined && !state.run.controller.signal.aborted;

/** Stops following the answer on screen (the server goes on writing it): the page moves elsewhere. */
function leaveRun() {
  state.run?.controller.abort('left');
}

function render() {
  const conversation = state.open;
  ui.title.textContent = conversation === undefined ? 'New conversation' : (conversation.title ?? UNTITLED);
  ui.rename.hidden = conversation === undefined;
  ui.remove.hidden = conversation === undefined;
  ui.renameForm.hidden = true;
  ui.title.hidden = false;
  renderList();
  if (streaming()) return;
  renderBranch(ui.messages, {
    tree: state.tree,
    branch: branchTo(state.tree, state.leafId),
    busy: false,
    actions,
  });
}

/** Keeps the newest text in view while an answer grows, unless the reader scrolled up. */
function followEnd(update) {
  const list = ui.messages;
  const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  update();
  if (atEnd) list.scrollTop = list.scrollHeight;
}

function scrollToEnd() {
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function setHash(id) {
  history.replaceState(null, '', id === undefined ? location.pathname : `#${id}`);
}

function showNewConversation() {
  leaveRun();
  state.open = undefined;
  state.tree = indexTree([]);
  state.leafId = null;
  setHash(undefined);
  render();
  ui.prompt.focus();
}

/** The leaf to show: the stored current node, or the newest leaf when that one is gone. */
function leafOf(conversation, tree) {
  if (tree.byId.has(conversation.current_node)) return conversation.current_node;
  return newestLeafUnder(tree, tree.children.get(null)?.at(-1)?.id)?.id ?? null;
}

/**
 * Loads a conversation and shows its current branch. With `follow`, an answer still being written
 * (by another tab, or before a reload) is followed live through its events.
 */
async function openConversation(id, { follow = false } = {}) {
  if (streaming() && state.run.conversationId === id) return;
  leaveRun();
  let conversation;
  try {
    conversation = await requestJson('GET', `/api/conversations/${id}`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    state.conversations = state.conversations.filter((listed) => listed.id !== id);
    showNewConversation();
    showError('That conversation no longer exists.');
    return;
  }
  state.open = conversation;
  state.tree = indexTree(conversation.messages);
  state.leafId = leafOf(conversation, state.tree);
  setHash(id);
  render();
  scrollToEnd();
  const leaf = state.tree.byId.get(state.leafId);
  if (follow && !streaming() && leaf?.role === 'assistant' && leaf.status === 'in_progress') {
    await streamAnswer({
      method: 'GET',
      path: `/api/conversations/${id}/messages/${leaf.id}/events`,
      draftBranch: branchTo(state.tree, leaf.parent_id),
      // The run's events from its first: they hold the whole text it wrote.
      answerId: leaf.id,
    });
  }
}

// --- generating -------------------------------------------------------------------------------

function setBusy(busy) {
  ui.send.disabled = busy;
  ui.stop.hidden = !busy;
}

/**
 * Streams one answer into the page: shows the branch it joins (and the question being sent),
 * then the answer as its `delta` events arrive; finally reloads the conversation from the server,
 * which has the real ids, siblings and status. Stop aborts the request and cancels the answer.
 * Returns false when the request was refused before anything was generated.
 */
async function streamAnswer({
  method = 'POST',
  path,
  body,
  draftBranch,
  question,
  answerId,
  startText = '',
}) {
  const conversationId = state.open.id;
  const run = { controller: new AbortController(), conversationId, answerId };
  state.run = run;
  setBusy(true);
  hideError();
  renderBranch(ui.messages, { tree: state.tree, branch: draftBranch, busy: true, actions });
  if (question !== undefined)
    ui.messages.append(messageItem({ id: '', role: 'user', content: question, status: 'completed' }).item);
  const answer = messageItem(
    { id: '', role: 'assistant', content: startText, status: 'in_progress' },
    { follow: followEnd },
  );
  ui.messages.append(answer.item);
  scrollToEnd();
  let started = false;
  try {
    const response = await request(method, path, body, run.controller.signal);
    started = true;
    const outcome = await readAnswer(response.body, {
      startText,
      onStart: (ids) => {
        run.answerId = ids.message_id;
      },
      onText: (text) => answer.show({ text, state: 'in_progress' }),
    });
    run.answerId ??= outcome.answerId;
    // The drawing made while it streamed is the answer's: the reload below does not parse it again.
    if (outcome.finished && outcome.failure === undefined && run.answerId !== undefined)
      answer.keep(run.answerId);
    if (outcome.failure !== undefined) showError(`The answer failed: ${outcome.failure}`);
    else if (!outcome.finished)
      showError('The connection closed before the answer was finished: open the conversation again.');
  } catch (error) {
    if (!run.controller.signal.aborted) report(error);
  } finally {
    // A run left for another conversation may end after the next one began: clear only its own.
    if (state.run === run) state.run = undefined;
    setBusy(streaming());
  }
  const reason = run.controller.signal.reason;
  if (reason === 'left') return started;
  if (reason === 'stop') await cancelAnswer(conversationId, run.answerId).catch(report);
  await openConversation(conversationId).catch(report);
  return started;
}

async function send(content) {
  if (state.open === undefined) {
    const created = await requestJson('POST', '/api/conversations', { title: titleFromQuestion(content) });
    state.open = { ...created, messages: [] };
    state.conversations.unshift(created);
    setHash(created.id);
    renderList();
  }
  const id = state.open.id;
  return streamAnswer({
    path: `/api/conversations/${id}/messages`,
    // The parent is the message on screen: what you see is what you continue.
    body: { content, parent_id: state.leafId, stream: true, ...chosenModel(ui.model) },
    draftBranch: branchTo(state.tree, state.leafId),
    question: content,
  });
}

function regenerate(answer) {
  void streamAnswer({
    path: `/api/conversations/${state.open.id}/messages/${answer.id}/regenerate`,
    body: { stream: true, ...chosenModel(ui.model) },
    draftBranch: branchTo(state.tree, answer.parent_id),
  });
}

function resume(answer) {
  void streamAnswer({
    path: `/api/conversations/${state.open.id}/messages/${answer.id}/continue`,
    body: { stream: true, ...chosenModel(ui.model) },
    draftBranch: branchTo(state.tree, answer.parent_id),
    startText: answer.content,
  });
}

function edit(question, content) {
  void streamAnswer({
    path: `/api/conversations/${state.open.id}/messages/${question.id}/edit`,
    body: { content, stream: true, ...chosenModel(ui.model) },
    draftBranch: branchTo(state.tree, question.parent_id),
    question: content,
  });
}

/** Shows a sibling's branch down to its newest leaf, and stores it as the current branch. */
async function switchTo(sibling) {
  const leaf = newestLeafUnder(state.tree, sibling.id);
  if (leaf === undefined) return;
  state.leafId = leaf.id;
  render();
  try {
    const updated = await requestJson('PATCH', `/api/conversations/${state.open.id}`, {
      current_node: leaf.id,
    });
    state.open = { ...state.open, current_node: updated.current_node };
  } catch (error) {
    report(error);
  }
}

/** Copies text, and says so on the button for a moment. */
function copyText(text, control) {
  navigator.clipboard.writeText(text).then(
    () => {
      const label = control.textContent;
      control.textContent = 'Copied';
      setTimeout(() => {
        control.textContent = label;
      }, 1500);
    },
    () => showError('The browser did not allow copying.'),
  );
}

// --- wiring -----------------------------------------------------------------------------------

// A code block's Copy button (drawn inside sanitized markdown, so it has no listener of its own).
ui.messages.addEventListener('click', (event) => {
  const control = event.target instanceof Element ? event.target.closest('button.copy-code') : null;
  const code = control?.closest('.code-block')?.querySelector('pre');
  if (code !== undefined && code !== null) copyText(code.textContent, control);
});

ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const content = ui.prompt.value;
  if (content.trim() === '' || streaming()) return;
  ui.prompt.value = '';
  send(content)
    .then((started) => {
      // Refused before anything was written (no key, no provider): keep the text to send again.
      if (!started && ui.prompt.value === '') ui.prompt.value = content;
    })
    .catch((error) => {
      if (ui.prompt.value === '') ui.prompt.value = content;
      report(error);
    });
});

// Enter sends, Shift+Enter starts a new line.
ui.prompt.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.composer.requestSubmit();
  }
});

ui.stop.addEventListener('click', () => state.run?.controller.abort('stop'));

ui.newConversation.addEventListener('click', () => {
  closeSidebarOnNarrowScreens();
  hideError();
  showNewConversation();
});

ui.more.addEventListener('click', () => void loadConversations({ more: true }).catch(report));

ui.toggleSidebar.addEventListener('click', () => {
  const open = ui.sidebar.classList.toggle('open');
  ui.toggleSidebar.setAttribute('aria-expanded', String(open));
});

ui.rename.addEventListener('click', () => {
  ui.renameInput.value = state.open?.title ?? '';
  ui.title.hidden = true;
  ui.rename.hidden = true;
  ui.remove.hidden = true;
  ui.renameForm.hidden = false;
  ui.renameInput.select();
});

ui.renameCancel.addEventListener('click', () => render());

ui.renameForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const title = ui.renameInput.value.trim();
  if (title === '' || state.open === undefined) return;
  const id = state.open.id;
  requestJson('PATCH', `/api/conversations/${id}`, { title })
    .then((updated) => {
      if (state.open?.id === id) state.open = { ...state.open, title: updated.title };
      state.conversations = state.conversations.map((listed) => (listed.id === id ? updated : listed));
      render();
    })
    .catch(report);
});

ui.remove.addEventListener('click', () => {
  const conversation = state.open;
  if (conversation === undefined) return;
  if (!window.confirm(`Delete “${conversation.title ?? UNTITLED}”? This cannot be undone here.`)) return;
  requestJson('DELETE', `/api/conversations/${conversation.id}`)
    .then(() => {
      state.conversations = state.conversations.filter((listed) => listed.id !== conversation.id);
      showNewConversation();
    })
    .catch(report);
});

ui.keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = ui.keyInput.value.trim();
  if (key === '') return;
  storedKey.set(key);
  ui.keyDialog.close();
  void start();
});

ui.forgetKey.addEventListener('click', () => {
  storedKey.forget();
  state.conversations = [];
  showNewConversation();
  void start();
});

// A conversation's address typed or pasted in this tab opens it.
window.addEventListener('hashchange', () => {
  const id = location.hash.slice(1);
  if (UUID.test(id) && id !== state.open?.id) {
    hideError();
    void openConversation(id, { follow: true }).catch(report);
  }
});

/** Loads the models, the list and the conversation named in the address, asking for a key if needed. */
async function start() {
  hideError();
  showKeyState();
  try {
    await Promise.all([loadModels(ui.model), loadConversations()]);
    const id = location.hash.slice(1);
    if (UUID.test(id)) await openConversation(id, { follow: true });
    else render();
  } catch (error) {
    report(error);
  }
}

void start();
