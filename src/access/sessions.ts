/**
 * Browser sessions: a random secret in an HttpOnly cookie, stored only as a keyed hash, read with
 * its user on every request (so signing out, a new password or a disabled user ends it on every
 * replica at once). Each session has a CSRF token derived from its secret: the page sends it back
 * in a header on every write, which another site cannot read or forge.
 */

import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AccessStore, SessionRecord, UserRecord } from '../store/access-store.ts';
import { type Principal, userPrincipal } from './principal.ts';

export interface SessionContext {
  readonly address: string | null;
  readonly userAgent: string | null;
}

export interface OpenedSession {
  readonly session: SessionRecord;
  /** The cookie's value: shown to the browser once, never stored. */
  readonly secret: string;
  readonly csrfToken: string;
}

export interface SessionPrincipal {
  readonly principal: Principal;
  readonly session: SessionRecord;
  readonly csrfToken: string;
}

const USER_AGENT_LENGTH = 300;

export class SessionService {
  readonly #store: AccessStore;
  readonly #hashSecret: string;
  readonly #lifetimeMs: number;
  readonly #now: () => number;

  constructor(store: AccessStore, options: { hashSecret: string; lifetimeMs: number; now?: () => number }) {
    this.#store = store;
    this.#hashSecret = options.hashSecret;
    this.#lifetimeMs = options.lifetimeMs;
    this.#now = options.now ?? Date.now;
  }

  #hash(purpose: string, secret: string): string {
    return createHmac('sha256', this.#hashSecret).update(`${purpose}:${secret}`).digest('hex');
  }

  /** The CSRF token of the session whose cookie holds `secret`. */
  csrfTokenOf(secret: string): string {
    return this.#hash('csrf', secret);
  }

  /** True when `token` is the CSRF token of the session with this cookie secret (constant time). */
  csrfTokenMatches(secret: string, token: string): boolean {
    const expected = Buffer.from(this.csrfTokenOf(secret));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  async open(user: UserRecord, context: SessionContext): Promise<OpenedSession> {
    const secret = randomBytes(32).toString('base64url');
    const now = this.#now();
    const session: SessionRecord = {
      id: randomUUID(),
      userId: user.id,
      hash: this.#hash('session', secret),
      createdAt: now,
      expiresAt: now + this.#lifetimeMs,
      address: context.address,
      userAgent: context.userAgent?.slice(0, USER_AGENT_LENGTH) ?? null,
    };
    await this.#store.createSession(session);
    return { session, secret, csrfToken: this.csrfTokenOf(secret) };
  }

  /** The principal of a live session of an enabled user, or undefined. */
  async authenticate(secret: string): Promise<SessionPrincipal | undefined> {
    const found = await this.#store.findSessionByHash(this.#hash('session', secret), this.#now());
    if (found === undefined || found.user.disabledAt !== null) return undefined;
    return {
      principal: userPrincipal(found.user, found.credential.id),
      session: found.credential,
      csrfToken: this.csrfTokenOf(secret),
    };
  }

  list(userId: string): Promise<readonly SessionRecord[]> {
    return this.#store.listSessions(userId, this.#now());
  }

  end(sessionId: string): Promise<boolean> {
    return this.#store.deleteSession(sessionId);
  }

  /** Signs a user out everywhere; returns how many sessions ended. */
  endAll(userId: string): Promise<number> {
    return this.#store.deleteUserSessions(userId);
  }

  get lifetimeMs(): number {
    return this.#lifetimeMs;
  }
}
