/** Small formatting and DOM helpers of the admin page (text always as text, never as HTML). */

/** A table row of cells; a cell is text, or a node (buttons, a select). */
export function row(cells) {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = document.createElement('td');
    if (cell instanceof Node) td.append(cell);
    else td.textContent = cell;
    tr.append(td);
  }
  return tr;
}

export function actionButton(label, onClick, className = '') {
  const node = document.createElement('button');
  node.type = 'button';
  node.textContent = label;
  if (className !== '') node.className = className;
  node.addEventListener('click', onClick);
  return node;
}

/** A Unix time in seconds as a local date and time; '—' for none. */
export function when(seconds) {
  return seconds === null || seconds === undefined ? '—' : new Date(seconds * 1000).toLocaleString();
}

/** A key's limits as `name=value` pairs; '—' for none. */
export function limitsText(limits) {
  const set = Object.entries(limits).filter(([, value]) => value !== null);
  return set.length === 0
    ? '—'
    : set.map(([name, value]) => `${name.replaceAll('_', ' ')}: ${value}`).join(', ');
}

/** The limits a form names (empty fields left out). */
export function limitsOf(form, names) {
  const limits = {};
  for (const name of names) {
    const value = String(form.get(name) ?? '').trim();
    if (value !== '') limits[name] = Number(value);
  }
  return limits;
}

/** A comma-separated list of models, or null (all) when empty. */
export function modelsOf(text) {
  const models = String(text ?? '')
    .split(',')
    .map((model) => model.trim())
    .filter((model) => model !== '');
  return models.length === 0 ? null : models;
}

export const LIMIT_NAMES = [
  'requests_per_minute',
  'tokens_per_minute',
  'tokens_per_day',
  'budget_per_day',
  'concurrent_streams',
];
