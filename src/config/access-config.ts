/**
 * The access settings read from the environment: the first admin, sessions, sign-in lockout,
 * proxies trusted for the client's address and protocol, and single sign-on (OpenID Connect).
 */

import type { EnvironmentReader } from './environment-reader.ts';

export interface OidcConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The role a user gets on their first sign-in. */
  readonly defaultRole: 'admin' | 'user';
  /** Lower-case email domains allowed to sign in; empty allows every domain. */
  readonly allowedDomains: readonly string[];
  /** A claim that makes a user an admin: `name=value` (e.g. `groups=parley-admins`), or just `name` (true). */
  readonly adminClaim?: { readonly name: string; readonly value?: string };
  /** The name on the sign-in button. */
  readonly label: string;
}

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
  readonly oidc?: OidcConfig;
}

const DAY_MS = 86_400_000;

function parseTrustProxy(raw: string | undefined): boolean | string {
  if (raw === undefined || raw === 'false') return false;
  return raw === 'true' ? true : raw;
}

export function readAccessConfig(reader: EnvironmentReader, problems: string[]): AccessConfig {
  const adminPassword = reader.secret('PARLEY_ADMIN_PASSWORD', 10);
  const oidcIssuer = reader.url('PARLEY_OIDC_ISSUER', ['http:', 'https:']);
  const oidcClientId = reader.string('PARLEY_OIDC_CLIENT_ID');
  const oidcClientSecret = reader.string('PARLEY_OIDC_CLIENT_SECRET');
  const adminClaim = reader.string('PARLEY_OIDC_ADMIN_CLAIM');
  const defaultRole = reader.oneOf('PARLEY_OIDC_DEFAULT_ROLE', ['user', 'admin'] as const, 'user');
  const allowedDomains = (reader.string('PARLEY_OIDC_ALLOWED_DOMAINS') ?? '')
    .split(',')
    .map((domain) => domain.trim().toLowerCase())
    .filter((domain) => domain !== '');
  const label = reader.string('PARLEY_OIDC_LABEL') ?? 'single sign-on';
  if ((oidcIssuer === undefined) !== (oidcClientId === undefined))
    problems.push('PARLEY_OIDC_ISSUER and PARLEY_OIDC_CLIENT_ID: set both for single sign-on, or neither');
  const claimSeparator = adminClaim?.indexOf('=') ?? -1;
  return {
    adminUser: reader.string('PARLEY_ADMIN_USER') ?? 'admin',
    ...(adminPassword === undefined ? {} : { adminPassword }),
    sessionLifetimeMs: reader.integer('PARLEY_SESSION_DAYS', 30, 1, 365) * DAY_MS,
    loginWindowMs: reader.integer('PARLEY_LOGIN_LOCKOUT_SECONDS', 900, 1, 86_400) * 1000,
    trustProxy: parseTrustProxy(reader.string('PARLEY_TRUST_PROXY')),
    ...(oidcIssuer === undefined || oidcClientId === undefined
      ? {}
      : {
          oidc: {
            issuer: oidcIssuer,
            clientId: oidcClientId,
            clientSecret: oidcClientSecret ?? '',
            defaultRole,
            allowedDomains,
            label,
            ...(adminClaim === undefined
              ? {}
              : {
                  adminClaim:
                    claimSeparator < 0
                      ? { name: adminClaim }
                      : {
                          name: adminClaim.slice(0, claimSeparator),
                          value: adminClaim.slice(claimSeparator + 1),
                        },
                }),
          },
        }),
  };
}
