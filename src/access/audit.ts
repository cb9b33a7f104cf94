/**
 * The audit log of admin actions: who did what to whom, when and from where, kept in the database
 * and read through `/api/audit`. Details name what changed, never a secret or a password.
 */

import type { AccessStore, AuditEntry } from '../store/access-store.ts';
import type { Principal } from './principal.ts';

export interface AuditTarget {
  readonly type: 'user' | 'key' | 'session';
  readonly id: string;
}

export class AuditLog {
  readonly #store: AccessStore;
  readonly #now: () => number;

  constructor(store: AccessStore, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  /** Records an action; `actor` null is the server itself (a first admin from the environment). */
  record(
    actor: Principal | null,
    action: string,
    target: AuditTarget | null,
    details: Readonly<Record<string, unknown>> | null = null,
    address: string | null = null,
  ): Promise<void> {
    return this.#store.appendAudit({
      actorId: actor?.userId ?? null,
      actorName: actor === null ? 'server' : actor.name,
      action,
      targetType: target?.type ?? null,
      targetId: target?.id ?? null,
      details: details === null ? null : JSON.stringify(details),
      address,
      createdAt: this.#now(),
    });
  }

  list(query: { before?: number; limit: number }): Promise<readonly AuditEntry[]> {
    return this.#store.listAudit(query);
  }
}
