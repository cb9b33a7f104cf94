/** Small helpers for building the page's elements (text always as text, never as HTML). */

/** Creates an element with a class and, optionally, text. */
export function element(tag, className = '', text) {
  const node = document.createElement(tag);
  if (className !== '') node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A button with its label, an accessible name when it differs, and its click handler. */
export function button(label, accessibleLabel, onClick) {
  const node = element('button', '', label);
  node.type = 'button';
  if (accessibleLabel !== label) node.setAttribute('aria-label', accessibleLabel);
  node.addEventListener('click', onClick);
  return node;
}
