/**
 * The open/closed rule, the same on every replica and after any restart because it is read from
 * the database: a server is open (every request acts as the local user, loopback only) while no
 * user exists, and closed once one does — users are disabled, never deleted, and every key belongs
 * to a user, so revoking keys never reopens it. Only an explicit setting (`PARLEY_AUTH_DISABLED`)
 * opens a server that has users; requests without credentials then act as the first admin.
 */

import type { AccessStore } from '../store/access-store.ts';
import { LOCAL_PRINCIPAL, type Principal, userPrincipal } from './principal.ts';

/** While open, the store is asked again at most this often (another replica may add a user). */
const OPEN_RECHECK_MS = 1_000;

export class Openness {
  readonly #store: AccessStore;
  readonly #authDisabled: boolean;
  readonly #now: () => number;
  /** Once true, true for good: users are never deleted. */
  #closed = false;
  #checkedAt = Number.NEGATIVE_INFINITY;

  constructor(store: AccessStore, options: { authDisabled?: boolean; now?: () => number } = {}) {
    this.#store = store;
    this.#authDisabled = options.authDisabled ?? false;
    this.#now = options.now ?? Date.now;
  }

  /** `closed()` without a wait when the answer is known (the hot path); undefined otherwise. */
  closedNow(): boolean | undefined {
    if (this.#authDisabled) return false;
    if (this.#closed || this.#now() - this.#checkedAt < OPEN_RECHECK_MS) return this.#closed;
    return undefined;
  }

  /** True when a request is known, without a wait, to act as the local principal whatever it sends. */
  localNow(): boolean {
    return !this.#authDisabled && this.closedNow() === false;
  }

  /** True when every request must carry a key or a session. */
  async closed(): Promise<boolean> {
    const known = this.closedNow();
    if (known !== undefined) return known;
    this.#checkedAt = this.#now();
    this.#closed = await this.#store.hasUsers();
    return this.#closed;
  }

  /** Called when this process creates a user: closed at once, without waiting for the recheck. */
  userCreated(): void {
    this.#closed = true;
  }

  /** Who a request without credentials is on an open server. */
  async anonymous(): Promise<Principal> {
    if (!this.#authDisabled) return LOCAL_PRINCIPAL;
    const admin = await this.#store.firstAdmin();
    return admin === undefined ? LOCAL_PRINCIPAL : userPrincipal(admin);
  }
}
