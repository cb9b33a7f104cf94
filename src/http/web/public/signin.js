/**
 * The sign-in page: a name and password form, a single sign-on button when the server has one,
 * and — while no user exists and the page is opened on the server's own machine — the form that
 * creates the first admin. Once signed in, back to the page that sent the person here.
 */

import { call, nextPage } from './people-api.js';

const byId = (id) => document.getElementById(id);
const ui = {
  error: byId('signin-error'),
  signin: byId('signin-form'),
  setup: byId('setup-form'),
  elsewhere: byId('setup-elsewhere'),
  sso: byId('signin-sso'),
  keySection: byId('key-section'),
  keyForm: byId('key-signin-form'),
};

/** Where the chat page keeps an API key (see api.js). */
const KEY_STORAGE = 'parley.apiKey';

function showError(message) {
  ui.error.textContent = message;
  ui.error.hidden = message === '';
}

async function signIn(name, password) {
  await call('POST', '/api/session', { name, password });
  location.assign(nextPage());
}

ui.signin.addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  const form = new FormData(ui.signin);
  try {
    await signIn(String(form.get('name')), String(form.get('password')));
  } catch (error) {
    showError(error.status === 429 ? `${error.message}.` : error.message);
  }
});

// A key is checked before it is kept: a refused one is said so here.
ui.keyForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  const key = String(new FormData(ui.keyForm).get('key')).trim();
  const response = await fetch('/api/me', { headers: { authorization: `Bearer ${key}` } });
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    return showError(`The API key was refused: ${body?.error?.message ?? response.status}`);
  }
  localStorage.setItem(KEY_STORAGE, key);
  location.assign(nextPage());
});

ui.setup.addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  const form = new FormData(ui.setup);
  const name = String(form.get('name'));
  const password = String(form.get('password'));
  if (password !== String(form.get('confirm'))) return showError('The two passwords differ.');
  try {
    await call('POST', '/api/users', { name, password, role: 'admin' });
    await signIn(name, password);
  } catch (error) {
    showError(error.message);
  }
});

async function start() {
  try {
    const state = await call('GET', '/api/session');
    if (state.user !== null) return location.assign(nextPage());
    if (state.setup_needed) {
      ui.setup.hidden = !state.setup_allowed;
      ui.elsewhere.hidden = state.setup_allowed;
      return;
    }
    ui.signin.hidden = false;
    ui.keySection.hidden = false;
    if (state.single_sign_on !== null) {
      ui.sso.textContent = `Sign in with ${state.single_sign_on.label}`;
      ui.sso.href = `${state.single_sign_on.start_url}?next=${encodeURIComponent(nextPage())}`;
      ui.sso.hidden = false;
    }
    const failure = new URLSearchParams(location.search).get('error');
    if (failure !== null) showError(failure);
  } catch (error) {
    showError(error.message);
  }
}

void start();
