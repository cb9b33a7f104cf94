/**
 * Runs the `parley` command (bin/parley.mjs starts it): parses the arguments, runs the command and
 * turns what went wrong into one line on stderr and an exit code (0 ok, 1 failure, 2 usage).
 */

import { CommanderError } from 'commander';
import { CliError, EXIT_FAILURE, EXIT_USAGE, oneLine, UsageError } from './cli-error.ts';
import { buildProgram } from './program.ts';

/** Runs the command line `argv` (without node and the script) and returns its exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version "fail" with exit code 0; everything else commander refuses is usage.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`parley: ${oneLine(error)}\n`);
      if (error instanceof UsageError) process.stderr.write('(run `parley --help` for usage)\n');
      return EXIT_USAGE;
    }
    // The server's own rules (a taken name, a short password…), met by a database command.
    if (error instanceof CliError || (error instanceof Error && error.name === 'ParleyError')) {
      process.stderr.write(`parley: ${oneLine(error)}\n`);
      return EXIT_FAILURE;
    }
    process.stderr.write(`parley: unexpected error: ${oneLine(error)}\n`);
    if (process.env.PARLEY_DEBUG !== undefined) console.error(error);
    return EXIT_FAILURE;
  }
}

process.exitCode = await runCli(process.argv.slice(2));
