/**
 * Single sign-on against a real OpenID Connect provider (`oidc-provider`) started in the test:
 * the whole redirect dance through Parley's start and callback routes, a user created on first
 * sign-in with the default role, admin from a claim, the same user on the next sign-in, an email
 * domain refused, a tampered state refused, and a disabled account refused.
 */

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Provider from 'oidc-provider';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/store.ts';
import { type ServedApp, serveApp } from './support/served-app.ts';

interface Account {
  readonly email: string;
  readonly username: string;
  readonly groups: readonly string[];
}

const ACCOUNTS: Record<string, Account> = {
  'sub-alice': { email: 'alice@example.com', username: 'alice', groups: [] },
  'sub-root': { email: 'root@example.com', username: 'root', groups: ['staff', 'parley-admins'] },
  'sub-mallory': { email: 'mallory@elsewhere.test', username: 'mallory', groups: [] },
};

/** A browser without JavaScript: one cookie jar, redirects followed by hand. */
class RedirectFollower {
  readonly cookies = new Map<string, string>();

  async get(url: string): Promise<Response> {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator);
      const value = pair.slice(separator + 1);
      if (value === '' || /max-age=0\b/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Follows redirects from `url` until one leaves for `stopAt` (or none is left); returns each stop. */
  async follow(url: string, rewrite: (next: URL) => URL = (next) => next): Promise<URL[]> {
    const visited: URL[] = [];
    let current = new URL(url);
    for (let hop = 0; hop < 12; hop++) {
      visited.push(current);
      const response = await this.get(current.href);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null) return visited;
      current = rewrite(new URL(location, current));
    }
    throw new Error('too many redirects');
  }
}

