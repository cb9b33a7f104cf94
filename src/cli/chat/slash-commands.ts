/**
 * The chat's slash commands: what each one is called, takes and does. `/edit` with no text is
 * handled by the prompt (it puts the last question on the line to be edited).
 */

import { CliError } from '../cli-error.ts';
import type { ChatSession } from './chat-session.ts';
import {
  chooseModel,
  exportConversation,
  listConversations,
  openConversation,
  setSystemPrompt,
  showOrSetTitle,
} from './conversation-commands.ts';

export interface SlashCommand {
  readonly name: string;
  readonly usage: string;
  readonly help: string;
  run(session: ChatSession, argument: string | undefined): Promise<void> | void;
}

export const SLASH_COMMANDS: readonly SlashCommand[] = [
  { name: 'new', usage: '/new', help: 'start a new conversation', run: (session) => session.startNew() },
  {
    name: 'list',
    usage: '/list',
    help: 'list your recent conversations',
    run: (session) => listConversations(session),
  },
  {
    name: 'open',
    usage: '/open <id or search>',
    help: 'open a conversation by id, or the best match of a search',
    run: (session, argument) => {
      if (argument === undefined) throw new CliError('usage: /open <id or search>');
      return openConversation(session, argument);
    },
  },
  {
    name: 'model',
    usage: '/model [name]',
    help: 'show the models, or answer with another one',
    run: (session, argument) => chooseModel(session, argument),
  },
  {
    name: 'system',
    usage: '/system [text]',
    help: 'show or set the system prompt',
    run: (session, argument) => setSystemPrompt(session, argument),
  },
  {
    name: 'regen',
    usage: '/regen',
    help: 'answer the last question again (a new branch)',
    run: (session) => session.regenerate(),
  },
  {
    name: 'edit',
    usage: '/edit [text]',
    help: 'change the last question (a new branch); alone, puts it on the line to edit',
    run: async (session, argument) => {
      if (argument === undefined) throw new CliError('usage: /edit <text>');
      await session.edit(await session.lastQuestion(), argument);
    },
  },
  {
    name: 'branch',
    usage: '/branch [n]',
    help: 'list the alternatives at the nearest fork, or switch to the n-th',
    run: (session, argument) => session.branch(argument),
  },
  {
    name: 'continue',
    usage: '/continue',
    help: 'continue the last answer',
    run: (session) => session.continueAnswer(),
  },
  {
    name: 'title',
    usage: '/title [text]',
    help: 'show or set the title',
    run: (session, argument) => showOrSetTitle(session, argument),
  },
  {
    name: 'export',
    usage: '/export [file]',
    help: 'print the conversation as Markdown, or write it to a file',
    run: (session, argument) => exportConversation(session, argument),
  },
];

export const EXIT_COMMANDS = ['/quit', '/exit'];

export function helpText(): string {
  const rows = [
    ...SLASH_COMMANDS.map((command) => [command.usage, command.help]),
    ['/help', 'this list'],
    ['/quit', 'leave (or Ctrl+D; Ctrl+C twice)'],
  ];
  const width = Math.max(...rows.map(([usage]) => (usage ?? '').length));
  return `${rows.map(([usage, help]) => `  ${(usage ?? '').padEnd(width)}  ${help}`).join('\n')}\nCtrl+C stops an answer.\n`;
}

/** Splits `/name rest of line` into the command and its argument (undefined when none). */
export function parseSlash(line: string): { readonly name: string; readonly argument: string | undefined } {
  const match = /^\/(\S+)\s*([\s\S]*)$/.exec(line.trim());
  const argument = match?.[2]?.trim();
  return {
    name: match?.[1] ?? '',
    argument: argument === undefined || argument === '' ? undefined : argument,
  };
}
