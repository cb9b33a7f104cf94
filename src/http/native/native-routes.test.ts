/** The native API in process: search (scoped per key), and what later native features add. */

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { buildTestApp } from '../../../test/support/test-app.ts';

const ADMIN = 'sk-admin-native-0123456789abcdef';
type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

describe('native API', () => {
  let parley: TestApp;
  beforeEach(async () => {
    parley = await buildTestApp({ env: { PARLEY_ADMIN_KEY: ADMIN } });
  });
  afterEach(async () => {
    await parley.app.close();
    await parley.store.close();
  });

  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const newKey = async (name: string) => {
    const response = await parley.app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: as(ADMIN),
      payload: { name },
    });
    return (response.json() as { key: string }).key;
  };
  const ask = async (key: string, msg: string) => {
    const response = await parley.app.inject({
      method: 'POST',
      url: '/ask',
      headers: as(key),
      payload: { msg },
    });
    assert.equal(response.statusCode, 200, response.body);
    return (response.json() as { data: { parent_id: string; conversation_id: string } }).data;
  };

  it('searches the caller’s titles and messages with highlighted snippets, nobody else’s', async () => {
    const alice = await newKey('alice');
    const bob = await newKey('bob');
    parley.scripts.push(
      { deltas: ['Octopuses have three hearts.'] },
      { deltas: ['Rice needs water.'] },
      { deltas: ['x'] },
    );
    const octopus = await ask(alice, 'Tell me about the octopus');
    await ask(alice, 'How to cook rice');
    await ask(bob, 'octopus facts please');

    const response = await parley.app.inject({
      method: 'GET',
      url: '/api/search?q=octop',
      headers: as(alice),
    });
    assert.equal(response.statusCode, 200);
    const hits = (
      response.json() as {
        data: { kind: string; conversation_id: string; snippet: string; role: string | null }[];
      }
    ).data;
    assert.ok(hits.length >= 2);
    assert.ok(hits.every((hit) => hit.conversation_id === octopus.conversation_id));
    assert.ok(hits.some((hit) => hit.kind === 'title' && hit.snippet.includes('<mark>octopus</mark>')));
    assert.ok(hits.some((hit) => hit.role === 'assistant' && hit.snippet.includes('<mark>Octopuses</mark>')));

    const none = await parley.app.inject({
      method: 'GET',
      url: '/api/search?q=rice%20octopus',
      headers: as(bob),
    });
    assert.deepEqual((none.json() as { data: unknown[] }).data, []);
    const empty = await parley.app.inject({ method: 'GET', url: '/api/search?q=', headers: as(alice) });
    assert.equal(empty.statusCode, 400);
  });
});
