/**
 * The chat page's account corner: who is signed in, a link to the administration page for admins,
 * and signing out for a browser session. Silent where the server is open (the local user).
 */

import { call } from './people-api.js';

/** Fills `container` from `/api/me`; does nothing when that fails (the page reports 401s itself). */
export async function showAccountLinks(container) {
  let me;
  try {
    me = await call('GET', '/api/me');
  } catch {
    return;
  }
  const parts = [];
  if (me.via !== 'local') {
    const who = document.createElement('span');
    who.textContent = me.name;
    parts.push(who);
  }
  if (me.role === 'admin') {
    const admin = document.createElement('a');
    admin.href = '/admin';
    admin.id = 'admin-link';
    admin.className = 'admin-link';
    admin.textContent = 'Admin';
    parts.push(admin);
  }
  if (me.via === 'session') {
    const signOut = document.createElement('button');
    signOut.type = 'button';
    signOut.textContent = 'Sign out';
    signOut.addEventListener('click', async () => {
      await call('DELETE', '/api/session').catch(() => {});
      location.assign('/signin');
    });
    parts.push(signOut);
  }
  container.replaceChildren(...parts);
}
