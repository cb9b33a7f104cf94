/** Keys with limits on a running server, and asking with them (for the limits' end-to-end tests). */

import assert from 'node:assert/strict';
import type { ServerProcess } from './server-process.ts';

/** Creates a user key with these limits (snake_case, as the API takes them) and returns its secret. */
export async function createLimitedKey(
  server: ServerProcess,
  adminKey: string,
  limits: Record<string, number>,
): Promise<string> {
  const response = await fetch(`${server.baseUrl}/api/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'limited', limits }),
  });
  assert.equal(response.status, 201);
  return ((await response.json()) as { key: string }).key;
}

/** `POST /ask` with a key; `signal` aborts it. */
export const askWithKey = (
  server: ServerProcess,
  key: string,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Response> =>
  fetch(`${server.baseUrl}/ask`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
