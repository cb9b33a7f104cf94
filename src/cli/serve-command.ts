/**
 * `parley serve`: the server, as `npm start` runs it (same Node flags), with `--port`, `--host`
 * and `--database` in place of PORT, HOST and DATABASE_URL; every other variable works as usual.
 * The server runs as a child process that gets the terminal's signals itself, so Ctrl+C and
 * SIGTERM shut it down gracefully and its exit code is this command's.
 */

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';

/** The Node flags `npm start` runs the server with (package.json). */
const SERVER_NODE_FLAGS = ['--max-semi-space-size=8'];
const MAIN = join(import.meta.dirname, '..', 'main.ts');

function port(value: string): string {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
    throw new InvalidArgumentError('must be a port, 0 to 65535');
  return value;
}

interface ServeOptions {
  readonly port?: string;
  readonly host?: string;
  readonly database?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the Parley server (like npm start; environment variables work as usual)')
    .option('-p, --port <port>', 'port to listen on (default: PORT, else 8080)', port)
    .option('-H, --host <host>', 'address to listen on (default: HOST, else 127.0.0.1)')
    .option('--database <url>', 'sqlite:<path> or postgres://… (default: DATABASE_URL)')
    .action(async (options: ServeOptions) => {
      const environment = {
        ...process.env,
        ...(options.port === undefined ? {} : { PORT: options.port }),
        ...(options.host === undefined ? {} : { HOST: options.host }),
        ...(options.database === undefined ? {} : { DATABASE_URL: options.database }),
      };
      const server = spawn(process.execPath, [...SERVER_NODE_FLAGS, MAIN], {
        env: environment,
        stdio: 'inherit',
      });
      // The terminal's Ctrl+C reaches the server too (same process group); a signal sent to this
      // process alone is passed on. Either way the server decides when it has stopped.
      const forward = (signal: NodeJS.Signals) => () => {
        server.kill(signal);
      };
      const onInterrupt = forward('SIGINT');
      const onTerminate = forward('SIGTERM');
      process.on('SIGINT', onInterrupt);
      process.on('SIGTERM', onTerminate);
      const [code, signal] = (await new Promise((resolve) => {
        server.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
      })) as [number | null, NodeJS.Signals | null];
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onTerminate);
      process.exitCode = code ?? (signal === null ? 1 : 128 + 15);
    });
}
