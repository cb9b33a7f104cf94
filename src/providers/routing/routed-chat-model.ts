/**
 * A public model name served by several deployments: weighted balancing over the route's
 * deployments, then its fallbacks in order; a failed deployment cools down; when every candidate
 * failed with a retryable error, another round after a backoff that honours `retry-after`.
 * A stream is only retried before its first part: once text flowed, a failure is the caller's.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { RoutingSettings } from '../../config/routing-config.ts';
import {
  type CallOptions,
  type ChatModel,
  type GenerateResult,
  type ModelCapabilities,
  type PromptMessage,
  ProviderError,
  type RouteAttempt,
  type StreamPart,
  type UpstreamThreads,
} from '../spec.ts';
import type { DeploymentHealth } from './deployment-health.ts';
import { largestMediaTokens } from './largest-media-tokens.ts';
import { weightedOrder } from './weighted-order.ts';

export interface RouteTarget {
  /** The deployment's name from the config file. */
  readonly name: string;
  readonly weight: number;
  readonly model: ChatModel;
}

/** Told of every attempt of every routed call: `index` counts one call's real tries from 0. */
export type AttemptListener = (route: string, attempt: RouteAttempt, index: number) => void;

export interface RoutedChatModelSettings {
  readonly route: string;
  readonly deployments: readonly RouteTarget[];
  readonly fallbacks: readonly RouteTarget[];
  readonly health: DeploymentHealth;
  readonly routing: RoutingSettings;
  readonly onAttempt?: AttemptListener;
  readonly random?: () => number;
}

/** The request itself is wrong: another deployment would refuse it too. */
const CLIENT_ERRORS = new Set([400, 413, 422]);

function worthAnotherDeployment(error: ProviderError): boolean {
  if (error.kind === 'aborted') return false;
  return !(error.kind === 'http' && error.status !== undefined && CLIENT_ERRORS.has(error.status));
}

export class RoutedChatModel implements ChatModel {
  readonly modelId: string;
  readonly capabilities?: ModelCapabilities;
  readonly threads?: UpstreamThreads;
  /** The provider of the deployment serving the last call (the first candidate's before any). */
  provider: string;
  readonly #settings: RoutedChatModelSettings;
  readonly #all: readonly RouteTarget[];

  constructor(settings: RoutedChatModelSettings) {
    this.#settings = settings;
    this.#all = [...settings.deployments, ...settings.fallbacks];
    this.modelId = settings.route;
    this.provider = settings.deployments[0]?.model.provider ?? 'router';
    // What every candidate can do: a fallback must not receive a request it cannot honour.
    const capabilities = this.#all.map((target) => target.model.capabilities);
    if (capabilities.every((each) => each !== undefined)) {
      const mediaTokens = largestMediaTokens(capabilities.map((each) => each.mediaTokens));
      this.capabilities = {
        tools: capabilities.every((each) => each.tools),
        responseFormat: capabilities.every((each) => each.responseFormat),
        images: capabilities.every((each) => each.images),
        files: capabilities.every((each) => each.files),
        logprobs: capabilities.every((each) => each.logprobs === true),
        reasoning: capabilities.every((each) => each.reasoning),
        audio: capabilities.every((each) => each.audio === true),
        participantNames: capabilities.every((each) => each.participantNames === true),
        sampling: capabilities.every((each) => each.sampling !== false),
        openaiFields: capabilities.every((each) => each.openaiFields === true),
        ...(mediaTokens === undefined ? {} : { mediaTokens }),
      };
    }
    // Titles and deletes reach an upstream thread only when one deployment can hold it.
    const [stateful, ...more] = this.#all.flatMap((target) => target.model.threads ?? []);
    if (stateful !== undefined && more.length === 0) this.threads = stateful;
  }

