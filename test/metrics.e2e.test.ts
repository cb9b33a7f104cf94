/**
 * `/metrics` cannot be grown or read by any client: model names a client makes up are counted as
 * `other` (3,000 requests used to add 9,000 series), and once keys exist only an admin reads it,
 * unless `PARLEY_METRICS_PORT` serves it on a listener of its own.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLimitedKey } from './support/limited-keys.ts';
import { freePort } from './support/nginx.ts';
import { useServer } from './support/server-fixture.ts';

const ADMIN_KEY = 'sk-admin-metrics-0123456789abcdef';

describe('metrics', () => {
  let metricsPort = 0;
  const fixture = useServer(async () => {
    metricsPort = await freePort();
    return { PARLEY_ADMIN_KEY: ADMIN_KEY, PARLEY_METRICS_PORT: String(metricsPort) };
  });

  const adminMetrics = async () =>
    (
      await fetch(`${fixture.server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
    ).text();

  test('model names a client makes up are labelled other; the configured one keeps its name', async () => {
    const sizeBefore = (await adminMetrics()).length;
    const asked = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        fetch(`${fixture.server.baseUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: index === 0 ? 'fake-model' : `made-up-${index}-${Math.random()}`,
            messages: [{ role: 'user', content: 'hi' }],
            stream: index % 2 === 0,
          }),
        }).then(async (response) => {
          await response.text();
          return response.status;
        }),
      ),
    );
    assert.ok(
      asked.every((status) => status === 200),
      asked.join(),
    );
    const text = await adminMetrics();
    assert.doesNotMatch(text, /made-up-/);
    assert.match(text, /parley_generations_total\{model="other",provider="[^"]+",status="completed"\} 59/);
    assert.match(
      text,
      /parley_generations_total\{model="fake-model",provider="[^"]+",status="completed"\} 1/,
    );
    // A few counters more, not a series per request.
    assert.ok(text.length - sizeBefore < 10_000, `grew by ${text.length - sizeBefore} bytes`);
  });

  test('once keys exist, /metrics needs an admin key', async () => {
    const anonymous = await fetch(`${fixture.server.baseUrl}/metrics`);
    assert.equal(anonymous.status, 401);
    const userKey = await createLimitedKey(fixture.server, ADMIN_KEY, {});
    const user = await fetch(`${fixture.server.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${userKey}` },
    });
    assert.equal(user.status, 403);
    assert.doesNotMatch(await user.text(), /parley_/);
    assert.match(await adminMetrics(), /parley_http_requests_total/);
  });

  test('PARLEY_METRICS_PORT serves them without a key, and nothing else', async () => {
    const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(scraped.status, 200);
    assert.match(scraped.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(await scraped.text(), /parley_generations_total/);
    const other = await fetch(`http://127.0.0.1:${metricsPort}/api/conversations`);
    assert.equal(other.status, 404);
    await other.text();
  });
});
