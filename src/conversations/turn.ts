/**
 * A turn: a question and its answer being generated. The messages are already stored (the
 * question `completed`, the answer `in_progress`); the turn runs the model and writes the answer
 * as it grows and when it ends, so whatever happens the store says what the model produced.
 */

import { ParleyError } from '../errors.ts';
import type {
  CallOptions,
  ChatModel,
  FinishReason,
  PromptMessage,
  ReasoningPart,
  RouteAttempt,
  TokenLogprob,
  ToolCall,
  UpstreamTurnRefs,
  Usage,
} from '../providers/spec.ts';
import type { MessageStatus, PartRecord, Store } from '../store/store.ts';
import { AnswerParts } from './answer-parts.ts';
import type { TurnEvent } from './generation-events.ts';
import type { GenerationLabels, GenerationObserver } from './generation-observer.ts';
import { toParleyError } from './provider-errors.ts';
import type { ShutdownSwitch } from './shutdown-switch.ts';
import type { UsageRecorder } from './usage-recorder.ts';

export interface TurnResult {
  readonly text: string;
  /** Present when the model called tools. */
  readonly toolCalls?: readonly ToolCall[];
  /** Present when the model gave its reasoning. */
  readonly reasoning?: readonly ReasoningPart[];
  readonly status: MessageStatus;
  readonly finishReason: FinishReason;
  readonly usage?: Usage;
  /** The text's tokens, when the call asked for log probabilities. */
  readonly logprobs?: readonly TokenLogprob[];
}

/** The sampling options a caller may set for one generation. */
export type GenerationOptions = Omit<CallOptions, 'signal' | 'onAttempt'>;

/** The finish reason stored for an answer stopped through `Turn.cancel` (read as "cancelled"). */
export const CANCELLED_FINISH_REASON = 'cancelled';

export interface TurnContext {
  /** Only answers are written from a turn; a turn that is not stored gets a store that drops writes. */
  readonly store: Pick<Store, 'updateMessage' | 'setUpstreamRefs'>;
  readonly now: () => number;
  readonly flushIntervalMs: number;
  /** Stops the turn when the server shuts down. */
  readonly shutdown: ShutdownSwitch;
  readonly onStoreError: (error: unknown) => void;
  readonly observer?: GenerationObserver;
  readonly recorder?: UsageRecorder;
  /** Called once when the turn has stored its final state. */
  readonly onSettled?: (turn: Turn) => void;
}

/** Who a turn's usage is charged to, and whether its ids are stored (for the usage row). */
export interface TurnAccount {
  readonly owner: string;
  readonly keyId: string | null;
  readonly stored: boolean;
  /** The prompt's tokens, when the context window counted them. */
  readonly promptTokens?: number;
}

export interface TurnIds {
  readonly conversationId: string;
  /** The last of the messages written before the answer (usually the user's question). */
  readonly questionId: string;
  /** Every message written before the answer in this turn, oldest first. */
  readonly inputIds: readonly string[];
  readonly answerId: string;
}

/** Answers cut short by the length limit or a filter are stored `incomplete`, as OpenAI's Responses do. */
function statusFor(finishReason: FinishReason): MessageStatus {
  return finishReason === 'length' || finishReason === 'content-filter' ? 'incomplete' : 'completed';
}

export class Turn {
  readonly ids: TurnIds;
  readonly modelName: string;
  readonly #model: ChatModel;
  readonly #prompt: readonly PromptMessage[];
  readonly #context: TurnContext;
  readonly #options: GenerationOptions;
  /**
   * The one signal the model call sees: aborted by the caller's signal, a shutdown, `cancel`, or a
   * stream's consumer stopping early (one listener and a set entry, not a composite signal).
   */
  readonly #stop = new AbortController();
  #cancelled = false;
  readonly #settled = Promise.withResolvers<void>();
  readonly #account: TurnAccount;
  /** Text the answer already has (a continued answer); the model's output is appended to it. */
  readonly #initialText: string;
  #started = false;
  /** Reasoning and tool calls, written with the answer's text when it ends. */
  readonly #parts: AnswerParts;
  #onAttempt: ((attempt: RouteAttempt) => void) | undefined;
  #startedAt = 0;
  #firstTokenAt: number | null = null;

  constructor(
    ids: TurnIds,
    modelName: string,
    model: ChatModel,
    prompt: readonly PromptMessage[],
    context: TurnContext,
    options: GenerationOptions = {},
    account: TurnAccount = { owner: '', keyId: null, stored: true },
    initialText = '',
    /** A continued answer's parts: its reasoning and tool calls stay with the longer answer. */
    initialParts: readonly PartRecord[] = [],
  ) {
    this.#account = account;
    this.#initialText = initialText;
    this.#parts = new AnswerParts(initialParts);
    this.ids = ids;
    this.modelName = modelName;
    this.#model = model;
    this.#prompt = prompt;
    this.#context = context;
    this.#options = options;
  }

  get provider(): string {
    return this.#model.provider;
  }

  get #labels(): GenerationLabels {
    return { model: this.modelName, provider: this.#model.provider };
  }

