/** The admin page's audit tab: admin actions, newest first, in pages. */

import { row, when } from './admin-format.js';
import { call } from './people-api.js';

/** @param {{ report: (error: unknown) => void }} context */
export function auditTab(context) {
  const table = document.querySelector('#audit-table tbody');
  const more = document.getElementById('audit-more');
  let oldest = null;

  async function load(append) {
    const page = await call(
      'GET',
      `/api/audit?limit=50${append && oldest !== null ? `&before=${oldest}` : ''}`,
    );
    const rows = page.data.map((entry) =>
      row([
        when(entry.created_at),
        entry.actor_name,
        entry.action,
        entry.target_id === null ? '—' : `${entry.target_type} ${entry.target_id.slice(0, 8)}`,
        entry.details === null ? '—' : JSON.stringify(entry.details),
        entry.address ?? '—',
      ]),
    );
    if (append) table.append(...rows);
    else table.replaceChildren(...rows);
    oldest = page.data.at(-1)?.id ?? oldest;
    more.hidden = !page.has_more;
  }

  more.addEventListener('click', () => load(true).catch(context.report));
  return { load: () => load(false).catch(context.report) };
}
