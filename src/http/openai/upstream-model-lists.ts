/**
 * The model lists of the upstreams that can give one, cached briefly: clients read `/v1/models`
 * at start-up and on every model picker, and an upstream's list changes rarely. A list that could
 * not be read is left out (and logged), and asked for again sooner.
 */

import type { ModelRegistry } from '../../providers/registry.ts';

/** How long a list is reused; after a failure, the shorter time. */
const FRESH_MS = 60_000;
const RETRY_MS = 5_000;

export interface UpstreamModelList {
  readonly provider: string;
  readonly models: readonly string[];
}

export class UpstreamModelLists {
  readonly #registry: Pick<ModelRegistry, 'listProviderModels'>;
  readonly #onError: (provider: string, error: unknown) => void;
  readonly #now: () => number;
  #cached: { readonly until: number; readonly lists: Promise<readonly UpstreamModelList[]> } | undefined;

  constructor(
    registry: Pick<ModelRegistry, 'listProviderModels'>,
    onError: (provider: string, error: unknown) => void,
    now: () => number = Date.now,
  ) {
    this.#registry = registry;
    this.#onError = onError;
    this.#now = now;
  }

  /** The lists read (or still fresh), one per provider that gave one. */
  lists(): Promise<readonly UpstreamModelList[]> {
    const now = this.#now();
    if (this.#cached !== undefined && now < this.#cached.until) return this.#cached.lists;
    const lists = this.#read(now);
    this.#cached = { until: now + FRESH_MS, lists };
    return lists;
  }

  async #read(startedAt: number): Promise<readonly UpstreamModelList[]> {
    const results = (await this.#registry.listProviderModels?.()) ?? [];
    const lists: UpstreamModelList[] = [];
    for (const result of results) {
      if ('models' in result) lists.push({ provider: result.provider, models: result.models });
      else this.#onError(result.provider, result.error);
    }
    if (lists.length < results.length) {
      this.#cached = { until: startedAt + RETRY_MS, lists: Promise.resolve(lists) };
    }
    return lists;
  }
}
