/**
 * The arms of the benchmark and how each is started: the mock upstream (on the load's core), and
 * on the server core the bare Node proxy, Portkey and Parley as an operator starts it (`npm start`:
 * the build in `dist/` with the start script's flags, configured by environment, ready when
 * `GET /healthz` answers).
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { join } from 'node:path';
import { startArguments } from '../scripts/start-command.ts';
import type { Target } from './client.ts';
import { type BenchProcess, freePort, startNode } from './processes.ts';

export interface Cores {
  /** The server under test. */
  readonly server: number;
  /** The upstream, the load generator and this script. */
  readonly load: number;
}

export interface BenchPaths {
  readonly root: string;
  /** Logs and databases of this run. */
  readonly work: string;
}

export function startMockUpstream(paths: BenchPaths, cores: Cores): Promise<BenchProcess> {
  return startNode({
    name: 'mock-upstream',
    args: [join(paths.root, 'bench/mock-upstream.ts')],
    cpu: cores.load,
    logFile: join(paths.work, 'mock-upstream.log'),
    ready: { kind: 'line' },
  });
}

/**
 * Node flags and environment for a probe the bench preloads into a server (`-r script`): the
 * script answers a signal by writing to the file the environment names. None when `file` is unset.
 */
function signalProbe(
  paths: BenchPaths,
  script: string,
  variable: string,
  file: string | undefined,
  flags: readonly string[] = [],
) {
  if (file === undefined) return { flags: [], env: {} };
  return { flags: [...flags, '-r', join(paths.root, 'bench', script)], env: { [variable]: file } };
}

/** Lets the bench read a server's live memory (see `gc-on-signal.cjs`). */
const memoryProbe = (paths: BenchPaths, file: string | undefined) =>
  signalProbe(paths, 'gc-on-signal.cjs', 'BENCH_MEMORY_FILE', file, ['--expose-gc']);

/** Lets the bench profile a server's CPU over a chosen stretch (see `profile-on-signal.cjs`). */
const profilerProbe = (paths: BenchPaths, file: string | undefined) =>
  signalProbe(paths, 'profile-on-signal.cjs', 'BENCH_PROFILE_FILE', file);

/**
 * The bare proxy as plain JavaScript (its types stripped once into the run's folder), so that it
 * runs as Parley's build does: neither arm carries Node's type stripper in memory.
 */
function bareProxyScript(paths: BenchPaths): string {
  const script = join(paths.work, 'bare-proxy.mjs');
  if (!existsSync(script)) {
    const source = readFileSync(join(paths.root, 'bench/bare-proxy.ts'), 'utf8');
    writeFileSync(script, stripTypeScriptTypes(source));
  }
  return script;
}

export function startBareProxy(
  paths: BenchPaths,
  cores: Cores,
  upstreamOrigin: string,
  memoryFile?: string,
): Promise<BenchProcess> {
  const probe = memoryProbe(paths, memoryFile);
  return startNode({
    name: 'bare-proxy',
    args: [...probe.flags, bareProxyScript(paths)],
    env: { UPSTREAM: upstreamOrigin, ...probe.env },
    cpu: cores.server,
    logFile: join(paths.work, 'bare-proxy.log'),
    ready: { kind: 'line' },
  });
}

export interface ParleyStart {
  readonly name: string;
  readonly databasePath: string;
  readonly upstreamBaseUrl: string;
  readonly logLevel: 'warn' | 'info';
  /** Where the memory probe writes (see `gc-on-signal.cjs`); no probe when absent. */
  readonly memoryFile?: string;
  /** Where the CPU profiler writes (see `profile-on-signal.cjs`); no profiler when absent. */
  readonly profileFile?: string;
  /** The checkout whose build runs (`--parley-root`, to measure other code); this one when absent. */
  readonly root?: string;
}

/**
 * Builds `dist/` as `npm start` does before it runs (the bench then starts the build itself, with
 * the start script's flags, so that it can pin the process and add its probes).
 */
export function buildParley(paths: BenchPaths, root = paths.root): void {
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
}

export async function startParley(
  paths: BenchPaths,
  cores: Cores,
  start: ParleyStart,
): Promise<BenchProcess> {
  const port = await freePort();
  const probe = memoryProbe(paths, start.memoryFile);
  const profiler = profilerProbe(paths, start.profileFile);
  const root = start.root ?? paths.root;
  return startNode({
    name: start.name,
    cwd: root,
    args: [...probe.flags, ...profiler.flags, ...startArguments(root)],
    env: {
      ...probe.env,
      ...profiler.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: `sqlite:${start.databasePath}`,
      OPENAI_BASE_URL: start.upstreamBaseUrl,
      OPENAI_API_KEY: 'sk-bench',
      PARLEY_DEFAULT_MODEL: 'bench-model',
      PARLEY_LOG_LEVEL: start.logLevel,
    },
    cpu: cores.server,
    logFile: join(paths.work, `${start.name}.log`),
    ready: { kind: 'http', port, path: '/healthz' },
  });
}

export const origin = (process: BenchProcess): string => `http://127.0.0.1:${process.port}`;

export function chatTarget(process: BenchProcess, headers: Readonly<Record<string, string>> = {}): Target {
  return { origin: origin(process), path: '/v1/chat/completions', headers };
}

/** Sets the shape of the mock upstream's streams (content chunks and the time between them). */
export function setStreamShape(upstream: BenchProcess, chunks: number, intervalMs: number): Promise<void> {
  return postStreamShape(upstream, { chunks, intervalMs });
}

/** Makes the mock upstream stream one long answer of `chars` characters, `pieceChars` a chunk, back to back. */
export function setLongAnswer(upstream: BenchProcess, chars: number, pieceChars: number): Promise<void> {
  return postStreamShape(upstream, { intervalMs: 0, answerChars: chars, pieceChars });
}

/** Any shape without `answerChars` goes back to token streams. */
async function postStreamShape(upstream: BenchProcess, shape: Record<string, number>): Promise<void> {
  const response = await fetch(`${origin(upstream)}/__bench/stream`, {
    method: 'POST',
    body: JSON.stringify(shape),
  });
  await response.arrayBuffer();
}
