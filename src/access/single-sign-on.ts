/**
 * Single sign-on with OpenID Connect (`openid-client`): the authorization code flow with PKCE, a
 * state and a nonce kept in a short-lived signed cookie between the redirect out and the one back.
 * A person signing in for the first time becomes a user with the configured default role (admin
 * when the admin claim says so), named after their preferred username or email; later sign-ins find
 * them by issuer and subject. An allowlist of email domains, when set, admits only verified emails
 * in those domains. The issuer is discovered on first use, so a server starts while it is down.
 */

import { createHmac, timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import type { OidcConfig } from '../config/access-config.ts';
import type { UserRecord } from '../store/access-store.ts';
import type { UserService } from './users.ts';

/** How long a person has at the identity provider before the flow's cookie expires. */
export const FLOW_LIFETIME_MS = 10 * 60_000;
const SCOPES = 'openid email profile';

/** A refusal whose message is safe to show the person (never a token or a secret). */
export class SingleSignOnError extends Error {
  override readonly name = 'SingleSignOnError';
}

interface FlowState {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  readonly next: string;
  readonly expiresAt: number;
}

type Claims = Readonly<Record<string, unknown>>;

export class SingleSignOn {
  readonly #config: OidcConfig;
  readonly #users: UserService;
  readonly #secret: string;
  readonly #now: () => number;
  #discovered: Promise<client.Configuration> | undefined;

  constructor(config: OidcConfig, users: UserService, secret: string, now: () => number = Date.now) {
    this.#config = config;
    this.#users = users;
    this.#secret = secret;
    this.#now = now;
  }

  get label(): string {
    return this.#config.label;
  }

  #discover(): Promise<client.Configuration> {
    this.#discovered ??= client
      .discovery(new URL(this.#config.issuer), this.#config.clientId, this.#config.clientSecret, undefined, {
        // An http:// issuer is the operator's explicit choice (a lab, a test): allow it.
        ...(this.#config.issuer.startsWith('http:') ? { execute: [client.allowInsecureRequests] } : {}),
        timeout: 10,
      })
      .catch((error: unknown) => {
        this.#discovered = undefined;
        throw new SingleSignOnError(`the identity provider could not be reached (${describe(error)})`);
      });
    return this.#discovered;
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#secret).update(`oidc-flow:${payload}`).digest('base64url');
  }

  /** The provider's authorization URL to send the browser to, and the flow cookie's value. */
  async start(redirectUri: string, next: string): Promise<{ url: string; cookie: string }> {
    const configuration = await this.#discover();
    const flow: FlowState = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      next,
      expiresAt: this.#now() + FLOW_LIFETIME_MS,
    };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: SCOPES,
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
    });
    const payload = Buffer.from(JSON.stringify(flow)).toString('base64url');
    return { url: url.href, cookie: `${payload}.${this.#sign(payload)}` };
  }

  /** Reads the flow cookie back; undefined when it is missing, forged or expired. */
  #flow(cookie: string | undefined): FlowState | undefined {
    const [payload = '', signature = ''] = (cookie ?? '').split('.');
    const expected = Buffer.from(this.#sign(payload));
    const given = Buffer.from(signature);
    if (payload === '' || given.length !== expected.length || !timingSafeEqual(given, expected))
      return undefined;
    const flow = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as FlowState;
    return flow.expiresAt > this.#now() ? flow : undefined;
  }

  /**
   * Completes the flow at the redirect back: checks state, nonce and PKCE through the code
   * exchange, then finds or creates the user. Returns the user and where to go next.
   */
  async finish(
    callbackUrl: URL,
    cookie: string | undefined,
  ): Promise<{ user: UserRecord; created: boolean; next: string }> {
    const flow = this.#flow(cookie);
    if (flow === undefined) throw new SingleSignOnError('the sign-in took too long or was not started here');
    const configuration = await this.#discover();
    let claims: Claims;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        pkceCodeVerifier: flow.verifier,
        idTokenExpected: true,
      });
      const idClaims: Claims = tokens.claims() ?? {};
      const subject = String(idClaims.sub);
      const userInfo =
        tokens.access_token === undefined
          ? {}
          : await client.fetchUserInfo(configuration, tokens.access_token, subject).catch(() => ({}));
      claims = { ...userInfo, ...idClaims };
    } catch (error) {
      throw new SingleSignOnError(`the identity provider's answer was refused (${describe(error)})`);
    }
    return { ...(await this.#userFor(configuration.serverMetadata().issuer, claims)), next: flow.next };
  }

  async #userFor(issuer: string, claims: Claims): Promise<{ user: UserRecord; created: boolean }> {
    const subject = String(claims.sub);
    const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : null;
    const allowed = this.#config.allowedDomains;
    if (allowed.length > 0) {
      const domain = email?.split('@')[1];
      if (
        email === null ||
        claims.email_verified === false ||
        domain === undefined ||
        !allowed.includes(domain)
      )
        throw new SingleSignOnError(`the email ${email ?? '(none)'} is not in a domain allowed here`);
    }
    const admin = this.#isAdmin(claims);
    const existing = await this.#users.findByExternalId(issuer, subject);
    if (existing !== undefined) {
      if (existing.disabledAt !== null) throw new SingleSignOnError('this account is disabled');
      // The claim grants admin; it never takes away a role an admin gave by hand.
      const user =
        admin && existing.role !== 'admin'
          ? await this.#users.update(existing.id, { role: 'admin' })
          : existing;
      return { user, created: false };
    }
    const base =
      (typeof claims.preferred_username === 'string' ? claims.preferred_username : undefined) ??
      email?.split('@')[0] ??
      'user';
    const user = await this.#users.createWithFreeName(base, {
      role: admin ? 'admin' : this.#config.defaultRole,
      email,
      externalIssuer: issuer,
      externalSubject: subject,
    });
    return { user, created: true };
  }

  #isAdmin(claims: Claims): boolean {
    const rule = this.#config.adminClaim;
    if (rule === undefined) return false;
    const value = claims[rule.name];
    if (rule.value === undefined) return value === true || value === 'true';
    return Array.isArray(value) ? value.includes(rule.value) : value === rule.value;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
