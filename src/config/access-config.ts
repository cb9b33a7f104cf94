/**
 * The access settings read from the environment: the first admin, sessions, sign-in lockout, and
 * the proxies trusted for the client's address and protocol.
 */

import type { EnvironmentReader } from './environment-reader.ts';

export interface AccessConfig {
  /** `PARLEY_ADMIN_USER`: the name of the admin `PARLEY_ADMIN_PASSWORD` makes sure of. */
  readonly adminUser: string;
  /** `PARLEY_ADMIN_PASSWORD`: an admin with this password is created at start when missing; never logged. */
  readonly adminPassword?: string;
  readonly sessionLifetimeMs: number;
  /** How long failed sign-ins count (and a locked account stays locked). */
  readonly loginWindowMs: number;
  /**
   * Fastify's `trustProxy`: whose `X-Forwarded-For`/`-Proto` to believe — `true` for any, or
   * comma-separated addresses and CIDRs (`loopback`, `10.0.0.0/8`); `false` (the default) for none.
   */
  readonly trustProxy: boolean | string;
}

const DAY_MS = 86_400_000;

function parseTrustProxy(raw: string | undefined): boolean | string {
  if (raw === undefined || raw === 'false') return false;
  return raw === 'true' ? true : raw;
}

export function readAccessConfig(reader: EnvironmentReader): AccessConfig {
  const adminPassword = reader.secret('PARLEY_ADMIN_PASSWORD', 10);
  return {
    adminUser: reader.string('PARLEY_ADMIN_USER') ?? 'admin',
    ...(adminPassword === undefined ? {} : { adminPassword }),
    sessionLifetimeMs: reader.integer('PARLEY_SESSION_DAYS', 30, 1, 365) * DAY_MS,
    loginWindowMs: reader.integer('PARLEY_LOGIN_LOCKOUT_SECONDS', 900, 1, 86_400) * 1000,
    trustProxy: parseTrustProxy(reader.string('PARLEY_TRUST_PROXY')),
  };
}
