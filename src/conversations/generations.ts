/**
 * Generations: every way an answer is made — the seed's ask, a new message, regenerate, edit,
 * continue, and the stateless completion — goes through the same steps: choose the model
 * (`model-choice.ts`), plan the prompt (`planning.ts`), write the inputs with an `in_progress`
 * answer in one transaction, and hand back a `Turn` (tracked in `live-turns.ts`) that the caller
 * runs with `generate`, `stream`, or as a run (`runs.ts`).
 */

import { badRequest, notFound, ParleyError } from '../errors.ts';
import type { ModelRegistry } from '../providers/registry.ts';
import type { ChatModel, PromptMessage } from '../providers/spec.ts';
import type {
  ConversationRecord,
  NewAttachment,
  NewMessage,
  PartRecord,
  RequestOptions,
  Store,
} from '../store/store.ts';
import type { ContextPlan } from './context-window.ts';
import type { LiveTurns } from './live-turns.ts';
import { assertCallAccepted, assertModelTakes, type ChosenModel, chooseModel } from './model-choice.ts';
import type { Placement, PromptPlanner } from './planning.ts';
import { type InputMessage, titleFromQuestion } from './prompt.ts';
import { assertSamplingTaken, withConversationSampling } from './sampling.ts';
import type { Titles } from './titles.ts';
import { liveMessageOf } from './tree.ts';
import { type GenerationOptions, Turn, type TurnAccount, type TurnContext, type TurnIds } from './turn.ts';

/** The store of a turn that is not kept (`store: false`): its writes go nowhere. */
const DROP_WRITES: TurnContext['store'] = { updateMessage: async () => {}, setUpstreamRefs: async () => {} };

/** What a caller may set on a generation started through the conversation operations. */
export interface GenerationCaller {
  readonly model?: string;
  /** The models the caller may use; null or absent for all. */
  readonly allowedModels?: readonly string[] | null;
  /** The API key the usage is charged to. */
  readonly keyId?: string | null;
}

export interface AskInput extends GenerationCaller {
  readonly owner: string;
  readonly question: string;
  /** Both or neither: the conversation and the message to answer under. */
  readonly conversationId?: string;
  readonly parentId?: string;
}

export interface GenerationInput extends GenerationCaller {
  readonly owner: string;
  /** The new messages, oldest first; the model answers after the last. */
  readonly inputs: readonly InputMessage[];
  readonly placement: Placement;
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
}

/** A generation that stores nothing: the prompt is the caller's, the model already chosen. */
export interface StatelessInput extends ChosenModel {
  readonly owner: string;
  readonly keyId: string | null;
  readonly prompt: readonly PromptMessage[];
  readonly options?: GenerationOptions;
}

export interface GenerationsOptions {
  readonly store: Store;
  readonly models: ModelRegistry;
  readonly planner: PromptPlanner;
  readonly live: LiveTurns;
  /** What every turn writes through and reports to (its `onSettled` releases it from `live`). */
  readonly turnContext: TurnContext;
  /** Ask the model for a title after a new conversation's first answer (absent: never). */
  readonly autoTitles?: Titles | undefined;
  /** This server process's id, written on the answers it generates (see the reaper). */
  readonly replicaId: string;
  readonly now: () => number;
  readonly newId: () => string;
}

export class Generations {
  readonly #store: Store;
  readonly #models: ModelRegistry;
  readonly #planner: PromptPlanner;
  readonly #live: LiveTurns;
  readonly #turnContext: TurnContext;
  /** The context of a stateless turn (nothing written, nothing tracked), made once. */
  readonly #statelessContext: TurnContext;
  readonly #autoTitles: Titles | undefined;
  readonly #replicaId: string;
  readonly #now: () => number;
  readonly #newId: () => string;

