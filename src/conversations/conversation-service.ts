/**
 * The conversation core: asking (continue, branch, start), reading history, listing, renaming and
 * deleting. Every HTTP surface is a view of this one service; it knows the Store interface and
 * the provider spec, never HTTP.
 */

import { randomUUID } from 'node:crypto';
import { badRequest, notFound, ParleyError } from '../errors.ts';
import { MemoryRunLog } from '../infra/run-log.ts';
import type { ModelRegistry } from '../providers/registry.ts';
import { type ChatModel, type PromptMessage, partKindsOf, type UpstreamThreads } from '../providers/spec.ts';
import type {
  ConversationPatch,
  ConversationRecord,
  CursorPage,
  CursorQuery,
  ImportedConversation,
  MessageRecord,
  MessageContext,
  Metadata,
  NewAttachment,
  NewMessage,
  Page,
  PartRecord,
  RequestOptions,
  SearchHit,
  Store,
  UsageQuery,
  UsageSummaryRow,
} from '../store/store.ts';
import {
  type ContextPlan,
  type ContextSettings,
  contextWindowOf,
  DEFAULT_OUTPUT_RESERVE,
  fitToWindow,
} from './context-window.ts';
import type { GenerationObserver } from './generation-observer.ts';
import { attachmentsOf } from './message-parts.ts';
import { buildPrompt, buildPromptWithSources, type InputMessage, titleFromQuestion } from './prompt.ts';
import { toParleyError } from './provider-errors.ts';
import { type RunEvent, type RunEventLog, RunHub } from './runs.ts';
import { fitWithSummary } from './summaries.ts';
import { cleanTitle, titlePrompt } from './titles.ts';
import { parseImport } from './transfer.ts';
import { type GenerationOptions, Turn, type TurnContext } from './turn.ts';
import type { UsageRecorder } from './usage-recorder.ts';

/**
 * Messages of a path read for a turn at first: more than a window holds for messages of usual size,
 * so a long conversation costs what its window costs, not what its whole history does.
 */
const PATH_PAGE = 2_048;

/** How long a cancel waits for the answer's final state to be stored. */
const CANCEL_WAIT_MS = 5_000;
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** The store of a turn that is not kept (`store: false`): its writes go nowhere. */
const DROP_WRITES: TurnContext['store'] = { updateMessage: async () => {}, setUpstreamRefs: async () => {} };

export interface AskInput {
  readonly owner: string;
  readonly question: string;
  /** Both or neither: the conversation and the message to answer under. */
  readonly conversationId?: string;
  readonly parentId?: string;
  readonly model?: string;
  /** The models the caller may use; null or absent for all. */
  readonly allowedModels?: readonly string[] | null;
  readonly keyId?: string | null;
}

/** Who asks for a title: their allowlist and key (usage), and a title to keep if it changed. */
export interface TitleOptions {
  readonly onlyIfTitleIs?: string;
  readonly allowedModels?: readonly string[] | null;
  readonly keyId?: string | null;
}

/** What a caller may set on a generation started through the conversation operations. */
export interface GenerationCaller {
  readonly model?: string;
  readonly allowedModels?: readonly string[] | null;
  readonly keyId?: string | null;
}

/** Where a generation's new messages go. */
export type Placement =
  | { readonly kind: 'new-conversation'; readonly metadata?: Metadata }
  /**
   * Under a given message: continues its branch, or starts a new one when it has children. A null
   * parent starts a new root in the conversation (editing its first question).
   */
  | { readonly kind: 'under'; readonly conversationId: string; readonly parentId: string | null }
  /** After the conversation's current node (an empty conversation: at the root). */
  | { readonly kind: 'after-current'; readonly conversationId: string };

export interface GenerationInput {
  readonly owner: string;
  /** The new messages, oldest first; the model answers after the last. */
  readonly inputs: readonly InputMessage[];
  readonly placement: Placement;
  readonly model?: string;
  /** A system message for this call only; not stored as a message, not inherited by later turns. */
  readonly instructions?: string;
  readonly options?: GenerationOptions;
  /** Refuses (throws) what the resolved model cannot honour, before anything is written. */
  readonly checkModel?: (model: ChatModel) => void;
  /** `disabled`: a prompt longer than the model's window is a 400, not cut from its oldest end. */
  readonly truncation?: 'auto' | 'disabled';
  /** Bytes the inputs' parts name, stored with them (content-addressed). */
  readonly attachments?: readonly NewAttachment[];
  /** Stored on the answer (see `MessageRecord.requestOptions`). */
  readonly requestOptions?: RequestOptions;
  /** False: generate without writing anything (OpenAI's `store: false`). */
  readonly store?: boolean;
  readonly allowedModels?: readonly string[] | null;
  /** The API key the usage is charged to. */
  readonly keyId?: string | null;
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
  readonly observer?: GenerationObserver;
  readonly recorder?: UsageRecorder;
  /** Ask the model for a title after a new conversation's first answer. */
  readonly autoTitles?: boolean;
  readonly context?: ContextSettings;
  /** Replace what the context window drops with a summary the model writes. */
  readonly summaries?: boolean;
  /** Where runs keep their events for followers (in memory by default). */
  readonly runLog?: RunEventLog;
  /** This server process's id, written on the answers it generates (see the reaper). */
  readonly replicaId?: string;
  /** Asks the other servers to cancel a run (Redis pub/sub with several replicas). */
  readonly cancelElsewhere?: (answerId: string) => Promise<void>;
  /** A title or delete that a stateful upstream refused (Parley's own change stands). */
  readonly onUpstreamSyncError?: (error: unknown, upstreamConversationId: string) => void;
}

