/**
 * `parley import <file>` and `parley export`: through the server's native API, so what is
 * imported is owned by the caller's key and checked like any request (Parley's own export or
 * ChatGPT's `conversations.json`, all or nothing).
 */

import { readFile, writeFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { CliError } from './cli-error.ts';
import { clientFor, wantsJson } from './global-options.ts';
import { printJson, printTable } from './output.ts';

interface ImportResult {
  readonly imported: number;
  readonly conversations: readonly { id: string; title: string | null; messages: number }[];
}

interface ExportOptions {
  readonly format: 'json' | 'markdown';
  readonly out?: string;
  readonly conversation?: string;
}

export function registerTransferCommands(program: Command): void {
  program
    .command('import')
    .description("import conversations: a Parley export or ChatGPT's conversations.json")
    .argument('<file>', 'the JSON file to import')
    .action(async (file: string, _options: unknown, command: Command) => {
      let body: unknown;
      try {
        body = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        throw new CliError(
          error instanceof SyntaxError
            ? `${file} is not valid JSON`
            : `cannot read ${file}: ${(error as Error).message}`,
        );
      }
      const client = await clientFor(command);
      const result = await client.json<ImportResult>('POST', '/api/import', { body });
      if (wantsJson(command)) return printJson(result);
      printTable(
        ['id', 'title', 'messages'],
        result.conversations.map((conversation) => [
          conversation.id,
          conversation.title,
          conversation.messages,
        ]),
      );
      process.stderr.write(`imported ${result.imported} conversation${result.imported === 1 ? '' : 's'}\n`);
    });

  program
    .command('export')
    .description('export your conversations (all, or one) as JSON or Markdown')
    .addOption(
      new Option('-f, --format <format>', 'the format').choices(['json', 'markdown']).default('json'),
    )
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .option('-c, --conversation <id>', 'export only this conversation')
    .action(async (options: ExportOptions, command: Command) => {
      const client = await clientFor(command);
      const path =
        options.conversation === undefined
          ? `/api/export?format=${options.format}`
          : `/api/conversations/${encodeURIComponent(options.conversation)}/export?format=${options.format}`;
      const text = await client.text(path, options.format === 'json' ? 'application/json' : 'text/markdown');
      const output = text.endsWith('\n') ? text : `${text}\n`;
      if (options.out === undefined) process.stdout.write(output);
      else {
        await writeFile(options.out, output);
        process.stderr.write(`exported to ${options.out}\n`);
      }
    });
}
