/**
 * The web UI (`GET /`) through the real server process and a fake OpenAI upstream: its headers
 * with plain fetch, then a person's use of it in a real browser (Debian's chromium, driven by
 * playwright-core): a streamed answer, reload, regenerate and "‹ 2 / 2 ›", edit, rename, delete,
 * Stop, an answer being written elsewhere followed live, errors, an API key asked for and
 * forgotten, a narrow screen. Without chromium the browser suite skips itself (see
 * `support/chromium.ts`).
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumMissing, collectPageErrors, launchChromium, waitForText } from './support/chromium.ts';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { postJson, type ServerProcess, startServer } from './support/server-process.ts';

const ADMIN_KEY = 'sk-admin-web-ui-0123456789abcdef';
/**
 * Run in the page (as source: this program has no DOM types): records in `window.seenAnswers`
 * every text the last answer shows, as the page changes it.
 */
const RECORD_ANSWER_TEXTS = `{
  const seen = (window.seenAnswers = []);
  new MutationObserver(() => {
    const text = document.querySelector('#messages > li.assistant:last-child .content')?.textContent;
    if (text != null && text !== seen.at(-1)) seen.push(text);
  }).observe(document.getElementById('messages'), { subtree: true, childList: true, characterData: true });
}`;
const STORED_KEY = "localStorage.getItem('parley.apiKey')";
/** Each streamed piece is this far apart: slow enough that the page shows every one. */
const DELTA_INTERVAL_MS = 80;

let upstream: FakeOpenAIUpstream;
let server: ServerProcess;
let keyedServer: ServerProcess;
let dataDir: string;

