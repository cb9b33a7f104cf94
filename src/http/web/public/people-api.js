/**
 * The sign-in and admin pages' calls to Parley's API: JSON in and out, the session cookie sent by
 * the browser, and the session's CSRF token (its `parley_csrf` cookie) as `x-csrf-token` on writes.
 * A failure rejects with an Error carrying the server's message and `status`.
 */

/** The session's CSRF token, from its readable cookie; null when signed out. */
export function csrfToken() {
  const match = /(?:^|;\s*)parley_csrf=([0-9a-f]+)/.exec(document.cookie);
  return match === null ? null : match[1];
}

/**
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 */
export async function call(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const token = csrfToken();
  if (method !== 'GET' && token !== null) headers['x-csrf-token'] = token;
  const response = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const data = text === '' ? null : JSON.parse(text);
  if (!response.ok) {
    const error = new Error(data?.error?.message ?? `${response.status} ${response.statusText}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

/** Where to go after signing in: the page that sent the person here, on this site only. */
export function nextPage() {
  const next = new URLSearchParams(location.search).get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}
