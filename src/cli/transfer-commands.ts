/**
 * `parley import <file>` and `parley export`: through the server's native API, so what is
 * imported is owned by the caller's key and checked like any request (Parley's own export or
 * ChatGPT's `conversations.json`, all or nothing). An export is written as it arrives (with its
 * attachments it may be larger than memory should hold).
 */

import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
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
      const response = await client.request('GET', path, {
        accept: options.format === 'json' ? 'application/json' : 'text/markdown',
      });
      const body = Readable.fromWeb(
        (response.body ?? new Blob([]).stream()) as WebReadableStream<Uint8Array>,
      );
      if (options.out === undefined)
        await pipeline(body, endingWithNewline(), process.stdout, { end: false });
      else {
        try {
          await pipeline(body, endingWithNewline(), createWriteStream(options.out));
        } catch (error) {
          // Half an export would not import: leave no file that looks like one.
          await rm(options.out, { force: true });
          throw error;
        }
        process.stderr.write(`exported to ${options.out}\n`);
      }
    });
}

/** Passes a text through, adding a newline at its end when it has none. */
function endingWithNewline(): Transform {
  let last: number | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (chunk.byteLength > 0) last = chunk[chunk.byteLength - 1];
      done(null, chunk);
    },
    flush(done) {
      done(null, last === 0x0a ? undefined : '\n');
    },
  });
}
