/**
 * The real app built in process over a given store and listening on a random loopback port, with a
 * small JSON client: for tests that restart a server over the same database or open one that an
 * older Parley wrote.
 */

import type { AddressInfo } from 'node:net';
import type { ParleyApp } from '../../src/app.ts';
import { createServer } from '../../src/server.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { Store } from '../../src/store/store.ts';
import { scriptedRegistry } from './scripted-chat-model.ts';

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whatever JSON came back
  readonly body: any;
}

export interface ServedApp {
  readonly parley: ParleyApp;
  readonly baseUrl: string;
  /** Sends JSON (when `body` is given) with `Authorization: Bearer <key>` (when `key` is given). */
  call(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Answer>;
  close(): Promise<void>;
}

export async function serveApp(store: Store, env: Record<string, string> = {}): Promise<ServedApp> {
  const config = loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    PARLEY_STREAM_FLUSH_MS: '10',
    PARLEY_AUTO_TITLES: 'false',
    ...env,
  });
  const parley = await createServer({ config, store, models: scriptedRegistry().registry });
  await parley.app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${(parley.app.server.address() as AddressInfo).port}`;
  return {
    parley,
    baseUrl,
    async call(method, path, options = {}) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(options.key === undefined ? {} : { authorization: `Bearer ${options.key}` }),
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = text === '' ? null : JSON.parse(text);
      } catch {}
      return { status: response.status, headers: response.headers, body };
    },
    close: () => parley.app.close(),
  };
}
