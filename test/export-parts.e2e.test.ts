/**
 * An export carries everything a conversation is made of (issue 15): a conversation written through
 * the native API (text, an image, a PDF and a recording as bytes, an image by URL) and
 * `/v1/responses` (Anthropic's signed thinking, a tool call, its result, the answer), exported with `parley export` and through
 * `GET /api/export` (the same file), imported with `parley import` into a server on a fresh
 * database, reads back identical through the native API and `/v1/conversations` items, bytes
 * equal, and exports again to the same file. On SQLite, and on PostgreSQL with
 * PARLEY_TEST_DATABASE_URL. And an export is streamed: one several times larger than the server's
 * heap is written whole.
 */

import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { anthropicBlocksMessage, FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { createPostgresSchema, type PostgresSchema, postgresTestUrl } from './support/postgres-schema.ts';
import { runParley } from './support/run-cli.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 7, 7, 7]);
const PDF = Buffer.from('%PDF-1.4 notes for the trip');
const WAV = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(40, 1)]);
const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const TOOLS = [
  {
    type: 'function' as const,
    name: 'weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    strict: false,
  },
];

interface Database {
  readonly name: string;
  readonly skip: string | false;
  /** A fresh, empty database for one server. */
  url(folder: string): Promise<string>;
}

const schemas: PostgresSchema[] = [];
const databases: Database[] = [
  { name: 'SQLite', skip: false, url: async (folder) => `sqlite:${join(folder, `${randomUUID()}.sqlite`)}` },
  {
    name: 'PostgreSQL',
    skip: postgresTestUrl === '' ? 'set PARLEY_TEST_DATABASE_URL to run it on PostgreSQL' : false,
    url: async () => {
      const schema = await createPostgresSchema();
      schemas.push(schema);
      return schema.databaseUrl;
    },
  },
];

