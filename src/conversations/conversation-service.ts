/**
 * The conversation core: asking (continue, branch, start), reading history, listing, renaming and
 * deleting. Every HTTP surface is a view of this one service; it knows the Store interface and
 * the provider spec, never HTTP.
 */

import { randomUUID } from 'node:crypto';
import { badRequest, notFound, ParleyError } from '../errors.ts';
import type { ModelRegistry } from '../providers/registry.ts';
import type { ConversationRecord, MessageRecord, NewMessage, Page, Store } from '../store/store.ts';
import { buildPrompt, titleFromQuestion } from './prompt.ts';
import { Turn, type TurnContext } from './turn.ts';

export interface AskInput {
  readonly owner: string;
  readonly question: string;
  /** Both or neither: the conversation and the message to answer under. */
  readonly conversationId?: string;
  readonly parentId?: string;
  readonly model?: string;
}

export interface ConversationHistory {
  readonly conversation: ConversationRecord;
  readonly messages: readonly MessageRecord[];
}

export interface ConversationServiceOptions {
  readonly store: Store;
  readonly models: ModelRegistry;
  readonly flushIntervalMs: number;
  readonly now?: () => number;
  readonly newId?: () => string;
  readonly onStoreError?: (error: unknown) => void;
}

export class ConversationService {
  readonly #store: Store;
  readonly #models: ModelRegistry;
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #shutdown = new AbortController();
  readonly #turnContext: TurnContext;

  constructor(options: ConversationServiceOptions) {
    this.#store = options.store;
    this.#models = options.models;
    this.#now = options.now ?? Date.now;
    this.#newId = options.newId ?? randomUUID;
    this.#turnContext = {
      store: options.store,
      now: this.#now,
      flushIntervalMs: options.flushIntervalMs,
      shutdownSignal: this.#shutdown.signal,
      onStoreError: options.onStoreError ?? (() => {}),
    };
  }

  /**
   * Starts a turn: checks the conversation and parent, builds the prompt from the path to the
   * root, and stores the question with an `in_progress` answer in one transaction. Run the
   * returned turn with `generate` or `stream`.
   */
  async startTurn(input: AskInput): Promise<Turn> {
    if (this.#shutdown.signal.aborted) throw new ParleyError('SHUTTING_DOWN', 'the server is shutting down');
    if ((input.conversationId === undefined) !== (input.parentId === undefined)) {
      throw badRequest(
        'parent_id and conversation_id go together: send both to continue, or neither to start',
      );
    }
    let conversation: ConversationRecord | undefined;
    let path: readonly MessageRecord[] = [];
    if (input.conversationId !== undefined && input.parentId !== undefined) {
      conversation = await this.#store.getConversation(input.owner, input.conversationId);
      if (conversation === undefined) throw notFound(`conversation ${input.conversationId} not found`);
      path = await this.#store.getPath(input.owner, input.conversationId, input.parentId);
      if (path.length === 0) throw notFound(`message ${input.parentId} not found in this conversation`);
    }

    const modelName = input.model ?? conversation?.model ?? this.#models.defaultModel;
    if (modelName === undefined) throw new ParleyError('NO_PROVIDER', this.#models.setupAdvice);
    const model = this.#models.resolve(modelName);
    if (model === undefined)
      throw new ParleyError('UNKNOWN_MODEL', `no provider serves the model "${modelName}"`);

    const conversationId = conversation?.id ?? this.#newId();
    const questionId = this.#newId();
    const answerId = this.#newId();
    const messages: NewMessage[] = [
      {
        id: questionId,
        parentId: input.parentId ?? null,
        role: 'user',
        content: input.question,
        status: 'completed',
      },
      {
        id: answerId,
        parentId: questionId,
        role: 'assistant',
        content: '',
        status: 'in_progress',
        model: modelName,
        provider: model.provider,
      },
    ];
    const written = await this.#store.beginTurn({
      owner: input.owner,
      conversationId,
      ...(conversation === undefined
        ? {
            newConversation: {
              id: conversationId,
              title: titleFromQuestion(input.question),
              model: modelName,
            },
          }
        : {}),
      messages,
      now: this.#now(),
    });
    // The conversation was deleted between the read and the write.
    if (!written) throw notFound(`conversation ${conversationId} not found`);
    return new Turn(
      { conversationId, questionId, answerId },
      modelName,
      model,
      buildPrompt(path, input.question),
      this.#turnContext,
    );
  }

  async history(owner: string, conversationId: string): Promise<ConversationHistory> {
    const conversation = await this.#store.getConversation(owner, conversationId);
    if (conversation === undefined) throw notFound(`conversation ${conversationId} not found`);
    const messages = await this.#store.listMessages(owner, conversationId);
    return { conversation, messages };
  }

  list(owner: string, offset: number, limit: number): Promise<Page<ConversationRecord>> {
    return this.#store.listConversations(owner, offset, limit);
  }

  async setTitle(owner: string, conversationId: string, title: string): Promise<void> {
    if (!(await this.#store.setTitle(owner, conversationId, title, this.#now()))) {
      throw notFound(`conversation ${conversationId} not found`);
    }
  }

  async delete(owner: string, conversationId: string): Promise<void> {
    if (!(await this.#store.deleteConversation(owner, conversationId, this.#now()))) {
      throw notFound(`conversation ${conversationId} not found`);
    }
  }

  /** Refuses new turns and stops every generation in flight; each stores what it had as `incomplete`. */
  shutdown(): void {
    this.#shutdown.abort();
  }
}
