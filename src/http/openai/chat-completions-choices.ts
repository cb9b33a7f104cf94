/**
 * `n` choices of one chat completion: n stateless turns run side by side, each a choice. The
 * provider spec's stream has no choice index, so `n` is never passed upstream; the turns are
 * merged here, at the edge, and every generation is measured and charged as its own.
 */

import type { TurnEvent } from '../../conversations/generation-events.ts';
import type { Turn, TurnResult } from '../../conversations/turn.ts';
import { badRequest } from '../../errors.ts';
import type { Usage } from '../../providers/spec.ts';

/**
 * The most choices one request may ask for. OpenAI takes up to 128, but each choice here is an
 * upstream call held under the one request's limits, so the server keeps it small.
 */
export const MAX_CHOICES = 8;

/** The choices a request asks for (1 when `n` is absent), or a 400 above `MAX_CHOICES`. */
export function choiceCount(n: number | null | undefined): number {
  if (n == null) return 1;
  if (n > MAX_CHOICES) {
    throw badRequest(
      `Invalid 'n': ${n}. Parley generates at most ${MAX_CHOICES} choices per request; send several requests for more.`,
      'n',
    );
  }
  return n;
}

/** A turn's event, marked with the choice it belongs to. */
export type ChoiceEvent = TurnEvent & { readonly choice: number };

/** Every turn's whole answer, in choice order; the first failure stops the others and is thrown. */
export async function generateChoices(turns: readonly Turn[], signal: AbortSignal): Promise<TurnResult[]> {
  const [only] = turns;
  // One choice (the usual case): there are no others to stop.
  if (turns.length === 1 && only !== undefined) return [await only.generate(signal)];
  const stopOthers = new AbortController();
  const combined = AbortSignal.any([signal, stopOthers.signal]);
  try {
    return await Promise.all(turns.map((turn) => turn.generate(combined)));
  } catch (error) {
    stopOthers.abort();
    throw error;
  }
}

/**
 * The turns' streams merged as their events arrive, each event marked with its choice. A failure
 * of any turn is thrown at once; ending the iteration (a failure, or a client gone) stops the
 * turns still running, which store and record what they had.
 */
export async function* streamChoices(
  turns: readonly Turn[],
  signal: AbortSignal,
): AsyncGenerator<ChoiceEvent, void, undefined> {
  const [only] = turns;
  if (turns.length === 1 && only !== undefined) {
    // One choice (the usual case): its events as they come, with no merging.
    for await (const event of only.stream(signal)) yield { ...event, choice: 0 };
    return;
  }
  const stopAll = new AbortController();
  const combined = AbortSignal.any([signal, stopAll.signal]);
  const streams = turns.map((turn) => turn.stream(combined));
  // Settles, never rejects: a pending read left behind when the merge ends must not go unhandled.
  const read = (choice: number) =>
    (streams[choice] as AsyncGenerator<TurnEvent>).next().then(
      (result) => ({ choice, result, failure: undefined }),
      (failure: unknown) => ({ choice, result: undefined, failure: failure ?? new Error('stream failed') }),
    );
  const pending = new Map(streams.map((_, choice) => [choice, read(choice)]));
  try {
    while (pending.size > 0) {
      const { choice, result, failure } = await Promise.race(pending.values());
      if (failure !== undefined) {
        pending.delete(choice);
        throw failure;
      }
      if (result?.done !== false) {
        pending.delete(choice);
        continue;
      }
      pending.set(choice, read(choice));
      yield { ...result.value, choice };
    }
  } finally {
    // The turns still running are stopped: their reads in flight end, then each is closed.
    stopAll.abort();
    await Promise.all(pending.values());
    await Promise.allSettled(streams.map((stream) => stream.return()));
  }
}

/** The usage of all choices added up; undefined when any choice reported none. */
export function sumUsage(usages: readonly (Usage | undefined)[]): Usage | undefined {
  let total: Usage | undefined;
  for (const usage of usages) {
    if (usage === undefined) return undefined;
    total =
      total === undefined
        ? usage
        : {
            inputTokens: total.inputTokens + usage.inputTokens,
            outputTokens: total.outputTokens + usage.outputTokens,
          };
  }
  return total;
}
