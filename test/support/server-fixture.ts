/**
 * The usual end-to-end fixture: a fake OpenAI upstream, a temporary data folder and the real server
 * process on SQLite in it (default model `fake-model`), started before the suite's tests and
 * removed after them. Call it inside a `describe` (or at the top of a file).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { FakeOpenAIUpstream } from './fake-openai-upstream.ts';
import { type ServerProcess, startServer } from './server-process.ts';

export interface ServerFixture {
  readonly upstream: FakeOpenAIUpstream;
  readonly server: ServerProcess;
  readonly dataDir: string;
}

/** Registers the fixture's hooks; `env` adds to (or overrides) the server's environment. */
export function useServer(
  env: Record<string, string> | (() => Promise<Record<string, string>>) = {},
): ServerFixture {
  const fixture = {} as { upstream: FakeOpenAIUpstream; server: ServerProcess; dataDir: string };
  before(async () => {
    fixture.upstream = await FakeOpenAIUpstream.start();
    fixture.dataDir = await mkdtemp(join(tmpdir(), 'parley-e2e-'));
    fixture.server = await startServer({
      DATABASE_URL: `sqlite:${join(fixture.dataDir, 'parley.sqlite')}`,
      OPENAI_BASE_URL: fixture.upstream.baseUrl,
      PARLEY_DEFAULT_MODEL: 'fake-model',
      ...(typeof env === 'function' ? await env() : env),
    });
  });
  after(async () => {
    await fixture.server?.kill();
    await fixture.upstream?.close();
    if (fixture.dataDir !== undefined) await rm(fixture.dataDir, { recursive: true, force: true });
  });
  return fixture;
}