  constructor(options: GenerationsOptions) {
    this.#store = options.store;
    this.#models = options.models;
    this.#planner = options.planner;
    this.#live = options.live;
    this.#turnContext = options.turnContext;
    this.#statelessContext = { ...options.turnContext, store: DROP_WRITES, onSettled: () => {} };
    this.#autoTitles = options.autoTitles;
    this.#replicaId = options.replicaId;
    this.#now = options.now;
    this.#newId = options.newId;
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
      ...callerOf(input),
    });
  }

  /**
   * Starts a generation: checks the conversation and parent, builds the prompt from the path to
   * the root, and stores the inputs with an `in_progress` answer in one transaction. Run the
   * returned turn with `generate` or `stream`.
   */
  async startGeneration(input: GenerationInput): Promise<Turn> {
    this.#live.assertOpen();
    const located = await this.#planner.locate(input.owner, input.placement);
    const { conversation, path } = located;
    // No new input: answer the message placed under again (a regenerate), which must be a question.
    if (input.inputs.length === 0 && path.at(-1)?.role !== 'user') {
      throw badRequest('there is nothing to answer: the input is empty');
    }
    const chosen = chooseModel(
      this.#models,
      input.model ?? conversation?.model ?? undefined,
      input.allowedModels,
    );
    input.checkModel?.(chosen.model);
    const stored = input.store !== false;
    const options = withConversationSampling(conversation, input.options);
    assertSamplingTaken(options, chosen.model);
    const { plan, context } = await this.#planner.plan({
      owner: input.owner,
      keyId: input.keyId,
      located,
      inputs: input.inputs,
      chosen,
      instructions: input.instructions,
      attachments: input.attachments,
      maxOutputTokens: options.maxOutputTokens,
      truncation: input.truncation,
      summarize: stored,
      checkCall: (prompt) => assertCallAccepted(prompt, options, chosen.model),
    });
    assertCallAccepted(plan.prompt, options, chosen.model);

    const ids = this.#newIds(conversation, input.inputs, path.at(-1)?.id ?? null);
    const messages: NewMessage[] = input.inputs.map((message, index) => ({
      id: ids.inputIds[index] ?? '',
      parentId: index === 0 ? (path.at(-1)?.id ?? null) : (ids.inputIds[index - 1] ?? null),
      role: message.role,
      content: message.content,
      ...(message.parts === undefined ? {} : { parts: message.parts }),
      status: 'completed',
    }));
    messages.push({
      id: ids.answerId,
      parentId: ids.questionId,
      role: 'assistant',
      content: '',
      status: 'in_progress',
      model: chosen.modelName,
      provider: chosen.model.provider,
      context,
      generator: this.#replicaId,
      ...(input.requestOptions === undefined ? {} : { requestOptions: input.requestOptions }),
    });
    const titledNow =
      stored && (await this.#write(input, conversation, ids.conversationId, chosen, messages));
    const turn = this.#launch(
      ids,
      chosen,
      plan,
      { owner: input.owner, keyId: input.keyId ?? null, stored },
      options,
    );
    if (titledNow && this.#autoTitles !== undefined) {
      const firstQuestion = input.inputs.find((message) => message.role === 'user')?.content;
      // The title call is charged to the same key, under the same allowlist and limits.
      this.#autoTitles.afterFirstAnswer(turn, input.owner, {
        onlyIfTitleIs: titleFromQuestion(firstQuestion ?? ''),
        allowedModels: input.allowedModels ?? null,
        keyId: input.keyId ?? null,
      });
    }
    return turn;
  }

  /**
   * A generation that stores nothing (`/v1/chat/completions`, titles): the same turn as every
   * other — its metrics, usage row, cancel and shutdown — with its writes dropped.
   */
  statelessTurn(input: StatelessInput): Turn {
    this.#live.assertOpen();
    assertModelTakes(input.prompt, input.model);
    assertCallAccepted(input.prompt, input.options ?? {}, input.model);
    const answerId = this.#newId();
    return new Turn(
      { conversationId: this.#newId(), questionId: answerId, inputIds: [], answerId },
      input.modelName,
      input.model,
      input.prompt,
      this.#statelessContext,
      input.options,
      { owner: input.owner, keyId: input.keyId, stored: false },
    );
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
      ...callerOf({ model, allowedModels, keyId }),
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
    const message = await liveMessageOf(this.#store, owner, conversationId, messageId);
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
    this.#live.assertOpen();
    const conversation = await this.#store.getConversation(owner, conversationId);
    if (conversation === undefined) throw notFound(`conversation ${conversationId} not found`);
    const path = await this.#store.getPath(owner, conversationId, answerId);
    const answer = path.at(-1);
    if (answer === undefined || answer.deletedAt !== null)
      throw notFound(`message ${answerId} not found in this conversation`);
    if (answer.role !== 'assistant') throw badRequest('only an answer can be continued', 'parent_id');
    if (answer.status === 'in_progress')
      throw new ParleyError('CONFLICT', 'this answer is still being written');
    const chosen = chooseModel(
      this.#models,
      caller.model ?? answer.model ?? conversation.model ?? undefined,
      caller.allowedModels,
    );
    const options = withConversationSampling(conversation);
    assertSamplingTaken(options, chosen.model);
    // The cut answer is the last message: models that continue a final assistant message pick up there.
    const { plan } = await this.#planner.plan({
      owner,
      located: { conversation, path, partial: false },
      inputs: [],
      chosen,
      maxOutputTokens: options.maxOutputTokens,
      summarize: false,
    });
    assertCallAccepted(plan.prompt, options, chosen.model);
    // One continuation at a time: the store reopens the answer atomically, so of concurrent
    // continues one wins and the others are refused before any upstream call.
    const reopened =
      this.#live.get(answerId) === undefined &&
      (await this.#store.reopenAnswer(owner, conversationId, answerId, this.#replicaId, this.#now()));
    if (!reopened) throw new ParleyError('CONFLICT', 'this answer is still being written');
    const ids = { conversationId, questionId: path.at(-2)?.id ?? answerId, inputIds: [], answerId };
    return this.#launch(ids, chosen, plan, { owner, keyId: caller.keyId ?? null, stored: true }, options, {
      text: answer.content,
      parts: answer.parts,
    });
  }

  /** Ids for a new conversation (or the one given), each input, and the answer. */
  #newIds(
    conversation: ConversationRecord | undefined,
    inputs: readonly InputMessage[],
    parentId: string | null,
  ): TurnIds {
    const conversationId = conversation?.id ?? this.#newId();
    const inputIds = inputs.map(() => this.#newId());
    const answerId = this.#newId();
    return { conversationId, inputIds, answerId, questionId: inputIds.at(-1) ?? parentId ?? answerId };
  }

  /**
   * Writes the inputs and the `in_progress` answer in one transaction, creating the conversation
   * when it is new. Returns whether the conversation got its title from this first question (so
   * a model-written one may follow).
   */
  async #write(
    input: GenerationInput,
    conversation: ConversationRecord | undefined,
    conversationId: string,
    chosen: ChosenModel,
    messages: readonly NewMessage[],
  ): Promise<boolean> {
    const firstQuestion = input.inputs.find((message) => message.role === 'user')?.content;
    const written = await this.#store.beginTurn({
      owner: input.owner,
      conversationId,
      ...(conversation === undefined
        ? {
            newConversation: {
              id: conversationId,
              title: titleFromQuestion(firstQuestion ?? input.inputs[0]?.content ?? ''),
              model: chosen.modelName,
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
    if (conversation === undefined) return true;
    // A conversation made empty and untitled (e.g. `POST /api/conversations`) is titled by its
    // first question, as one created by its first question is.
    if (conversation.title !== null || firstQuestion === undefined) return false;
    await this.#store.updateConversation(
      input.owner,
      conversationId,
      { title: titleFromQuestion(firstQuestion) },
      this.#now(),
    );
    return true;
  }

  /** The turn for a planned prompt, tracked until it settles. */
  #launch(
    ids: TurnIds,
    chosen: ChosenModel,
    plan: ContextPlan,
    account: TurnAccount,
    options?: GenerationOptions,
    initial?: { readonly text: string; readonly parts: readonly PartRecord[] },
  ): Turn {
    const turn = new Turn(
      ids,
      chosen.modelName,
      chosen.model,
      plan.prompt,
      account.stored ? this.#turnContext : { ...this.#turnContext, store: DROP_WRITES },
      options,
      { ...account, ...(plan.counted ? { promptTokens: plan.tokens } : {}) },
      initial?.text,
      initial?.parts,
    );
    return this.#live.track(turn);
  }
}

/** The caller's fields that are set (absent ones stay absent). */
function callerOf(caller: {
  readonly model?: string | undefined;
  readonly allowedModels?: readonly string[] | null | undefined;
  readonly keyId?: string | null | undefined;
}): GenerationCaller {
  return {
    ...(caller.model === undefined ? {} : { model: caller.model }),
    ...(caller.allowedModels === undefined ? {} : { allowedModels: caller.allowedModels }),
    ...(caller.keyId === undefined ? {} : { keyId: caller.keyId }),
  };
}