describe('an export with parts and attachments', () => {
  let openai: FakeOpenAIUpstream;
  let anthropic: FakeOpenAIUpstream;
  let folder: string;
  const servers: ServerProcess[] = [];

  before(async () => {
    openai = await FakeOpenAIUpstream.start();
    anthropic = await FakeOpenAIUpstream.start('anthropic');
    folder = await mkdtemp(join(tmpdir(), 'parley-export-parts-'));
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await Promise.all(schemas.map((schema) => schema.drop()));
    await Promise.all([openai?.close(), anthropic?.close()]);
    await rm(folder, { recursive: true, force: true });
  });

  const serve = async (databaseUrl: string, env: Record<string, string> = {}) => {
    const server = await startServer({
      ...env,
      DATABASE_URL: databaseUrl,
      OPENAI_API_KEY: 'sk-upstream',
      OPENAI_BASE_URL: openai.baseUrl,
      ANTHROPIC_API_KEY: 'sk-ant-upstream',
      ANTHROPIC_BASE_URL: anthropic.baseUrl,
      PARLEY_DEFAULT_MODEL: 'fake-model',
    });
    servers.push(server);
    return server;
  };
  const call = async (server: ServerProcess, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    assert.ok(
      response.status < 300,
      `${method} ${path}: ${response.status} ${await response.clone().text()}`,
    );
    return response;
  };

  /** What a conversation reads as, through every surface that shows its parts. */
  const readBack = async (server: ServerProcess, id: string) => {
    const native = (await (await call(server, 'GET', `/api/conversations/${id}`)).json()) as {
      messages: { parts: { sha256?: string; url?: string }[] }[];
    };
    const client = new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
    const items = await client.conversations.items.list(`conv_${id.replaceAll('-', '')}`, {
      order: 'asc',
      limit: 100,
    });
    const bytes = new Map<string, Buffer>();
    for (const part of native.messages.flatMap((message) => message.parts)) {
      if (part.sha256 === undefined || part.url === undefined) continue;
      bytes.set(part.sha256, Buffer.from(await (await call(server, 'GET', part.url)).arrayBuffer()));
    }
    return { native, items: items.data, bytes };
  };

  test('streams an export several times larger than the server may hold in its heap', async () => {
    const databaseUrl = await databases[0]?.url(folder);
    assert.ok(databaseUrl !== undefined);
    const writer = await serve(databaseUrl, { PARLEY_MAX_ATTACHMENT_BYTES: String(8 * 1024 * 1024) });
    const images = 24;
    for (let index = 0; index < images; index += 1) {
      const created = (await (await call(writer, 'POST', '/api/conversations', {})).json()) as { id: string };
      const image = Buffer.alloc(4 * 1024 * 1024, index + 1);
      await call(writer, 'POST', `/api/conversations/${created.id}/messages`, {
        content: [{ type: 'image', data: image.toString('base64'), media_type: 'image/png' }],
      });
    }
    await writer.stop();
    // 96 MB of bytes are 128 MB of base64: more than the whole heap allowed here.
    const reader = await serve(databaseUrl, { NODE_OPTIONS: '--max-old-space-size=64' });
    const response = await call(reader, 'GET', '/api/export');
    let size = 0;
    const tail: number[] = [];
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      tail.splice(0, tail.length, ...chunk.subarray(-3));
    }
    assert.ok(size > 128 * 1024 * 1024, `the export has ${size} bytes`);
    assert.equal(Buffer.from(tail).toString(), '}}\n', 'and ends whole');
    assert.equal(reader.child.exitCode, null, 'the server is still up');
  });

  for (const database of databases) {
    test(`round-trips images, files, audio, tool calls and reasoning (${database.name})`, {
      skip: database.skip,
    }, async () => {
      const source = await serve(await database.url(folder));
      const created = (await (await call(source, 'POST', '/api/conversations', {})).json()) as { id: string };
      const id = created.id;
      await call(source, 'POST', `/api/conversations/${id}/messages`, {
        content: [
          { type: 'text', text: 'Here are the plans.' },
          { type: 'image', data: PNG.toString('base64'), media_type: 'image/png', detail: 'high' },
          {
            type: 'file',
            data: PDF.toString('base64'),
            media_type: 'application/pdf',
            filename: 'plans.pdf',
          },
          { type: 'image', url: 'https://example.com/map.png' },
        ],
      });

      // A tool loop with signed thinking through /v1/responses, in the same conversation.
      const client = new OpenAI({ baseURL: `${source.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
      const conversation = `conv_${id.replaceAll('-', '')}`;
      anthropic.reply(
        {
          kind: 'json',
          body: anthropicBlocksMessage(
            [
              { type: 'thinking', thinking: 'The tool knows.', signature: 'sig-export' },
              { type: 'tool_use', id: 'toolu_export', name: 'weather', input: { city: 'Oslo' } },
            ],
            'tool_use',
          ),
        },
        { kind: 'json', body: anthropicBlocksMessage([{ type: 'text', text: 'It is 21 degrees.' }]) },
      );
      const request = {
        model: 'claude-fake',
        conversation,
        tools: TOOLS,
        reasoning: { effort: 'low' as const },
      };
      const first = await client.responses.create({ ...request, input: 'And the weather in Oslo?' });
      const call_ = first.output.find((item) => item.type === 'function_call');
      assert.equal(call_?.type === 'function_call' && call_.call_id, 'toolu_export');
      const answer = await client.responses.create({
        ...request,
        input: [{ type: 'function_call_output', call_id: 'toolu_export', output: '21 degrees' }],
      });
      assert.equal(answer.output_text, 'It is 21 degrees.');
      // A recording, which the OpenAI-compatible model takes (Anthropic does not).
      await call(source, 'POST', `/api/conversations/${id}/messages`, {
        content: [
          { type: 'text', text: 'And this?' },
          { type: 'audio', data: WAV.toString('base64'), media_type: 'audio/wav' },
        ],
      });

      const original = await readBack(source, id);
      const parts = original.native.messages.flatMap((message) => message.parts) as { type: string }[];
      for (const type of ['text', 'image', 'file', 'audio', 'tool_call', 'tool_result', 'reasoning'])
        assert.ok(
          parts.some((part) => part.type === type),
          `the conversation has a ${type} part`,
        );
      assert.deepEqual(
        [...original.bytes.keys()].sort(),
        [sha256Of(PNG), sha256Of(PDF), sha256Of(WAV)].sort(),
      );

      // `parley export` writes what GET /api/export answers.
      const file = join(folder, `${randomUUID()}.json`);
      const exported = await runParley(['export', '--out', file], { env: cliEnv(source, folder) });
      assert.equal(exported.status, 0, exported.stderr);
      const document = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      const viaApi = (await (await call(source, 'GET', '/api/export')).json()) as Record<string, unknown>;
      assert.deepEqual({ ...document, exported_at: 0 }, { ...viaApi, exported_at: 0 });
      assert.equal(document.version, 2);
      const attachments = document.attachments as Record<string, { data: string }>;
      assert.deepEqual(Object.keys(attachments).sort(), [...original.bytes.keys()].sort(), 'each bytes once');
      assert.deepEqual(Buffer.from(attachments[sha256Of(PNG)]?.data ?? '', 'base64'), PNG);

      const target = await serve(await database.url(folder));
      const imported = await runParley(['import', file], { env: cliEnv(target, folder) });
      assert.equal(imported.status, 0, imported.stderr);
      const copy = await readBack(target, id);
      assert.deepEqual(copy.native, original.native);
      assert.deepEqual(copy.items, original.items);
      assert.deepEqual(copy.bytes, original.bytes);
      // The reasoning's signed payload came along: the copy exports to the same file.
      const again = (await (await call(target, 'GET', '/api/export')).json()) as Record<string, unknown>;
      assert.deepEqual({ ...again, exported_at: 0 }, { ...document, exported_at: 0 });
      const payload = /"encrypted":"([^"]+)"/.exec(JSON.stringify(again))?.[1] ?? '';
      assert.match(Buffer.from(payload, 'base64').toString(), /"signature":"sig-export"/);
    });
  }
});

/** The CLI's environment: the server's URL, and a config folder of its own. */
function cliEnv(server: ServerProcess, folder: string): Record<string, string> {
  return { PARLEY_URL: server.baseUrl, XDG_CONFIG_HOME: join(folder, 'config') };
}