  /** Resolves once the answer's final state is stored. */
  get settled(): Promise<void> {
    return this.#settled.promise;
  }

  /** Tells `listener` of each deployment a routed model tries (call before the turn runs). */
  reportAttemptsTo(listener: (attempt: RouteAttempt) => void): void {
    this.#onAttempt = listener;
  }

  /** The options of the model call. */
  #callOptions(signal: AbortSignal): CallOptions {
    const options = { ...this.#options, signal };
    return this.#onAttempt === undefined ? options : { ...options, onAttempt: this.#onAttempt };
  }

  /** Stops the generation (idempotent); the answer is stored `incomplete`, finish reason "cancelled". */
  cancel(): void {
    this.#cancelled = true;
    this.#stop.abort();
  }

  /** Links the caller's signal and the server's shutdown to the turn's stop; returns the unlink. */
  #watch(signal: AbortSignal): () => void {
    const stop = this.#stop;
    if (signal.aborted) stop.abort(signal.reason);
    const onAbort = () => stop.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const forgetShutdown = this.#context.shutdown.onShutdown(() => stop.abort());
    return () => {
      signal.removeEventListener('abort', onAbort);
      forgetShutdown();
    };
  }

  /** Generates the whole answer at once. Throws a ParleyError after storing what happened. */
  async generate(signal: AbortSignal): Promise<TurnResult> {
    this.#claim();
    const unwatch = this.#watch(signal);
    const combined = this.#stop.signal;
    try {
      const result = await this.#model.doGenerate(this.#prompt, this.#callOptions(combined));
      if (result.reasoning !== undefined) this.#parts.addReasoningParts(result.reasoning);
      if (result.toolCalls !== undefined) this.#parts.addToolCalls(result.toolCalls);
      if (result.upstreamRefs !== undefined) await this.#storeUpstreamRefs(result.upstreamRefs);
      const status = statusFor(result.finishReason);
      const text = this.#initialText + result.text;
      await this.#finish(text, status, result.finishReason, result.usage);
      return { ...result, text, status };
    } catch (error) {
      throw await this.#fail(this.#initialText, error, combined);
    } finally {
      unwatch();
      this.#settle();
    }
  }

  /**
   * Streams the answer as events with increasing sequence numbers. Stopping the iteration early
   * (or aborting `signal`) stops the upstream and stores the answer as `incomplete`.
   */
  async *stream(signal: AbortSignal): AsyncGenerator<TurnEvent, void, undefined> {
    this.#claim();
    const unwatch = this.#watch(signal);
    const combined = this.#stop.signal;
    const flusher = new Flusher(this.#context, this.ids.answerId);
    const observer = this.#context.observer;
    const startedAt = performance.now();
    let text = this.#initialText;
    let sequence = 0;
    let settled = false;
    observer?.streamOpened(this.#labels);
    try {
      for await (const part of this.#model.doStream(this.#prompt, this.#callOptions(combined))) {
        if (part.type === 'tool-call-delta') {
          this.#parts.addToolCallDelta(part.index, part);
          const { type: _type, ...delta } = part;
          yield { type: 'tool-call-delta', sequence: ++sequence, ...delta };
          continue;
        }
        if (part.type === 'reasoning-delta') {
          this.#parts.addReasoning(part.delta);
          yield { type: 'reasoning-delta', sequence: ++sequence, delta: part.delta };
          continue;
        }
        if (part.type === 'reasoning-end') {
          this.#parts.endReasoning(part.encrypted);
          const end = { type: 'reasoning-end', sequence: ++sequence } as const;
          yield part.encrypted === undefined ? end : { ...end, encrypted: part.encrypted };
          continue;
        }
        if (part.type === 'upstream-refs') {
          // Stored at once: an answer cut short later is still continued upstream from here.
          await this.#storeUpstreamRefs(part.refs);
          continue;
        }
        if (part.type === 'text-delta') {
          if (this.#firstTokenAt === null) {
            this.#firstTokenAt = this.#context.now();
            observer?.firstToken(this.#labels, (performance.now() - startedAt) / 1000);
          }
          text += part.delta;
          flusher.maybeFlush(text);
          const event = { type: 'text-delta', sequence: ++sequence, delta: part.delta } as const;
          yield part.logprobs === undefined ? event : { ...event, logprobs: part.logprobs };
        } else {
          const status = statusFor(part.finishReason);
          await flusher.drain();
          await this.#finish(text, status, part.finishReason, part.usage);
          settled = true;
          const finish = {
            type: 'finish',
            sequence: ++sequence,
            status,
            finishReason: part.finishReason,
          } as const;
          yield part.usage === undefined ? finish : { ...finish, usage: part.usage };
          return;
        }
      }
      throw new ParleyError('UPSTREAM_ERROR', 'the model provider ended the stream without finishing');
    } catch (error) {
      await flusher.drain();
      settled = true;
      throw await this.#fail(text, error, combined);
    } finally {
      if (!settled) {
        // The consumer stopped early (e.g. its client went away): stop the upstream, keep the text.
        this.#stop.abort();
        await flusher.drain();
        await this.#store(text, 'incomplete', { error: 'the client stopped reading the answer' });
        observer?.finished(this.#labels, 'incomplete', undefined);
        this.#record(text, 'incomplete', undefined);
      }
      unwatch();
      observer?.streamClosed(this.#labels);
      this.#settle();
    }
  }

  #settle(): void {
    this.#context.onSettled?.(this);
    this.#settled.resolve();
  }

  #claim(): void {
    if (this.#started) throw new Error('a turn runs once');
    this.#started = true;
    this.#startedAt = this.#context.now();
  }

  /** One usage row for this generation, written in the background. */
  #record(text: string, status: MessageStatus, usage: Usage | undefined): void {
    void this.#context.recorder?.record({
      account: {
        owner: this.#account.owner,
        keyId: this.#account.keyId,
        conversationId: this.#account.stored ? this.ids.conversationId : null,
        messageId: this.#account.stored ? this.ids.answerId : null,
        model: this.modelName,
        provider: this.#model.provider,
      },
      prompt: this.#prompt,
      ...(this.#account.promptTokens === undefined ? {} : { promptTokens: this.#account.promptTokens }),
      // Only what this generation wrote (a continued answer's earlier text was counted before).
      text: text.slice(this.#initialText.length),
      usage,
      status,
      startedAt: this.#startedAt,
      firstTokenAt: this.#firstTokenAt,
      endedAt: this.#context.now(),
    });
  }

  async #finish(text: string, status: MessageStatus, finishReason: FinishReason, usage: Usage | undefined) {
    this.#context.observer?.finished(this.#labels, status, usage);
    this.#record(text, status, usage);
    await this.#store(text, status, {
      finishReason,
      ...(usage === undefined ? {} : { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens }),
    });
  }

  /** Stores the failure (`incomplete` if any text arrived, else `failed`) and returns the client's error. */
  async #fail(text: string, error: unknown, signal: AbortSignal): Promise<ParleyError> {
    let parleyError = toParleyError(error);
    this.#context.observer?.failed(this.#labels, parleyError.code);
    if (this.#context.shutdown.stopped && signal.aborted) {
      parleyError = new ParleyError('SHUTTING_DOWN', 'the server is shutting down', { cause: error });
    }
    if (this.#cancelled && signal.aborted) {
      parleyError = new ParleyError('CANCELLED', 'the response was cancelled', { cause: error });
      this.#context.observer?.finished(this.#labels, 'incomplete', undefined);
      this.#record(text, 'incomplete', undefined);
      await this.#store(text, 'incomplete', {
        error: parleyError.message,
        finishReason: CANCELLED_FINISH_REASON,
      });
      return parleyError;
    }
    // Interrupted answers (cancelled, shut down) are incomplete; broken ones with no text failed.
    const interrupted = parleyError.code === 'CANCELLED' || parleyError.code === 'SHUTTING_DOWN';
    const status = text === '' && !interrupted ? 'failed' : 'incomplete';
    this.#context.observer?.finished(this.#labels, status, undefined);
    this.#record(text, status, undefined);
    await this.#store(text, status, { error: parleyError.message });
    return parleyError;
  }

  async #storeUpstreamRefs(refs: UpstreamTurnRefs): Promise<void> {
    try {
      const { input } = refs;
      await this.#context.store.setUpstreamRefs([
        ...(input === undefined
          ? []
          : [
              {
                messageId: this.ids.questionId,
                upstreamConversationId: input.conversationId,
                upstreamMessageId: input.messageId,
              },
            ]),
        {
          messageId: this.ids.answerId,
          upstreamConversationId: refs.output.conversationId,
          upstreamMessageId: refs.output.messageId,
        },
      ]);
    } catch (error) {
      this.#context.onStoreError(error);
    }
  }

  async #store(
    text: string,
    status: MessageStatus,
    fields: { finishReason?: string; inputTokens?: number; outputTokens?: number; error?: string },
  ): Promise<void> {
    if (!this.#account.stored) return;
    const parts = this.#parts.build(text);
    try {
      await this.#context.store.updateMessage(this.ids.answerId, {
        content: text,
        status,
        now: this.#context.now(),
        ...(parts === undefined ? {} : { parts }),
        ...fields,
      });
    } catch (error) {
      this.#context.onStoreError(error);
    }
  }
}

/** Writes a growing answer now and then, one write at a time, never blocking the stream. */
class Flusher {
  readonly #context: TurnContext;
  readonly #messageId: string;
  #lastFlush: number;
  #pending: Promise<void> = Promise.resolve();

  constructor(context: TurnContext, messageId: string) {
    this.#context = context;
    this.#messageId = messageId;
    this.#lastFlush = context.now();
  }

  maybeFlush(text: string): void {
    const now = this.#context.now();
    if (now - this.#lastFlush < this.#context.flushIntervalMs) return;
    this.#lastFlush = now;
    this.#pending = this.#pending
      .then(() =>
        this.#context.store.updateMessage(this.#messageId, { content: text, status: 'in_progress', now }),
      )
      .catch(this.#context.onStoreError);
  }

  drain(): Promise<void> {
    return this.#pending;
  }
}
