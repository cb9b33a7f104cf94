/**
 * A Redis server of the test's own (`redis-server` on a free loopback port, nothing saved), so a
 * test can stop, restart or pause it without touching the shared one.
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './nginx.ts';

export const redisServerAvailable = (): boolean => spawnSync('redis-server', ['--version']).status === 0;

export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  /** Runs one command with `redis-cli` and returns its output (e.g. `CLIENT PAUSE 5000 ALL`). */
  cli(...args: string[]): string;
  /** Starts it again on the same port (after `stop`), empty; does nothing while it runs. */
  start(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

export async function startOwnRedis(port?: number): Promise<OwnRedis> {
  const chosen = port ?? (await freePort());
  let child: ChildProcess | undefined;
  const cli = (...args: string[]) =>
    spawnSync('redis-cli', ['-p', String(chosen), ...args], { timeout: 5_000 })
      .stdout?.toString()
      .trim() ?? '';
  const redis: OwnRedis = {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    cli,
    async start() {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) return;
      child = spawn(
        'redis-server',
        ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        { stdio: 'ignore' },
      );
      const deadline = Date.now() + 5_000;
      while (cli('ping') !== 'PONG') {
        if (Date.now() > deadline) throw new Error('redis-server did not start');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
  await redis.start();
  return redis;
}
