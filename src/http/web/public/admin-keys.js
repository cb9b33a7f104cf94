/**
 * The admin page's keys tab: one user's keys, creating one (its secret shown once), changing its
 * model allowlist and limits, revoking it.
 */

import { actionButton, LIMIT_NAMES, limitsOf, limitsText, modelsOf, row, when } from './admin-format.js';
import { call } from './people-api.js';

/** @param {{ report: (error: unknown) => void }} context */
export function keysTab(context) {
  const picker = document.getElementById('keys-user');
  const table = document.querySelector('#keys-table tbody');
  const form = document.getElementById('key-create-form');
  const shown = document.getElementById('new-key');
  const secret = document.getElementById('new-key-secret');
  const dialog = document.getElementById('key-edit-dialog');
  const editForm = document.getElementById('key-edit-form');
  let editing = null;

  const stateOf = (key) =>
    key.revoked_at !== null
      ? 'revoked'
      : key.expires_at !== null && key.expires_at * 1000 <= Date.now()
        ? 'expired'
        : 'active';

  async function load() {
    if (picker.value === '') return table.replaceChildren();
    const keys = await call('GET', `/api/keys?user_id=${encodeURIComponent(picker.value)}`);
    table.replaceChildren(
      ...keys.data.map((key) => {
        const state = stateOf(key);
        const actions = document.createElement('span');
        actions.className = 'row-actions';
        if (state === 'active')
          actions.append(
            actionButton('Limits', () => {
              editing = key;
              editForm.reset();
              editForm.elements.models.value = key.models?.join(', ') ?? '';
              for (const name of LIMIT_NAMES) editForm.elements[name].value = key.limits[name] ?? '';
              dialog.showModal();
            }),
            actionButton('Revoke', async () => {
              try {
                await call('DELETE', `/api/keys/${key.id}`);
                await load();
              } catch (error) {
                context.report(error);
              }
            }),
          );
        const tr = row([
          key.name,
          `${key.hint}…`,
          key.models?.join(', ') ?? 'all',
          limitsText(key.limits),
          state,
          when(key.created_at),
          actions,
        ]);
        tr.dataset.key = key.name;
        return tr;
      }),
    );
  }

  picker.addEventListener('change', () => {
    shown.hidden = true;
    load().catch(context.report);
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    try {
      const created = await call('POST', '/api/keys', {
        name: String(data.get('name')),
        user_id: picker.value,
        models: modelsOf(data.get('models')),
        limits: limitsOf(data, LIMIT_NAMES),
      });
      secret.textContent = created.key;
      shown.hidden = false;
      form.reset();
      await load();
    } catch (error) {
      context.report(error);
    }
  });

  document.getElementById('new-key-copy').addEventListener('click', () => {
    void navigator.clipboard?.writeText(secret.textContent ?? '');
  });

  editForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const save = event.submitter?.value === 'save';
    dialog.close();
    if (!save || editing === null) return;
    const data = new FormData(editForm);
    try {
      await call('PATCH', `/api/keys/${editing.id}`, {
        models: modelsOf(data.get('models')),
        limits: limitsOf(data, LIMIT_NAMES),
      });
      await load();
    } catch (error) {
      context.report(error);
    }
  });

  /** Fills the user picker, keeping (or choosing) `selected`. */
  function setUsers(users, selected) {
    const current = selected ?? picker.value;
    picker.replaceChildren(...users.map((user) => new Option(user.name, user.id)));
    if (users.some((user) => user.id === current)) picker.value = current;
    return load();
  }

  return { setUsers };
}
