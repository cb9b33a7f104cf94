/**
 * The sign-in and administration pages in chromium (playwright-core): the first admin made on a
 * new server from this machine, the chat page's admin link, users and keys made on the admin page
 * (the key shown once, then working), usage per user and day as a chart (screenshot in
 * docs/screenshots/admin.png with PARLEY_UPDATE_SCREENSHOTS=1), the audit log, a wrong password, and a user who is no admin seeing
 * no admin page.
 */

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/store.ts';
import { chromiumMissing, collectPageErrors, launchChromium, waitForText } from './support/chromium.ts';
import { type ServedApp, serveApp } from './support/served-app.ts';

/**
 * docs/screenshots/admin.png is rewritten only with PARLEY_UPDATE_SCREENSHOTS=1 (every run would
 * otherwise leave a changed file behind); the screenshot is taken either way.
 */
const SCREENSHOTS =
  process.env.PARLEY_UPDATE_SCREENSHOTS === '1'
    ? resolve(import.meta.dirname, '..', 'docs', 'screenshots')
    : mkdtempSync(join(tmpdir(), 'parley-screenshots-'));
const DAY_MS = 86_400_000;

describe('the administration page in a browser', { skip: chromiumMissing }, () => {
  let browser: Browser;
  let store: Store;
  let server: ServedApp;
  const contexts: BrowserContext[] = [];

  /** A fresh browser profile (no cookies), 5 s for any wait. */
  async function newPage(): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 860 } });
    contexts.push(context);
    context.setDefaultTimeout(5_000);
    const page = await context.newPage();
    return { page, errors: collectPageErrors(page) };
  }

  async function signIn(page: Page, name: string, password: string) {
    await page.goto(`${server.baseUrl}/signin`);
    await page
      .locator('#signin-form')
      .waitFor()
      .catch(async (error) => {
        throw new Error(`${error}: ${await page.content()}`);
      });
    const form = page.locator('#signin-form');
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Password', { exact: true }).fill(password);
    await form.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  before(async () => {
    browser = await launchChromium();
    store = openSqliteStore({ path: ':memory:' });
    server = await serveApp(store);
  });
  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.close();
    await store?.close();
    if (process.env.PARLEY_UPDATE_SCREENSHOTS !== '1') rmSync(SCREENSHOTS, { recursive: true, force: true });
  });

  test('first run, the admin page (users, keys, usage, audit), and a user who is no admin', async () => {
    // A new server: the chat page works as the local user, and its first question is kept.
    const asked = await server.call('POST', '/ask', { body: { msg: 'asked before any account' } });
    assert.equal(asked.status, 200);

    // First run from this machine: the sign-in page offers to create the first admin.
    const { page: admin, errors } = await newPage();
    await admin.goto(`${server.baseUrl}/signin`);
    await admin.getByRole('heading', { name: 'Create the first admin' }).waitFor();
    const setup = admin.locator('#setup-form');
    await setup.getByLabel('Name').fill('ada');
    await setup.getByLabel('Password (at least 10 characters)').fill('ada password 1');
    await setup.getByLabel('Password again').fill('ada password 1');
    await setup.getByRole('button', { name: 'Create admin and sign in' }).click();
    await admin.waitForURL(`${server.baseUrl}/`);
    // The chat page shows the history made before, now the admin's, and the link to the admin page.
    await waitForText(
      admin.locator('#conversation-list button.conversation').first(),
      /asked before any account/,
    );
    await admin.locator('#admin-link').click();
    await admin.waitForURL(`${server.baseUrl}/admin`);

    // Users: create bob with a password.
    await waitForText(admin.locator('#users-table tbody tr[data-user="ada"] td').nth(1), /admin/);
    const userForm = admin.locator('#user-form');
    await userForm.getByLabel('Name').fill('bob');
    await userForm.getByLabel('Password').fill('bob password 1');
    await userForm.getByRole('button', { name: 'Create' }).click();
    const bobRow = admin.locator('#users-table tbody tr[data-user="bob"]');
    await bobRow.waitFor();

    // Keys: bob's first key, shown once, then working as bob.
    await bobRow.getByRole('button', { name: 'Keys' }).click();
    await admin.locator('#panel-keys').waitFor();
    assert.equal(await admin.locator('#keys-user option:checked').textContent(), 'bob');
    const keyForm = admin.locator('#key-create-form');
    await keyForm.getByLabel('Name').fill('bob laptop');
    await keyForm.getByLabel('Requests/min').fill('60');
    await keyForm.getByRole('button', { name: 'Create key' }).click();
    await admin.locator('#new-key').waitFor();
    const secret = (await admin.locator('#new-key-secret').textContent()) ?? '';
    assert.match(secret, /^sk-parley-/);
    await waitForText(
      admin.locator('#keys-table tr[data-key="bob laptop"] td').nth(3),
      /requests per minute: 60/,
    );
    const asBob = await server.call('POST', '/ask', { key: secret, body: { msg: 'hello from bob' } });
    assert.equal(asBob.status, 200);

    // Usage: the days before (written as the recorder would) and today's real answers.
    assert.equal(
      (await server.call('GET', '/api/users', { key: secret })).status,
      403,
      "bob's key is no admin's",
    );
    const ids = new Map<string, string>();
    for (const user of await store.access.listUsers()) ids.set(user.name, user.id);
    const today = Date.UTC(
      new Date().getUTCFullYear(),
      new Date().getUTCMonth(),
      new Date().getUTCDate(),
      12,
    );
    const rows = [];
    for (let day = 1; day <= 12; day++) {
      for (const [name, scale] of [
        ['ada', 900],
        ['bob', 400],
      ] as const) {
        rows.push({
          owner: ids.get(name) ?? '',
          keyId: null,
          conversationId: null,
          messageId: null,
          model: day % 3 === 0 ? 'gpt-4o-mini' : 'claude-haiku',
          provider: 'seeded',
          inputTokens: scale * (1 + (day % 4)),
          outputTokens: scale * (1 + (day % 5)),
          tokensCounted: false,
          cost: null,
          latencyMs: 10,
          firstTokenMs: null,
          status: 'completed',
          createdAt: today - day * DAY_MS,
        });
      }
    }
    await store.recordUsage(rows);
    // Today's answers reach the usage table in a batch: wait for bob's.
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      const usage = await server.call('GET', '/api/usage', { key: secret });
      if (usage.body.data.some((row: { model: string }) => row.model === 'scripted-model')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await admin.getByRole('tab', { name: 'Usage' }).click();
    await admin.locator('#usage-chart canvas').waitFor();
    await admin.locator('#usage-table tbody tr[data-owner="bob"]').first().waitFor();
    const legend = await admin.locator('#usage-chart .u-legend .u-label').allTextContents();
    assert.ok(legend.includes('ada') && legend.includes('bob'), `one line per user: ${legend.join(', ')}`);
    const todayRows = await admin
      .locator('#usage-table tbody tr', { hasText: 'scripted-model' })
      .allTextContents();
    assert.ok(
      todayRows.some((text) => text.includes('bob')),
      "today's real answer is bob's",
    );
    mkdirSync(SCREENSHOTS, { recursive: true });
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin.png'), fullPage: false });

    // The audit log: who made bob and his key.
    await admin.getByRole('tab', { name: 'Audit log' }).click();
    await waitForText(admin.locator('#audit-table tbody tr').first().locator('td').nth(2), 'key.create');
    const actions = await admin.locator('#audit-table tbody tr td:nth-child(3)').allTextContents();
    assert.deepEqual(actions, ['key.create', 'user.create', 'user.create']);
    const actors = await admin.locator('#audit-table tbody tr td:nth-child(2)').allTextContents();
    assert.deepEqual(actors, ['ada', 'ada', 'local']);

    // Disable bob on the users tab: his key stops at once.
    await admin.getByRole('tab', { name: 'Users' }).click();
    await bobRow.getByRole('button', { name: 'Disable' }).click();
    await waitForText(bobRow.locator('td').nth(2), 'disabled');
    assert.equal((await server.call('GET', '/api/me', { key: secret })).status, 401);
    await bobRow.getByRole('button', { name: 'Enable' }).click();
    await waitForText(bobRow.locator('td').nth(2), 'active');
    assert.deepEqual(errors, [], 'no console errors (a CSP violation would be one)');

    // A wrong password is said so; bob signs in and sees no admin page.
    const { page: user, errors: userErrors } = await newPage();
    await signIn(user, 'bob', 'not his password');
    await waitForText(user.locator('#signin-error'), 'the name or the password is wrong');
    await signIn(user, 'bob', 'bob password 1');
    await user.waitForURL(`${server.baseUrl}/`);
    await user.locator('#account button', { hasText: 'Sign out' }).waitFor();
    assert.equal(await user.locator('#admin-link').count(), 0, 'no admin link for a user');
    await user.goto(`${server.baseUrl}/admin`);
    await user.locator('#admin-denied').waitFor();
    assert.equal(await user.locator('#admin').isHidden(), true);
    // Bob's chat works through his session (writes carry the CSRF token).
    await user.goto(`${server.baseUrl}/`);
    await user.getByLabel('Message', { exact: true }).fill('from the browser');
    await user.getByRole('button', { name: 'Send', exact: true }).click();
    await user.locator('#messages > li.assistant[data-status="completed"]').waitFor();
    const unexpected = userErrors.filter((text) => !/401|403/.test(text));
    assert.deepEqual(unexpected, []);

    // Signed out, the chat page sends the person to sign in.
    await user.locator('#account button', { hasText: 'Sign out' }).click();
    await user.waitForURL(/\/signin/);
    await user.goto(`${server.baseUrl}/`);
    await user.waitForURL(/\/signin\?next=/);
  });
});
