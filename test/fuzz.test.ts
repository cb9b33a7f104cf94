/**
 * Generated input over every route: random bodies, path parameters and query strings (a seeded
 * generator, so a failure replays). Whatever arrives, the answer is a 2xx or a 4xx in the
 * surface's JSON shape — never a 5xx, never HTML.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WEB_ASSET_PREFIX, WEB_PAGES } from '../src/http/web/web-routes.ts';
import type { ChatModel } from '../src/providers/spec.ts';
import { buildTestApp } from './support/test-app.ts';

/** mulberry32: a small seeded generator. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const echo: ChatModel = {
  provider: 'echo',
  modelId: 'echo',
  async doGenerate() {
    return { text: 'ok', finishReason: 'stop' };
  },
  async *doStream() {
    yield { type: 'text-delta', delta: 'ok' };
    yield { type: 'finish', finishReason: 'stop' };
  },
};

const FIELD_NAMES = [
  'msg',
  'model',
  'stream',
  'parent_id',
  'conversation_id',
  'action',
  'title',
  'input',
  'instructions',
  'previous_response_id',
  'conversation',
  'store',
  'metadata',
  'max_output_tokens',
  'temperature',
  'top_p',
  'messages',
  'items',
  'role',
  'content',
  'type',
  'name',
  'limits',
  'models',
  'expires_at',
  'tools',
  'n',
  '__proto__',
  'constructor',
  'stream_options',
  'response_format',
  'tool_choice',
  'user',
  'text',
];

function randomValue(random: () => number, depth = 0): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 7 : 10));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return [0, -1, 1.5, 1e308, -1e308, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 0.1][Math.floor(random() * 8)];
    case 3:
      return [
        '',
        'x',
        'user',
        'assistant',
        'message',
        'input_text',
        '\u0000',
        '😀'.repeat(50),
        'a'.repeat(5000),
      ][Math.floor(random() * 9)];
    case 4:
      return crypto.randomUUID();
    case 5:
      return `resp_${'0'.repeat(32)}`;
    case 6:
      return 'conv_abc';
    case 7:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
    default: {
      // No prototype: a `__proto__` key is then a plain key that reaches the JSON text.
      const object: Record<string, unknown> = Object.create(null);
      const fields = Math.floor(random() * 5);
      for (let index = 0; index < fields; index += 1) {
        object[FIELD_NAMES[Math.floor(random() * FIELD_NAMES.length)] ?? 'x'] = randomValue(
          random,
          depth + 1,
        );
      }
      return object;
    }
  }
}

const PATH_VALUES = [
  'x',
  crypto.randomUUID(),
  `conv_${'a'.repeat(32)}`,
  `resp_${'b'.repeat(32)}`,
  `msg_${'c'.repeat(32)}`,
  '%00',
  '..%2F..',
  'a'.repeat(300),
];

describe('generated input over every route', () => {
  let parley: Awaited<ReturnType<typeof buildTestApp>>;
  before(async () => {
    parley = await buildTestApp({
      models: { defaultModel: 'echo', setupAdvice: '', resolve: () => echo },
    });
  });
  after(async () => {
    await parley.app.close();
    await parley.store.close();
  });

  it('answers 2xx or a 4xx in JSON, never a 5xx, for 40 random requests per route', async () => {
    const random = generator(20261125);
    assert.ok(parley.routes.length >= 35, `found ${parley.routes.length} routes`);
    const failures: string[] = [];
    // The API reference at /docs is HTML by design, and so are the web UI's files (`/`, `/ui/*`,
    // which still must not fail); everything else answers JSON (or a stream).
    const apiRoutes = parley.routes.filter((route) => !route.url.startsWith('/docs'));
    const isWebUi = (url: string) => url in WEB_PAGES || url.startsWith(WEB_ASSET_PREFIX);
    for (const route of apiRoutes) {
      for (let attempt = 0; attempt < 40; attempt += 1) {
        const url = route.url.replace(
          /:(\w+)/g,
          () => PATH_VALUES[Math.floor(random() * PATH_VALUES.length)] ?? 'x',
        );
        const query =
          random() < 0.5
            ? ''
            : `?limit=${JSON.stringify(randomValue(random))}&after=${JSON.stringify(randomValue(random))}&order=${JSON.stringify(randomValue(random))}`;
        const sendsBody = route.method !== 'GET' && route.method !== 'DELETE';
        const body = random() < 0.1 ? '{"unterminated": ' : JSON.stringify(randomValue(random));
        const response = await parley.app.inject({
          method: route.method as 'GET',
          url: encodeURI(url) + encodeURI(query),
          ...(sendsBody ? { payload: body, headers: { 'content-type': 'application/json' } } : {}),
        });
        const type = response.headers['content-type'] ?? '';
        const jsonOrStream =
          /application\/json|text\/event-stream|text\/plain/.test(String(type)) || isWebUi(route.url);
        if (response.statusCode >= 500 || !jsonOrStream) {
          failures.push(
            `${route.method} ${url}${query} ${body.slice(0, 120)} → ${response.statusCode} ${response.body.slice(0, 200)}`,
          );
        }
      }
    }
    assert.deepEqual(failures, []);
  });
});