before(async () => {
  upstream = await FakeOpenAIUpstream.start();
  dataDir = await mkdtemp(join(tmpdir(), 'parley-web-'));
  const common = { OPENAI_BASE_URL: upstream.baseUrl, PARLEY_DEFAULT_MODEL: 'fake-model' };
  [server, keyedServer] = await Promise.all([
    startServer({ ...common, DATABASE_URL: `sqlite:${join(dataDir, 'open.sqlite')}` }),
    startServer({
      ...common,
      DATABASE_URL: `sqlite:${join(dataDir, 'keyed.sqlite')}`,
      PARLEY_ADMIN_KEY: ADMIN_KEY,
    }),
  ]);
});
after(async () => {
  await Promise.all([server?.kill(), keyedServer?.kill()]);
  await upstream?.close();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

describe('the web UI files', () => {
  test('the page has a strict content security policy; assets have their types and ETags', async () => {
    const page = await fetch(`${server.baseUrl}/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    const policy = page.headers.get('content-security-policy') ?? '';
    assert.match(policy, /default-src 'self'/);
    assert.match(policy, /script-src 'self'(;|$)/);
    assert.match(policy, /style-src 'self'(;|$)/);
    assert.match(policy, /frame-ancestors 'none'/);
    assert.doesNotMatch(policy, /unsafe|https?:|\*/);
    const html = await page.text();
    assert.match(html, /<script type="module" src="\/ui\/app\.js"><\/script>/);
    assert.doesNotMatch(
      html,
      /<script>|<style|\sstyle=|\son[a-z]+=|https?:\/\//,
      'no inline code, no other host',
    );

    const types = {
      '/ui/app.js': /^(application|text)\/javascript; charset=utf-8$/,
      '/ui/api.js': /^(application|text)\/javascript; charset=utf-8$/,
      '/ui/app.css': /^text\/css; charset=utf-8$/,
      '/ui/markdown.css': /^text\/css; charset=utf-8$/,
      // Libraries, served from their npm packages.
      '/ui/vendor/marked.esm.js': /^(application|text)\/javascript; charset=utf-8$/,
      '/ui/vendor/purify.es.mjs': /^(application|text)\/javascript; charset=utf-8$/,
      '/ui/vendor/highlight.min.js': /^(application|text)\/javascript; charset=utf-8$/,
      '/ui/vendor/katex.mjs': /^(application|text)\/javascript; charset=utf-8$/,
      '/ui/favicon.svg': /^image\/svg\+xml/,
    };
    for (const [path, type] of Object.entries(types)) {
      const asset = await fetch(`${server.baseUrl}${path}`);
      assert.equal(asset.status, 200, path);
      assert.match(asset.headers.get('content-type') ?? '', type, path);
      assert.equal(asset.headers.get('x-content-type-options'), 'nosniff');
      const etag = asset.headers.get('etag');
      assert.ok(etag, `${path} has an ETag`);
      assert.match(asset.headers.get('cache-control') ?? '', /max-age=0/);
      await asset.arrayBuffer();
      // As a browser revalidates (fetch adds `cache-control: no-cache` to a conditional request otherwise).
      const again = await fetch(`${server.baseUrl}${path}`, {
        headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' },
      });
      assert.equal(again.status, 304, `${path} revalidates`);
    }
  });

  test('unknown assets and other methods are a JSON 4xx, never a 500 or a page', async () => {
    for (const [method, path] of [
      ['GET', '/ui/missing.js'],
      ['GET', '/ui/vendor/katex.js'],
      ['GET', '/ui/vendor/..%2fpackage.json'],
      ['GET', '/ui/..%2f..%2fpackage.json'],
      ['GET', '/ui/%00'],
      ['POST', '/'],
      ['DELETE', '/ui/app.js'],
    ] as const) {
      const response = await fetch(`${server.baseUrl}${path}`, { method });
      assert.ok(response.status >= 400 && response.status < 500, `${method} ${path} → ${response.status}`);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/, `${method} ${path}`);
    }
  });

  test('with keys, the page and its assets are open while the API needs a key', async () => {
    for (const path of ['/', '/ui/app.js', '/ui/app.css']) {
      assert.equal((await fetch(`${keyedServer.baseUrl}${path}`)).status, 200, path);
    }
    assert.equal((await fetch(`${keyedServer.baseUrl}/api/conversations`)).status, 401);
    assert.equal((await fetch(`${keyedServer.baseUrl}/v1/models`)).status, 401);
  });
});

describe('the web UI in a browser', { skip: chromiumMissing }, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[];

  const messages = () => page.locator('#messages > li');
  const answers = () => page.locator('#messages > li.assistant');
  const questions = () => page.locator('#messages > li.user');
  const conversationButtons = () => page.locator('#conversation-list button.conversation');
  const button = (name: string) => page.getByRole('button', { name, exact: true });

  /** A fresh browser profile (no stored key) on a page of `target`, 5 s for any wait. */
  async function openPage(target: ServerProcess, viewport = { width: 1100, height: 800 }) {
    await context?.close();
    context = await browser.newContext({ viewport });
    context.setDefaultTimeout(5_000);
    page = await context.newPage();
    pageErrors = collectPageErrors(page);
    await page.goto(`${target.baseUrl}/`);
  }

  async function send(text: string) {
    await page.getByLabel('Message', { exact: true }).fill(text);
    await button('Send').click();
  }

  /** Waits until the last answer on screen is finished with this text. */
  async function waitForAnswer(text: string) {
    await waitForText(answers().last().locator('.content'), text);
    await page.locator('#messages > li:last-child.assistant[data-status="completed"]').waitFor();
    await button('Stop').waitFor({ state: 'hidden' });
  }

  const apiGet = async (path: string) => {
    const response = await fetch(`${server.baseUrl}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
  });

  test('sends a message and shows the answer as it streams, then finds it again after a reload', async () => {
    await openPage(server);
    // The model picker comes from /v1/models, on the server's default.
    await waitForText(page.locator('#model option').first(), 'default (fake-model)');

    // Every text the answer shows on its way, recorded by the page itself.
    await page.evaluate(RECORD_ANSWER_TEXTS);
    upstream.reply({
      kind: 'stream',
      deltas: ['Once ', 'upon ', 'a ', 'time.'],
      intervalMs: DELTA_INTERVAL_MS,
    });
    await send('Tell me a story');
    await button('Stop').waitFor();
    await waitForAnswer('Once upon a time.');
    const seen = (await page.evaluate('window.seenAnswers')) as string[];
    // Each piece is shown as it comes (a busy machine may join two pieces in one read, never all).
    const partial = seen.filter((text) => text !== '' && text !== 'Once upon a time.');
    assert.ok(partial.length >= 2, `the answer grew in pieces: ${JSON.stringify(seen)}`);
    assert.ok(
      partial.every((text) => 'Once upon a time.'.startsWith(text)),
      JSON.stringify(seen),
    );
    assert.deepEqual(await questions().locator('.content').allTextContents(), ['Tell me a story']);
    await waitForText(conversationButtons().first(), 'Tell me a story');
    await waitForText(page.locator('#conversation-title'), 'Tell me a story');

    // A reload keeps the open conversation (its id is in the address) and its messages.
    await page.reload();
    await waitForText(answers().last().locator('.content'), 'Once upon a time.');
    // A new visit to `/` lists it, and opening it shows the branch.
    await page.goto(`${server.baseUrl}/`);
    await waitForText(conversationButtons().first(), 'Tell me a story');
    assert.equal(await messages().count(), 0);
    await conversationButtons().first().click();
    await waitForText(answers().last().locator('.content'), 'Once upon a time.');
    await waitForText(questions().first().locator('.content'), 'Tell me a story');
    assert.equal(await conversationButtons().first().getAttribute('aria-current'), 'page');
    assert.deepEqual(pageErrors, []);
  });

  test('regenerates an answer, switches between the versions, and keeps the choice over a reload', async () => {
    upstream.reply({ kind: 'stream', deltas: ['Another ', 'story.'], intervalMs: DELTA_INTERVAL_MS });
    await button('Regenerate this answer').click();
    await waitForAnswer('Another story.');
    const answer = answers().last();
    await waitForText(answer.locator('.position'), '2 / 2');
    assert.equal(await answer.getByRole('button', { name: 'Next version' }).isDisabled(), true);

    await answer.getByRole('button', { name: 'Previous version' }).click();
    await waitForText(answers().last().locator('.content'), 'Once upon a time.');
    await waitForText(answers().last().locator('.position'), '1 / 2');
    // The switch is stored as the conversation's current node: a reload shows the same branch.
    const id = new URL(page.url()).hash.slice(1);
    await waitForCurrentNodeContent(id, 'Once upon a time.');
    await page.reload();
    await waitForText(answers().last().locator('.position'), '1 / 2');
    await waitForText(answers().last().locator('.content'), 'Once upon a time.');
  });

  /** The API's view: the conversation's current node holds this text (the PATCH has landed). */
  async function waitForCurrentNodeContent(id: string, content: string) {
    for (const deadline = Date.now() + 5_000; ; ) {
      const { body } = await apiGet(`/api/conversations/${id}`);
      const current = (body.messages as { id: string; content: string }[]).find(
        (message) => message.id === body.current_node,
      );
      if (current?.content === content) return;
      assert.ok(Date.now() < deadline, `current_node never showed "${content}"`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  test('edits a question into a new branch and goes back to the first one', async () => {
    // Cancelling an edit puts the question back as it was.
    await questions().first().getByRole('button', { name: 'Edit this message' }).click();
    await button('Cancel editing').click();
    await waitForText(questions().first().locator('.content'), 'Tell me a story');
    await questions().first().getByRole('button', { name: 'Edit this message' }).click();
    await page.getByLabel('Edited message').fill('Tell me a poem');
    await button('Save and send').click();
    // With no reply queued, the fake upstream streams "echo: <question>" word by word.
    await waitForAnswer('echo: Tell me a poem');
    await waitForText(questions().first().locator('.content'), 'Tell me a poem');
    await waitForText(questions().first().locator('.position'), '2 / 2');
    assert.equal(await answers().last().locator('.position').count(), 0, 'the new answer has no siblings');

    // Back to the first question: its branch down to its newest answer.
    await questions().first().getByRole('button', { name: 'Previous version' }).click();
    await waitForText(questions().first().locator('.content'), 'Tell me a story');
    await waitForText(answers().last().locator('.content'), 'Another story.');
    await waitForText(answers().last().locator('.position'), '2 / 2');
  });

  test('renames and deletes a conversation', async () => {
    const id = new URL(page.url()).hash.slice(1);
    await button('Rename conversation').click();
    await page.getByLabel('New title').fill('Stories');
    await button('Save').click();
    await waitForText(page.locator('#conversation-title'), 'Stories');
    await waitForText(conversationButtons().first(), 'Stories');
    assert.equal((await apiGet(`/api/conversations/${id}`)).body.title, 'Stories');

    page.once('dialog', (dialog) => void dialog.accept());
    await button('Delete conversation').click();
    await waitForText(page.locator('#conversation-title'), 'New conversation');
    await conversationButtons().filter({ hasText: 'Stories' }).waitFor({ state: 'detached' });
    assert.equal(await messages().count(), 0);
    assert.equal((await apiGet(`/api/conversations/${id}`)).status, 404);
  });

  test('Stop ends a slow answer: the upstream is cancelled and the answer kept incomplete', async () => {
    await openPage(server);
    const words = Array.from({ length: 60 }, (_, index) => `w${index} `);
    upstream.reply({ kind: 'stream', deltas: words, intervalMs: 50 });
    await send('Count slowly');
    await waitForText(answers().last().locator('.content'), /w3 /);
    await button('Stop').click();
    const stopped = page.locator('#messages > li.assistant[data-status="incomplete"]');
    await stopped.waitFor();
    await waitForText(stopped.locator('.status'), 'incomplete');
    const kept = (await stopped.locator('.content').textContent()) ?? '';
    assert.match(kept, /^w0 w1 w2 w3 /);
    assert.ok(!kept.includes('w59'), 'the answer stopped before its end');
    // Parley stopped the upstream request (the fake saw its client leave early).
    const request = upstream.lastRequest();
    await request.settled;
    assert.equal(request.clientClosedEarly, true);
    await button('Send').waitFor();
    assert.equal(await button('Continue this answer').count(), 1);
    assert.deepEqual(pageErrors, []);
  });

  test('opening a conversation whose answer is still being written follows it live', async () => {
    const words = Array.from({ length: 20 }, (_, index) => `v${index} `);
    upstream.reply({ kind: 'stream', deltas: words, intervalMs: DELTA_INTERVAL_MS });
    const created = await postJson(server, '/api/conversations', { title: 'Written elsewhere' });
    const { id } = (await created.json()) as { id: string };
    // Another client starts the answer and leaves after its first event; the answer goes on.
    const elsewhere = new AbortController();
    const started = await postJson(
      server,
      `/api/conversations/${id}/messages`,
      { content: 'Count for me', stream: true },
      elsewhere.signal,
    );
    await started.body?.getReader().read();
    elsewhere.abort();

    await page.goto(`${server.baseUrl}/#${id}`);
    await waitForText(answers().last().locator('.content'), /^v0 v1 .*v\d+ $/);
    assert.equal(await button('Stop').isVisible(), true, 'the page follows the answer as it is written');
    await waitForAnswer(words.join(''));
  });

  test('shows an upstream error; the stored question is not put back to be sent twice', async () => {
    upstream.reply({
      kind: 'json',
      status: 400,
      body: { error: { message: 'the prompt is not allowed', type: 'invalid_request_error' } },
    });
    await send('A forbidden question');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /not allowed|400|upstream/i);
    // The stored question failed: its answer says so, and Regenerate tries again.
    const failed = page.locator('#messages > li.assistant[data-status="failed"]');
    await failed.waitFor();
    await failed.getByRole('button', { name: 'Regenerate this answer' }).waitFor();
    assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), '');
    assert.equal(await questions().filter({ hasText: 'A forbidden question' }).count(), 1);
  });

  test('sends a person to sign in when the server needs it; an API key works there too, and is forgotten', async () => {
    await openPage(keyedServer);
    // Without a key or a session, the chat page sends the person to the sign-in page.
    await page.waitForURL(/\/signin\?next=/);
    const keySection = page.locator('#key-section');
    await keySection.getByText('Use an API key instead').click();
    await keySection.getByLabel('Key').fill('sk-wrong-key-000000000000000000');
    await keySection.getByRole('button', { name: 'Use this key' }).click();
    await waitForText(page.locator('#signin-error'), /refused: the API key is invalid/);

    await keySection.getByLabel('Key').fill(ADMIN_KEY);
    await keySection.getByRole('button', { name: 'Use this key' }).click();
    await page.waitForURL(`${keyedServer.baseUrl}/`);
    assert.equal(await page.evaluate(STORED_KEY), ADMIN_KEY);
    await waitForText(page.locator('#model option').first(), 'default (fake-model)');
    await send('Hello with a key');
    await waitForAnswer('echo: Hello with a key');
    await waitForText(conversationButtons().first(), 'Hello with a key');

    // A reload keeps the key; "Forget key" drops it and sends the person to sign in again.
    await page.reload();
    await waitForText(answers().last().locator('.content'), 'echo: Hello with a key');
    await button('Forget key').click();
    await page.waitForURL(/\/signin\?next=/);
    assert.equal(await page.evaluate(STORED_KEY), null);
    const unexpected = pageErrors.filter((error) => !/401/.test(error));
    assert.deepEqual(unexpected, []);
  });

  test('on a narrow screen the list opens from the menu button', async () => {
    await openPage(server, { width: 380, height: 740 });
    const menu = page.getByRole('button', { name: 'Show conversations' });
    await menu.waitFor();
    const sidebar = page.getByRole('navigation', { name: 'Conversations' });
    await sidebar.locator('button.conversation').first().waitFor({ state: 'attached' });
    assert.ok(((await sidebar.boundingBox())?.x ?? 0) < 0, 'the list starts out of the screen');
    await menu.click();
    assert.equal(await menu.getAttribute('aria-expanded'), 'true');
    // It slides in (a short transition): wait until it is all on screen.
    for (const deadline = Date.now() + 5_000; ((await sidebar.boundingBox())?.x ?? -1) < 0; ) {
      assert.ok(Date.now() < deadline, 'the list never came on screen');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await conversationButtons().first().click();
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    await answers().first().waitFor();
    const overflow = () => page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    assert.equal(await overflow(), 0, 'the page is no wider than the screen');
    await button('Rename conversation').click();
    await page.getByLabel('New title').waitFor();
    assert.equal(await overflow(), 0, 'nor while renaming');
  });
});