describe('single sign-on with OpenID Connect', () => {
  let identityProvider: Server;
  let issuer: string;
  let store: Store;
  let server: ServedApp;
  /** Who the provider signs in at its login step. */
  let signingIn = 'sub-alice';

  before(async () => {
    identityProvider = createServer();
    await new Promise<void>((resolve) => identityProvider.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(identityProvider.address() as AddressInfo).port}`;
    store = openSqliteStore({ path: ':memory:' });
    server = await serveApp(store, {
      PARLEY_ADMIN_PASSWORD: 'an admin password',
      PARLEY_OIDC_ISSUER: issuer,
      PARLEY_OIDC_CLIENT_ID: 'parley',
      PARLEY_OIDC_CLIENT_SECRET: 'a client secret of the test',
      PARLEY_OIDC_ALLOWED_DOMAINS: 'example.com, example.org',
      PARLEY_OIDC_ADMIN_CLAIM: 'groups=parley-admins',
      PARLEY_OIDC_LABEL: 'Example SSO',
    });
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'parley',
          client_secret: 'a client secret of the test',
          redirect_uris: [`${server.baseUrl}/api/session/oidc/callback`],
          response_types: ['code'],
          grant_types: ['authorization_code'],
        },
      ],
      claims: {
        email: ['email', 'email_verified'],
        profile: ['preferred_username'],
        openid: ['sub', 'groups'],
      },
      findAccount: (_context, id) => {
        const account = ACCOUNTS[id];
        if (account === undefined) return undefined;
        return {
          accountId: id,
          claims: () => ({
            sub: id,
            email: account.email,
            email_verified: true,
            preferred_username: account.username,
            groups: [...account.groups],
          }),
        };
      },
      pkce: { required: () => true },
      features: { devInteractions: { enabled: false } },
      // Consent is granted at once: the test is about Parley, not the provider's screens.
      loadExistingGrant: async (context) => {
        const grant = new context.oidc.provider.Grant({
          clientId: context.oidc.client?.clientId ?? '',
          accountId: context.oidc.session?.accountId ?? '',
        });
        grant.addOIDCScope('openid email profile');
        await grant.save();
        return grant;
      },
      interactions: { url: (_context, interaction) => `/interaction/${interaction.uid}` },
    });
    const callback = provider.callback();
    identityProvider.on('request', (request, response) => {
      if (request.url?.startsWith('/interaction/')) {
        // The login step: whoever the test says signs in.
        void provider.interactionFinished(
          request,
          response,
          { login: { accountId: signingIn } },
          {
            mergeWithLastSubmission: false,
          },
        );
        return;
      }
      callback(request, response);
    });
  });
  after(async () => {
    await server?.close();
    await store?.close();
    identityProvider?.closeAllConnections();
    await new Promise((resolve) => identityProvider?.close(resolve));
  });

  const signInThroughProvider = async (account: string, tamper?: (next: URL) => URL) => {
    signingIn = account;
    const browser = new RedirectFollower();
    const stops = await browser.follow(`${server.baseUrl}/api/session/oidc/start?next=/%23after`, tamper);
    return { browser, last: stops.at(-1) as URL, stops };
  };
  const me = (browser: RedirectFollower, path = '/api/me') =>
    fetch(`${server.baseUrl}${path}`, {
      headers: { cookie: `parley_session=${browser.cookies.get('parley_session') ?? ''}` },
    });

  test('the sign-in page offers it; a first sign-in makes a user with the default role', async () => {
    const state = await server.call('GET', '/api/session');
    assert.deepEqual(state.body.single_sign_on, {
      label: 'Example SSO',
      start_url: '/api/session/oidc/start',
    });

    const { browser, last, stops } = await signInThroughProvider('sub-alice');
    assert.ok(
      stops.some((stop) => stop.origin === issuer && stop.pathname === '/auth'),
      'went to the provider',
    );
    assert.equal(`${last.origin}${last.pathname}${last.hash}`, `${server.baseUrl}/#after`);
    assert.equal(browser.cookies.has('parley_oidc'), false, 'the flow cookie is cleared');
    const alice = (await (await me(browser)).json()) as { name: string; role: string; via: string };
    assert.deepEqual([alice.name, alice.role, alice.via], ['alice', 'user', 'session']);
    const users = await store.access.listUsers();
    const created = users.find((user) => user.name === 'alice');
    assert.deepEqual(
      [created?.email, created?.externalIssuer, created?.externalSubject, created?.passwordHash],
      ['alice@example.com', issuer, 'sub-alice', null],
    );

    // The next sign-in finds the same user.
    const again = await signInThroughProvider('sub-alice');
    assert.equal((await me(again.browser)).status, 200);
    assert.equal((await store.access.listUsers()).filter((user) => user.name.startsWith('alice')).length, 1);
    const audit = await store.access.listAudit({ limit: 10 });
    assert.deepEqual(
      audit.filter((entry) => entry.action === 'user.create').map((entry) => entry.actorName),
      ['alice', 'server'],
    );
  });

  test('the admin claim makes an admin', async () => {
    const { browser } = await signInThroughProvider('sub-root');
    const root = (await (await me(browser)).json()) as { name: string; role: string };
    assert.deepEqual([root.name, root.role], ['root', 'admin']);
    assert.equal((await me(browser, '/api/users')).status, 200);
  });

  test('an email domain not on the list is refused, and no user is made', async () => {
    const { browser, last } = await signInThroughProvider('sub-mallory');
    assert.equal(last.pathname, '/signin');
    assert.match(
      last.searchParams.get('error') ?? '',
      /mallory@elsewhere\.test is not in a domain allowed here/,
    );
    assert.equal(browser.cookies.has('parley_session'), false);
    assert.equal(await store.access.findUserByExternalId(issuer, 'sub-mallory'), undefined);
  });

  test('a tampered state is refused', async () => {
    const tamper = (next: URL) => {
      if (next.pathname === '/api/session/oidc/callback') next.searchParams.set('state', 'forged-state');
      return next;
    };
    const { browser, last } = await signInThroughProvider('sub-alice', tamper);
    assert.equal(last.pathname, '/signin');
    assert.match(last.searchParams.get('error') ?? '', /refused/);
    assert.equal(browser.cookies.has('parley_session'), false);

    // Without the flow cookie (a callback another browser started) it is refused too.
    const stranger = new RedirectFollower();
    const callback = await stranger.get(`${server.baseUrl}/api/session/oidc/callback?code=x&state=y`);
    assert.equal(callback.status, 302);
    assert.match(callback.headers.get('location') ?? '', /^\/signin\?error=.*not%20started%20here/);
  });

  test('a disabled account is refused', async () => {
    const alice = await store.access.findUserByExternalId(issuer, 'sub-alice');
    assert.ok(alice);
    await store.access.updateUser(alice.id, { disabledAt: Date.now() }, Date.now());
    const { browser, last } = await signInThroughProvider('sub-alice');
    assert.equal(last.pathname, '/signin');
    assert.match(last.searchParams.get('error') ?? '', /disabled/);
    assert.equal(browser.cookies.has('parley_session'), false);
  });
});
