/**
 * Starts the real server as a user does (`node src/main.ts`, configured by environment) on a free
 * loopback port, and stops or kills it. The port is read from the server's own log line.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

export interface ServerProcess {
  readonly baseUrl: string;
  readonly child: ChildProcess;
  /** Everything the server wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM and wait for the exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash, no clean-up at all. */
  kill(): Promise<void>;
}

/** Node's arguments for the sources (`node src/main.ts`); tests of the build pass their own. */
const SOURCE_START = [resolve(root, 'src/main.ts')];

/** Spawns `node <args>` with only this environment (and PATH), collecting its output. */
function spawnServer(
  env: Record<string, string>,
  args: readonly string[] = SOURCE_START,
): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return { child, output: () => output };
}

export async function startServer(
  env: Record<string, string>,
  timeoutMs = 20_000,
  args: readonly string[] = SOURCE_START,
): Promise<ServerProcess> {
  const { child, output: outputOf } = spawnServer(
    {
      HOST: '127.0.0.1',
      PORT: '0',
      PARLEY_LOG_LEVEL: 'info',
      // Background title requests would reach the fake upstreams: tests that want them turn them on.
      PARLEY_AUTO_TITLES: 'false',
      ...env,
    },
    args,
  );
  const exited = once(child, 'exit');

  const deadline = Date.now() + timeoutMs;
  let baseUrl: string | undefined;
  while (baseUrl === undefined) {
    const output = outputOf();
    const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    if (match?.[1] !== undefined) baseUrl = match[1];
    else if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${output}`);
    else if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not start within ${timeoutMs} ms:\n${output}`);
    } else await new Promise((resolveWait) => setTimeout(resolveWait, 25));
  }

  return {
    baseUrl,
    child,
    output: outputOf,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs the server to its exit (for start-up failures); returns the exit code and output. */
export async function runServerToExit(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const { child, output } = spawnServer(env);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output: output() };
}

/** POSTs a JSON body to a path of the server; `signal` aborts it (a client that leaves). */
export function postJson(
  server: ServerProcess,
  path: string,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
}
