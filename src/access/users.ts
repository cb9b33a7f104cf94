/**
 * Users: who owns conversations, responses, usage and keys. Names are what people sign in with
 * (unique without regard to case); a user is disabled, never deleted, so their history and the
 * audit log keep pointing at someone. The first admin adopts what the local user made before any
 * user existed (see `AccessStore.createUser`).
 */

import { randomUUID } from 'node:crypto';
import { badRequest, ParleyError } from '../errors.ts';
import type { AccessStore, UserPatch, UserRecord, UserRole } from '../store/access-store.ts';

/** Letters, digits and `. _ @ + -`, 1 to 64 characters: safe in a URL, a log line and a prompt. */
export const USER_NAME_PATTERN = '^[\\p{L}\\p{N}._@+-]{1,64}$';
const USER_NAME = new RegExp(USER_NAME_PATTERN, 'u');
/** How many `name-2`, `name-3`... are tried for a name that is taken before giving up. */
const FREE_NAME_TRIES = 20;

export interface NewUser {
  readonly name: string;
  readonly role: UserRole;
  readonly passwordHash?: string | null;
  readonly email?: string | null;
  readonly externalIssuer?: string;
  readonly externalSubject?: string;
}

export function checkUserName(name: string): void {
  if (!USER_NAME.test(name)) throw badRequest('a user name is 1 to 64 letters, digits or . _ @ + -', 'name');
}

export class UserService {
  readonly #store: AccessStore;
  readonly #now: () => number;
  readonly #onCreated: () => void;

  /** `onCreated` hears of every user this process creates (the server closes at once). */
  constructor(store: AccessStore, options: { now?: () => number; onCreated?: () => void } = {}) {
    this.#store = store;
    this.#now = options.now ?? Date.now;
    this.#onCreated = options.onCreated ?? (() => {});
  }

  async #insert(user: UserRecord): Promise<boolean> {
    const created = await this.#store.createUser(user);
    if (created) this.#onCreated();
    return created;
  }

  /** Creates a user; a taken name is a 409. */
  async create(input: NewUser): Promise<UserRecord> {
    checkUserName(input.name);
    const user = this.#record(input, input.name);
    if (!(await this.#insert(user)))
      throw new ParleyError('CONFLICT', `the name ${input.name} is taken`, { param: 'name' });
    return user;
  }

  /**
   * Creates a user named `base`, or `base-2`, `base-3`... when taken (users made for a key or on a
   * first single sign-on, whose name nobody chose). Characters a name may not hold become `-`.
   */
  async createWithFreeName(base: string, input: Omit<NewUser, 'name'>): Promise<UserRecord> {
    const cleaned = base.replace(/[^\p{L}\p{N}._@+-]+/gu, '-').slice(0, 56) || 'user';
    for (let attempt = 1; attempt <= FREE_NAME_TRIES; attempt++) {
      const name = attempt === 1 ? cleaned : `${cleaned}-${attempt}`;
      const user = this.#record(input, name);
      if (await this.#insert(user)) return user;
    }
    const user = this.#record(input, `${cleaned}-${randomUUID().slice(0, 8)}`);
    if (await this.#insert(user)) return user;
    throw new ParleyError('CONFLICT', `no free user name starting with ${cleaned}`);
  }

  #record(input: Omit<NewUser, 'name'>, name: string): UserRecord {
    const now = this.#now();
    return {
      id: randomUUID(),
      name,
      role: input.role,
      passwordHash: input.passwordHash ?? null,
      email: input.email ?? null,
      externalIssuer: input.externalIssuer ?? null,
      externalSubject: input.externalSubject ?? null,
      createdAt: now,
      updatedAt: now,
      disabledAt: null,
    };
  }

  get(id: string): Promise<UserRecord | undefined> {
    return this.#store.getUser(id);
  }

  findByName(name: string): Promise<UserRecord | undefined> {
    return this.#store.findUserByName(name);
  }

  findByExternalId(issuer: string, subject: string): Promise<UserRecord | undefined> {
    return this.#store.findUserByExternalId(issuer, subject);
  }

  list(): Promise<readonly UserRecord[]> {
    return this.#store.listUsers();
  }

  /** Changes a user; unknown is a 404, a taken name a 409. */
  async update(id: string, patch: UserPatch): Promise<UserRecord> {
    if (patch.name !== undefined) checkUserName(patch.name);
    const updated = await this.#store.updateUser(id, patch, this.#now());
    if (updated === undefined) throw new ParleyError('NOT_FOUND', `no user with id ${id}`);
    if (updated === false)
      throw new ParleyError('CONFLICT', `the name ${patch.name ?? ''} is taken`, { param: 'name' });
    return updated;
  }

  /** Disables (or enables again) a user; their keys and sessions stop at once. */
  async setDisabled(id: string, disabled: boolean): Promise<UserRecord> {
    const user = await this.update(id, { disabledAt: disabled ? this.#now() : null });
    if (disabled) await this.#store.deleteUserSessions(id);
    return user;
  }

  hasUsers(): Promise<boolean> {
    return this.#store.hasUsers();
  }

  firstAdmin(): Promise<UserRecord | undefined> {
    return this.#store.firstAdmin();
  }
}
