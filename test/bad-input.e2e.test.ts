/**
 * Input that used to give a 500: a NUL character in any text (PostgreSQL cannot store one), an
 * `expires_at` of 1e20, and ids over 100 characters (Fastify's own 414, echoing the URL). Each is a
 * 4xx in its surface's shape. Runs on PostgreSQL (a fresh schema) with PARLEY_TEST_DATABASE_URL,
 * else on SQLite.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { useServer } from './support/server-fixture.ts';

const ADMIN_KEY = 'sk-admin-bad-input-0123456789abcdef';
const databaseUrl = process.env.PARLEY_TEST_DATABASE_URL;
const schema = `parley_bad_input_${Math.random().toString(36).slice(2, 10)}`;

async function onPostgres(statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(statement);
  await admin.end();
}

describe(`bad input is a 4xx, never a 500 (${databaseUrl ? 'PostgreSQL' : 'SQLite'})`, () => {
  before(async () => {
    if (databaseUrl) await onPostgres(`CREATE SCHEMA ${schema}`);
  });
  const fixture = useServer(() => {
    const env: Record<string, string> = { PARLEY_ADMIN_KEY: ADMIN_KEY };
    if (databaseUrl) {
      const separator = databaseUrl.includes('?') ? '&' : '?';
      env.DATABASE_URL = `${databaseUrl}${separator}options=-c%20search_path%3D${schema}`;
    }
    return Promise.resolve(env);
  });
  after(async () => {
    if (databaseUrl) await onPostgres(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${fixture.server.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  test('a NUL character anywhere is a 400 naming the field, in each surface shape', async () => {
    const created = (await (await call('POST', '/api/conversations', { title: 'fine' })).json()) as {
      id: string;
    };
    const cases: { method: string; path: string; body?: unknown; field: RegExp; shape: string }[] = [
      { method: 'POST', path: '/ask', body: { msg: 'hi\u0000there' }, field: /msg/, shape: 'seed' },
      {
        method: 'POST',
        path: '/api/conversations',
        body: { title: 'a\u0000b', system_prompt: 'x' },
        field: /title/,
        shape: 'native',
      },
      {
        method: 'PATCH',
        path: `/api/conversations/${created.id}`,
        body: { system_prompt: 'be\u0000nice' },
        field: /system_prompt/,
        shape: 'native',
      },
      {
        method: 'POST',
        path: '/v1/responses',
        body: { model: 'fake-model', input: [{ role: 'user', content: 'x\u0000' }] },
        field: /input\[0\]\.content/,
        shape: 'openai',
      },
      { method: 'POST', path: '/api/keys', body: { name: 'key\u0000name' }, field: /name/, shape: 'native' },
      { method: 'GET', path: '/api/search?q=a%00b', field: /query string/, shape: 'native' },
      { method: 'GET', path: '/v1/responses/resp_%00', field: /path/, shape: 'openai' },
    ];
    for (const { method, path, body, field, shape } of cases) {
      const answer = await call(method, path, body);
      assert.equal(answer.status, 400, `${method} ${path}`);
      const parsed = (await answer.json()) as {
        msg?: string;
        code?: unknown;
        error?: { message: string; code?: string; type?: string };
      };
      const message = shape === 'seed' ? parsed.msg : parsed.error?.message;
      assert.match(message ?? '', /NUL character/, `${method} ${path}`);
      assert.match(message ?? '', field, `${method} ${path}`);
      if (shape === 'openai') assert.equal(parsed.error?.type, 'invalid_request_error');
      if (shape === 'native') assert.equal(parsed.error?.code, 'BAD_REQUEST');
      if (shape === 'seed') assert.equal(parsed.code, 1);
    }
    // Nothing was stored half-way: the conversation kept its settings.
    const kept = (await (await call('GET', `/api/conversations/${created.id}`)).json()) as {
      system_prompt: string | null;
    };
    assert.equal(kept.system_prompt, null);
  });

  test('an expires_at past year 9999 is a 400', async () => {
    for (const expiresAt of [1e20, 253_402_300_800]) {
      const answer = await call('POST', '/api/keys', { name: 'far future', expires_at: expiresAt });
      assert.equal(answer.status, 400, String(expiresAt));
      assert.match(((await answer.json()) as { error: { message: string } }).error.message, /expires_at/);
    }
  });

  test('ids over 100 characters get each surface its own 404, without the URL', async () => {
    const long = 'z'.repeat(150);
    const seed = await call('GET', `/conversation/${long}`);
    assert.equal(seed.status, 404);
    const seedBody = (await seed.json()) as { code: number; msg: string };
    assert.equal(seedBody.code, 1);
    const native = await call('GET', `/api/conversations/${long}`);
    assert.equal(native.status, 404);
    const nativeBody = (await native.json()) as { error: { code: string; message: string } };
    assert.equal(nativeBody.error.code, 'NOT_FOUND');
    const openai = await call('DELETE', `/v1/responses/${long}`);
    assert.equal(openai.status, 404);
    const openaiBody = (await openai.json()) as { error: { type: string; message: string } };
    assert.equal(openaiBody.error.type, 'not_found_error');
    for (const text of [seedBody.msg, nativeBody.error.message, openaiBody.error.message])
      assert.doesNotMatch(text, /zzzz/);
  });
});
