/**
 * Who a request acts as: a user (through one of their keys or a browser session), or the local
 * user of an open server. Every store query filters by `owner`, which is the user's id.
 */

import type { ApiKeyRecord, KeyLimits, UserRecord, UserRole } from '../store/access-store.ts';
import { LOCAL_OWNER } from '../store/access-store.ts';

export interface Principal {
  /** What conversations, responses and usage rows are owned by: the user's id. */
  readonly owner: string;
  /** Null for the local principal (an open server: no user exists, loopback only). */
  readonly userId: string | null;
  readonly name: string;
  readonly role: UserRole;
  /** The key the request came with; null for a browser session or the local principal. */
  readonly keyId: string | null;
  /** The browser session the request came with, if any. */
  readonly sessionId: string | null;
  readonly models: readonly string[] | null;
  readonly limits: KeyLimits;
}

/** Who a request is while no user exists: one local owner, on loopback only. */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({
  owner: LOCAL_OWNER,
  userId: null,
  name: LOCAL_OWNER,
  role: 'admin',
  keyId: null,
  sessionId: null,
  models: null,
  limits: {},
});

/** A user acting with one of their keys: the key's allowlist and limits apply. */
export function keyPrincipal(user: UserRecord, key: ApiKeyRecord): Principal {
  return {
    owner: user.id,
    userId: user.id,
    name: user.name,
    role: user.role,
    keyId: key.id,
    sessionId: null,
    models: key.models,
    limits: key.limits,
  };
}

/** A user acting without a key: through a browser session, or as an open server's first admin. */
export function userPrincipal(user: UserRecord, sessionId: string | null = null): Principal {
  return {
    owner: user.id,
    userId: user.id,
    name: user.name,
    role: user.role,
    keyId: null,
    sessionId,
    models: null,
    limits: {},
  };
}

/** True for an address on this machine (IPv4, IPv6, or IPv4 mapped into IPv6). */
export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
