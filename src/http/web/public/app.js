/**
 * Parley's chat page. It talks only to the native API (`/api`) and reads the model list from
 * `/v1/models`: conversations in the sidebar, the open one's current branch, answers streamed as
 * they are written, "‹ 2 / 3 ›" between siblings (a switch is stored as the conversation's
 * `current_node`), regenerate, edit, continue, stop. A 401 asks for an API key.
 */

import { showAccountLinks } from './account-links.js';
import { cancelAnswer, readAnswer } from './answer-stream.js';
import { ApiError, request, requestJson, storedKey } from './api.js';
import { setUpAttachments } from './attachments.js';
import { renderConversationList, titleFromQuestion, UNTITLED } from './conversation-list.js';
import { warmUp } from './markdown.js';
import { messageItem, renderBranch } from './messages-view.js';
import { chosenModel, loadModels } from './model-picker.js';
import { setUpSearch } from './search.js';
import { setUpSettings } from './settings.js';
import { reasoningOf } from './thinking.js';
import { download, importFile, today } from './transfer.js';
import { branchTo, indexTree, newestLeafUnder } from './tree.js';
import { renderWelcome } from './welcome.js';

const PAGE_SIZE = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const byId = (id) => document.getElementById(id);
const ui = {
  sidebar: byId('sidebar'),
  toggleSidebar: byId('toggle-sidebar'),
  list: byId('conversation-list'),
  search: byId('search'),
  searchResults: byId('search-results'),
  transferButton: byId('transfer-button'),
  transferMenu: byId('transfer-menu'),
  exportJson: byId('export-json'),
  exportMarkdown: byId('export-markdown'),
  exportConversation: byId('export-conversation'),
  importButton: byId('import'),
  importFile: byId('import-file'),
  notice: byId('notice'),
  settings: byId('settings'),
  welcome: byId('welcome'),
  jump: byId('jump'),
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

const actions = { switchTo, edit, regenerate, resume, copy: copyText, report };

// --- errors and the API key -------------------------------------------------------------------

function showError(message) {
  ui.error.textContent = message;
  ui.error.hidden = false;
}

function hideError() {
  ui.error.hidden = true;
  ui.error.textContent = '';
}

/** Says something went well, for a few seconds. */
function showNotice(message) {
  ui.notice.textContent = message;
  ui.notice.hidden = false;
  clearTimeout(showNotice.timer);
  showNotice.timer = setTimeout(() => {
    ui.notice.hidden = true;
  }, 5000);
}

/** Shows what went wrong; a 401 asks for a key instead. */
function report(error) {
  if (error instanceof ApiError && error.status === 401) return askForKey(error.message);
  showError(error instanceof Error ? error.message : String(error));
}

function askForKey(reason) {
  // Without a key of its own, a person signs in (or, on a new server, creates the first admin).
  if (storedKey.get() === null)
    return location.assign(`/signin?next=${encodeURIComponent(location.pathname + location.hash)}`);
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
  renderConversationList(ui.list, state.conversations, state.open?.id, {
    open: (id) => {
      closeSidebarOnNarrowScreens();
      hideError();
      void openConversation(id, { follow: true }).catch(report);
    },
    rename: (id, title) => void renameConversation(id, title).catch(report),
    remove: (conversation) => deleteConversation(conversation),
  });
  ui.more.hidden = !state.hasMore;
}

async function loadConversations({ more = false } = {}) {
  const after = more ? `&after=${encodeURIComponent(state.conversations.at(-1)?.id ?? '')}` : '';
  const page = await requestJson('GET', `/api/conversations?order_by=updated&limit=${PAGE_SIZE}${after}`);
  state.conversations = more ? [...state.conversations, ...page.data] : page.data;
  state.hasMore = page.has_more;
  renderList();
}

/** Moves a conversation to the top of the list: it was just active. */
function touchConversation(id) {
  const index = state.conversations.findIndex((listed) => listed.id === id);
  if (index === -1) return;
  const [conversation] = state.conversations.splice(index, 1);
  state.conversations.unshift({ ...conversation, updated_at: Math.floor(Date.now() / 1000) });
  renderList();
}

async function renameConversation(id, title) {
  const updated = await requestJson('PATCH', `/api/conversations/${id}`, { title });
  if (state.open?.id === id) state.open = { ...state.open, title: updated.title };
  state.conversations = state.conversations.map((listed) => (listed.id === id ? updated : listed));
  render();
}

function deleteConversation(conversation) {
  if (!window.confirm(`Delete “${conversation.title ?? UNTITLED}”? This cannot be undone here.`)) return;
  requestJson('DELETE', `/api/conversations/${conversation.id}`)
    .then(() => {
      state.conversations = state.conversations.filter((listed) => listed.id !== conversation.id);
      if (state.open?.id === conversation.id) showNewConversation();
      else renderList();
    })
    .catch(report);
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
  ui.settings.hidden = conversation === undefined;
  ui.renameForm.hidden = true;
  ui.title.hidden = false;
  renderList();
  if (streaming()) return;
  const branch = branchTo(state.tree, state.leafId);
  renderBranch(ui.messages, { tree: state.tree, branch, busy: false, actions });
  showWelcome(branch.length === 0);
  showJump();
}

/** The welcome (the model, example prompts) in place of an empty conversation. */
function showWelcome(shown) {
  ui.welcome.hidden = !shown;
  if (!shown) return;
  const model =
    ui.model.value || state.open?.model || ui.model.options[1]?.value || 'the server’s default model';
  renderWelcome(ui.welcome, model, (prompt) => {
    ui.prompt.value = prompt;
    ui.prompt.focus();
  });
}

/** "↓ Latest" while the end of the conversation is out of sight. */
function showJump() {
  const list = ui.messages;
  ui.jump.hidden = list.scrollHeight - list.scrollTop - list.clientHeight < 200;
}

/** Keeps the newest text in view while an answer grows, unless the reader scrolled up. */
function followEnd(update) {
  const list = ui.messages;
  const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  update();
  if (atEnd) list.scrollTop = list.scrollHeight;
  else showJump();
}

/** Scrolls a message into view and marks it for a moment. */
function showMessage(id) {
  const item = [...ui.messages.children].find((child) => child.dataset.id === id);
  if (item === undefined) return;
  item.scrollIntoView({ block: 'center' });
  item.classList.add('found');
  setTimeout(() => item.classList.remove('found'), 2500);
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
 * Loads a conversation and shows its current branch, or with `at` the branch through that message
 * (a search hit), scrolled to it. With `follow`, an answer still being written (by another tab, or
 * before a reload) is followed live through its events.
 */
async function openConversation(id, { follow = false, at } = {}) {
  if (streaming() && state.run.conversationId === id && at === undefined) return;
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
  const target = at === undefined ? undefined : state.tree.byId.get(at);
  if (target !== undefined && !branchTo(state.tree, state.leafId).includes(target))
    state.leafId = newestLeafUnder(state.tree, target.id).id;
  setHash(id);
  render();
  if (target === undefined) scrollToEnd();
  else showMessage(target.id);
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
 * then the answer as its `delta` (and `reasoning`) events arrive; finally reloads the conversation from the server,
 * which has the real ids, siblings and status. Stop aborts the request and cancels the answer.
 * Resolves with whether the page left the run for another conversation.
 */
async function streamAnswer({
  method = 'POST',
  path,
  body,
  draftBranch,
  question,
  questionAttachments,
  answerId,
  startText = '',
  startReasoning = '',
}) {
  const conversationId = state.open.id;
  const run = { controller: new AbortController(), conversationId, answerId };
  state.run = run;
  setBusy(true);
  hideError();
  showWelcome(false);
  renderBranch(ui.messages, { tree: state.tree, branch: draftBranch, busy: true, actions });
  if (question !== undefined) {
    const { item } = messageItem({ id: '', role: 'user', content: question, status: 'completed' });
    // The files being sent, drawn from the tray's own previews until the stored message replaces them.
    if (questionAttachments !== undefined) item.querySelector('.content').after(questionAttachments);
    ui.messages.append(item);
  }
  const answer = messageItem(
    {
      id: '',
      role: 'assistant',
      content: startText,
      parts: [{ type: 'reasoning', text: startReasoning }],
      status: 'in_progress',
    },
    { follow: followEnd },
  );
  ui.messages.append(answer.item);
  scrollToEnd();
  try {
    const response = await request(method, path, body, run.controller.signal);
    touchConversation(conversationId);
    const outcome = await readAnswer(response.body, {
      startText,
      startReasoning,
      onStart: (ids) => {
        run.answerId = ids.message_id;
      },
      onText: (text, reasoning) => answer.show({ text, reasoning, state: 'in_progress' }),
    });
    run.answerId ??= outcome.answerId;
    // The drawing made while it streamed is the answer's: the reload below does not parse it again.
    if (outcome.finished && outcome.failure === undefined && run.answerId !== undefined)
      await answer.keep(run.answerId);
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
  if (reason === 'left') return { left: true };
  if (reason === 'stop') await cancelAnswer(conversationId, run.answerId).catch(report);
  await openConversation(conversationId).catch(report);
  return { left: false };
}

/**
 * Sends a question (in a new conversation when none is open); resolves with whether the server
 * stored it. A question refused before it was stored (no provider, no key, a limit) leaves nothing
 * behind: a conversation made for it is deleted again.
 */
async function send(content, parts) {
  let created;
  if (state.open === undefined) {
    created = await requestJson('POST', '/api/conversations', { title: titleFromQuestion(content) });
    state.open = { ...created, messages: [] };
    state.conversations.unshift(created);
    setHash(created.id);
    renderList();
  }
  const known = new Set(state.tree.byId.keys());
  const { left } = await streamAnswer({
    path: `/api/conversations/${state.open.id}/messages`,
    // The parent is the message on screen: what you see is what you continue.
    body: {
      content: parts ?? content,
      parent_id: state.leafId,
      stream: true,
      ...chosenModel(ui.model),
    },
    draftBranch: branchTo(state.tree, state.leafId),
    question: content,
    questionAttachments: attachments.draft(),
  });
  if (left) return true;
  const stored = [...state.tree.byId.values()].some(
    (message) => message.role === 'user' && !known.has(message.id),
  );
  if (!stored && created !== undefined && state.open?.id === created.id) {
    await requestJson('DELETE', `/api/conversations/${created.id}`).catch(() => {});
    state.conversations = state.conversations.filter((listed) => listed.id !== created.id);
    const error = ui.error.textContent;
    showNewConversation();
    if (error !== '') showError(error);
  }
  return stored;
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
    startReasoning: reasoningOf(answer),
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

const attachments = setUpAttachments({
  tray: byId('attachments'),
  picker: byId('attach-file'),
  attach: byId('attach'),
  dropZone: document.querySelector('main.chat'),
  prompt: ui.prompt,
  report: showError,
});

/** The parts of the question when it has attachments (undefined: text alone). */
async function partsOf(content) {
  return attachments.count() === 0 ? undefined : attachments.parts(content);
}

ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const content = ui.prompt.value;
  if (content.trim() === '' || streaming()) return;
  ui.prompt.value = '';
  partsOf(content)
    .then((parts) =>
      send(content, parts).then((stored) => {
        if (stored) attachments.clear();
        return stored;
      }),
    )
    .then((stored) => {
      // Refused before it was stored (no key, no provider): keep the text to send again. A stored
      // question whose answer failed is on screen, to regenerate; sending it again would repeat it.
      if (!stored && ui.prompt.value === '') ui.prompt.value = content;
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

function openSidebar() {
  ui.sidebar.classList.add('open');
  ui.toggleSidebar.setAttribute('aria-expanded', 'true');
}

// Escape stops an answer; Ctrl/Cmd+K searches; Ctrl/Cmd+Shift+O starts a new conversation.
document.addEventListener('keydown', (event) => {
  const command = event.ctrlKey || event.metaKey;
  if (event.key === 'Escape' && streaming() && !ui.keyDialog.open) {
    event.preventDefault();
    state.run.controller.abort('stop');
  } else if (command && !event.shiftKey && event.key.toLowerCase() === 'k') {
    event.preventDefault();
    openSidebar();
    ui.search.focus();
    ui.search.select();
  } else if (command && event.shiftKey && event.key.toLowerCase() === 'o') {
    event.preventDefault();
    search.clear();
    hideError();
    showNewConversation();
  }
});

ui.newConversation.addEventListener('click', () => {
  closeSidebarOnNarrowScreens();
  hideError();
  showNewConversation();
});

ui.messages.addEventListener('scroll', showJump, { passive: true });
ui.jump.addEventListener('click', () => {
  ui.messages.scrollTo({ top: ui.messages.scrollHeight, behavior: 'smooth' });
  ui.prompt.focus();
});
ui.model.addEventListener('change', () => {
  if (!ui.welcome.hidden) showWelcome(true);
});

const settings = setUpSettings(
  {
    dialog: byId('settings-dialog'),
    form: byId('settings-form'),
    systemPrompt: byId('system-prompt'),
    model: byId('settings-model'),
    modelPicker: ui.model,
    temperature: byId('settings-temperature'),
    maxTokens: byId('settings-max-tokens'),
    cancel: byId('settings-cancel'),
  },
  {
    current: () => state.open,
    saved: (updated) => {
      if (state.open?.id === updated.id)
        state.open = { ...state.open, ...updated, messages: state.open.messages };
      showNotice('Settings saved.');
      render();
    },
    report,
  },
);
ui.settings.addEventListener('click', () => settings.open());

const search = setUpSearch({
  input: ui.search,
  results: ui.searchResults,
  list: ui.list,
  open: (conversationId, messageId) => {
    closeSidebarOnNarrowScreens();
    hideError();
    void openConversation(conversationId, { at: messageId ?? undefined }).catch(report);
  },
  report,
});

ui.transferButton.addEventListener('click', () => {
  const open = ui.transferMenu.hidden;
  ui.transferMenu.hidden = !open;
  ui.transferButton.setAttribute('aria-expanded', String(open));
  ui.exportConversation.hidden = state.open === undefined;
});

function closeTransferMenu() {
  ui.transferMenu.hidden = true;
  ui.transferButton.setAttribute('aria-expanded', 'false');
}

ui.exportJson.addEventListener('click', () => {
  closeTransferMenu();
  download('/api/export?format=json', `parley-export-${today()}.json`).catch(report);
});
ui.exportMarkdown.addEventListener('click', () => {
  closeTransferMenu();
  download('/api/export?format=markdown', `parley-export-${today()}.md`).catch(report);
});
ui.exportConversation.addEventListener('click', () => {
  closeTransferMenu();
  if (state.open === undefined) return;
  const name = (state.open.title ?? 'conversation').replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 60);
  download(`/api/conversations/${state.open.id}/export?format=markdown`, `${name}.md`).catch(report);
});
ui.importButton.addEventListener('click', () => ui.importFile.click());
ui.importFile.addEventListener('change', () => {
  const file = ui.importFile.files?.[0];
  ui.importFile.value = '';
  closeTransferMenu();
  if (file === undefined) return;
  importFile(file)
    .then(async (count) => {
      showNotice(`Imported ${count} conversation${count === 1 ? '' : 's'} from ${file.name}.`);
      await loadConversations();
    })
    .catch(report);
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
  renameConversation(state.open.id, title).catch(report);
});

ui.remove.addEventListener('click', () => {
  if (state.open !== undefined) deleteConversation(state.open);
});

ui.keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = ui.keyInput.value.trim();
  if (key === '') return;
  storedKey.set(key);
  ui.keyDialog.close();
  void start();
  // The markdown path compiled while the page is idle (after the first drawing).
  requestIdleCallback(() => warmUp(), { timeout: 3000 });
});

ui.forgetKey.addEventListener('click', () => {
  storedKey.forget();
  state.conversations = [];
  showNewConversation();
  void start();
  // The markdown path compiled while the page is idle (after the first drawing).
  requestIdleCallback(() => warmUp(), { timeout: 3000 });
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
  void showAccountLinks(byId('account'));
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
// The markdown path compiled while the page is idle (after the first drawing).
requestIdleCallback(() => warmUp(), { timeout: 3000 });
