/**
 * Planning a prompt: where the new messages go and the path they hang from, the attachments that
 * path names, the prompt built from it, fitted to the model's context window (dropping the oldest
 * messages, or replacing them with a summary), and what the answer records of that plan. Nothing
 * is written here but a summary.
 */

import { notFound, ParleyError } from '../errors.ts';
import type { PromptMessage } from '../providers/spec.ts';
import type {
  ConversationRecord,
  MessageContext,
  MessageRecord,
  Metadata,
  NewAttachment,
  Store,
} from '../store/store.ts';
import { countPrompt } from '../tokens/token-count.ts';
import {
  type ContextPlan,
  type ContextSettings,
  contextWindowOf,
  DEFAULT_OUTPUT_RESERVE,
  fitToWindow,
} from './context-window.ts';
import type { StatelessInput } from './generations.ts';
import { attachmentsOf } from './message-parts.ts';
import { assertModelTakes, type ChosenModel } from './model-choice.ts';
import { buildPromptWithSources, type InputMessage } from './prompt.ts';
import { fitWithSummary } from './summaries.ts';
import type { Turn } from './turn.ts';

/**
 * Messages of a path read for a turn at first: more than a window holds for messages of usual size,
 * so a long conversation costs what its window costs, not what its whole history does.
 */
const PATH_PAGE = 2_048;

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

/** The conversation and the path the new messages hang from (empty for a new root). */
export interface Located {
  readonly conversation: ConversationRecord | undefined;
  readonly path: readonly MessageRecord[];
  /** Only the newest part of the path was read: older messages exist. */
  readonly partial: boolean;
}

export interface PlanRequest {
  readonly owner: string;
  /** The key the generation is charged to (and a summary it needs, too). */
  readonly keyId?: string | null | undefined;
  readonly located: Located;
  /** The new messages, oldest first (none for a regenerate or a continue). */
  readonly inputs: readonly InputMessage[];
  readonly chosen: ChosenModel;
  /** A system message for this call only. */
  readonly instructions?: string | undefined;
  /** Bytes sent with this request (the stored ones are read as the path names them). */
  readonly attachments?: readonly NewAttachment[] | undefined;
  /** Tokens kept for the answer (its output limit). */
  readonly maxOutputTokens?: number | undefined;
  /** `disabled`: a prompt longer than the model's window is a 400, not cut from its oldest end. */
  readonly truncation?: 'auto' | 'disabled' | undefined;
  /** May replace what the window drops with a summary (when summaries are on; never for a turn not stored). */
  readonly summarize: boolean;
  /**
   * Refuses (throws) a prompt the provider would refuse; called on the whole prompt before a summary
   * is asked for, so a refused turn costs no summary (the caller checks the fitted prompt after).
   */
  readonly checkCall?: ((prompt: readonly PromptMessage[]) => void) | undefined;
}

export interface PromptPlan {
  readonly plan: ContextPlan;
  /** What the answer records of its prompt (`MessageRecord.context`). */
  readonly context: MessageContext;
}

export interface PlannerOptions {
  readonly store: Store;
  readonly context: ContextSettings;
  /** Replace what the context window drops with a summary the model writes. */
  readonly summaries: boolean;
  readonly now: () => number;
  /** The generation path a summary request takes (`Generations.statelessTurn`). */
  readonly statelessTurn: (input: StatelessInput) => Turn;
  /** A summary that could not be written (the turn then runs on the newest messages). */
  readonly onBackgroundError: (error: unknown) => void;
}

export class PromptPlanner {
  readonly #store: Store;
  readonly #context: ContextSettings;
  readonly #summaries: boolean;
  readonly #now: () => number;
  readonly #statelessTurn: (input: StatelessInput) => Turn;
  readonly #onBackgroundError: (error: unknown) => void;

  constructor(options: PlannerOptions) {
    this.#store = options.store;
    this.#context = options.context;
    this.#summaries = options.summaries;
    this.#now = options.now;
    this.#statelessTurn = options.statelessTurn;
    this.#onBackgroundError = options.onBackgroundError;
  }

  /** True when the window's dropped messages are replaced by summaries. */
  get summaries(): boolean {
    return this.#summaries;
  }

