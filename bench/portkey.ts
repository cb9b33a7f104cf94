/**
 * The Portkey arm: `@portkey-ai/gateway@1.15.2` installed by the bench into `.cache/bench/portkey`
 * (never a dependency of Parley), with `@hono/node-server@1.13.5` as its streaming needs, and
 * started headless with a `-r` preload that binds it to 127.0.0.1.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchProcess, freePort, startNode } from './processes.ts';

export const PORTKEY_VERSION = '1.15.2';
const HONO_NODE_SERVER_VERSION = '1.13.5';

/** Installs Portkey into `folder` unless that version is there already; throws with npm's output on failure. */
export async function installPortkey(folder: string): Promise<void> {
  const installed = join(folder, 'node_modules/@portkey-ai/gateway/package.json');
  if (existsSync(installed)) {
    const { version } = JSON.parse(readFileSync(installed, 'utf8')) as { version: string };
    if (version === PORTKEY_VERSION) return;
  }
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'package.json'),
    `${JSON.stringify(
      {
        name: 'parley-bench-portkey',
        private: true,
        dependencies: { '@portkey-ai/gateway': PORTKEY_VERSION },
        overrides: { '@hono/node-server': HONO_NODE_SERVER_VERSION },
      },
      null,
      2,
    )}\n`,
  );
  const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], {
    cwd: folder,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  if (code !== 0 || !existsSync(installed))
    throw new Error(`npm install failed (${code}): ${output.slice(-800)}`);
}

export interface PortkeyStart {
  readonly folder: string;
  readonly preload: string;
  readonly cpu: number;
  readonly logFile: string;
}

export async function startPortkey(options: PortkeyStart): Promise<BenchProcess> {
  const port = await freePort();
  return startNode({
    name: 'portkey',
    cwd: options.folder,
    args: [
      '-r',
      options.preload,
      join(options.folder, 'node_modules/@portkey-ai/gateway/build/start-server.js'),
      `--port=${port}`,
      '--headless',
    ],
    env: { NODE_ENV: 'production' },
    cpu: options.cpu,
    logFile: options.logFile,
    ready: { kind: 'http', port, path: '/' },
  });
}

/** The headers that send a Portkey request to the mock upstream as an OpenAI provider. */
export function portkeyHeaders(upstreamBaseUrl: string): Record<string, string> {
  return {
    'x-portkey-provider': 'openai',
    'x-portkey-custom-host': upstreamBaseUrl,
    authorization: 'Bearer sk-bench',
  };
}
