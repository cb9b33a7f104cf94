/**
 * API keys: random secrets shown once, stored only as an HMAC-SHA256 with a server secret
 * (`PARLEY_KEY_SECRET`, or one generated on first start and kept in the database). A request's key
 * becomes its principal: the owner every store query filters by, a role, a model allowlist and
 * limits. Keys are read from the store on every request, so a revocation holds on every replica
 * at once.
 */

import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { badRequest } from '../errors.ts';
import type { ApiKeyRecord, KeyLimits, KeyRole, Store } from '../store/store.ts';

export interface Principal {
  /** What conversations, responses and usage rows are owned by. */
  readonly owner: string;
  /** Null for the local principal (no keys configured, loopback only). */
  readonly keyId: string | null;
  readonly role: KeyRole;
  readonly models: readonly string[] | null;
  readonly limits: KeyLimits;
}

/** Who a request is when no key exists at all: one local owner, on loopback only. */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({
  owner: 'local',
  keyId: null,
  role: 'admin',
  models: null,
  limits: {},
});

export const KEY_PREFIX = 'sk-parley-';
const HINT_LENGTH = KEY_PREFIX.length + 4;
const SECRET_SETTING = 'api_key_hash_secret';
/** The shortest `PARLEY_ADMIN_KEY` accepted: it is a password to everything. */
export const MIN_ADMIN_KEY_LENGTH = 24;

export interface NewKey {
  readonly name: string;
  readonly role?: KeyRole;
  readonly expiresAt?: number | null;
  readonly models?: readonly string[] | null;
  readonly limits?: KeyLimits;
}

const NO_KEYS_RECHECK_MS = 1_000;

export const ownerOfKey = (keyId: string): string => `key:${keyId}`;

export class KeyService {
  readonly #store: Store;
  readonly #hashSecret: string;
  readonly #now: () => number;
  /** Once a key exists, every request needs one (until restart, even if all are revoked). */
  #keysExist = false;
  /** While no key exists, the store is asked again at most this often (another replica may add one). */
  #checkedAt = Number.NEGATIVE_INFINITY;

  private constructor(store: Store, hashSecret: string, now: () => number) {
    this.#store = store;
    this.#hashSecret = hashSecret;
    this.#now = now;
  }

  static async open(
    store: Store,
    options: { hashSecret?: string; now?: () => number } = {},
  ): Promise<KeyService> {
    const hashSecret =
      options.hashSecret ?? (await store.ensureSetting(SECRET_SETTING, randomBytes(32).toString('hex')));
    return new KeyService(store, hashSecret, options.now ?? Date.now);
  }

  #hash(secret: string): string {
    return createHmac('sha256', this.#hashSecret).update(secret).digest('hex');
  }

  /** Creates a key; the returned secret is shown once and never stored. */
  async create(input: NewKey, secret: string = KEY_PREFIX + randomBytes(24).toString('base64url')) {
    if (input.name.trim() === '') throw badRequest('a key needs a name', 'name');
    const now = this.#now();
    if (input.expiresAt !== undefined && input.expiresAt !== null && input.expiresAt <= now) {
      throw badRequest('expires_at must be in the future', 'expires_at');
    }
    const key: ApiKeyRecord = {
      id: randomUUID(),
      name: input.name,
      hash: this.#hash(secret),
      hint: secret.slice(0, HINT_LENGTH),
      role: input.role ?? 'user',
      models: input.models ?? null,
      limits: input.limits ?? {},
      expiresAt: input.expiresAt ?? null,
      createdAt: now,
      revokedAt: null,
    };
    await this.#store.createKey(key);
    this.#keysExist = true;
    return { key, secret };
  }

  /** Makes sure an admin key with this secret exists (`PARLEY_ADMIN_KEY`). */
  async bootstrapAdmin(secret: string): Promise<ApiKeyRecord> {
    const existing = await this.#store.findKeyByHash(this.#hash(secret));
    if (existing !== undefined && existing.revokedAt === null) {
      this.#keysExist = true;
      return existing;
    }
    if (existing !== undefined)
      throw new Error('PARLEY_ADMIN_KEY names a key that was revoked: set a new one');
    return (await this.create({ name: 'PARLEY_ADMIN_KEY', role: 'admin' }, secret)).key;
  }

  /** The principal of a live key, or undefined for an unknown, revoked or expired one. */
  async authenticate(secret: string): Promise<Principal | undefined> {
    const hash = this.#hash(secret);
    const key = await this.#store.findKeyByHash(hash);
    if (key === undefined) return undefined;
    // The lookup is by hash already; compare again in constant time so no branch depends on it.
    if (!timingSafeEqual(Buffer.from(key.hash, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
    if (key.revokedAt !== null) return undefined;
    if (key.expiresAt !== null && key.expiresAt <= this.#now()) return undefined;
    return {
      owner: ownerOfKey(key.id),
      keyId: key.id,
      role: key.role,
      models: key.models,
      limits: key.limits,
    };
  }

  /** `authRequired` without a wait when the answer is known (the hot path); undefined otherwise. */
  authRequiredNow(): boolean | undefined {
    if (this.#keysExist || this.#now() - this.#checkedAt < NO_KEYS_RECHECK_MS) return this.#keysExist;
    return undefined;
  }

  /** True once any live key exists: then every request must carry one. */
  async authRequired(): Promise<boolean> {
    const known = this.authRequiredNow();
    if (known !== undefined) return known;
    const now = this.#now();
    this.#checkedAt = now;
    this.#keysExist = await this.#store.hasActiveKeys(now);
    return this.#keysExist;
  }

  list(): Promise<readonly ApiKeyRecord[]> {
    return this.#store.listKeys();
  }

  revoke(id: string): Promise<boolean> {
    return this.#store.revokeKey(id, this.#now());
  }
}
