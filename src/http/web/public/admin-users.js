/** The admin page's users tab: the list, creating a user, role, disable/enable, password reset. */

import { actionButton, row, when } from './admin-format.js';
import { call } from './people-api.js';

/**
 * @param {{ me: { id: string }, report: (error: unknown) => void, showKeys: (userId: string) => void,
 *   changed: () => Promise<void> }} context
 */
export function usersTab(context) {
  const table = document.querySelector('#users-table tbody');
  const form = document.getElementById('user-form');
  const dialog = document.getElementById('password-dialog');
  const passwordForm = document.getElementById('password-form');
  let resetting = null;

  const patch = async (user, change) => {
    try {
      await call('PATCH', `/api/users/${user.id}`, change);
      await context.changed();
    } catch (error) {
      context.report(error);
    }
  };

  function render(users) {
    table.replaceChildren(
      ...users.map((user) => {
        const self = user.id === context.me.id;
        const role = document.createElement('select');
        role.setAttribute('aria-label', `Role of ${user.name}`);
        for (const name of ['user', 'admin']) role.add(new Option(name, name, false, user.role === name));
        role.disabled = self;
        role.addEventListener('change', () => patch(user, { role: role.value }));
        const actions = document.createElement('span');
        actions.className = 'row-actions';
        actions.append(
          actionButton('Keys', () => context.showKeys(user.id)),
          actionButton('Reset password', () => {
            resetting = user;
            passwordForm.reset();
            dialog.showModal();
          }),
        );
        if (!self)
          actions.append(
            actionButton(user.disabled ? 'Enable' : 'Disable', () =>
              patch(user, { disabled: !user.disabled }),
            ),
          );
        const tr = row([
          user.name,
          role,
          user.disabled ? 'disabled' : 'active',
          [user.has_password ? 'password' : null, user.single_sign_on ? 'single sign-on' : null]
            .filter((way) => way !== null)
            .join(', ') || 'keys only',
          when(user.created_at),
          actions,
        ]);
        tr.dataset.user = user.name;
        if (user.disabled) tr.classList.add('disabled');
        return tr;
      }),
    );
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const password = String(data.get('password'));
    try {
      await call('POST', '/api/users', {
        name: String(data.get('name')),
        role: String(data.get('role')),
        ...(password === '' ? {} : { password }),
      });
      form.reset();
      await context.changed();
    } catch (error) {
      context.report(error);
    }
  });

  passwordForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const save = event.submitter?.value === 'save';
    dialog.close();
    if (!save || resetting === null) return;
    await patch(resetting, { password: String(new FormData(passwordForm).get('password')) });
  });

  return { render };
}
