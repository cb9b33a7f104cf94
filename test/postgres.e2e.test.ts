/**
 * End to end on PostgreSQL: the real server process with `DATABASE_URL=postgres://...` (a fresh
 * schema, chosen through the URL's `options`), asking and following up through `/ask`, then a
 * restart that still serves both turns. Needs PARLEY_TEST_DATABASE_URL.
 */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Pool } from 'pg';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

const connectionString = process.env.PARLEY_TEST_DATABASE_URL ?? '';

interface AskData {
  message: string;
  parent_id: string;
  conversation_id: string;
}

interface ChatGptNode {
  parent: string | null;
  message: { author: { role: string }; content: { parts: string[] } };
}

interface ChatGptConversation {
  current_node: string;
  mapping: Record<string, ChatGptNode>;
}

async function ask(server: ServerProcess, body: Record<string, unknown>): Promise<AskData> {
  const response = await fetch(`${server.baseUrl}/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { code: number; data: AskData };
  assert.equal(response.status, 200, JSON.stringify(json));
  return json.data;
}

/** The texts from the root to the current node, as `role: text`. */
async function currentBranch(server: ServerProcess, conversationId: string): Promise<string[]> {
  const response = await fetch(`${server.baseUrl}/conversation/${conversationId}`);
  assert.equal(response.status, 200);
  const history = (await response.json()) as ChatGptConversation;
  const texts: string[] = [];
  let nodeId: string | null = history.current_node;
  while (nodeId !== null) {
    const node: ChatGptNode | undefined = history.mapping[nodeId];
    assert.ok(node, `node ${nodeId} is in the mapping`);
    texts.unshift(`${node.message.author.role}: ${node.message.content.parts[0]}`);
    nodeId = node.parent;
  }
  return texts;
}

describe('PostgreSQL end to end', {
  skip: connectionString === '' ? 'set PARLEY_TEST_DATABASE_URL to a postgres:// URL to run it' : false,
}, () => {
  const schema = `parley_e2e_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const admin = new Pool({ connectionString, max: 1 });
  let upstream: FakeOpenAIUpstream;

  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
    // A schema named in the URL's search_path must exist; the server creates the tables in it.
    await admin.query(`CREATE SCHEMA ${schema}`);
  });
  after(async () => {
    await upstream.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  test('asks and follows up through /ask; a restart still serves both turns', async () => {
    const separator = connectionString.includes('?') ? '&' : '?';
    const env = {
      DATABASE_URL: `${connectionString}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      OPENAI_BASE_URL: upstream.baseUrl,
      PARLEY_DEFAULT_MODEL: 'fake-model',
    };
    let server = await startServer(env);
    let conversationId: string;
    try {
      const first = await ask(server, { msg: 'Hello, Postgres' });
      assert.equal(first.message, 'echo: Hello, Postgres');
      conversationId = first.conversation_id;
      const second = await ask(server, {
        msg: 'And again',
        parent_id: first.parent_id,
        conversation_id: conversationId,
      });
      assert.equal(second.conversation_id, conversationId);
      // The follow-up's prompt is the path read back from PostgreSQL.
      const prompt = upstream.requests.at(-1)?.body as { messages: { role: string; content: string }[] };
      assert.deepEqual(
        prompt.messages.filter((message) => message.role !== 'system').map((message) => message.content),
        ['Hello, Postgres', 'echo: Hello, Postgres', 'And again'],
      );
      // The log names the database, never the URL's password or parameters.
      assert.match(server.output(), /"database":"postgres(ql)?:\/\//);
      assert.doesNotMatch(server.output(), /search_path/);
      const password = URL.parse(connectionString)?.password ?? '';
      if (password !== '') assert.ok(!server.output().includes(password), 'the password is never logged');
    } finally {
      assert.equal(await server.stop(), 0);
    }

    server = await startServer(env);
    try {
      assert.deepEqual(await currentBranch(server, conversationId), [
        'user: Hello, Postgres',
        'assistant: echo: Hello, Postgres',
        'user: And again',
        'assistant: echo: And again',
      ]);
    } finally {
      await server.stop();
    }
    const { rows } = await admin.query(`SELECT count(*)::integer AS count FROM ${schema}.messages`);
    assert.equal(rows[0]?.count, 4, 'the rows live in the schema the URL named');
  });
});
