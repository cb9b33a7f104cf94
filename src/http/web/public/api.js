/**
 * Calls Parley's API from the page: JSON in and out, the stored API key as
 * `Authorization: Bearer`, and every failure as an `ApiError` carrying the server's own message
 * (native `{error: {code, message}}`, OpenAI's `{error: {message}}` or the seed's `{msg}`).
 */

const KEY_STORAGE = 'parley.apiKey';

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, or 0 when the server could not be reached
   * @param {string} code the server's error code, when it sent one
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The API key kept in this browser (localStorage), or null. */
export const storedKey = {
  get: () => localStorage.getItem(KEY_STORAGE),
  set: (key) => localStorage.setItem(KEY_STORAGE, key),
  forget: () => localStorage.removeItem(KEY_STORAGE),
};

/**
 * Sends a request; resolves with the response when its status is 2xx, rejects with an ApiError
 * otherwise. `signal` aborts it (the rejection is then the fetch's AbortError).
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body] sent as JSON
 * @param {AbortSignal} [signal]
 */
export async function request(method, path, body, signal) {
  const headers = { accept: 'application/json, text/event-stream' };
  const key = storedKey.get();
  if (key !== null) headers.authorization = `Bearer ${key}`;
  // Signed in with a session cookie: writes carry its CSRF token (from the readable parley_csrf cookie).
  const csrf = /(?:^|;\s*)parley_csrf=([0-9a-f]+)/.exec(document.cookie)?.[1];
  if (csrf !== undefined && method !== 'GET') headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, 'NETWORK', 'Parley could not be reached: check the connection and try again.');
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

/** Like `request`, resolving with the parsed JSON body. */
export async function requestJson(method, path, body) {
  const response = await request(method, path, body);
  return response.json();
}

async function errorOf(response) {
  const fallback = `${response.status} ${response.statusText || 'error'}`;
  let body;
  try {
    body = await response.json();
  } catch {
    return new ApiError(response.status, '', fallback);
  }
  const error = body?.error;
  const message = typeof error?.message === 'string' ? error.message : body?.msg;
  const code = typeof error?.code === 'string' ? error.code : '';
  return new ApiError(response.status, code, typeof message === 'string' ? message : fallback);
}
