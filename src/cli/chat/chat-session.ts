/**
 * A chat in the terminal, over the native API: the conversation it is in, the model and system
 * prompt it asks with, and what makes answers and moves between them (ask, regenerate, edit,
 * continue, switch branch). Answers stream through an `AnswerWriter`; `interrupt()` stops the one
 * being written, on the server too. Opening, listing and changing conversations are in
 * conversation-commands.ts.
 */

import type { AnswerWriter } from '../answer-writer.ts';
import { streamAnswer } from '../answers.ts';
import type { ApiClient } from '../api-client.ts';
import type { ApiConversation, ApiConversationWithMessages, ApiMessage } from '../api-types.ts';
import { CliError } from '../cli-error.ts';
import { ConversationTree, snippet } from './conversation-tree.ts';

export interface ChatSettings {
  model?: string | undefined;
  systemPrompt?: string | undefined;
}

export class ChatSession {
  readonly client: ApiClient;
  readonly #newWriter: () => Promise<AnswerWriter>;
  readonly print: (text: string) => void;
  readonly settings: ChatSettings;
  conversationId: string | undefined;
  #running: AbortController | undefined;

  constructor(
    client: ApiClient,
    newWriter: () => Promise<AnswerWriter>,
    print: (text: string) => void,
    settings: ChatSettings,
  ) {
    this.client = client;
    this.#newWriter = newWriter;
    this.print = print;
    this.settings = settings;
  }

  /** Whether an answer is being written now. */
  get answering(): boolean {
    return this.#running !== undefined;
  }

  /** Stops the answer being written (the stream, then the generation on the server). */
  interrupt(): void {
    this.#running?.abort();
  }

  async ask(question: string): Promise<void> {
    const id = this.conversationId ?? (await this.#create());
    await this.#answer(`/api/conversations/${id}/messages`, { content: question });
  }

  async regenerate(): Promise<void> {
    const tree = await this.#tree();
    const answer = tree.lastOnPath('assistant');
    if (answer === undefined) throw new CliError('there is no answer to regenerate yet');
    await this.#answer(`/api/conversations/${tree.conversation.id}/messages/${answer.id}/regenerate`, {});
  }

  /** The question `/edit` changes: the last one on the current branch. */
  async lastQuestion(): Promise<ApiMessage> {
    const question = (await this.#tree()).lastOnPath('user');
    if (question === undefined) throw new CliError('there is no question to edit yet');
    return question;
  }

  async edit(question: ApiMessage, content: string): Promise<void> {
    await this.#answer(`/api/conversations/${this.requireConversation()}/messages/${question.id}/edit`, {
      content,
    });
  }

  async continueAnswer(): Promise<void> {
    const tree = await this.#tree();
    const answer = tree.lastOnPath('assistant');
    if (answer === undefined) throw new CliError('there is no answer to continue yet');
    await this.#answer(`/api/conversations/${tree.conversation.id}/messages/${answer.id}/continue`, {});
  }

  /** Lists the alternatives at the nearest fork, or switches to the `choice`-th (1-based). */
  async branch(choice: string | undefined): Promise<void> {
    const tree = await this.#tree();
    const fork = tree.nearestFork();
    if (fork === undefined) {
      this.print('this conversation has one branch: /regen or /edit make another\n');
      return;
    }
    if (choice === undefined) {
      const parent = tree.get(fork.chosen.parent_id);
      this.print(
        `${fork.siblings.length} ${fork.chosen.role === 'user' ? 'questions' : 'answers'}` +
          `${parent === undefined ? '' : ` to “${snippet(parent.content, 50)}”`}:\n`,
      );
      for (const [index, sibling] of fork.siblings.entries()) {
        this.print(
          `${sibling.id === fork.chosen.id ? '*' : ' '} ${index + 1}  ${snippet(sibling.content)}\n`,
        );
      }
      this.print('/branch <n> switches\n');
      return;
    }
    const index = Number(choice);
    const target = Number.isInteger(index) ? fork.siblings[index - 1] : undefined;
    if (target === undefined) throw new CliError(`choose a branch from 1 to ${fork.siblings.length}`);
    const leaf = tree.leafOf(target);
    await this.client.json('PATCH', `/api/conversations/${tree.conversation.id}`, {
      body: { current_node: leaf.id },
    });
    this.print(`on branch ${index} of ${fork.siblings.length}\n`);
    this.showTail((await this.#tree()).currentPath(), 2);
  }

  startNew(): void {
    this.conversationId = undefined;
    this.print('new conversation\n');
  }

  async #create(): Promise<string> {
    const created = await this.client.json<ApiConversation>('POST', '/api/conversations', {
      body: {
        ...(this.settings.model === undefined ? {} : { model: this.settings.model }),
        ...(this.settings.systemPrompt === undefined ? {} : { system_prompt: this.settings.systemPrompt }),
      },
    });
    this.conversationId = created.id;
    return created.id;
  }

  /** Changes the conversation (title, model, system prompt, current node). */
  async patch(body: Record<string, unknown>): Promise<void> {
    await this.client.json('PATCH', `/api/conversations/${this.requireConversation()}`, { body });
  }

  requireConversation(): string {
    if (this.conversationId === undefined) throw new CliError('no conversation yet: ask something first');
    return this.conversationId;
  }

  async #tree(): Promise<ConversationTree> {
    const id = this.requireConversation();
    return new ConversationTree(
      await this.client.json<ApiConversationWithMessages>('GET', `/api/conversations/${id}`),
    );
  }

  /** Streams one answer; Ctrl+C (`interrupt`) stops it and cancels it on the server. */
  async #answer(path: string, body: Record<string, unknown>): Promise<void> {
    const controller = new AbortController();
    this.#running = controller;
    const model = this.settings.model;
    try {
      const outcome = await streamAnswer(
        this.client,
        {
          conversationId: this.requireConversation(),
          path,
          body: { ...body, ...(model === undefined ? {} : { model }) },
          signal: controller.signal,
        },
        await this.#newWriter(),
      );
      if (outcome === undefined) {
        this.print('[stopped: the answer is kept as incomplete; /continue goes on]\n');
        return;
      }
      await this.#showBranchNote(outcome.message);
    } finally {
      this.#running = undefined;
    }
  }

  /** After an answer that has alternatives, says which one this is. */
  async #showBranchNote(answer: ApiMessage | null): Promise<void> {
    if (answer === null) return;
    const tree = await this.#tree();
    const fork = tree.nearestFork();
    if (fork === undefined) return;
    const index = fork.siblings.findIndex((sibling) => sibling.id === fork.chosen.id);
    this.print(
      `[${fork.chosen.role === 'user' ? 'question' : 'answer'} ${index + 1} of ${fork.siblings.length}: /branch lists them]\n`,
    );
  }

  /** The last `count` questions and answers of a branch, a line each. */
  showTail(path: readonly ApiMessage[], count: number): void {
    for (const message of path
      .filter((entry) => entry.role === 'user' || entry.role === 'assistant')
      .slice(-count)) {
      this.print(`${message.role === 'user' ? 'you' : 'assistant'}: ${snippet(message.content, 200)}\n`);
    }
  }
}
