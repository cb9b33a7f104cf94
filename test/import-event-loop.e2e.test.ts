/**
 * A large import leaves the server free to serve others (issue 17): a ~22 MB ChatGPT export is
 * parsed in a worker thread and written in slices, and while it runs the server's own event loop
 * (`monitorEventLoopDelay`, read from /metrics, whose histogram restarts at each read) never stalls
 * for long, and /healthz keeps answering. Before, the whole file was parsed and written in one
 * block: 3.9 s for this file on an idle machine. The assertion is on the longest stall, with room
 * for a loaded machine; the p99 (20–58 ms here on a quiet machine; the target is under 100 ms) is
 * reported as a diagnostic and in docs/benchmarks.md, since timed targets belong to benchmarks. An import that fails after most of its slices
 * are written leaves nothing behind. On SQLite, and on PostgreSQL with PARLEY_TEST_DATABASE_URL.
 */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chatGptExport } from '../bench/chatgpt-export-file.ts';
import { importWhilePinging } from '../bench/import-load.ts';
import { createPostgresSchema, type PostgresSchema, postgresTestUrl } from './support/postgres-schema.ts';
import { freePort } from './support/nginx.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

const CONVERSATIONS = 800;
/** Question-and-answer pairs per conversation. */
const PAIRS = 15;
/**
 * The longest the server's event loop may stall while the import runs: well under the 3.9 s block
 * of the import that parsed and wrote on the event loop, well above a loaded machine's slices.
 */
const MAX_STALL_MS = 1_500;

interface Database {
  readonly name: string;
  readonly skip: string | false;
  url(dataDir: string): Promise<{ readonly databaseUrl: string; readonly schema?: PostgresSchema }>;
}

const databases: Database[] = [
  {
    name: 'SQLite',
    skip: false,
    url: async (dataDir) => ({ databaseUrl: `sqlite:${join(dataDir, `${randomUUID()}.sqlite`)}` }),
  },
  {
    name: 'PostgreSQL',
    skip: postgresTestUrl === '' ? 'set PARLEY_TEST_DATABASE_URL to run it on PostgreSQL' : false,
    url: async () => {
      const schema = await createPostgresSchema();
      return { databaseUrl: schema.databaseUrl, schema };
    },
  },
];

const json = { 'content-type': 'application/json' };

/** Every conversation id of the (only) owner, paging through the list. */
async function conversationIds(server: ServerProcess): Promise<string[]> {
  const ids: string[] = [];
  for (let after: string | undefined; ; ) {
    const page = (await (
      await fetch(
        `${server.baseUrl}/api/conversations?limit=100${after === undefined ? '' : `&after=${after}`}`,
      )
    ).json()) as { data: { id: string }[]; has_more: boolean };
    ids.push(...page.data.map((conversation) => conversation.id));
    after = page.data.at(-1)?.id;
    if (!page.has_more || after === undefined) return ids;
  }
}

describe('a large import', () => {
  let dataDir: string;
  let file: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'parley-import-'));
    file = chatGptExport(CONVERSATIONS, PAIRS);
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  for (const database of databases) {
    test(`keeps the event loop free while it runs (${database.name})`, { skip: database.skip }, async (t) => {
      assert.ok(file.length > 20_000_000, `the file is ${file.length} bytes`);
      const { databaseUrl, schema } = await database.url(dataDir);
      const metricsPort = await freePort();
      const server = await startServer({
        DATABASE_URL: databaseUrl,
        PARLEY_METRICS_PORT: String(metricsPort),
      });
      try {
        const { response, seconds, loop, health } = await importWhilePinging(
          server.baseUrl,
          `http://127.0.0.1:${metricsPort}/metrics`,
          file,
        );
        const answer = (await response.json()) as { imported: number; conversations: { messages: number }[] };
        assert.equal(response.status, 201, JSON.stringify(answer).slice(0, 500));
        assert.equal(answer.imported, CONVERSATIONS);
        assert.ok(answer.conversations.every((conversation) => conversation.messages === PAIRS * 2));

        const pings = [...health].sort((a, b) => a - b);
        const pingP99 = pings[Math.floor(pings.length * 0.99)] ?? Number.NaN;
        t.diagnostic(
          `${(file.length / 1e6).toFixed(1)} MB imported in ${seconds.toFixed(1)} s; server event loop ` +
            `p99 ${loop.p99.toFixed(1)} ms, max ${loop.max.toFixed(1)} ms; ${pings.length} /healthz ` +
            `answered meanwhile, p99 ${pingP99.toFixed(1)} ms, slowest ${(pings.at(-1) ?? 0).toFixed(1)} ms`,
        );
        assert.ok(loop.max < MAX_STALL_MS, `the event loop stalled ${loop.max} ms while importing`);
        assert.ok(pings.length > 10, 'health checks answered while importing');
        assert.equal((await conversationIds(server)).length, CONVERSATIONS);
      } finally {
        await server.kill();
        await schema?.drop();
      }
    });

    test(`that fails after most of it is written leaves nothing (${database.name})`, {
      skip: database.skip,
    }, async () => {
      const { databaseUrl, schema } = await database.url(dataDir);
      const server = await startServer({ DATABASE_URL: databaseUrl });
      try {
        const post = (body: string) =>
          fetch(`${server.baseUrl}/api/import`, { method: 'POST', headers: json, body });
        // 60 conversations of 40 messages: ~10 slices. Export them, to have Parley's format with ids.
        const first = await post(chatGptExport(60, 20));
        assert.equal(first.status, 201, `${await first.text()}\n${server.output().slice(-3000)}`);
        const exported = (await (await fetch(`${server.baseUrl}/api/export`)).json()) as {
          conversations: { id: string; messages: { id: string; parent_id: string | null }[] }[];
        };
        const before = await conversationIds(server);
        // Fresh ids for all but the last conversation: only the last slice meets ids that exist.
        const renamed = exported.conversations.map((conversation, index) => {
          if (index === exported.conversations.length - 1) return conversation;
          const fresh = new Map(conversation.messages.map((message) => [message.id, randomUUID()]));
          const rename = (id: string | null) => (id === null ? null : (fresh.get(id) ?? id));
          return {
            ...conversation,
            id: randomUUID(),
            current_node: rename((conversation as unknown as { current_node: string | null }).current_node),
            messages: conversation.messages.map((message) => ({
              ...message,
              id: rename(message.id),
              parent_id: rename(message.parent_id),
            })),
          };
        });
        const failing = await post(JSON.stringify({ ...exported, conversations: renamed }));
        assert.equal(failing.status, 409);
        assert.match(
          ((await failing.json()) as { error: { message: string } }).error.message,
          /nothing was imported/,
        );
        assert.deepEqual((await conversationIds(server)).sort(), before.sort(), 'no conversation was added');
        // The same file without the conflicting conversation imports whole: the rows written
        // before the failure are gone, their ids free again.
        const rest = await post(JSON.stringify({ ...exported, conversations: renamed.slice(0, -1) }));
        assert.equal(rest.status, 201, await rest.clone().text());
        assert.equal((await conversationIds(server)).length, before.length * 2 - 1);
      } finally {
        await server.kill();
        await schema?.drop();
      }
    });
  }
});