  /**
   * The conversation and the path the new messages hang from. A long path is read from its newest
   * end (unless summaries need all of it): what the window cannot hold is not read at all.
   */
  async locate(owner: string, placement: Placement): Promise<Located> {
    if (placement.kind === 'new-conversation') return { conversation: undefined, path: [], partial: false };
    const conversation = await this.#store.getConversation(owner, placement.conversationId);
    if (conversation === undefined) throw notFound(`conversation ${placement.conversationId} not found`);
    const parentId = placement.kind === 'under' ? placement.parentId : conversation.currentNode;
    if (parentId === null) return { conversation, path: [], partial: false };
    const newest = this.#summaries ? undefined : PATH_PAGE;
    const path = await this.#store.getPath(owner, conversation.id, parentId, newest);
    if (path.length === 0) throw notFound(`message ${parentId} not found in this conversation`);
    if (path.at(-1)?.deletedAt !== null) throw notFound(`message ${parentId} not found in this conversation`);
    const partial = path.length === newest && (path[0]?.parentId ?? null) !== null;
    return { conversation, path, partial };
  }

  /**
   * The prompt for a generation, fitted to the model's window, before anything is written: a
   * message too long for the window is a 400, and so are parts the model cannot take.
   */
  async plan(request: PlanRequest): Promise<PromptPlan> {
    const { owner, inputs, chosen, truncation } = request;
    const { conversation } = request.located;
    const { modelName, model } = chosen;
    const window = contextWindowOf(modelName, this.#context);
    // How the provider counts images, files and audio (absent: Parley's default estimate).
    const media = model.capabilities?.mediaTokens;
    const keepLast = Math.max(1, inputs.length);
    const reserve = request.maxOutputTokens ?? DEFAULT_OUTPUT_RESERVE;
    let path = request.located.path;
    let attachments = await this.#attachmentsFor(owner, path, inputs, request.attachments);
    const promptOf = (messages: readonly MessageRecord[]) =>
      buildPromptWithSources(messages, inputs, request.instructions, conversation?.systemPrompt, attachments);
    const { prompt, sources } = promptOf(path);
    let plan: ContextPlan;
    let summaryId: string | undefined;
    // An upstream that keeps the conversation gets only the new message: nothing to summarize.
    const summarize =
      request.summarize &&
      this.#summaries &&
      conversation !== undefined &&
      model.threads === undefined &&
      truncation !== 'disabled';
    if (summarize) {
      request.checkCall?.(prompt);
      ({ plan, summaryId } = await fitWithSummary({
        store: this.#store,
        owner,
        conversationId: conversation.id,
        prompt,
        sources,
        keepLast,
        window,
        reserve,
        model,
        modelName,
        generate: (summaryPrompt, options) =>
          this.#statelessTurn({
            owner,
            keyId: request.keyId ?? null,
            modelName,
            model,
            prompt: summaryPrompt,
            options,
          })
            // No client waits on a summary: it stops with the server (the turn's shutdown signal).
            .generate(new AbortController().signal),
        now: this.#now(),
        onError: this.#onBackgroundError,
      }));
    } else {
      plan = await fitToWindow(prompt, keepLast, window, reserve, 1, modelName, media);
      const leaf = path.at(-1);
      if (request.located.partial && leaf !== undefined && conversation !== undefined) {
        if (plan.droppedMessages === 0) {
          // All that was read fits: older messages may fit too, so the whole path is needed.
          path = await this.#store.getPath(owner, conversation.id, leaf.id);
          attachments = await this.#attachmentsFor(owner, path, inputs, request.attachments);
          plan = await fitToWindow(promptOf(path).prompt, keepLast, window, reserve, 1, modelName, media);
        } else {
          // The window dropped some of what was read: everything older goes too. Count it.
          const unread = (await this.#store.countPath(owner, conversation.id, leaf.id)) - path.length;
          plan = { ...plan, droppedMessages: plan.droppedMessages + unread };
        }
      }
    }
    if (truncation === 'disabled' && plan.droppedMessages > 0) {
      const needed = await countPrompt(promptOf(path).prompt, modelName, media);
      throw new ParleyError(
        'CONTEXT_LENGTH_EXCEEDED',
        `The input needs about ${needed} tokens (images, files and audio estimated), more than this model's ` +
          `context window of ${window} tokens holds with ${reserve} kept for the answer, ` +
          "and truncation is 'disabled'. Shorten the input, or set truncation to 'auto'.",
        { param: 'input' },
      );
    }
    assertModelTakes(plan.prompt, model);
    return { plan, context: describePlan(window, plan, summaryId) };
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
