/**
 * The API reference is complete and true: every operation of `/openapi.json` has a summary, a
 * description and its answers per status (the surface's error shape for errors); every example in
 * it validates against its schema (ajv); request examples of routes without ids work as written on
 * a real app; and real answers validate against the documented schemas, so the documentation-only
 * response schemas cannot drift from what the routes send.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ROUTE_DOCS } from '../src/http/ops/openapi.ts';
import { operationOf, toOpenApiPath } from '../src/http/ops/openapi-route-docs.ts';
import { WEB_ASSET_PREFIX, WEB_PAGES } from '../src/http/web/web-routes.ts';
import { buildTestApp } from './support/test-app.ts';

type Media = { schema?: unknown; example?: unknown; examples?: Record<string, { value: unknown }> };
interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  requestBody?: { content: Record<string, Media> };
  responses?: Record<string, { description: string; content?: Record<string, Media> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

const ERROR_SCHEMA_OF_TAG: Readonly<Record<string, string>> = {
  Seed: '#/components/schemas/SeedError',
  Native: '#/components/schemas/NativeError',
  'OpenAI-compatible': '#/components/schemas/OpenAIError',
};

describe('the OpenAPI document', () => {
  let parley: Awaited<ReturnType<typeof buildTestApp>>;
  let document: Document;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  /** Validates `value` against a schema of the document (its `$ref`s resolved in the document). */
  const check = (schema: unknown, value: unknown, where: string) => {
    const validate = ajv.compile({ components: document.components, ...(schema as object) });
    assert.ok(validate(value), `${where}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`);
  };
  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );

  before(async () => {
    parley = await buildTestApp();
    document = (await parley.app.inject({ method: 'GET', url: '/openapi.json' })).json() as Document;
  });
  after(async () => {
    await parley.app.close();
    await parley.store.close();
  });

  it('describes every route with a summary, a description and answers per status', () => {
    const described = operations();
    // Everything but the web UI's pages and files and the reference itself is an API route.
    const documented = parley.routes.filter(
      (route) =>
        !route.url.startsWith('/docs') &&
        !route.url.startsWith(WEB_ASSET_PREFIX) &&
        !(route.url in WEB_PAGES) &&
        route.url !== '/openapi.json',
    );
    assert.ok(described.length >= 47, `${described.length} operations`);
    for (const route of documented) {
      assert.ok(
        document.paths[toOpenApiPath(route.url)]?.[route.method.toLowerCase()] !== undefined,
        `${route.method} ${route.url} is in the document`,
      );
    }
    for (const { path, method, operation } of described) {
      const name = `${method.toUpperCase()} ${path}`;
      assert.ok((operation.summary ?? '').length > 0, `${name} has a summary`);
      assert.ok((operation.description ?? '').length > 20, `${name} has a description`);
      const statuses = Object.keys(operation.responses ?? {});
      assert.ok(!statuses.includes('default'), `${name} has no "Default Response"`);
      const success = statuses.filter((status) => status.startsWith('2'));
      assert.ok(success.length > 0, `${name} has a 2xx answer`);
      for (const status of success) {
        const content = operation.responses?.[status]?.content ?? {};
        assert.ok(
          Object.values(content).some((media) => media.schema !== undefined),
          `${name} ${status} schema`,
        );
      }
      const errorSchema = ERROR_SCHEMA_OF_TAG[operation.tags?.[0] ?? ''];
      if (errorSchema === undefined) continue;
      for (const status of ['401', '429', '500']) {
        const schema = operation.responses?.[status]?.content?.['application/json']?.schema as {
          $ref?: string;
        };
        assert.equal(schema?.$ref, errorSchema, `${name} ${status} is the surface's error`);
      }
    }
    // Creates answer 201, and say so.
    for (const created of ['/api/conversations', '/api/import', '/api/keys'])
      assert.ok(document.paths[created]?.post?.responses?.['201'] !== undefined, `${created} answers 201`);
    // No docs for a route that does not exist.
    for (const key of Object.keys(ROUTE_DOCS))
      assert.ok(operationOf(document as never, key) !== undefined, `${key} names a route`);
  });

  it('describes the streaming routes: their events as text/event-stream', () => {
    for (const [path, method] of [
      ['/ask', 'post'],
      ['/v1/chat/completions', 'post'],
      ['/v1/responses', 'post'],
      ['/v1/responses/{id}', 'get'],
      ['/api/conversations/{id}/messages', 'post'],
      ['/api/conversations/{id}/messages/{messageId}/events', 'get'],
    ] as const) {
      const operation = document.paths[path]?.[method];
      assert.ok(operation?.responses?.['200']?.content?.['text/event-stream']?.schema !== undefined, path);
      assert.match(operation?.description ?? '', /\*\*Streaming\.\*\*.*(end|DONE)/s, path);
    }
  });

  it('holds only examples that validate against their schemas', () => {
    let checked = 0;
    for (const { path, method, operation } of operations()) {
      const name = `${method.toUpperCase()} ${path}`;
      for (const media of Object.values(operation.requestBody?.content ?? {})) {
        for (const [exampleName, example] of Object.entries(media.examples ?? {})) {
          check(media.schema, example.value, `${name} request example "${exampleName}"`);
          checked++;
        }
      }
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (media.example === undefined || type === 'text/event-stream') continue;
          check(media.schema, media.example, `${name} ${status} ${type} example`);
          checked++;
        }
      }
    }
    for (const [key, doc] of Object.entries(ROUTE_DOCS)) {
      for (const event of doc.stream?.eventExamples ?? []) {
        check(doc.stream?.schema, event, `${key} event example`);
        checked++;
      }
    }
    assert.ok(checked > 100, `${checked} examples checked`);
  });

  it('has request examples that work as written (routes without ids), answered as documented', async () => {
    let sent = 0;
    for (const { path, method, operation } of operations()) {
      // Routes on ids need objects made first; changing one's password needs a signed-in user.
      if (path.includes('{') || path === '/api/me/password') continue;
      const examples = operation.requestBody?.content['application/json']?.examples ?? {};
      for (const [name, example] of Object.entries(examples)) {
        // A fresh app each: a created key turns authentication on for what follows.
        const fresh = await buildTestApp();
        try {
          // Signing in needs the user the example names (made as the docs say: the first admin).
          if (path === '/api/session')
            await fresh.app.inject({
              method: 'POST',
              url: '/api/users',
              payload: { ...(example.value as object), role: 'admin' },
            });
          const response = await fresh.app.inject({
            method: method.toUpperCase(),
            url: path,
            payload: example.value as object,
          });
          const status = String(response.statusCode);
          assert.match(status, /^2/, `${method.toUpperCase()} ${path} "${name}": ${response.body}`);
          const media = operation.responses?.[status]?.content;
          if (String(response.headers['content-type']).startsWith('application/json'))
            check(media?.['application/json']?.schema, response.json(), `${path} "${name}" answer`);
          else assert.match(String(response.headers['content-type']), /^text\/event-stream/);
          sent++;
        } finally {
          await fresh.app.close();
          await fresh.store.close();
        }
      }
    }
    assert.ok(sent >= 10, `${sent} examples sent`);
  });

  it('documents what the routes really answer, errors included', async () => {
    const call = async (method: string, url: string, payload?: object) => {
      const response = await parley.app.inject({
        method,
        url,
        ...(payload === undefined ? {} : { payload }),
      });
      const route = Object.keys(document.paths).find((path) =>
        new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`).test(url.split('?')[0] ?? ''),
      );
      const media =
        document.paths[route ?? '']?.[method.toLowerCase()]?.responses?.[String(response.statusCode)]
          ?.content?.['application/json'];
      assert.ok(media !== undefined, `${method} ${url} → ${response.statusCode} is documented`);
      check(media.schema, response.json(), `${method} ${url} → ${response.statusCode}`);
      return response.json() as Record<string, unknown>;
    };
    const asked = (await call('POST', '/ask', { msg: 'Plan a day in Oslo' })) as {
      data: { conversation_id: string; parent_id: string };
    };
    const conversation = asked.data.conversation_id;
    await call('GET', `/conversation/${conversation}`);
    await call('GET', '/conversations');
    await call('POST', `/conversation/${conversation}/title`, { title: 'Trip' });
    await call('GET', '/api/conversations');
    await call('GET', `/api/conversations/${conversation}`);
    await call('PATCH', `/api/conversations/${conversation}`, { system_prompt: 'Be brief.' });
    const posted = (await call('POST', `/api/conversations/${conversation}/messages`, {
      content: 'And Bergen?',
    })) as {
      message: { id: string };
    };
    await call('POST', `/api/conversations/${conversation}/messages/${posted.message.id}/regenerate`, {});
    await call('POST', `/api/conversations/${conversation}/messages/${posted.message.id}/cancel`);
    await call('POST', `/api/conversations/${conversation}/fork`, { message_id: posted.message.id });
    await call('GET', '/api/search?q=oslo%20trip');
    await call('GET', `/api/conversations/${conversation}/export`);
    await call('GET', '/api/export');
    await call('GET', '/api/usage');
    await call('GET', '/api/keys');
    await call('GET', '/v1/models');
    const response = (await call('POST', '/v1/responses', { input: 'Plan a day in Oslo' })) as { id: string };
    await call('GET', `/v1/responses/${response.id}`);
    await call('GET', `/v1/responses/${response.id}/input_items`);
    const created = (await call('POST', '/v1/conversations', {})) as { id: string };
    await call('POST', `/v1/conversations/${created.id}/items`, {
      items: [{ type: 'message', role: 'user', content: 'Plan a day in Oslo' }],
    });
    await call('GET', `/v1/conversations/${created.id}/items`);
    await call('GET', '/v1/conversations');
    await call('DELETE', `/v1/conversations/${created.id}`);
    await call('GET', '/healthz');
    await call('GET', '/readyz');
    // Errors, in each surface's shape.
    const missing = '0b5e6a5c-3f0e-4a4e-9f57-2f1c2d6c8a11';
    await call('GET', `/conversation/${missing}`);
    await call('GET', `/api/conversations/${missing}`);
    await call('GET', '/v1/responses/resp_nope');
    await call('POST', '/api/conversations', { nope: true });
    await call('POST', '/v1/responses', { input: 'x', nope: true });
    await call('DELETE', `/api/conversations/${conversation}`);
  });
});