  /**
   * Refuses what any deployment or fallback would refuse: which one serves is decided only when the
   * call runs (weights, cooldowns, failures), so every candidate must be able to take it — as the
   * capabilities are those all candidates share.
   */
  checkCall(prompt: readonly PromptMessage[], options: CallOptions): void {
    for (const target of this.#all) target.model.checkCall?.(prompt, options);
  }

  doGenerate(prompt: readonly PromptMessage[], options: CallOptions): Promise<GenerateResult> {
    return this.#withRetries(options, (model, callOptions) => model.doGenerate(prompt, callOptions));
  }

  async *doStream(prompt: readonly PromptMessage[], options: CallOptions): AsyncGenerator<StreamPart> {
    // Opening a stream counts as a try until its first part arrives; after that it is committed.
    const opened = await this.#withRetries(options, async (model, callOptions) => {
      const iterator = model.doStream(prompt, callOptions)[Symbol.asyncIterator]();
      try {
        return { iterator, first: await iterator.next() };
      } catch (error) {
        await iterator.return?.();
        throw error;
      }
    });
    const { iterator, first } = opened;
    try {
      if (first.done === true) return;
      yield first.value;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  }

  /** Candidates for one round: healthy ones in route order (cooling ones reported as skipped). */
  #candidates(report: (attempt: RouteAttempt) => void): RouteTarget[] {
    const { deployments, fallbacks, health, random } = this.#settings;
    const ordered = [...weightedOrder(deployments, random), ...fallbacks];
    const healthy = ordered.filter((target) => health.coolingUntil(target.name) === 0);
    if (healthy.length === 0) {
      // Everything is cooling down: better to try than to refuse; the soonest back goes first.
      return ordered.sort((a, b) => health.coolingUntil(a.name) - health.coolingUntil(b.name));
    }
    for (const target of ordered) {
      if (!healthy.includes(target)) report({ deployment: target.name, outcome: 'skipped' });
    }
    return healthy;
  }

  async #withRetries<T>(
    options: CallOptions,
    call: (model: ChatModel, options: CallOptions) => Promise<T>,
  ): Promise<T> {
    const { route, health, routing, onAttempt } = this.#settings;
    const { signal } = options;
    let index = 0;
    const report = (attempt: RouteAttempt) => {
      options.onAttempt?.(attempt);
      onAttempt?.(route, attempt, attempt.outcome === 'skipped' ? index : index++);
    };
    // The deployments' own calls report nothing further up: this model reports for them.
    const { onAttempt: _callerListener, ...callOptions } = options;
    for (let round = 0; ; round++) {
      let lastError: ProviderError | undefined;
      let retryAfterMs = 0;
      for (const target of this.#candidates(report)) {
        if (signal?.aborted === true) throw abortedError(target.model.provider, signal.reason);
        try {
          const result = await call(target.model, callOptions);
          health.recordSuccess(target.name);
          this.provider = target.model.provider;
          report({ deployment: target.name, outcome: 'ok' });
          return result;
        } catch (error) {
          if (!(error instanceof ProviderError)) throw error;
          report({
            deployment: target.name,
            outcome: 'error',
            ...(error.status === undefined ? {} : { status: error.status }),
            code: error.upstreamCode ?? error.kind,
          });
          if (!worthAnotherDeployment(error)) throw error;
          health.recordFailure(target.name, error);
          lastError = error;
          retryAfterMs = Math.max(retryAfterMs, error.retryAfterMs ?? 0);
        }
      }
      if (lastError === undefined) throw new Error(`route ${route} has no deployment`);
      if (round >= routing.retries || !lastError.isRetryable) throw lastError;
      const backoff = routing.backoffMs * 2 ** round * (0.5 + Math.random() / 2);
      const delay = Math.max(backoff, retryAfterMs);
      // Waiting longer than allowed helps no one: the caller gets the error and its retry-after.
      if (delay > routing.maxBackoffMs) throw lastError;
      try {
        await sleep(delay, undefined, signal === undefined ? undefined : { signal });
      } catch (error) {
        throw abortedError(lastError.provider, error);
      }
    }
  }
}

function abortedError(provider: string, cause: unknown): ProviderError {
  return new ProviderError('the request was aborted', { kind: 'aborted', provider, cause });
}
