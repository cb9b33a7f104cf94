/**
 * Summaries of what the context window dropped. When a conversation outgrows the model's window
 * and summaries are on, the dropped messages are replaced by a summary the model writes. A
 * summary is stored as a message of its own (a `system` message under the last message it
 * covers, beside the flow: `current_node` does not move) and reused on later turns; when more
 * is dropped, the next summary is written from the previous one plus what was newly dropped.
 */

import { randomUUID } from 'node:crypto';
import type { ChatModel, PromptMessage } from '../providers/spec.ts';
import { textParts } from '../store/parts.ts';
import type { MessageRecord, Store } from '../store/store.ts';
import { type ContextPlan, fitToWindow } from './context-window.ts';
import type { GenerationOptions, TurnResult } from './turn.ts';

/** The longest summary asked for; the window keeps this much room for it. */
export const SUMMARY_TOKENS = 512;

export interface SummaryContext {
  readonly summary_of: string;
  readonly summarized_messages: number;
}

/** The summary as it goes into a prompt, where the dropped messages were. */
export function summaryMessage(summary: MessageRecord): PromptMessage {
  return { role: 'system', content: `Summary of the earlier part of this conversation:\n${summary.content}` };
}

function coveredBy(summary: MessageRecord): SummaryContext | undefined {
  const context = summary.context;
  return typeof context?.summary_of === 'string'
    ? { summary_of: context.summary_of, summarized_messages: Number(context.summarized_messages ?? 0) }
    : undefined;
}

export interface SummaryPlanOptions {
  readonly store: Pick<Store, 'listSummaries' | 'addDetachedMessage'>;
  readonly owner: string;
  readonly conversationId: string;
  readonly prompt: readonly PromptMessage[];
  /** For each prompt message, the stored message it came from (null for system prompts and inputs). */
  readonly sources: readonly (MessageRecord | null)[];
  readonly keepLast: number;
  readonly window: number;
  readonly reserve: number;
  readonly model: ChatModel;
  readonly modelName: string;
  /**
   * Runs the summary request on the turn's model, through the path every upstream call takes
   * (`Generations.statelessTurn`): its usage is recorded against the key of the turn that needed
   * it, and counts towards that key's limits.
   */
  readonly generate: (prompt: readonly PromptMessage[], options: GenerationOptions) => Promise<TurnResult>;
  readonly now: number;
  /** A summary that cannot be written is reported here; the turn then runs on the newest messages. */
  readonly onError: (error: unknown) => void;
}

/**
 * Fits a prompt with summaries: nothing to drop → as is; a stored summary that covers everything
 * that must go → reused (the messages after it are kept); otherwise the oldest messages are dropped
 * down to three quarters of the room, so the next turns fit without a new summary, and a new
 * summary of them is written and stored.
 */
export async function fitWithSummary(
  options: SummaryPlanOptions,
): Promise<{ plan: ContextPlan; summaryId?: string }> {
  const { prompt, sources, keepLast, window } = options;
  const reserve = options.reserve + SUMMARY_TOKENS;
  const media = options.model.capabilities?.mediaTokens;
  const plan = await fitToWindow(prompt, keepLast, window, reserve, 1, options.modelName, media);
  if (plan.droppedMessages === 0) return { plan };

  const byCovered = new Map<string, MessageRecord>();
  for (const summary of await options.store.listSummaries(options.owner, options.conversationId)) {
    const covered = coveredBy(summary);
    if (covered !== undefined) byCovered.set(covered.summary_of, summary);
  }
  const mustDrop = plan.droppedFrom + plan.droppedMessages;
  for (let index = mustDrop - 1; index < prompt.length - keepLast; index += 1) {
    const summary = byCovered.get(sources[index]?.id ?? '');
    if (summary !== undefined)
      return { plan: withSummary(plan, prompt, index + 1, summary), summaryId: summary.id };
  }

  const wider = await fitToWindow(prompt, keepLast, window, reserve, 0.75, options.modelName, media);
  const dropped = sources
    .slice(wider.droppedFrom, wider.droppedFrom + wider.droppedMessages)
    .filter((source) => source !== null);
  const summary = await writeSummary(options, dropped, byCovered).catch((error: unknown) => {
    options.onError(error);
    return undefined;
  });
  if (summary === undefined) return { plan: wider };
  return {
    plan: withSummary(wider, prompt, wider.droppedFrom + wider.droppedMessages, summary),
    summaryId: summary.id,
  };
}

/** The plan with `summary` where the dropped messages were, keeping the prompt from `keepFrom`. */
function withSummary(
  plan: ContextPlan,
  prompt: readonly PromptMessage[],
  keepFrom: number,
  summary: MessageRecord,
): ContextPlan {
  return {
    ...plan,
    prompt: [...prompt.slice(0, plan.droppedFrom), summaryMessage(summary), ...prompt.slice(keepFrom)],
    droppedMessages: keepFrom - plan.droppedFrom,
  };
}

/**
 * A new summary of `dropped` (oldest first), written by the model from the newest earlier summary
 * and the messages after it, stored under the last dropped message.
 */
async function writeSummary(
  options: SummaryPlanOptions,
  dropped: readonly MessageRecord[],
  byCovered: ReadonlyMap<string, MessageRecord>,
): Promise<MessageRecord | undefined> {
  const { store, owner, conversationId, model } = options;
  const last = dropped.at(-1);
  if (last === undefined) return undefined;
  let previous: MessageRecord | undefined;
  let from = 0;
  for (let index = dropped.length - 2; index >= 0; index -= 1) {
    const summary = byCovered.get(dropped[index]?.id ?? '');
    if (summary !== undefined) {
      previous = summary;
      from = index + 1;
      break;
    }
  }
  const request: PromptMessage[] = [
    {
      role: 'system',
      content:
        'You summarize conversations for a model that will continue them. Keep names, facts, decisions, ' +
        'numbers and open questions; be concise.',
    },
    ...(previous === undefined ? [] : [summaryMessage(previous)]),
    ...dropped.slice(from).map((message) => ({
      role: message.role === 'developer' ? ('system' as const) : message.role,
      content: message.content,
    })),
    { role: 'user', content: 'Summarize the conversation so far in at most 300 words.' },
  ];
  // The request itself must fit: the oldest messages to summarize go first if it does not.
  const fitted = await fitToWindow(request, 1, options.window, SUMMARY_TOKENS, 1, options.modelName);
  const result = await options.generate(fitted.prompt, { maxOutputTokens: SUMMARY_TOKENS, temperature: 0.2 });
  if (result.text.trim() === '') return undefined;
  const summary: MessageRecord = {
    id: randomUUID(),
    conversationId,
    parentId: last.id,
    role: 'system',
    content: result.text.trim(),
    parts: textParts(result.text.trim()),
    model: options.modelName,
    provider: model.provider,
    status: 'completed',
    finishReason: result.finishReason,
    inputTokens: result.usage?.inputTokens ?? null,
    outputTokens: result.usage?.outputTokens ?? null,
    error: null,
    requestOptions: null,
    deletedAt: null,
    context: { summary_of: last.id, summarized_messages: dropped.length } satisfies SummaryContext,
    upstreamConversationId: null,
    upstreamMessageId: null,
    createdAt: options.now,
    updatedAt: options.now,
  };
  await store.addDetachedMessage(
    owner,
    conversationId,
    {
      id: summary.id,
      parentId: last.id,
      role: 'system',
      content: summary.content,
      status: 'completed',
      model: options.modelName,
      provider: model.provider,
      ...(summary.context === null ? {} : { context: summary.context }),
    },
    options.now,
  );
  return summary;
}
