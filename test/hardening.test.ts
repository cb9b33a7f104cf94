/**
 * Attacks on the edge, each sent for real: absurd nesting, prototype poisoning, oversized bodies,
 * cross-site calls (CORS off unless configured), and request fields that try to pick the upstream.
 */

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { createModelRegistry } from '../src/providers/registry.ts';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { buildTestApp } from './support/test-app.ts';

type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

describe('hardening', () => {
  let parley: TestApp | undefined;
  afterEach(async () => {
    await parley?.app.close();
    await parley?.store.close();
    parley = undefined;
  });

  const post = (app: TestApp, url: string, payload: string, headers: Record<string, string> = {}) =>
    app.app.inject({
      method: 'POST',
      url,
      payload,
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('refuses bodies nested deeper than 32 levels, in each surface shape, before any handler', async () => {
    parley = await buildTestApp();
    const deep = `{"msg": ${'['.repeat(40)}${']'.repeat(40)}}`;
    const seed = await post(parley, '/ask', deep);
    assert.equal(seed.statusCode, 400);
    assert.match(seed.json().msg, /deeper than 32 levels/);
    const v1 = await post(parley, '/v1/responses', deep);
    assert.equal(v1.statusCode, 400);
    assert.equal(v1.json().error.type, 'invalid_request_error');
    // Brackets inside strings are text, not nesting.
    parley.scripts.push({ deltas: ['ok'] });
    const quoted = await post(parley, '/ask', JSON.stringify({ msg: '['.repeat(100) }));
    assert.equal(quoted.statusCode, 200);
    assert.equal(parley.calls.length, 1);
  });

  it('refuses prototype poisoning and oversized bodies', async () => {
    parley = await buildTestApp({ env: { PARLEY_BODY_LIMIT_BYTES: '2048' } });
    const poisoned = await post(parley, '/ask', '{"msg": "hi", "__proto__": {"admin": true}}');
    assert.equal(poisoned.statusCode, 400);
    const viaConstructor = await post(
      parley,
      '/ask',
      '{"msg": "hi", "constructor": {"prototype": {"admin": true}}}',
    );
    assert.equal(viaConstructor.statusCode, 400);
    const large = await post(parley, '/ask', JSON.stringify({ msg: 'x'.repeat(4096) }));
    assert.equal(large.statusCode, 413);
    assert.equal(large.json().code, 1);
  });

  it('sends security headers on every answer, streams and errors included', async () => {
    parley = await buildTestApp();
    parley.scripts.push({ deltas: ['ok'] });
    const answers = [
      await parley.app.inject({ method: 'GET', url: '/healthz' }),
      await parley.app.inject({ method: 'GET', url: '/nowhere' }),
      await post(parley, '/ask', JSON.stringify({ msg: 'hi', stream: true })),
    ];
    for (const answer of answers) {
      assert.equal(answer.headers['x-content-type-options'], 'nosniff');
      assert.equal(answer.headers['x-frame-options'], 'DENY');
      assert.equal(answer.headers['referrer-policy'], 'no-referrer');
    }
    assert.match(String(answers[2]?.headers['content-type']), /event-stream/);
  });

  it('sends no CORS headers unless origins are configured, then only to those origins', async () => {
    parley = await buildTestApp();
    const closed = await parley.app.inject({
      method: 'GET',
      url: '/conversations',
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(closed.headers['access-control-allow-origin'], undefined);
    await parley.app.close();
    await parley.store.close();

    parley = await buildTestApp({
      env: {
        PARLEY_CORS_ORIGINS: 'https://chat.example.com',
        PARLEY_ADMIN_KEY: 'sk-admin-cors-0123456789abcdef',
      },
    });
    const preflight = await parley.app.inject({
      method: 'OPTIONS',
      url: '/v1/responses',
      headers: {
        origin: 'https://chat.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    assert.equal(preflight.statusCode, 204, 'a preflight needs no key');
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://chat.example.com');
    const allowed = await parley.app.inject({
      method: 'GET',
      url: '/v1/models',
      headers: { origin: 'https://chat.example.com', authorization: 'Bearer sk-admin-cors-0123456789abcdef' },
    });
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://chat.example.com');
    const other = await parley.app.inject({
      method: 'GET',
      url: '/v1/models',
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  it('no request field can change the upstream Parley connects to', async () => {
    const upstream = await FakeOpenAIUpstream.start();
    try {
      const env = { OPENAI_BASE_URL: upstream.baseUrl, PARLEY_DEFAULT_MODEL: 'm' };
      parley = await buildTestApp({ env, models: createModelRegistry(loadConfig(env)) });
      const seed = await post(
        parley,
        '/ask',
        JSON.stringify({
          msg: 'hi',
          base_url: 'http://127.0.0.1:1/v1',
          api_base: 'http://127.0.0.1:1',
          baseURL: 'x',
        }),
      );
      assert.equal(seed.statusCode, 200, 'the answer came from the configured upstream');
      assert.equal(upstream.requests.length, 1);
      // The seed ignores unknown fields, as the original service did; /v1 names them in a 400.
      const v1 = await post(
        parley,
        '/v1/chat/completions',
        JSON.stringify({
          model: 'm',
          messages: [{ role: 'user', content: 'hi' }],
          base_url: 'http://127.0.0.1:1',
        }),
      );
      assert.equal(v1.statusCode, 400);
      assert.equal(v1.json().error.param, 'base_url');
    } finally {
      await upstream.close();
    }
  });
});
