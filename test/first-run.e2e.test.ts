/**
 * A first run as a new user makes it, through the real server process: one log line says which
 * database is used and whether it was just created, and a mistyped `DATABASE_URL` stops the start
 * with a message instead of starting on a new, empty database.
 */

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runServerToExit, startServer } from './support/server-process.ts';

describe('first run', () => {
  let folder: string;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'parley-first-run-'));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('logs the SQLite file it uses, created just now, then existing on the next start', async () => {
    const path = join(folder, 'parley.sqlite');
    const databaseLines = (output: string) =>
      output
        .split('\n')
        .filter((line) => line.includes('"msg":"database: '))
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
    for (const expected of ['created just now', 'existing']) {
      const server = await startServer({ DATABASE_URL: `sqlite:${path}` });
      const health = await fetch(`${server.baseUrl}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(await server.stop(), 0);
      assert.deepEqual(databaseLines(server.output()), [`database: SQLite file ${path} (${expected})`]);
    }
  });

  it('stops on a SQLite path whose folder does not exist, naming it, and creates nothing', async () => {
    const typo = join(folder, 'dtaa', 'parley.sqlite');
    const { code, output } = await runServerToExit({ DATABASE_URL: `sqlite:${typo}` });
    assert.equal(code, 1);
    assert.match(output, /^parley: DATABASE_URL: the folder of sqlite:.* does not exist/m);
    assert.ok(output.includes(join(folder, 'dtaa')), output);
    assert.equal(existsSync(join(folder, 'dtaa')), false);
  });

  it('stops on an unknown scheme, without echoing the value', async () => {
    const { code, output } = await runServerToExit({ DATABASE_URL: 'mysql://root:hunter2@db/parley' });
    assert.equal(code, 1);
    assert.match(output, /DATABASE_URL: expected sqlite:<path> or postgres:\/\//);
    assert.doesNotMatch(output, /hunter2/);
  });
});
