/**
 * The `parley` command line: global options, one registration per command group, and
 * commander set up for this project's conventions (usage errors exit 2 with the usage on stderr,
 * help and version exit 0).
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerAskCommand } from './ask-command.ts';
import { registerChatCommand } from './chat/chat-command.ts';
import { registerConfigCommands } from './config-commands.ts';
import { registerDbCommands } from './db-commands.ts';
import { registerKeysCommands } from './keys-commands.ts';
import { registerModelsCommands } from './models-commands.ts';
import { registerServeCommand } from './serve-command.ts';
import { registerTransferCommands } from './transfer-commands.ts';
import { registerUsersCommands } from './users-commands.ts';

function packageVersion(): string {
  const manifest = JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'),
  ) as {
    version: string;
  };
  return manifest.version;
}

/** Applies the project's conventions to a command and every subcommand it has. */
function conventions(command: Command): void {
  command
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(`parley: ${text.replace(/^error: /, '')}`) });
  for (const child of command.commands) conventions(child);
}

export function buildProgram(): Command {
  const program = new Command('parley')
    .description('Parley, a self-hosted conversation API for LLMs: serve it, chat with it, run it')
    .version(packageVersion(), '-v, --version', 'print the version')
    .option('--url <url>', 'the server (default: PARLEY_URL, the config file, else http://127.0.0.1:8080)')
    .option('--key <key>', 'the API key (default: PARLEY_API_KEY, else the config file)')
    .option('--json', 'print data as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 failure, 2 usage.\nRun `parley <command> --help` for a command, e.g. `parley keys create --help`.',
    );
  registerServeCommand(program);
  registerChatCommand(program);
  registerAskCommand(program);
  registerTransferCommands(program);
  registerKeysCommands(program);
  registerUsersCommands(program);
  registerModelsCommands(program);
  registerDbCommands(program);
  registerConfigCommands(program);
  conventions(program);
  return program;
}
