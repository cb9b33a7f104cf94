/**
 * Everything access is made of, wired once over a store: users, keys, sessions, the sign-in
 * guard, the audit log and the open/closed rule. Used by the app and by the CLI's database
 * commands, so both see the same rules.
 */

import type { OidcConfig } from '../config/access-config.ts';
import type { Store } from '../store/store.ts';
import { AuditLog } from './audit.ts';
import { KeyService } from './keys.ts';
import { DEFAULT_LOGIN_LIMITS, LoginGuard, type LoginLimits } from './login-guard.ts';
import { Openness } from './openness.ts';
import { hashPassword } from './passwords.ts';
import { SessionService } from './sessions.ts';
import { SingleSignOn } from './single-sign-on.ts';
import { UserService } from './users.ts';

export interface AccessOptions {
  readonly keyHashSecret?: string;
  readonly authDisabled?: boolean;
  readonly sessionLifetimeMs?: number;
  readonly loginLimits?: LoginLimits;
  readonly oidc?: OidcConfig;
}

export interface AccessServices {
  readonly users: UserService;
  readonly keys: KeyService;
  readonly sessions: SessionService;
  readonly loginGuard: LoginGuard;
  readonly audit: AuditLog;
  readonly openness: Openness;
  /** OpenID Connect, when an issuer is configured. */
  readonly singleSignOn: SingleSignOn | null;
}

const DEFAULT_SESSION_LIFETIME_MS = 30 * 24 * 3_600_000;

export async function openAccess(store: Store, options: AccessOptions = {}): Promise<AccessServices> {
  const openness = new Openness(store.access, { authDisabled: options.authDisabled ?? false });
  const users = new UserService(store.access, { onCreated: () => openness.userCreated() });
  const keys = await KeyService.open(store, users, {
    ...(options.keyHashSecret === undefined ? {} : { hashSecret: options.keyHashSecret }),
  });
  const sessions = new SessionService(store.access, {
    hashSecret: keys.hashSecret,
    lifetimeMs: options.sessionLifetimeMs ?? DEFAULT_SESSION_LIFETIME_MS,
  });
  const loginGuard = new LoginGuard(store.access, options.loginLimits ?? DEFAULT_LOGIN_LIMITS);
  const singleSignOn =
    options.oidc === undefined ? null : new SingleSignOn(options.oidc, users, keys.hashSecret);
  return { users, keys, sessions, loginGuard, audit: new AuditLog(store.access), openness, singleSignOn };
}

/**
 * Makes sure the admin named by `PARLEY_ADMIN_USER` exists with `PARLEY_ADMIN_PASSWORD` (first
 * runs, compose files): created when missing, given the password when it has none, left as it is
 * otherwise (a password changed since is kept). Returns true when it changed something.
 */
export async function bootstrapAdminUser(
  access: AccessServices,
  name: string,
  password: string,
): Promise<boolean> {
  const existing = await access.users.findByName(name);
  // An admin made without a password (by PARLEY_ADMIN_KEY, say) gets this one; a password set since is kept.
  if (existing !== undefined) {
    if (existing.passwordHash !== null) return false;
    await access.users.update(existing.id, { passwordHash: await hashPassword(password) });
    await access.audit.record(
      null,
      'user.update',
      { type: 'user', id: existing.id },
      { password_reset: true, from: 'PARLEY_ADMIN_PASSWORD' },
    );
    return true;
  }
  const user = await access.users.create({ name, role: 'admin', passwordHash: await hashPassword(password) });
  await access.audit.record(
    null,
    'user.create',
    { type: 'user', id: user.id },
    { name, role: 'admin', from: 'PARLEY_ADMIN_PASSWORD' },
  );
  return true;
}
