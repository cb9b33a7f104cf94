/**
 * `npm start` as an operator runs it: `npm run build` compiles `src/` into `dist/`, and the server
 * runs that JavaScript with the flags of package.json's `start` script (the Dockerfile's CMD is
 * checked to be the same). Node is told not to strip types here, so a module of the build that
 * still loads a `.ts` file at run time fails the test instead of quietly bringing the type
 * stripper back into memory.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startArguments } from '../scripts/start-command.ts';
import { completion, FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { postJson, type ServerProcess, startServer } from './support/server-process.ts';

const root = resolve(import.meta.dirname, '..');

describe('the production start (npm run build, then the start script on dist/)', () => {
  let upstream: FakeOpenAIUpstream;
  let server: ServerProcess;
  let dataDir: string;

  before(async () => {
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, `npm run build failed:\n${build.stdout}\n${build.stderr}`);
    upstream = await FakeOpenAIUpstream.start();
    dataDir = await mkdtemp(join(tmpdir(), 'parley-dist-'));
    const [entry, ...flags] = startArguments(root).reverse();
    assert.ok(entry !== undefined && existsSync(resolve(root, entry)), `the build wrote no ${entry}`);
    server = await startServer(
      {
        DATABASE_URL: `sqlite:${join(dataDir, 'parley.sqlite')}`,
        OPENAI_API_KEY: 'sk-upstream',
        OPENAI_BASE_URL: upstream.baseUrl,
        PARLEY_DEFAULT_MODEL: 'fake-model',
      },
      20_000,
      ['--no-experimental-strip-types', ...flags.reverse(), resolve(root, entry)],
    );
  });
  after(async () => {
    await server?.kill();
    await upstream?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  test('the built server answers, continues a conversation and streams, with no TypeScript loaded', async () => {
    const health = await fetch(`${server.baseUrl}/healthz`);
    assert.deepEqual(await health.json(), { status: 'ok' });

    upstream.reply({ kind: 'json', body: completion('Hello there') });
    const first = await postJson(server, '/ask', { msg: 'hi' });
    const firstJson = (await first.json()) as {
      code: number;
      data: { message: string; conversation_id: string; parent_id: string };
    };
    assert.equal(first.status, 200, JSON.stringify(firstJson));
    assert.equal(firstJson.data.message, 'Hello there');

    upstream.reply({ kind: 'stream', deltas: ['Second', ' answer'] });
    const second = await postJson(server, '/v1/chat/completions', {
      model: 'fake-model',
      stream: true,
      messages: [{ role: 'user', content: 'again' }],
    });
    assert.equal(second.status, 200);
    const frames = await second.text();
    assert.match(frames, /"content":"Second"/);
    assert.match(frames, /data: \[DONE\]/);

    // The seed API's history holds the first turn (the store works from the build too).
    const history = await fetch(`${server.baseUrl}/conversation/${firstJson.data.conversation_id}`);
    assert.equal(history.status, 200);
    assert.match(await history.text(), /Hello there/);
    assert.doesNotMatch(server.output(), /ERR_UNKNOWN_FILE_EXTENSION|strip-types/);
  });

  test('the built server serves the web UI from dist/ (the build copies its files)', async () => {
    assert.ok(existsSync(resolve(root, 'dist/http/web/public/index.html')), 'the build copied the page');
    const page = await fetch(`${server.baseUrl}/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match(await page.text(), /src="\/ui\/app\.js"/);
    const script = await fetch(`${server.baseUrl}/ui/app.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.match(await script.text(), /\/api\/conversations/);
  });
});
