/**
 * `parley ask "question"`: one answer, streamed to stdout. A piped stdin is read and added to the
 * question (`git diff | parley ask "review this"`), or is the question when none is given.
 * Markdown is rendered on a terminal; piped output, `--raw` and `--json` stay plain.
 */

import { fstatSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import type { Command } from 'commander';
import { answerWriter, rawAnswerWriter } from './answer-writer.ts';
import { streamAnswer } from './answers.ts';
import type { ApiConversation } from './api-types.ts';
import { CliError, UsageError } from './cli-error.ts';
import { clientFor, wantsJson } from './global-options.ts';
import { printJson } from './output.ts';

interface AskOptions {
  readonly conversation?: string;
  readonly model?: string;
  readonly system?: string;
  readonly raw?: boolean;
}

/** Whether stdin is a pipe (a shell's FIFO or a parent process's socket) or a file, not a terminal or /dev/null. */
function stdinIsPiped(): boolean {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() || stat.isFile() || stat.isSocket();
  } catch {
    return false;
  }
}

export function registerAskCommand(program: Command): void {
  program
    .command('ask')
    .description('ask one question and stream the answer to stdout (reads stdin when piped)')
    .argument('[question...]', 'the question; piped stdin is appended to it')
    .option('-c, --conversation <id>', 'continue this conversation instead of starting one')
    .option('-m, --model <name>', 'the model to answer with')
    .option('-s, --system <text>', 'the system prompt')
    .option('--raw', 'print the answer as plain text, not rendered markdown')
    .action(async (words: string[], options: AskOptions, command: Command) => {
      const piped = stdinIsPiped() ? (await text(process.stdin)).trimEnd() : '';
      const question = [words.join(' ').trim(), piped].filter((part) => part !== '').join('\n\n');
      if (question === '') throw new UsageError('ask needs a question, as arguments or on stdin');
      const client = await clientFor(command);
      const json = wantsJson(command);

      let conversationId = options.conversation;
      if (conversationId === undefined) {
        const created = await client.json<ApiConversation>('POST', '/api/conversations', {
          body: {
            ...(options.model === undefined ? {} : { model: options.model }),
            ...(options.system === undefined ? {} : { system_prompt: options.system }),
          },
        });
        conversationId = created.id;
      } else if (options.system !== undefined) {
        await client.json('PATCH', `/api/conversations/${conversationId}`, {
          body: { system_prompt: options.system },
        });
      }

      const controller = new AbortController();
      let stopped = false;
      const onInterrupt = () => {
        if (stopped) process.exit(1);
        stopped = true;
        controller.abort();
      };
      process.on('SIGINT', onInterrupt);
      const writer = json
        ? rawAnswerWriter({ write: () => true })
        : await answerWriter(process.stdout, options.raw === true);
      try {
        const outcome = await streamAnswer(
          client,
          {
            conversationId,
            path: `/api/conversations/${conversationId}/messages`,
            body: { content: question, ...(options.model === undefined ? {} : { model: options.model }) },
            signal: controller.signal,
          },
          writer,
        );
        if (outcome === undefined) {
          throw new CliError(`stopped; the answer is kept, incomplete, in conversation ${conversationId}`);
        }
        if (json) {
          printJson({
            conversation_id: outcome.conversationId,
            question_id: outcome.questionId,
            message: outcome.message,
          });
        }
      } finally {
        process.off('SIGINT', onInterrupt);
      }
    });
}
