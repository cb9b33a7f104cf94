/**
 * `parley chat`: an interactive chat with a running server. node:readline gives line editing and
 * the input history; answers stream as they arrive, rendered as markdown (`--raw`: plain). Ctrl+C
 * stops an answer (on the server too) or clears the line; a second Ctrl+C in a row exits, as does
 * Ctrl+D or /quit. Lines starting with `/` are commands (slash-commands.ts).
 */

import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { answerWriter } from '../answer-writer.ts';
import { oneLine } from '../cli-error.ts';
import { clientFor } from '../global-options.ts';
import { ChatSession } from './chat-session.ts';
import { checkConnection, openLatestConversation, resumeConversation } from './conversation-commands.ts';
import { HISTORY_SIZE, loadHistory, saveHistory } from './input-history.ts';
import { EXIT_COMMANDS, helpText, parseSlash, SLASH_COMMANDS } from './slash-commands.ts';

interface ChatOptions {
  readonly model?: string;
  readonly system?: string;
  readonly raw?: boolean;
  readonly continue?: boolean;
  readonly conversation?: string;
}

const PROMPT = 'you › ';

export function registerChatCommand(program: Command): void {
  program
    .command('chat')
    .description('chat with a running server in the terminal (type /help inside)')
    .option('-m, --model <name>', 'the model to answer with')
    .option('-s, --system <text>', 'the system prompt for new conversations')
    .option('--raw', 'print answers as plain text, not rendered markdown')
    .option('--continue', 'resume the conversation you used last')
    .option('--conversation <id>', 'resume this conversation')
    .action(async (options: ChatOptions, command: Command) => {
      const client = await clientFor(command);
      const output = process.stdout;
      const print = (text: string) => {
        output.write(text);
      };
      const session = new ChatSession(client, () => answerWriter(output, options.raw === true), print, {
        model: options.model,
        systemPrompt: options.system,
      });
      if (options.conversation !== undefined) await resumeConversation(session, options.conversation);
      else if (options.continue === true) await openLatestConversation(session);
      // Before the prompt: a chat with no server, or a refused key, ends at once (exit 1).
      else await checkConnection(session);
      await repl(session, print);
    });
}

async function repl(session: ChatSession, print: (text: string) => void): Promise<void> {
  const history = await loadHistory();
  const lines = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: process.stdin.isTTY === true,
    history,
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    prompt: PROMPT,
  });
  lines.on('history', (current: string[]) => {
    saveHistory(current).catch(() => {});
  });
  print('Parley chat: type a question, /help for commands, Ctrl+C twice to leave.\n');

  // Set by a Ctrl+C; any input clears it, and a second Ctrl+C while it is set exits.
  let interrupted = false;
  let closed = false;
  // Lines typed (or piped) while an answer is written wait their turn, in order. Leaving on purpose
  // (Ctrl+C twice, /quit) drops them; the end of piped input does not.
  const queue: string[] = [];
  let working = false;
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const leave = () => {
    queue.length = 0;
    session.interrupt();
    lines.close();
  };
  lines.once('close', () => {
    closed = true;
    if (!working) finish();
  });

  lines.on('SIGINT', () => {
    if (interrupted) {
      print('\n');
      leave();
      return;
    }
    interrupted = true;
    if (session.answering) {
      session.interrupt();
      return;
    }
    if (lines.line !== '') {
      // Like a shell: Ctrl+C drops what was typed.
      (lines as unknown as { line: string }).line = '';
      interrupted = false;
      print('\n');
      lines.prompt();
      return;
    }
    print('\n(press Ctrl+C again to leave)\n');
    lines.prompt();
  });

  const handle = async (line: string) => {
    const text = line.trim();
    if (text === '') return;
    if (EXIT_COMMANDS.includes(text)) {
      leave();
      return;
    }
    if (!text.startsWith('/')) return session.ask(line);
    const { name, argument } = parseSlash(text);
    if (name === 'help') return print(helpText());
    if (name === 'edit' && argument === undefined) {
      // The last question goes on the line, to be changed and sent with Enter as `/edit <text>`.
      const question = await session.lastQuestion();
      lines.prompt();
      lines.write(`/edit ${question.content.replace(/\s*\n\s*/g, ' ')}`);
      return 'prompted';
    }
    const slash = SLASH_COMMANDS.find((candidate) => candidate.name === name);
    if (slash === undefined) return print(`unknown command /${name}: /help lists them\n`);
    await slash.run(session, argument);
  };

  const drain = async () => {
    if (working) return;
    working = true;
    let prompted = false;
    for (let line = queue.shift(); line !== undefined; line = queue.shift()) {
      prompted =
        (await handle(line).catch((error: unknown) => print(`parley: ${oneLine(error)}\n`))) === 'prompted';
    }
    working = false;
    if (closed) finish();
    else if (!prompted) lines.prompt();
  };

  lines.on('line', (line) => {
    interrupted = false;
    queue.push(line);
    void drain();
  });
  lines.prompt();
  await done;
}
