/**
 * Runs the real `parley` command (bin/parley.mjs) as a child process, as a user would, and
 * collects its exit code, stdout and stderr. Asynchronous on purpose: the fake upstreams a test
 * starts live in the test's own process and must keep answering while the command runs.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

export const PARLEY_BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'parley.mjs');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunOptions {
  /** The whole environment besides PATH (nothing else leaks in from the test's own). */
  readonly env?: Readonly<Record<string, string>>;
  /** Written to stdin, which is then closed (a pipe); without it stdin is /dev/null. */
  readonly input?: string;
  readonly cwd?: string;
  /** Its own process group, so a test can stop it with everything it started (`parley serve`). */
  readonly ownProcessGroup?: boolean;
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far, in order. */
  output(): string;
  /** Resolves once the command has exited and its output is read. */
  readonly result: Promise<CliResult>;
}

/** Starts the command without waiting for it (to interrupt it, for instance). */
export function startParley(args: readonly string[], options: CliRunOptions = {}): RunningCli {
  const child = spawn(process.execPath, [PARLEY_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    detached: options.ownProcessGroup === true,
  });
  let stdout = '';
  let stderr = '';
  let both = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    both += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    both += chunk.toString();
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  const result = once(child, 'close').then(([status]) => ({
    status: status as number | null,
    stdout,
    stderr,
  }));
  return { child, output: () => both, result };
}

export async function runParley(args: readonly string[], options: CliRunOptions = {}): Promise<CliResult> {
  return startParley(args, options).result;
}
