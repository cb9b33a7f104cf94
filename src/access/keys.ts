/**
 * API keys: random secrets shown once, stored only as an HMAC-SHA256 with a server secret
 * (`PARLEY_KEY_SECRET`, or one generated on first start and kept in the database). A key belongs to
 * a user and acts as that user (every key of a user sees the same history), with the key's own
 * model allowlist and limits. Keys and their users are read from the store on every request, so a
 * revoked key or a disabled user stops on every replica at once.
 */

import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { badRequest, notFound } from '../errors.ts';
import type { AccessStore, ApiKeyRecord, KeyLimits, KeyPatch, UserRole } from '../store/access-store.ts';
import type { Store } from '../store/store.ts';
import { keyPrincipal, type Principal } from './principal.ts';
import type { UserService } from './users.ts';

export const KEY_PREFIX = 'sk-parley-';
/** How many characters of a secret its hint shows: enough to tell keys apart, too few to help guess. */
const HINT_SECRET_CHARS = 4;

/**
 * What may be shown of a secret: Parley's public prefix and its next 4 characters, or the first 4
 * of a secret chosen elsewhere (`PARLEY_ADMIN_KEY`). Applied to stored hints too, since hints
 * written before this rule kept up to 14 characters.
 */
export function keyHint(secret: string): string {
  const prefix = secret.startsWith(KEY_PREFIX) ? KEY_PREFIX : '';
  return secret.slice(0, prefix.length + HINT_SECRET_CHARS);
}
const SECRET_SETTING = 'api_key_hash_secret';
/** The shortest `PARLEY_ADMIN_KEY` accepted: it is a password to everything. */
export const MIN_ADMIN_KEY_LENGTH = 24;
/** The name of the user `PARLEY_ADMIN_KEY` creates when no admin exists. */
const BOOTSTRAP_ADMIN_NAME = 'admin';

export interface NewKey {
  readonly name: string;
  readonly expiresAt?: number | null;
  readonly models?: readonly string[] | null;
  readonly limits?: KeyLimits;
}

export class KeyService {
  readonly #store: AccessStore;
  readonly #users: UserService;
  readonly #hashSecret: string;
  readonly #now: () => number;

  private constructor(store: AccessStore, users: UserService, hashSecret: string, now: () => number) {
    this.#store = store;
    this.#users = users;
    this.#hashSecret = hashSecret;
    this.#now = now;
  }

  static async open(
    store: Store,
    users: UserService,
    options: { hashSecret?: string; now?: () => number } = {},
  ): Promise<KeyService> {
    const hashSecret =
      options.hashSecret ?? (await store.ensureSetting(SECRET_SETTING, randomBytes(32).toString('hex')));
    return new KeyService(store.access, users, hashSecret, options.now ?? Date.now);
  }

  /** The keyed hash secrets are stored as. */
  hash(secret: string): string {
    return createHmac('sha256', this.#hashSecret).update(secret).digest('hex');
  }

  /** The server secret keys are hashed with; sessions derive theirs from it too. */
  get hashSecret(): string {
    return this.#hashSecret;
  }

  /** Creates a key for an existing user; the returned secret is shown once and never stored. */
  async create(
    userId: string,
    input: NewKey,
    secret: string = KEY_PREFIX + randomBytes(24).toString('base64url'),
  ): Promise<{ key: ApiKeyRecord; secret: string }> {
    if (input.name.trim() === '') throw badRequest('a key needs a name', 'name');
    const now = this.#now();
    if (input.expiresAt !== undefined && input.expiresAt !== null && input.expiresAt <= now) {
      throw badRequest('expires_at must be in the future', 'expires_at');
    }
    if ((await this.#users.get(userId)) === undefined) throw notFound(`no user with id ${userId}`);
    const key: ApiKeyRecord = {
      id: randomUUID(),
      userId,
      name: input.name,
      hash: this.hash(secret),
      hint: keyHint(secret),
      models: input.models ?? null,
      limits: input.limits ?? {},
      expiresAt: input.expiresAt ?? null,
      createdAt: now,
      revokedAt: null,
    };
    await this.#store.createKey(key);
    return { key, secret };
  }

  /**
   * Creates a key together with a user of its own, named after the key: what a key was before users
   * existed (its own history and role), for programs that create keys without naming a user.
   */
  async createWithUser(input: NewKey & { readonly role: UserRole }, secret?: string) {
    const user = await this.#users.createWithFreeName(input.name, { role: input.role });
    return { user, ...(await this.create(user.id, input, secret)) };
  }

  /**
   * Makes sure an admin key with this secret exists (`PARLEY_ADMIN_KEY`): it acts as the first
   * admin, who is created (named `admin`) when there is none.
   */
  async bootstrapAdmin(secret: string): Promise<ApiKeyRecord> {
    const existing = await this.#store.findKeyByHash(this.hash(secret));
    if (existing !== undefined && existing.credential.revokedAt === null) return existing.credential;
    if (existing !== undefined)
      throw new Error('PARLEY_ADMIN_KEY names a key that was revoked: set a new one');
    const admin =
      (await this.#users.firstAdmin()) ??
      (await this.#users.createWithFreeName(BOOTSTRAP_ADMIN_NAME, { role: 'admin' }));
    return (await this.create(admin.id, { name: 'PARLEY_ADMIN_KEY' }, secret)).key;
  }

  /** The principal of a live key of an enabled user, or undefined. */
  async authenticate(secret: string): Promise<Principal | undefined> {
    const hash = this.hash(secret);
    const found = await this.#store.findKeyByHash(hash);
    if (found === undefined) return undefined;
    const { credential: key, user } = found;
    // The lookup is by hash already; compare again in constant time so no branch depends on it.
    if (!timingSafeEqual(Buffer.from(key.hash, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
    if (key.revokedAt !== null || user.disabledAt !== null) return undefined;
    if (key.expiresAt !== null && key.expiresAt <= this.#now()) return undefined;
    return keyPrincipal(user, key);
  }

  get(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#store.getKey(id);
  }

  /** Every key (of one user, when given), oldest first. */
  list(userId?: string): Promise<readonly ApiKeyRecord[]> {
    return this.#store.listKeys(userId);
  }

  update(id: string, patch: KeyPatch): Promise<ApiKeyRecord | undefined> {
    return this.#store.updateKey(id, patch);
  }

  revoke(id: string): Promise<boolean> {
    return this.#store.revokeKey(id, this.#now());
  }
}
