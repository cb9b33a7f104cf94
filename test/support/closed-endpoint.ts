/** A loopback address where nothing listens, for tests of an unreachable host. */

import assert from 'node:assert/strict';
import { createServer } from 'node:net';

/** `http://127.0.0.1:<port>/` on a port just freed: connecting is refused at once. */
export async function closedEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return `http://127.0.0.1:${address.port}/`;
}
