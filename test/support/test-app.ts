/** Builds the real app in process over an in-memory SQLite store and a scripted model. */

import { createServer } from '../../src/server.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { ModelRegistry } from '../../src/providers/registry.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { type Script, scriptedRegistry } from './scripted-chat-model.ts';

export async function buildTestApp(
  options: { scripts?: Script[]; models?: ModelRegistry; env?: Record<string, string> } = {},
) {
  const config = loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    PARLEY_STREAM_FLUSH_MS: '10',
    // A title request would take the next script: tests that want one turn it on.
    PARLEY_AUTO_TITLES: 'false',
    ...options.env,
  });
  const store = openSqliteStore({ path: ':memory:' });
  const scripted = scriptedRegistry(options.scripts ?? []);
  const parley = await createServer({ config, store, models: options.models ?? scripted.registry });
  return { ...parley, store, scripts: scripted.scripts, calls: scripted.calls };
}

/** Splits an SSE body into its frames (`id`, `event`, `data`). */
export function parseSse(body: string): { id?: string; event?: string; data: string }[] {
  return body
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const frame: { id?: string; event?: string; data: string } = { data: '' };
      for (const line of block.split('\n')) {
        const separator = line.indexOf(': ');
        const field = line.slice(0, separator);
        const value = line.slice(separator + 2);
        if (field === 'id') frame.id = value;
        else if (field === 'event') frame.event = value;
        else if (field === 'data') frame.data = value;
      }
      return frame;
    });
}
