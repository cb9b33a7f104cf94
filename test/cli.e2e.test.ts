/**
 * `parley keys` against the database a running server uses: a key made by the CLI works at once,
 * and one revoked by the CLI stops at once (keys are read on every request).
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { startServer } from './support/server-process.ts';

const root = resolve(import.meta.dirname, '..');

describe('the parley CLI', () => {
  let upstream: FakeOpenAIUpstream;
  let dataDir: string;
  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
    dataDir = await mkdtemp(join(tmpdir(), 'parley-cli-'));
  });
  after(async () => {
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('keys create, list and revoke, seen by a running server at once', async () => {
    const env = { PATH: process.env.PATH ?? '', DATABASE_URL: `sqlite:${join(dataDir, 'parley.sqlite')}` };
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [join(root, 'bin/parley.mjs'), ...args], { env, encoding: 'utf8' });

    const created = cli('keys', 'create', '--name', 'from-cli', '--rpm', '100', '--models', 'fake-model');
    assert.equal(created.status, 0, created.stderr);
    const secret = /key \(shown once, keep it now\): (\S+)/.exec(created.stdout)?.[1] ?? '';
    const id = created.stdout.split('\t')[0] ?? '';
    assert.match(secret, /^sk-parley-/);

    const server = await startServer({
      ...env,
      OPENAI_BASE_URL: upstream.baseUrl,
      PARLEY_DEFAULT_MODEL: 'fake-model',
    });
    try {
      const ask = (key?: string) =>
        fetch(`${server.baseUrl}/ask`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
          },
          body: JSON.stringify({ msg: 'hi' }),
        });
      assert.equal((await ask(secret)).status, 200);
      assert.equal((await ask()).status, 401, 'a key exists, so every request needs one');

      const listed = cli('keys', 'list');
      assert.match(
        listed.stdout,
        new RegExp(
          `^${id}\\tfrom-cli\\tuser\\tsk-parley-.{4}…\\tactive\\tfake-model\\trequestsPerMinute=100$`,
          'm',
        ),
      );
      assert.ok(!listed.stdout.includes(secret), 'the secret is shown once only');

      assert.equal(cli('keys', 'revoke', id).status, 0);
      assert.equal((await ask(secret)).status, 401);
      assert.equal(cli('keys', 'revoke', id).status, 1);
      assert.equal(cli('keys', 'create').status, 2);
    } finally {
      await server.kill();
    }
  });
});
