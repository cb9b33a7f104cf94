/**
 * Sign-in through the real server: the first admin (from the environment, or made from this
 * machine on an open server), sessions and their cookie flags, CSRF refused without the token,
 * lock-out per account and per address and its expiry, sign-out here and everywhere, password
 * change and reset, and a disabled user's keys and sessions refused at once on another replica
 * over the same database. Admin actions land in the audit log.
 */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { type Answer, type ServedApp, serveApp } from './support/served-app.ts';

const folder = mkdtempSync(join(tmpdir(), 'parley-sign-in-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const ADMIN_PASSWORD = 'correct horse battery';

/** A browser: keeps the session cookie and sends the CSRF token on writes. */
class Browser {
  cookies = new Map<string, string>();
  csrf: string | undefined;
  readonly server: ServedApp;
  constructor(server: ServedApp) {
    this.server = server;
  }
  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const answer = await this.server.call(method, path, {
      ...(body === undefined ? {} : { body }),
      headers: {
        ...(this.cookies.size === 0
          ? {}
          : { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') }),
        ...(this.csrf === undefined || method === 'GET' ? {} : { 'x-csrf-token': this.csrf }),
        ...headers,
      },
    });
    for (const line of answer.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return answer;
  }
  async signIn(name: string, password: string): Promise<Answer> {
    const answer = await this.call('POST', '/api/session', { name, password });
    if (answer.status === 200) this.csrf = answer.body.csrf_token;
    return answer;
  }
}

const errorCode = (answer: Answer) => answer.body?.error?.code;

describe('signing in', () => {
  test('the first admin from the environment signs in; cookie flags; CSRF; sign-out here and everywhere', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const server = await serveApp(store, {
      PARLEY_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PARLEY_ADMIN_USER: 'root',
    });
    try {
      const anonymous = new Browser(server);
      const state = await anonymous.call('GET', '/api/session');
      assert.deepEqual([state.body.user, state.body.setup_needed], [null, false]);
      assert.equal((await anonymous.call('GET', '/api/me')).status, 401);
      const wrong = await anonymous.signIn('root', 'not the password');
      assert.deepEqual([wrong.status, errorCode(wrong)], [401, 'UNAUTHORIZED']);
      assert.equal((await anonymous.signIn('nobody', ADMIN_PASSWORD)).status, 401);

      const browser = new Browser(server);
      const signedIn = await browser.signIn('ROOT', ADMIN_PASSWORD);
      assert.equal(signedIn.status, 200);
      assert.equal(signedIn.body.user.role, 'admin');
      const [sessionCookie, csrfCookie] = signedIn.headers.getSetCookie();
      assert.match(
        sessionCookie ?? '',
        /^parley_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=2592000; SameSite=Lax; HttpOnly$/,
      );
      assert.match(csrfCookie ?? '', /^parley_csrf=[0-9a-f]{64}; Path=\/; Max-Age=2592000; SameSite=Lax$/);
      assert.equal(csrfCookie?.split(';')[0], `parley_csrf=${signedIn.body.csrf_token}`);

      const me = await browser.call('GET', '/api/me');
      assert.deepEqual([me.body.name, me.body.via, me.body.role], ['root', 'session', 'admin']);
      // Every surface takes the session: the seed's list, OpenAI's models.
      assert.equal((await browser.call('GET', '/conversations')).status, 200);
      assert.equal((await browser.call('GET', '/v1/models')).status, 200);

      // A write with the cookie but without the token (what another site could make a browser send).
      const forged = await browser.call('POST', '/api/users', { name: 'mallory' }, { 'x-csrf-token': '' });
      assert.deepEqual([forged.status, errorCode(forged)], [403, 'FORBIDDEN']);
      const badToken = await browser.call(
        'POST',
        '/api/users',
        { name: 'mallory' },
        { 'x-csrf-token': 'a'.repeat(64) },
      );
      assert.equal(badToken.status, 403);
      assert.equal((await browser.call('GET', '/api/users')).body.data.length, 1, 'nothing was created');
      const created = await browser.call('POST', '/api/users', { name: 'bob', password: 'bob password 1' });
      assert.equal(created.status, 201);

      // Sign out everywhere ends both of root's sessions; signing out again is harmless.
      const second = new Browser(server);
      assert.equal((await second.signIn('root', ADMIN_PASSWORD)).status, 200);
      const everywhere = await browser.call('DELETE', '/api/session?everywhere=true');
      assert.deepEqual([everywhere.status, everywhere.body.ended], [200, 2]);
      assert.equal(browser.cookies.size, 0, 'the cookies are cleared');
      const second401 = await second.call('GET', '/api/me');
      assert.deepEqual([second401.status, errorCode(second401)], [401, 'UNAUTHORIZED']);

      // Sign out of one session only.
      const bob = new Browser(server);
      const bobElsewhere = new Browser(server);
      await bob.signIn('bob', 'bob password 1');
      await bobElsewhere.signIn('bob', 'bob password 1');
      const noToken = await bob.call('DELETE', '/api/session', undefined, { 'x-csrf-token': 'nope' });
      assert.equal(noToken.status, 403);
      bob.cookies.set('parley_session', bobElsewhere.cookies.get('parley_session') ?? '');
      bob.csrf = bobElsewhere.csrf;
      const out = await bob.call('DELETE', '/api/session');
      assert.deepEqual([out.status, out.body.ended], [200, 1]);
      assert.equal((await bobElsewhere.call('GET', '/api/me')).status, 401);
      assert.equal((await anonymous.call('DELETE', '/api/session')).body.ended, 0);

      const audit = await server.call('GET', '/api/audit', {
        headers: { cookie: `parley_session=${(await signInCookie(server, 'root', ADMIN_PASSWORD)).session}` },
      });
      assert.deepEqual(
        audit.body.data.map((entry: { action: string; actor_name: string }) => [
          entry.action,
          entry.actor_name,
        ]),
        [
          ['session.end_all', 'root'],
          ['user.create', 'root'],
          ['user.create', 'server'],
        ],
      );
      assert.ok(!JSON.stringify(audit.body).includes('bob password'), 'no password in the log');
    } finally {
      await server.close();
      await store.close();
    }
  });

  test('PARLEY_ADMIN_KEY and PARLEY_ADMIN_PASSWORD together make one admin, with both', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const adminKey = 'sk-admin-both-0123456789abcdef';
    const server = await serveApp(store, {
      PARLEY_ADMIN_KEY: adminKey,
      PARLEY_ADMIN_PASSWORD: ADMIN_PASSWORD,
    });
    try {
      const browser = new Browser(server);
      assert.equal((await browser.signIn('admin', ADMIN_PASSWORD)).status, 200);
      const bySession = await browser.call('GET', '/api/me');
      const byKey = await server.call('GET', '/api/me', { key: adminKey });
      assert.deepEqual([byKey.body.id, byKey.body.role], [bySession.body.id, 'admin']);
      assert.equal((await store.access.listUsers()).length, 1);
    } finally {
      await server.close();
      await store.close();
    }
  });

  test('the session cookie is Secure behind HTTPS only when the proxy is trusted', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const trusting = await serveApp(store, {
      PARLEY_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PARLEY_TRUST_PROXY: 'loopback',
    });
    const distrusting = await serveApp(store);
    try {
      const viaProxy = { 'x-forwarded-proto': 'https' };
      const secure = await new Browser(trusting).call(
        'POST',
        '/api/session',
        { name: 'admin', password: ADMIN_PASSWORD },
        viaProxy,
      );
      assert.ok(
        secure.headers.getSetCookie().every((line) => line.endsWith('; Secure') || line.includes('; Secure')),
      );
      const plain = await new Browser(distrusting).call(
        'POST',
        '/api/session',
        { name: 'admin', password: ADMIN_PASSWORD },
        viaProxy,
      );
      assert.equal(plain.status, 200);
      assert.ok(plain.headers.getSetCookie().every((line) => !line.includes('Secure')));
    } finally {
      await trusting.close();
      await distrusting.close();
      await store.close();
    }
  });

  test('five failed sign-ins lock the account, the right password too, until the lock expires', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const server = await serveApp(store, {
      PARLEY_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PARLEY_LOGIN_LOCKOUT_SECONDS: '2',
    });
    try {
      const browser = new Browser(server);
      for (let attempt = 0; attempt < 5; attempt++)
        assert.equal((await browser.signIn('admin', `guess ${attempt}`)).status, 401);
      const locked = await browser.signIn('admin', ADMIN_PASSWORD);
      assert.deepEqual(
        [locked.status, errorCode(locked)],
        [429, 'RATE_LIMITED'],
        'the right password is refused too',
      );
      assert.equal(locked.headers.get('retry-after'), '2');
      await sleep(2_100);
      assert.equal((await browser.signIn('admin', ADMIN_PASSWORD)).status, 200, 'the lock expired');
    } finally {
      await server.close();
      await store.close();
    }
  });

  test('thirty failures from one address, over many names, lock that address out of every account', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const server = await serveApp(store, {
      PARLEY_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PARLEY_TRUST_PROXY: 'loopback',
    });
    try {
      const browser = new Browser(server);
      const from = { 'x-forwarded-for': '198.51.100.7' };
      for (let attempt = 0; attempt < 30; attempt++) {
        const answer = await browser.call(
          'POST',
          '/api/session',
          { name: `user${attempt}`, password: 'guess' },
          from,
        );
        assert.equal(answer.status, 401);
      }
      const locked = await browser.call(
        'POST',
        '/api/session',
        { name: 'admin', password: ADMIN_PASSWORD },
        from,
      );
      assert.equal(locked.status, 429);
      assert.equal(
        (await browser.signIn('admin', ADMIN_PASSWORD)).status,
        200,
        'another address is not locked',
      );
    } finally {
      await server.close();
      await store.close();
    }
  });

  test('password change ends the other sessions; an admin reset ends them all', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const server = await serveApp(store, { PARLEY_ADMIN_PASSWORD: ADMIN_PASSWORD });
    try {
      const here = new Browser(server);
      const there = new Browser(server);
      await here.signIn('admin', ADMIN_PASSWORD);
      await there.signIn('admin', ADMIN_PASSWORD);
      const wrong = await here.call('POST', '/api/me/password', {
        current_password: 'nope',
        new_password: 'a new password',
      });
      assert.equal(wrong.status, 403);
      const short = await here.call('POST', '/api/me/password', {
        current_password: ADMIN_PASSWORD,
        new_password: 'short',
      });
      assert.deepEqual([short.status, errorCode(short)], [400, 'BAD_REQUEST']);
      const changed = await here.call('POST', '/api/me/password', {
        current_password: ADMIN_PASSWORD,
        new_password: 'a new password',
      });
      assert.deepEqual([changed.status, changed.body.sessions_ended], [200, 1]);
      assert.equal((await here.call('GET', '/api/me')).status, 200, 'this session stays');
      assert.equal((await there.call('GET', '/api/me')).status, 401);
      assert.equal((await new Browser(server).signIn('admin', ADMIN_PASSWORD)).status, 401);

      const carol = await here.call('POST', '/api/users', { name: 'carol', password: 'carol password' });
      const carolBrowser = new Browser(server);
      await carolBrowser.signIn('carol', 'carol password');
      const reset = await here.call('PATCH', `/api/users/${carol.body.id}`, { password: 'reset password 1' });
      assert.equal(reset.status, 200);
      assert.equal((await carolBrowser.call('GET', '/api/me')).status, 401);
      assert.equal((await new Browser(server).signIn('carol', 'reset password 1')).status, 200);
      // A user who is no admin reaches no admin route.
      const asCarol = new Browser(server);
      await asCarol.signIn('carol', 'reset password 1');
      assert.equal((await asCarol.call('GET', '/api/users')).status, 403);
      assert.equal((await asCarol.call('GET', '/api/audit')).status, 403);
      assert.equal(
        (await asCarol.call('PATCH', `/api/users/${carol.body.id}`, { role: 'admin' })).status,
        403,
      );
      const self = await here.call('GET', '/api/me');
      assert.equal((await here.call('PATCH', `/api/users/${self.body.id}`, { disabled: true })).status, 400);
    } finally {
      await server.close();
      await store.close();
    }
  });

  test("a disabled user's keys and sessions stop at once, on another replica too", async () => {
    const path = join(folder, `${randomUUID()}.sqlite`);
    const storeA = openSqliteStore({ path });
    const storeB = openSqliteStore({ path });
    const replicaA = await serveApp(storeA, { PARLEY_ADMIN_PASSWORD: ADMIN_PASSWORD });
    const replicaB = await serveApp(storeB);
    try {
      const admin = new Browser(replicaA);
      await admin.signIn('admin', ADMIN_PASSWORD);
      const dave = await admin.call('POST', '/api/users', { name: 'dave', password: 'dave password' });
      const key = await admin.call('POST', '/api/keys', { name: 'dave laptop', user_id: dave.body.id });
      assert.equal(key.status, 201);
      const daveBrowser = new Browser(replicaB);
      assert.equal((await daveBrowser.signIn('dave', 'dave password')).status, 200);
      assert.equal((await replicaB.call('GET', '/api/me', { key: key.body.key })).status, 200);
      assert.equal((await daveBrowser.call('GET', '/api/me')).status, 200);

      assert.equal((await admin.call('PATCH', `/api/users/${dave.body.id}`, { disabled: true })).status, 200);
      assert.equal((await replicaB.call('GET', '/api/me', { key: key.body.key })).status, 401);
      assert.equal((await daveBrowser.call('GET', '/api/me')).status, 401);
      assert.equal((await new Browser(replicaB).signIn('dave', 'dave password')).status, 401);

      assert.equal(
        (await admin.call('PATCH', `/api/users/${dave.body.id}`, { disabled: false })).status,
        200,
      );
      assert.equal(
        (await replicaB.call('GET', '/api/me', { key: key.body.key })).status,
        200,
        'keys come back',
      );
    } finally {
      await replicaA.close();
      await replicaB.close();
      await storeA.close();
      await storeB.close();
    }
  });

  test('first run: the first admin is made from this machine only, and the server closes', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const server = await serveApp(store, { PARLEY_TRUST_PROXY: 'loopback' });
    try {
      const browser = new Browser(server);
      const state = await browser.call('GET', '/api/session');
      assert.deepEqual([state.body.setup_needed, state.body.setup_allowed], [true, true]);
      const remote = { 'x-forwarded-for': '203.0.113.9' };
      const remoteState = await browser.call('GET', '/api/session', undefined, remote);
      assert.deepEqual([remoteState.body.setup_needed, remoteState.body.setup_allowed], [true, false]);
      const refused = await browser.call(
        'POST',
        '/api/users',
        { name: 'eve', password: 'eve password 1' },
        remote,
      );
      assert.deepEqual([refused.status, errorCode(refused)], [403, 'FORBIDDEN']);

      const created = await browser.call('POST', '/api/users', { name: 'owner', password: 'owner password' });
      assert.deepEqual([created.status, created.body.role], [201, 'admin']);
      assert.equal((await browser.call('GET', '/api/me')).status, 401, 'closed once the first user exists');
      assert.equal(
        (await browser.call('POST', '/api/users', { name: 'x', password: 'x password 1' })).status,
        401,
      );
      assert.equal((await browser.signIn('owner', 'owner password')).status, 200);
      assert.equal((await browser.call('GET', '/api/me')).body.role, 'admin');
    } finally {
      await server.close();
      await store.close();
    }
  });
});

/** Signs in and returns the raw cookie values. */
async function signInCookie(server: ServedApp, name: string, password: string) {
  const browser = new Browser(server);
  await browser.signIn(name, password);
  return { session: browser.cookies.get('parley_session') ?? '', csrf: browser.csrf ?? '' };
}
