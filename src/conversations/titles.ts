/**
 * Titles written by the model: a few words from the first exchange. Used on demand (the seed's
 * `gen_title`) and, unless switched off, after a conversation's first answer. The call is a
 * stateless generation like any other (allowlist, usage, limits); an upstream that keeps the
 * conversation titles its own copy instead.
 */

import { badRequest, notFound, ParleyError } from '../errors.ts';
import type { ModelRegistry } from '../providers/registry.ts';
import type { PromptMessage, UpstreamThreads } from '../providers/spec.ts';
import type { MessageRecord, Store } from '../store/store.ts';
import type { StatelessInput } from './generations.ts';
import { chooseModel } from './model-choice.ts';
import { toParleyError } from './provider-errors.ts';
import type { Turn } from './turn.ts';

const MAX_TITLE_LENGTH = 80;
/** Enough of each message for a title; long ones are cut. */
const EXCERPT_LENGTH = 1_000;

/** The prompt asking for a title of the first question and answer on a path. */
export function titlePrompt(path: readonly MessageRecord[]): PromptMessage[] | undefined {
  const question = path.find((message) => message.role === 'user' && message.deletedAt === null);
  if (question === undefined) return undefined;
  const answer = path.find((message) => message.role === 'assistant' && message.parentId === question.id);
  const excerpt = (text: string) =>
    text.length > EXCERPT_LENGTH ? `${text.slice(0, EXCERPT_LENGTH)}…` : text;
  const exchange = [`User: ${excerpt(question.content)}`];
  if (answer !== undefined && answer.content !== '') exchange.push(`Assistant: ${excerpt(answer.content)}`);
  return [
    {
      role: 'system',
      content:
        'You name conversations. Reply with a title of at most six words in the language of the conversation, ' +
        'with no quotes and no final punctuation.',
    },
    { role: 'user', content: `${exchange.join('\n\n')}\n\nTitle:` },
  ];
}

/** The model's reply as a clean title: one line, no quotes or trailing period, bounded. */
export function cleanTitle(reply: string): string | undefined {
  const line = reply
    .split('\n')
    .map((part) => part.trim())
    .find((part) => part !== '');
  if (line === undefined) return undefined;
  const title = line
    .replace(/^(title\s*:\s*)/i, '')
    .replace(/^["'“”‘’«»*]+|["'“”‘’«»*]+$/g, '')
    .replace(/[.。!]+$/, '')
    .trim();
  if (title === '') return undefined;
  return title.length > MAX_TITLE_LENGTH ? `${title.slice(0, MAX_TITLE_LENGTH - 1)}…` : title;
}

/** Who asks for a title: their allowlist and key (usage), and a title to keep if it changed. */
export interface TitleOptions {
  readonly onlyIfTitleIs?: string;
  readonly allowedModels?: readonly string[] | null;
  readonly keyId?: string | null;
}

export interface TitlesOptions {
  readonly store: Store;
  readonly models: ModelRegistry;
  readonly now: () => number;
  /** The generation path a title call takes (`Generations.statelessTurn`). */
  readonly statelessTurn: (input: StatelessInput) => Turn;
  /** An automatic title that failed (the conversation keeps the title it has). */
  readonly onBackgroundError: (error: unknown) => void;
}

export class Titles {
  readonly #store: Store;
  readonly #models: ModelRegistry;
  readonly #now: () => number;
  readonly #statelessTurn: (input: StatelessInput) => Turn;
  readonly #onBackgroundError: (error: unknown) => void;

  constructor(options: TitlesOptions) {
    this.#store = options.store;
    this.#models = options.models;
    this.#now = options.now;
    this.#statelessTurn = options.statelessTurn;
    this.#onBackgroundError = options.onBackgroundError;
  }

  /**
   * Asks the model for a title from the first exchange and stores it. With `onlyIfTitleIs`, keeps
   * a title someone set in the meantime. The call is a generation like any other: the caller's
   * allowlist applies, and its usage is recorded against the caller's key. Returns the title the
   * conversation has afterwards.
   */
  async generate(owner: string, conversationId: string, options: TitleOptions = {}): Promise<string> {
    const { onlyIfTitleIs } = options;
    const conversation = await this.#store.getConversation(owner, conversationId);
    if (conversation === undefined) throw notFound(`conversation ${conversationId} not found`);
    if (conversation.currentNode === null)
      throw badRequest('the conversation has no message to make a title from');
    const path = await this.#store.getPath(owner, conversationId, conversation.currentNode);
    const prompt = titlePrompt(path);
    if (prompt === undefined) throw badRequest('the conversation has no question to make a title from');
    const { modelName, model } = chooseModel(
      this.#models,
      conversation.model ?? undefined,
      options.allowedModels,
    );
    let reply: string;
    try {
      reply =
        model.threads === undefined
          ? (
              await this.#statelessTurn({
                owner,
                keyId: options.keyId ?? null,
                modelName,
                model,
                prompt,
                options: { maxOutputTokens: 24, temperature: 0.2 },
              }).generate(new AbortController().signal)
            ).text
          : await upstreamTitle(model.threads, path);
    } catch (error) {
      throw toParleyError(error);
    }
    const title = cleanTitle(reply);
    if (title === undefined) throw new ParleyError('UPSTREAM_ERROR', 'the model gave no title');
    const current = await this.#store.getConversation(owner, conversationId);
    if (current === undefined) throw notFound(`conversation ${conversationId} not found`);
    if (onlyIfTitleIs !== undefined && current.title !== onlyIfTitleIs) return current.title ?? title;
    await this.#store.setTitle(owner, conversationId, title, this.#now());
    return title;
  }

  /**
   * Once the first answer of a conversation is stored: a model-written title if that answer
   * completed, unless someone renamed the conversation meanwhile. Failures are reported, not thrown.
   */
  afterFirstAnswer(turn: Turn, owner: string, options: TitleOptions): void {
    const { conversationId, answerId } = turn.ids;
    void turn.settled.then(async () => {
      try {
        const answer = await this.#store.getMessage(owner, answerId);
        if (answer?.status !== 'completed') return;
        await this.generate(owner, conversationId, options);
      } catch (error) {
        this.#onBackgroundError(error);
      }
    });
  }
}

/**
 * A title from an upstream that keeps the conversation: it titles its own copy (asking the model
 * apart would start a new upstream conversation on the account).
 */
async function upstreamTitle(threads: UpstreamThreads, path: readonly MessageRecord[]): Promise<string> {
  const answer = path.findLast(
    (message) =>
      message.role === 'assistant' &&
      message.upstreamConversationId !== null &&
      message.upstreamMessageId !== null,
  );
  if (answer?.upstreamConversationId == null || answer.upstreamMessageId === null) {
    throw badRequest('the conversation has no answer from its upstream to make a title from');
  }
  return threads.generateTitle(answer.upstreamConversationId, answer.upstreamMessageId);
}
