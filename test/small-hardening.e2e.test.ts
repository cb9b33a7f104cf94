/**
 * The smaller hardening points, each through the real server: the admin key's hint shows at most 4
 * of its characters; a client's mistakes are logged at info without a stack (faults stay at error);
 * a slow reader of a seed stream adds no listener per wait; a busy port stops the start with one
 * line naming it.
 */

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { useServer } from './support/server-fixture.ts';
import { runServerToExit } from './support/server-process.ts';
import { buildTestApp } from './support/test-app.ts';

const ADMIN_KEY = 'sk-admin-small-0123456789abcdef';

describe('small hardening points', () => {
  const fixture = useServer({ PARLEY_ADMIN_KEY: ADMIN_KEY });

  const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

  test("keys' hints show at most 4 characters of the secret", async () => {
    const created = await fetch(`${fixture.server.baseUrl}/api/keys`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'hinted' }),
    });
    const { key: secret } = (await created.json()) as { key: string };
    const listed = (await (await fetch(`${fixture.server.baseUrl}/api/keys`, { headers: admin })).json()) as {
      data: { name: string; hint: string }[];
    };
    const adminHint = listed.data.find((key) => key.name === 'PARLEY_ADMIN_KEY')?.hint;
    assert.equal(adminHint, ADMIN_KEY.slice(0, 4));
    const generated = listed.data.find((key) => key.name === 'hinted')?.hint;
    // The public prefix, then 4 characters of the secret.
    assert.equal(generated, secret.slice(0, 'sk-parley-'.length + 4));
  });

  test("a client's mistakes are logged at info without a stack", async () => {
    const before = fixture.server.output().length;
    const mistakes = [
      fetch(`${fixture.server.baseUrl}/api/conversations/not-a-uuid`, { headers: admin }),
      fetch(`${fixture.server.baseUrl}/ask`, { method: 'POST', headers: admin, body: '{"msg": 3}' }),
      fetch(`${fixture.server.baseUrl}/v1/responses`, {
        method: 'POST',
        headers: admin,
        body: '{"input": 3}',
      }),
      fetch(`${fixture.server.baseUrl}/api/keys`, { method: 'POST', headers: admin, body: '{"name": ""}' }),
    ];
    for (const answer of await Promise.all(mistakes)) assert.equal(answer.status, 400);
    // The last log lines are written by the time the responses ended; give the pipe a moment.
    let lines: { level: number; msg: string; err?: unknown; status?: number }[] = [];
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
      lines = fixture.server
        .output()
        .slice(before)
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as (typeof lines)[number]);
      if (lines.filter((line) => line.msg === 'client error').length >= 4) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const clientErrors = lines.filter((line) => line.msg === 'client error');
    assert.equal(clientErrors.length, 4);
    assert.ok(
      clientErrors.every((line) => line.level === 30 && line.err === undefined && line.status === 400),
    );
    assert.deepEqual(
      lines.filter((line) => line.level >= 40),
      [],
      'nothing at warn or error for a client mistake',
    );
  });

  test('a slow reader of a seed stream adds no listener per wait', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const parley = await buildTestApp();
    try {
      // The seed's frames carry the whole text so far: a long answer is megabytes, many waits.
      parley.scripts.push({ deltas: Array.from({ length: 150 }, () => 'x'.repeat(4_000)) });
      await parley.app.listen({ port: 0, host: '127.0.0.1' });
      const address = parley.app.server.address();
      assert.ok(address !== null && typeof address === 'object');
      let received = 0;
      await new Promise<void>((resolve, reject) => {
        const outgoing = httpRequest(
          {
            host: '127.0.0.1',
            port: address.port,
            path: '/ask',
            method: 'POST',
            headers: { 'content-type': 'application/json' },
          },
          (response) => {
            // Reads a piece, then pauses: the server's writes fill the socket and wait for drain.
            response.on('data', (chunk: Buffer) => {
              received += chunk.length;
              response.pause();
              setTimeout(() => response.resume(), 2);
            });
            response.on('end', resolve);
            response.on('error', reject);
          },
        );
        outgoing.on('error', reject);
        outgoing.end(JSON.stringify({ msg: 'long please', stream: true }));
      });
      assert.ok(received > 10_000_000, `read ${received} bytes`);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning').map((w) => w.message),
        [],
      );
    } finally {
      process.off('warning', onWarning);
      await parley.app.close();
      await parley.store.close();
    }
  });

  test('a busy port stops the start with one line naming it, and exit code 1', async () => {
    const squatter = createServer();
    squatter.listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    const port = (squatter.address() as { port: number }).port;
    try {
      const { code, output } = await runServerToExit({
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: `sqlite:${join(fixture.dataDir, 'busy.sqlite')}`,
        OPENAI_BASE_URL: fixture.upstream.baseUrl,
        PARLEY_DEFAULT_MODEL: 'fake-model',
      });
      assert.equal(code, 1);
      const problems = output.split('\n').filter((line) => line.startsWith('parley:'));
      assert.equal(problems.length, 1);
      assert.match(problems[0] ?? '', new RegExp(`127\\.0\\.0\\.1:${port}.*in use.*PORT`));
      assert.doesNotMatch(output, /ready to chat|\n\s+at /);
    } finally {
      squatter.close();
    }
  });
});
