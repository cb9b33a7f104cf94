/**
 * Which deployments are cooling down: a deployment that failed is left alone for a while, so the
 * requests after it go straight to the healthy ones. Kept in this process (each replica learns on
 * its own, as each one's requests fail).
 */

import type { RoutingSettings } from '../../config/routing-config.ts';
import type { ProviderError } from '../spec.ts';

interface State {
  consecutiveFailures: number;
  coolingUntil: number;
}

export class DeploymentHealth {
  readonly #settings: RoutingSettings;
  readonly #now: () => number;
  readonly #states = new Map<string, State>();

  constructor(settings: RoutingSettings, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
  }

  /** When the deployment may be used again (Unix ms); 0 when it is not cooling down. */
  coolingUntil(deployment: string): number {
    const until = this.#states.get(deployment)?.coolingUntil ?? 0;
    return until > this.#now() ? until : 0;
  }

  recordSuccess(deployment: string): void {
    const state = this.#states.get(deployment);
    if (state !== undefined) state.consecutiveFailures = 0;
  }

  /**
   * A rate limit cools the deployment for its `retry-after` (or the cooldown); a refused key at
   * once for the cooldown; other failures once `allowedFails` of them come in a row.
   */
  recordFailure(deployment: string, error: ProviderError): void {
    let state = this.#states.get(deployment);
    if (state === undefined) {
      state = { consecutiveFailures: 0, coolingUntil: 0 };
      this.#states.set(deployment, state);
    }
    state.consecutiveFailures++;
    const { cooldownMs, allowedFails } = this.#settings;
    let coolFor = 0;
    if (error.status === 429) coolFor = error.retryAfterMs ?? cooldownMs;
    else if (error.status === 401 || error.status === 403) coolFor = cooldownMs;
    else if (state.consecutiveFailures >= allowedFails) coolFor = cooldownMs;
    if (coolFor > 0) {
      state.coolingUntil = Math.max(state.coolingUntil, this.#now() + coolFor);
      state.consecutiveFailures = 0;
    }
  }
}
