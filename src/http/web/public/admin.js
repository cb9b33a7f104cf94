/**
 * The administration page: users, their keys, usage and the audit log, on the native API. Open
 * to admins only (anyone else is told so); signed out, it sends the person to the sign-in page.
 */

import { auditTab } from './admin-audit.js';
import { keysTab } from './admin-keys.js';
import { usageTab } from './admin-usage.js';
import { usersTab } from './admin-users.js';
import { call } from './people-api.js';

const byId = (id) => document.getElementById(id);
const errorBox = byId('admin-error');

function report(error) {
  if (error?.status === 401) return location.assign(`/signin?next=${encodeURIComponent('/admin')}`);
  errorBox.textContent = error instanceof Error ? error.message : String(error);
  errorBox.hidden = false;
}

const TABS = ['users', 'keys', 'usage', 'audit'];

async function start() {
  const me = await call('GET', '/api/me');
  byId('admin-who').textContent = `${me.name} (${me.role})`;
  if (me.via === 'session') {
    const signOut = byId('admin-sign-out');
    signOut.hidden = false;
    signOut.addEventListener('click', async () => {
      await call('DELETE', '/api/session').catch(() => {});
      location.assign('/signin');
    });
  }
  if (me.role !== 'admin') {
    byId('admin-denied').hidden = false;
    return;
  }
  byId('admin').hidden = false;

  let names = new Map();
  const keys = keysTab({ report });
  const usage = usageTab({ report });
  const audit = auditTab({ report });
  const show = (name) => {
    errorBox.hidden = true;
    for (const tab of TABS) {
      byId(`tab-${tab}`).setAttribute('aria-selected', String(tab === name));
      byId(`panel-${tab}`).hidden = tab !== name;
    }
    if (name === 'usage') void usage.load(names);
    if (name === 'audit') void audit.load();
  };
  const refresh = async (selectedUser) => {
    const list = await call('GET', '/api/users');
    names = new Map(list.data.map((user) => [user.id, user.name]));
    users.render(list.data);
    await keys.setUsers(list.data, selectedUser);
  };
  const users = usersTab({
    me,
    report,
    showKeys: (userId) => {
      show('keys');
      void refresh(userId).catch(report);
    },
    changed: () => refresh(),
  });
  for (const tab of TABS) byId(`tab-${tab}`).addEventListener('click', () => show(tab));
  usage.onDaysChange(() => void usage.load(names));
  await refresh(me.id ?? undefined);
}

start().catch(report);