export class ConversationService {
  readonly #store: Store;
  readonly #models: ModelRegistry;
  readonly #now: () => number;
  readonly #newId: () => string;
  readonly #shutdown = new AbortController();
  readonly #turnContext: TurnContext;
  readonly #running = new Map<string, Turn>();
  readonly #runs: RunHub;
  readonly #replicaId: string;
  readonly #cancelElsewhere: ((answerId: string) => Promise<void>) | undefined;
  readonly #autoTitles: boolean;
  readonly #contextSettings: ContextSettings;
  readonly #summaries: boolean;
  readonly #onBackgroundError: (error: unknown) => void;
  readonly #onUpstreamSyncError: (error: unknown, upstreamConversationId: string) => void;

  constructor(options: ConversationServiceOptions) {
    this.#store = options.store;
    this.#models = options.models;
    this.#now = options.now ?? Date.now;
    this.#newId = options.newId ?? randomUUID;
    this.#autoTitles = options.autoTitles ?? false;
    this.#runs = new RunHub(options.runLog ?? new MemoryRunLog<RunEvent>());
    this.#replicaId = options.replicaId ?? randomUUID();
    this.#cancelElsewhere = options.cancelElsewhere;
    this.#contextSettings = options.context ?? {};
    this.#summaries = options.summaries ?? false;
    this.#onBackgroundError = options.onStoreError ?? (() => {});
    this.#onUpstreamSyncError = options.onUpstreamSyncError ?? (() => {});
    this.#turnContext = {
      store: options.store,
      now: this.#now,
      flushIntervalMs: options.flushIntervalMs,
      shutdownSignal: this.#shutdown.signal,
      onStoreError: options.onStoreError ?? (() => {}),
      onSettled: (turn) => this.#running.delete(turn.ids.answerId),
      ...(options.observer === undefined ? {} : { observer: options.observer }),
      ...(options.recorder === undefined ? {} : { recorder: options.recorder }),
    };
  }

  /** The seed's ask: one question, under a parent or in a new conversation. */
  async startTurn(input: AskInput): Promise<Turn> {
    if ((input.conversationId === undefined) !== (input.parentId === undefined)) {
      throw badRequest(
        'parent_id and conversation_id go together: send both to continue, or neither to start',
      );
    }
    const placement: Placement =
      input.conversationId !== undefined && input.parentId !== undefined
        ? { kind: 'under', conversationId: input.conversationId, parentId: input.parentId }
        : { kind: 'new-conversation' };
    return this.startGeneration({
      owner: input.owner,
      inputs: [{ role: 'user', content: input.question }],
      placement,
      ...(input.model === undefined ? {} : { model: input.model }),
      ...(input.allowedModels === undefined ? {} : { allowedModels: input.allowedModels }),
      ...(input.keyId === undefined ? {} : { keyId: input.keyId }),
    });
  }

  /**
   * Starts a generation: checks the conversation and parent, builds the prompt from the path to
   * the root, and stores the inputs with an `in_progress` answer in one transaction. Run the
   * returned turn with `generate` or `stream`.
   */
  async startGeneration(input: GenerationInput): Promise<Turn> {
    if (this.#shutdown.signal.aborted) throw new ParleyError('SHUTTING_DOWN', 'the server is shutting down');
    // A long path is read from its newest end: what the window cannot hold is not read at all.
    const located = await this.#locate(input.owner, input.placement, this.#summaries ? undefined : PATH_PAGE);
    const { conversation } = located;
    let { path } = located;
    // No new input: answer the message placed under again (a regenerate), which must be a question.
    if (input.inputs.length === 0 && path.at(-1)?.role !== 'user') {
      throw badRequest('there is nothing to answer: the input is empty');
    }

    const modelName = input.model ?? conversation?.model ?? this.#models.defaultModel;
    if (modelName === undefined) throw new ParleyError('NO_PROVIDER', this.#models.setupAdvice);
    assertModelAllowed(modelName, input.allowedModels);
    const model = this.#models.resolve(modelName);
    if (model === undefined)
      throw new ParleyError('UNKNOWN_MODEL', `no provider serves the model "${modelName}"`);
    input.checkModel?.(model);

    const conversationId = conversation?.id ?? this.#newId();
    const inputIds = input.inputs.map(() => this.#newId());
    const answerId = this.#newId();
    const questionId = inputIds.at(-1) ?? path.at(-1)?.id ?? answerId;
    const messages: NewMessage[] = input.inputs.map((message, index) => ({
      id: inputIds[index] ?? '',
      parentId: index === 0 ? (path.at(-1)?.id ?? null) : (inputIds[index - 1] ?? null),
      role: message.role,
      content: message.content,
      ...(message.parts === undefined ? {} : { parts: message.parts }),
      status: 'completed',
    }));
    // Fit the prompt to the model's window before anything is written: too long a message is a 400.
    const window = contextWindowOf(modelName, this.#contextSettings);
    // An upstream that keeps the conversation gets only the new message: nothing to summarize.
    const summarize =
      this.#summaries &&
      conversation !== undefined &&
      input.store !== false &&
      model.threads === undefined &&
      input.truncation !== 'disabled';
    let attachments = await this.#attachmentsFor(input.owner, path, input.inputs, input.attachments);
    const promptOf = (messages: readonly MessageRecord[]) =>
      buildPromptWithSources(
        messages,
        input.inputs,
        input.instructions,
        conversation?.systemPrompt,
        attachments,
      );
    let { prompt, sources } = promptOf(path);
    const keepLast = Math.max(1, input.inputs.length);
    const reserve = input.options?.maxOutputTokens ?? DEFAULT_OUTPUT_RESERVE;
    let plan: ContextPlan;
    let summaryId: string | undefined;
    if (summarize) {
      const fitted = await fitWithSummary({
        store: this.#store,
        owner: input.owner,
        conversationId: conversation.id,
        prompt,
        sources,
        keepLast,
        window,
        reserve,
        model,
        modelName,
        now: this.#now(),
        onError: this.#onBackgroundError,
      });
      plan = fitted.plan;
      summaryId = fitted.summaryId;
    } else {
      plan = await fitToWindow(prompt, keepLast, window, reserve, 1, modelName);
      const leaf = path.at(-1);
      if (located.partial && leaf !== undefined && conversation !== undefined) {
        if (plan.droppedMessages === 0) {
          // All that was read fits: older messages may fit too, so the whole path is needed.
          path = await this.#store.getPath(input.owner, conversation.id, leaf.id);
          attachments = await this.#attachmentsFor(input.owner, path, input.inputs, input.attachments);
          ({ prompt, sources } = promptOf(path));
          plan = await fitToWindow(prompt, keepLast, window, reserve, 1, modelName);
        } else {
          // The window dropped some of what was read: everything older goes too. Count it.
          const unread = (await this.#store.countPath(input.owner, conversation.id, leaf.id)) - path.length;
          plan = { ...plan, droppedMessages: plan.droppedMessages + unread };
        }
      }
    }
    if (input.truncation === 'disabled' && plan.droppedMessages > 0) {
      throw new ParleyError(
        'CONTEXT_LENGTH_EXCEEDED',
        `The input needs more than this model's context window of ${window} tokens (with ${reserve} kept for the answer), ` +
          "and truncation is 'disabled'. Shorten the input, or set truncation to 'auto'.",
        { param: 'input' },
      );
    }
    assertModelTakes(plan.prompt, model);
    messages.push({
      id: answerId,
      parentId: questionId,
      role: 'assistant',
      content: '',
      status: 'in_progress',
      model: modelName,
      provider: model.provider,
      context: describePlan(window, plan, summaryId),
      generator: this.#replicaId,
      ...(input.requestOptions === undefined ? {} : { requestOptions: input.requestOptions }),
    });
    const stored = input.store !== false;
    if (stored) {
      const firstUser = input.inputs.find((message) => message.role === 'user') ?? input.inputs[0];
      const written = await this.#store.beginTurn({
        owner: input.owner,
        conversationId,
        ...(conversation === undefined
          ? {
              newConversation: {
                id: conversationId,
                title: titleFromQuestion(firstUser?.content ?? ''),
                model: modelName,
                ...(input.placement.kind === 'new-conversation' && input.placement.metadata !== undefined
                  ? { metadata: input.placement.metadata }
                  : {}),
              },
            }
          : {}),
        messages,
        ...(input.attachments === undefined ? {} : { attachments: input.attachments }),
        now: this.#now(),
      });
      // The conversation was deleted between the read and the write.
      if (!written) throw notFound(`conversation ${conversationId} not found`);
    }
    // A conversation made empty and untitled (e.g. `POST /api/conversations`) is titled by its
    // first question, as one created by its first question is.
    const firstQuestion = input.inputs.find((message) => message.role === 'user')?.content;
    const untitled =
      stored && conversation !== undefined && conversation.title === null && firstQuestion !== undefined;
    if (untitled) {
      await this.#store.updateConversation(
        input.owner,
        conversationId,
        { title: titleFromQuestion(firstQuestion) },
        this.#now(),
      );
    }
    const turn = new Turn(
      { conversationId, questionId, inputIds, answerId },
      modelName,
      model,
      plan.prompt,
      stored ? this.#turnContext : { ...this.#turnContext, store: DROP_WRITES },
      input.options,
      {
        owner: input.owner,
        keyId: input.keyId ?? null,
        stored,
        ...(plan.counted ? { promptTokens: plan.tokens } : {}),
      },
    );
    this.#running.set(answerId, turn);
    if (stored && (conversation === undefined || untitled) && this.#autoTitles) {
      const defaultTitle = titleFromQuestion(firstQuestion ?? '');
      // The title call is charged to the same key, under the same allowlist and limits.
      const caller = { allowedModels: input.allowedModels ?? null, keyId: input.keyId ?? null };
      void turn.settled.then(() =>
        this.#autoTitle(input.owner, conversationId, answerId, { onlyIfTitleIs: defaultTitle, ...caller }),
      );
    }
    return turn;
  }

  /**
   * A generation that stores nothing (`/v1/chat/completions`): the same turn as every other — its
   * metrics, usage row, cancel and shutdown — with its writes dropped.
   */
  statelessTurn(input: {
    readonly owner: string;
    readonly keyId: string | null;
    readonly modelName: string;
    readonly model: ChatModel;
    readonly prompt: readonly PromptMessage[];
    readonly options?: GenerationOptions;
  }): Turn {
    if (this.#shutdown.signal.aborted) throw new ParleyError('SHUTTING_DOWN', 'the server is shutting down');
    assertModelTakes(input.prompt, input.model);
    const answerId = this.#newId();
    return new Turn(
      { conversationId: this.#newId(), questionId: answerId, inputIds: [], answerId },
      input.modelName,
      input.model,
      input.prompt,
      { ...this.#turnContext, store: DROP_WRITES, onSettled: () => {} },
      input.options,
      { owner: input.owner, keyId: input.keyId, stored: false },
    );
  }

  /** After a first answer that completed: a model-written title, unless someone renamed it meanwhile. */
  async #autoTitle(
    owner: string,
    conversationId: string,
    answerId: string,
    options: TitleOptions,
  ): Promise<void> {
    try {
      const answer = await this.#store.getMessage(owner, answerId);
      if (answer?.status !== 'completed') return;
      await this.generateTitle(owner, conversationId, options);
    } catch (error) {
      this.#onBackgroundError(error);
    }
  }

  /**
   * Asks the model for a title from the first exchange and stores it. With `onlyIfTitleIs`, keeps
   * a title someone set in the meantime. The call is a generation like any other: the caller's
   * allowlist applies, and its usage is recorded against the caller's key. Returns the title the
   * conversation has afterwards.
   */
  async generateTitle(owner: string, conversationId: string, options: TitleOptions = {}): Promise<string> {
    const { onlyIfTitleIs } = options;
    const conversation = await this.#store.getConversation(owner, conversationId);
    if (conversation === undefined) throw notFound(`conversation ${conversationId} not found`);
    if (conversation.currentNode === null)
      throw badRequest('the conversation has no message to make a title from');
    const path = await this.#store.getPath(owner, conversationId, conversation.currentNode);
    const prompt = titlePrompt(path);
    if (prompt === undefined) throw badRequest('the conversation has no question to make a title from');
    const modelName = conversation.model ?? this.#models.defaultModel;
    if (modelName === undefined) throw new ParleyError('NO_PROVIDER', this.#models.setupAdvice);
    assertModelAllowed(modelName, options.allowedModels);
    const model = this.#models.resolve(modelName);
    if (model === undefined) throw new ParleyError('NO_PROVIDER', this.#models.setupAdvice);
    let reply: string;
    try {
      reply =
        model.threads === undefined
          ? (
              await this.statelessTurn({
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
   * A new answer to the question an existing answer replied to, as that answer's sibling
   * (ChatGPT's "regenerate"). The conversation's current node moves to the new answer.
   */
  async regenerate(
    owner: string,
    conversationId: string,
    answerId: string,
    model?: string,
    allowedModels?: readonly string[] | null,
    keyId?: string | null,
  ): Promise<Turn> {
    const path = await this.#store.getPath(owner, conversationId, answerId);
    const answer = path.at(-1);
    const question = path.at(-2);
    if (answer === undefined || answer.deletedAt !== null)
      throw notFound(`message ${answerId} not found in this conversation`);
    if (answer.role !== 'assistant' || question === undefined || question.role !== 'user') {
      throw badRequest('a variant needs parent_id to be an answer to a question');
    }
    return this.startGeneration({
      owner,
      inputs: [],
      placement: { kind: 'under', conversationId, parentId: question.id },
      ...(model === undefined ? {} : { model }),
      ...(allowedModels === undefined ? {} : { allowedModels }),
      ...(keyId === undefined ? {} : { keyId }),
    });
  }

  /**
   * Edit: a new version of a user message, as its sibling (same parent), and an answer to it.
   * The old version and everything under it stay, on their own branch.
   */
  async edit(
    owner: string,
    conversationId: string,
    messageId: string,
    edited: {
      readonly content: string;
      readonly parts?: readonly PartRecord[];
      readonly attachments?: readonly NewAttachment[];
    },
    caller: GenerationCaller = {},
  ): Promise<Turn> {
    const message = await this.#messageOf(owner, conversationId, messageId);
    if (message.role !== 'user') throw badRequest('only a user message can be edited', 'message_id');
    const { attachments, ...question } = edited;
    return this.startGeneration({
      owner,
      inputs: [{ role: 'user', ...question }],
      ...(attachments === undefined || attachments.length === 0 ? {} : { attachments }),
      placement: { kind: 'under', conversationId, parentId: message.parentId },
      ...caller,
    });
  }

  /**
   * Continue: the model goes on from where an answer stopped (cut by the length limit, cancelled,
   * failed mid-way). The continuation extends the same message: its text grows, its status is
   * `in_progress` again and then final, and it becomes the current node.
   */
  async continueAnswer(
    owner: string,
    conversationId: string,
    answerId: string,
    caller: GenerationCaller = {},
  ): Promise<Turn> {
    if (this.#shutdown.signal.aborted) throw new ParleyError('SHUTTING_DOWN', 'the server is shutting down');
    const conversation = await this.#store.getConversation(owner, conversationId);
    if (conversation === undefined) throw notFound(`conversation ${conversationId} not found`);
    const path = await this.#store.getPath(owner, conversationId, answerId);
    const answer = path.at(-1);
    if (answer === undefined || answer.deletedAt !== null)
      throw notFound(`message ${answerId} not found in this conversation`);
    if (answer.role !== 'assistant') throw badRequest('only an answer can be continued', 'parent_id');
    if (answer.status === 'in_progress')
      throw new ParleyError('CONFLICT', 'this answer is still being written');
    const modelName = caller.model ?? answer.model ?? conversation.model ?? this.#models.defaultModel;
    if (modelName === undefined) throw new ParleyError('NO_PROVIDER', this.#models.setupAdvice);
    assertModelAllowed(modelName, caller.allowedModels);
    const model = this.#models.resolve(modelName);
    if (model === undefined)
      throw new ParleyError('UNKNOWN_MODEL', `no provider serves the model "${modelName}"`);
    const plan = await fitToWindow(
      buildPrompt(
        path,
        [],
        undefined,
        conversation.systemPrompt,
        await this.#attachmentsFor(owner, path, [], undefined),
      ),
      1,
      contextWindowOf(modelName, this.#contextSettings),
      DEFAULT_OUTPUT_RESERVE,
      1,
      modelName,
    );
    // One continuation at a time: the store reopens the answer atomically, so of concurrent
    // continues one wins and the others are refused before any upstream call.
    const reopened =
      !this.#running.has(answerId) &&
      (await this.#store.reopenAnswer(owner, conversationId, answerId, this.#replicaId, this.#now()));
    if (!reopened) throw new ParleyError('CONFLICT', 'this answer is still being written');
    const parent = path.at(-2);
    const turn = new Turn(
      { conversationId, questionId: parent?.id ?? answerId, inputIds: [], answerId },
      modelName,
      model,
      // The cut answer is the last message: models that continue a final assistant message pick up there.
      plan.prompt,
      this.#turnContext,
      {},
      { owner, keyId: caller.keyId ?? null, stored: true },
      answer.content,
    );
    this.#running.set(answerId, turn);
    return turn;
  }

  /** Makes a message the current node: the branch through it is the conversation's current one. */
  async switchBranch(owner: string, conversationId: string, messageId: string): Promise<void> {
    await this.#messageOf(owner, conversationId, messageId);
    await this.#store.updateConversation(owner, conversationId, { currentNode: messageId }, this.#now());
  }

  /** A new conversation holding copies of the path from the root to `messageId`. */
  async fork(owner: string, conversationId: string, messageId: string): Promise<ConversationRecord> {
    const conversation = await this.#store.getConversation(owner, conversationId);
    if (conversation === undefined) throw notFound(`conversation ${conversationId} not found`);
    const path = (await this.#store.getPath(owner, conversationId, messageId)).filter(
      (message) => message.deletedAt === null,
    );
    if (path.length === 0) throw notFound(`message ${messageId} not found in this conversation`);
    const now = this.#now();
    const forkId = this.#newId();
    const ids = new Map(path.map((message) => [message.id, this.#newId()]));
    const messages = path.map((message, index) => ({
      ...message,
      id: ids.get(message.id) ?? '',
      conversationId: forkId,
      parentId: index === 0 ? null : (ids.get(path[index - 1]?.id ?? '') ?? null),
      // A fork starts its own upstream thread: deleting it must not hide the original's.
      upstreamConversationId: null,
      upstreamMessageId: null,
    }));
    const fork: ConversationRecord = {
      ...conversation,
      id: forkId,
      title: `${conversation.title ?? 'Conversation'} (fork)`,
      currentNode: messages.at(-1)?.id ?? null,
      metadata: { ...conversation.metadata, forked_from: conversationId },
      createdAt: now,
      updatedAt: now,
    };
    await this.#store.importConversations([{ conversation: fork, messages }]);
    return fork;
  }

  /** Changes title, system prompt, default model or current node (which must be a live message). */
  async update(owner: string, conversationId: string, patch: ConversationPatch): Promise<ConversationRecord> {
    if (patch.currentNode !== undefined) await this.#messageOf(owner, conversationId, patch.currentNode);
    if (!(await this.#store.updateConversation(owner, conversationId, patch, this.#now()))) {
      throw notFound(`conversation ${conversationId} not found`);
    }
    const { title } = patch;
    if (title !== undefined && title !== null) {
      await this.#syncUpstreamThreads(owner, conversationId, (threads, id) => threads.rename(id, title));
    }
    const conversation = await this.#store.getConversation(owner, conversationId);
    if (conversation === undefined) throw notFound(`conversation ${conversationId} not found`);
    return conversation;
  }

  /** A live message of the owner's conversation, or a 404. */
  async #messageOf(owner: string, conversationId: string, messageId: string): Promise<MessageRecord> {
    const message = await this.#store.getMessage(owner, messageId);
    if (message === undefined || message.conversationId !== conversationId) {
      throw notFound(`message ${messageId} not found in this conversation`);
    }
    return message;
  }

  /** Deletes every conversation of the owner; returns how many. */
  clear(owner: string): Promise<number> {
    return this.#store.deleteAllConversations(owner, this.#now());
  }

  /**
   * Runs a turn apart from its caller's connection: its events can be followed (and resumed) by
   * id until a while after it ends. A follower leaving does not stop it; `Turn.cancel` does.
   */
  startRun(turn: Turn): string {
    return this.#runs.start(turn);
  }

  /** True while the events of this answer's run can be followed here. */
  hasRun(answerId: string): Promise<boolean> {
    return this.#runs.has(answerId);
  }

  /** The run's events after sequence `after`, replayed then live. */
  followRun(answerId: string, after: number, signal: AbortSignal): AsyncIterable<RunEvent> {
    return this.#runs.follow(answerId, after, signal);
  }

  /**
   * Stops an answer being written, on this server or another (through `cancelElsewhere`), and
   * waits (a few seconds at most) until its final state is stored. Returns whether it was running.
   */
  async cancel(owner: string, answerId: string): Promise<boolean> {
    const running = this.#running.get(answerId);
    if (running !== undefined) {
      running.cancel();
      await Promise.race([running.settled, sleep(CANCEL_WAIT_MS)]);
      return true;
    }
    const answer = await this.#store.getMessage(owner, answerId);
    if (answer?.status !== 'in_progress' || this.#cancelElsewhere === undefined) return false;
    await this.#cancelElsewhere(answerId);
    for (const deadline = Date.now() + CANCEL_WAIT_MS; Date.now() < deadline; ) {
      await sleep(50);
      if ((await this.#store.getMessage(owner, answerId))?.status !== 'in_progress') break;
    }
    return true;
  }

  /** Cancels a local run named by another server's broadcast (see `cancelElsewhere`). */
  cancelLocal(answerId: string): void {
    this.#running.get(answerId)?.cancel();
  }

  /** The turn generating this answer, while it runs. */
  runningTurn(answerId: string): Turn | undefined {
    return this.#running.get(answerId);
  }

  /**
   * The conversation and the path the new messages hang from (empty for a new root). With `newest`,
   * only that many messages of the path, ending at the parent: `partial` when older ones exist.
   */
  async #locate(
    owner: string,
    placement: Placement,
    newest?: number,
  ): Promise<{
    conversation: ConversationRecord | undefined;
    path: readonly MessageRecord[];
    partial: boolean;
  }> {
    if (placement.kind === 'new-conversation') return { conversation: undefined, path: [], partial: false };
    const conversation = await this.#store.getConversation(owner, placement.conversationId);
    if (conversation === undefined) throw notFound(`conversation ${placement.conversationId} not found`);
    const parentId = placement.kind === 'under' ? placement.parentId : conversation.currentNode;
    if (parentId === null) return { conversation, path: [], partial: false };
    const path = await this.#store.getPath(owner, conversation.id, parentId, newest);
    if (path.length === 0) throw notFound(`message ${parentId} not found in this conversation`);
    if (path.at(-1)?.deletedAt !== null) throw notFound(`message ${parentId} not found in this conversation`);
    const partial = path.length === newest && (path[0]?.parentId ?? null) !== null;
    return { conversation, path, partial };
  }

  /** Creates a conversation holding these messages (chained, oldest first) and nothing generated. */
  async createConversation(
    owner: string,
    items: readonly InputMessage[],
    metadata: Metadata,
    settings: {
      readonly title?: string | null;
      readonly systemPrompt?: string | null;
      readonly model?: string | null;
    } = {},
  ): Promise<{ conversation: ConversationRecord; messages: readonly MessageRecord[] }> {
    const conversationId = this.#newId();
    const messages = this.#chain(items, null);
    const firstUser = items.find((message) => message.role === 'user');
    await this.#store.beginTurn({
      owner,
      conversationId,
      newConversation: {
        id: conversationId,
        title: settings.title ?? (firstUser === undefined ? null : titleFromQuestion(firstUser.content)),
        model: settings.model ?? null,
        metadata,
        systemPrompt: settings.systemPrompt ?? null,
      },
      messages,
      now: this.#now(),
    });
    const conversation = await this.#store.getConversation(owner, conversationId);
    if (conversation === undefined) throw notFound(`conversation ${conversationId} not found`);
    return { conversation, messages: await this.#read(owner, conversationId, messages) };
  }

  /** Appends messages after the conversation's current node, in one transaction. */
  async appendMessages(
    owner: string,
    conversationId: string,
    items: readonly InputMessage[],
  ): Promise<readonly MessageRecord[]> {
    const messages = this.#chain(items, null);
    const written = await this.#store.beginTurn({
      owner,
      conversationId,
      messages,
      appendToCurrentNode: true,
      now: this.#now(),
    });
    if (!written) throw notFound(`conversation ${conversationId} not found`);
    return this.#read(owner, conversationId, messages);
  }

  #chain(items: readonly InputMessage[], parentId: string | null): NewMessage[] {
    const messages: NewMessage[] = [];
    for (const item of items) {
      const previous = messages.at(-1);
      messages.push({
        id: this.#newId(),
        parentId: previous === undefined ? parentId : previous.id,
        role: item.role,
        content: item.content,
        status: 'completed',
      });
    }
    return messages;
  }

  async #read(
    owner: string,
    conversationId: string,
    written: readonly NewMessage[],
  ): Promise<MessageRecord[]> {
    const last = written.at(-1);
    if (last === undefined) return [];
    const path = await this.#store.getPath(owner, conversationId, last.id);
    return path.slice(-written.length);
  }

  /** The messages of the branch that ends at the conversation's current node, root first. */
  async currentBranch(owner: string, conversationId: string): Promise<readonly MessageRecord[]> {
    const conversation = await this.#store.getConversation(owner, conversationId);
    if (conversation === undefined) throw notFound(`conversation ${conversationId} not found`);
    if (conversation.currentNode === null) return [];
    const path = await this.#store.getPath(owner, conversationId, conversation.currentNode);
    return path.filter((message) => message.deletedAt === null);
  }

  getConversation(owner: string, conversationId: string): Promise<ConversationRecord | undefined> {
    return this.#store.getConversation(owner, conversationId);
  }

  listAfter(owner: string, query: CursorQuery): Promise<CursorPage<ConversationRecord>> {
    return this.#store.listConversationsAfter(owner, query);
  }

  async setMetadata(owner: string, conversationId: string, metadata: Metadata): Promise<void> {
    if (!(await this.#store.setMetadata(owner, conversationId, metadata, this.#now()))) {
      throw notFound(`conversation ${conversationId} not found`);
    }
  }

  /** The bytes of an attachment the owner stored, or undefined. */
  async getAttachment(owner: string, sha256: string): Promise<Uint8Array | undefined> {
    return (await this.#store.getAttachments(owner, [sha256])).get(sha256);
  }

  /** One live message of the owner's, in any conversation. */
  getMessage(owner: string, messageId: string): Promise<MessageRecord | undefined> {
    return this.#store.getMessage(owner, messageId);
  }

  /** The path from the root to a message, root first (deleted messages included). */
  getPath(owner: string, conversationId: string, messageId: string): Promise<readonly MessageRecord[]> {
    return this.#store.getPath(owner, conversationId, messageId);
  }

  async deleteMessage(owner: string, conversationId: string, messageId: string): Promise<void> {
    if (!(await this.#store.deleteMessage(owner, conversationId, messageId, this.#now()))) {
      throw notFound(`item ${messageId} not found`);
    }
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
    await this.#syncUpstreamThreads(owner, conversationId, (threads, id) => threads.rename(id, title));
  }

  async delete(owner: string, conversationId: string): Promise<void> {
    // Read before the delete: a deleted conversation reads as not found.
    const threads = await this.#upstreamThreadsOf(owner, conversationId);
    if (!(await this.#store.deleteConversation(owner, conversationId, this.#now()))) {
      throw notFound(`conversation ${conversationId} not found`);
    }
    await this.#callUpstreamThreads(threads, (upstream, id) => upstream.remove(id));
  }

  /**
   * The upstream conversations (ChatGPT's web backend keeps its own) behind a Parley conversation,
   * with the provider that reaches each. Empty, without a read, when no stateful provider is set.
   */
  async #upstreamThreadsOf(
    owner: string,
    conversationId: string,
  ): Promise<readonly { readonly threads: UpstreamThreads; readonly upstreamId: string }[]> {
    if (this.#models.keepsUpstreamThreads !== true) return [];
    const found = new Map<string, { threads: UpstreamThreads; upstreamId: string }>();
    for (const message of await this.#store.listMessages(owner, conversationId)) {
      const upstreamId = message.upstreamConversationId;
      if (upstreamId === null || message.model === null || found.has(upstreamId)) continue;
      const threads = this.#models.resolve(message.model)?.threads;
      if (threads !== undefined) found.set(upstreamId, { threads, upstreamId });
    }
    return [...found.values()];
  }

  async #syncUpstreamThreads(
    owner: string,
    conversationId: string,
    call: (threads: UpstreamThreads, upstreamId: string) => Promise<void>,
  ): Promise<void> {
    await this.#callUpstreamThreads(await this.#upstreamThreadsOf(owner, conversationId), call);
  }

  /**
   * Parley's own change is made first and stands: an upstream that refuses the echo (an expired
   * token, a conversation already gone there) is logged, not turned into a failed request.
   */
  async #callUpstreamThreads(
    targets: readonly { readonly threads: UpstreamThreads; readonly upstreamId: string }[],
    call: (threads: UpstreamThreads, upstreamId: string) => Promise<void>,
  ): Promise<void> {
    await Promise.all(
      targets.map(({ threads, upstreamId }) =>
        call(threads, upstreamId).catch((error: unknown) => this.#onUpstreamSyncError(error, upstreamId)),
      ),
    );
  }

  /** True when the store answers (for readiness checks). */
  async storeIsReachable(): Promise<boolean> {
    try {
      await this.#store.ping();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A conversation and all its messages as `viewer` may see it: its own, or anyone's for an admin.
   * Another owner's id reads as not found for everyone else.
   */
  async readAs(
    viewer: { readonly owner: string; readonly admin: boolean },
    conversationId: string,
  ): Promise<ConversationHistory> {
    let conversation = await this.#store.getConversation(viewer.owner, conversationId);
    if (conversation === undefined && viewer.admin)
      conversation = await this.#store.findConversationForAdmin(conversationId);
    if (conversation === undefined) throw notFound(`conversation ${conversationId} not found`);
    const messages = await this.#store.listMessages(conversation.owner, conversationId);
    return { conversation, messages };
  }

  /** Every live conversation of an owner with its messages, oldest first (for exports). */
  async allHistories(owner: string): Promise<ConversationHistory[]> {
    const histories: ConversationHistory[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#store.listConversationsAfter(owner, {
        order: 'asc',
        limit: 100,
        ...(after === undefined ? {} : { after }),
      });
      for (const conversation of page.items) {
        histories.push({ conversation, messages: await this.#store.listMessages(owner, conversation.id) });
      }
      after = page.items.at(-1)?.id;
      if (!page.hasMore || after === undefined) return histories;
    }
  }

  /** Imports a Parley export or ChatGPT's conversations.json for `owner`: all of it, or nothing. */
  async importData(owner: string, data: unknown): Promise<readonly ImportedConversation[]> {
    const items = parseImport(data, owner, this.#now());
    const { conflicts } = await this.#store.importConversations(items);
    if (conflicts.length > 0) {
      throw new ParleyError(
        'CONFLICT',
        `import: ${conflicts.length} ids exist already (e.g. ${conflicts.slice(0, 3).join(', ')}); nothing was imported`,
      );
    }
    return items;
  }

  search(owner: string, text: string, limit: number): Promise<readonly SearchHit[]> {
    return this.#store.search(owner, text, limit);
  }

  /** Usage summed from the store, after the rows still waiting for their batch are written. */
  async usageSummary(query: UsageQuery): Promise<readonly UsageSummaryRow[]> {
    await this.#turnContext.recorder?.flush();
    return this.#store.summarizeUsage(query);
  }

  /**
   * The bytes of every attachment the messages and inputs name: those sent with this request, and
   * the owner's stored ones (one read, only when some part names an attachment).
   */
  async #attachmentsFor(
    owner: string,
    path: readonly MessageRecord[],
    inputs: readonly InputMessage[],
    sent: readonly NewAttachment[] | undefined,
  ): Promise<ReadonlyMap<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    for (const attachment of sent ?? []) found.set(attachment.sha256, attachment.data);
    const wanted = new Set<string>();
    for (const message of [...path, ...inputs]) {
      for (const sha256 of attachmentsOf(message.parts ?? [])) if (!found.has(sha256)) wanted.add(sha256);
    }
    if (wanted.size === 0) return found;
    for (const [sha256, data] of await this.#store.getAttachments(owner, [...wanted]))
      found.set(sha256, data);
    return found;
  }

  /** Refuses new turns and stops every generation in flight; each stores what it had as `incomplete`. */
  shutdown(): void {
    this.#shutdown.abort();
  }
}

/** Refuses a prompt with parts the model cannot take (400 naming the part and the provider). */
function assertModelTakes(prompt: readonly PromptMessage[], model: ChatModel): void {
  for (const kind of partKindsOf(prompt)) {
    const takes =
      kind === 'image'
        ? model.capabilities?.images
        : kind === 'file'
          ? model.capabilities?.files
          : // Reasoning and refusals are the model's own output, passed back as it gave them.
            true;
    if (takes !== true) {
      throw new ParleyError('BAD_REQUEST', `the ${model.provider} provider does not take ${kind} parts`);
    }
  }
}

/** Refuses a model outside the caller's allowlist (403, naming the model). */
export function assertModelAllowed(
  modelName: string,
  allowedModels: readonly string[] | null | undefined,
): void {
  if (allowedModels === null || allowedModels === undefined || allowedModels.includes(modelName)) return;
  throw new ParleyError('FORBIDDEN', `this key may not use the model "${modelName}"`, { param: 'model' });
}

/** What an answer records of its prompt, so a reader can tell what the model saw. */
function describePlan(window: number, plan: ContextPlan, summaryId?: string): MessageContext {
  return {
    window,
    sent_messages: plan.prompt.length,
    dropped_messages: plan.droppedMessages,
    tokens: plan.tokens,
    tokens_counted: plan.counted,
    summarized: summaryId !== undefined,
    ...(summaryId === undefined ? {} : { summary_id: summaryId }),
  };
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
