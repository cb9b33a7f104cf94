/**
 * Failed sign-ins are counted per account and per address over a window, in the database (so every
 * replica counts the same); past the limit, sign-in is refused until the oldest failure in the
 * window expires, even with the right password. A success clears the account's count.
 */

import { ParleyError } from '../errors.ts';
import type { AccessStore } from '../store/access-store.ts';

export interface LoginLimits {
  readonly windowMs: number;
  readonly perAccount: number;
  readonly perAddress: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { windowMs: 15 * 60_000, perAccount: 5, perAddress: 30 };

const accountScope = (name: string) => `account:${name.toLowerCase()}`;
const addressScope = (address: string) => `address:${address}`;

export class LoginGuard {
  readonly #store: AccessStore;
  readonly #limits: LoginLimits;
  readonly #now: () => number;

  constructor(store: AccessStore, limits: LoginLimits = DEFAULT_LOGIN_LIMITS, now: () => number = Date.now) {
    this.#store = store;
    this.#limits = limits;
    this.#now = now;
  }

  /** Throws a 429 (with retry-after) while the account or the address is locked out. */
  async check(name: string, address: string): Promise<void> {
    const since = this.#now() - this.#limits.windowMs;
    const [account, fromAddress] = await Promise.all([
      this.#store.countLoginFailures(accountScope(name), since),
      this.#store.countLoginFailures(addressScope(address), since),
    ]);
    if (account >= this.#limits.perAccount || fromAddress >= this.#limits.perAddress) {
      throw new ParleyError('RATE_LIMITED', 'too many failed sign-ins: try again later', {
        retryAfterSeconds: Math.ceil(this.#limits.windowMs / 1000),
      });
    }
  }

  async failed(name: string, address: string): Promise<void> {
    const now = this.#now();
    await this.#store.recordLoginFailure(
      [accountScope(name), addressScope(address)],
      now,
      now - this.#limits.windowMs,
    );
  }

  succeeded(name: string): Promise<void> {
    return this.#store.clearLoginFailures(accountScope(name));
  }
}
