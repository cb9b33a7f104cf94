/**
 * One request at a time per ChatGPT account: the web backend refuses a second message while one
 * is being answered ("Only one message at a time"). Calls on one account (one access token at one
 * base URL) wait their turn in order; calls on other accounts run in parallel. The queues live
 * in this module, not in a model object (the registry makes a model per call), and are keyed by a
 * hash, so the token itself is kept nowhere here.
 */

import { createHash } from 'node:crypto';

/** Gives the account to the next call in line; calling it again does nothing. */
export type ReleaseAccount = () => void;

interface Waiter {
  readonly grant: (release: ReleaseAccount) => void;
  readonly stopListening: () => void;
}

/** A first-in, first-out lock whose waiters leave the line when their signal aborts. */
export class AccountQueue {
  #busy = false;
  readonly #waiters: Waiter[] = [];
  readonly #onIdle: () => void;

  constructor(onIdle: () => void = () => {}) {
    this.#onIdle = onIdle;
  }

  /** Calls waiting for the account (not counting the one that holds it). */
  get waiting(): number {
    return this.#waiters.length;
  }

  get busy(): boolean {
    return this.#busy;
  }

  /**
   * Resolves when the account is this call's; the caller must release it when done. When `signal`
   * aborts first, the call leaves the line at once and the promise rejects with `abortError()`.
   */
  acquire(signal: AbortSignal | undefined, abortError: () => Error): Promise<ReleaseAccount> {
    if (signal?.aborted === true) {
      if (!this.#busy) this.#onIdle();
      return Promise.reject(abortError());
    }
    if (!this.#busy) {
      this.#busy = true;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(abortError());
      };
      const waiter: Waiter = {
        grant: resolve,
        stopListening: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #releaser(): ReleaseAccount {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next === undefined) {
        this.#busy = false;
        this.#onIdle();
        return;
      }
      next.stopListening();
      next.grant(this.#releaser());
    };
  }
}

const queues = new Map<string, AccountQueue>();

/** The key of an account: a hash of where it is and its token (never the token itself). */
export function accountKey(baseUrl: string, accessToken: string): string {
  return createHash('sha256').update(baseUrl).update('\0').update(accessToken).digest('hex');
}

/** The queue of an account; it is forgotten again when nobody holds or waits for it. */
export function accountQueue(key: string): AccountQueue {
  let queue = queues.get(key);
  if (queue === undefined) {
    queue = new AccountQueue(() => {
      if (queues.get(key) === queue) queues.delete(key);
    });
    queues.set(key, queue);
  }
  return queue;
}

/** Accounts with a call running or waiting (for tests and metrics). */
export function activeAccounts(): number {
  return queues.size;
}
