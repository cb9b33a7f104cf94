/**
 * Accounting: one usage row per generation — who, which model and provider, tokens in and out,
 * latency, time to first token, outcome. Tokens come from the provider; when it reports none,
 * Parley counts them with a real tokenizer (`token-count.ts`, the model family's encoding, loaded
 * on first need).
 * Writing happens after the answer, off the request's path; a failure to write is logged, never
 * thrown at a client.
 */

import type { PromptMessage, Usage } from '../providers/spec.ts';
import type { Store, UsageRecord } from '../store/store.ts';
import { countPrompt, countText } from '../tokens/token-count.ts';

export interface GenerationAccount {
  readonly owner: string;
  readonly keyId: string | null;
  readonly conversationId: string | null;
  readonly messageId: string | null;
  readonly model: string;
  readonly provider: string;
}

export interface FinishedGeneration {
  readonly account: GenerationAccount;
  readonly prompt: readonly PromptMessage[];
  /** The prompt's tokens when already counted (the context window did), to count nothing twice. */
  readonly promptTokens?: number;
  readonly text: string;
  readonly usage: Usage | undefined;
  readonly status: string;
  readonly startedAt: number;
  readonly firstTokenAt: number | null;
  readonly endedAt: number;
}

/** Usage counted by Parley: the prompt (cached per message text) and the answer. */
export async function countUsage(
  prompt: readonly PromptMessage[],
  text: string,
  modelName = '',
): Promise<Usage> {
  return {
    inputTokens: await countPrompt(prompt, modelName),
    outputTokens: await countText(text, modelName),
  };
}

/** US dollars per million tokens. */
export interface Price {
  readonly input: number;
  readonly output: number;
}

/** The cost of a generation in US dollars, or null when its model has no price. */
export function costOf(price: Price | undefined, usage: Usage): number | null {
  if (price === undefined) return null;
  return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
}

/** Usage rows wait at most this long, or until this many are waiting, to be written together. */
const BATCH_MS = 1_000;
const BATCH_ROWS = 500;

export class UsageRecorder {
  readonly #store: Pick<Store, 'recordUsage'>;
  readonly #onError: (error: unknown) => void;
  readonly #listeners: ((usage: UsageRecord) => void)[] = [];
  readonly #prices: Readonly<Record<string, Price>>;
  #pending: { row: UsageRecord; written: PromiseWithResolvers<void> }[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    store: Pick<Store, 'recordUsage'>,
    onError: (error: unknown) => void,
    prices: Readonly<Record<string, Price>> = {},
  ) {
    this.#store = store;
    this.#onError = onError;
    this.#prices = prices;
  }

  /** Called with every row recorded, before it is written (the limiter counts tokens from it). */
  onRecorded(listener: (usage: UsageRecord) => void): void {
    this.#listeners.push(listener);
  }

  /** Records in the background; resolves when the row is written (tests wait on it). */
  record(generation: FinishedGeneration): Promise<void> {
    return this.#write(generation).catch(this.#onError);
  }

  /** Writes the rows waiting now (also called on close). */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    try {
      await this.#store.recordUsage(batch.map((entry) => entry.row));
      for (const entry of batch) entry.written.resolve();
    } catch (error) {
      for (const entry of batch) entry.written.reject(error);
    }
  }

  /** Queues a row; rows are written together every `BATCH_MS` (one transaction, not one per answer). */
  #enqueue(row: UsageRecord): Promise<void> {
    const written = Promise.withResolvers<void>();
    this.#pending.push({ row, written });
    if (this.#pending.length >= BATCH_ROWS) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), BATCH_MS);
    return written.promise;
  }

  async #write(generation: FinishedGeneration): Promise<void> {
    const counted = generation.usage === undefined;
    const usage =
      generation.usage ??
      (generation.promptTokens === undefined
        ? await countUsage(generation.prompt, generation.text, generation.account.model)
        : {
            inputTokens: generation.promptTokens,
            outputTokens: await countText(generation.text, generation.account.model),
          });
    const row: UsageRecord = {
      ...generation.account,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      tokensCounted: counted,
      cost: costOf(this.#prices[generation.account.model], usage),
      latencyMs: Math.round(generation.endedAt - generation.startedAt),
      firstTokenMs:
        generation.firstTokenAt === null ? null : Math.round(generation.firstTokenAt - generation.startedAt),
      status: generation.status,
      createdAt: generation.endedAt,
    };
    // Limits count at once; the row is written with the next batch.
    for (const listener of this.#listeners) listener(row);
    await this.#enqueue(row);
  }
}
