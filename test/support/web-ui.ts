/**
 * What the web UI's browser suites share: the real server process in front of a fake OpenAI
 * upstream (its own SQLite file), a fresh browser profile per page, and a person's gestures —
 * type and send, wait for an answer to finish.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { collectPageErrors, launchChromium, waitForText } from './chromium.ts';
import { FakeOpenAIUpstream } from './fake-openai-upstream.ts';
import { type ServerProcess, startServer } from './server-process.ts';

/** A server on a fake upstream whose default model is `fake-model`. */
export interface WebUiServer {
  readonly upstream: FakeOpenAIUpstream;
  readonly server: ServerProcess;
  close(): Promise<void>;
}

/** With `provider: false`, the server has no provider at all (chat requests answer 503). */
export async function startWebUiServer(
  env: Record<string, string> = {},
  { provider = true } = {},
): Promise<WebUiServer> {
  const upstream = await FakeOpenAIUpstream.start();
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-web-'));
  let server: ServerProcess;
  try {
    // A machine busy with other suites may take a while to start a server.
    server = await startServer(
      {
        ...(provider ? { OPENAI_BASE_URL: upstream.baseUrl, PARLEY_DEFAULT_MODEL: 'fake-model' } : {}),
        DATABASE_URL: `sqlite:${join(dataDir, 'parley.sqlite')}`,
        ...env,
      },
      45_000,
    );
  } catch (error) {
    // Nothing left running to keep the test process alive.
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    upstream,
    server,
    async close() {
      await server.kill();
      await upstream.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface OpenedPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors (a CSP violation is one) and uncaught exceptions so far. */
  readonly errors: string[];
}

/**
 * A fresh browser profile (clipboard allowed) on `/` of the server, 5 s for any wait; with `apiKey`,
 * the page holds that key as if a person had entered it (otherwise none).
 */
export async function openPage(
  browser: Browser,
  server: ServerProcess,
  options: {
    viewport?: { width: number; height: number };
    colorScheme?: 'light' | 'dark';
    hash?: string;
    apiKey?: string;
  } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1100, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
  });
  if (options.apiKey !== undefined) {
    await context.addInitScript(`localStorage.setItem('parley.apiKey', ${JSON.stringify(options.apiKey)})`);
  }
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
  context.setDefaultTimeout(5_000);
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(`${server.baseUrl}/${options.hash === undefined ? '' : `#${options.hash}`}`);
  return { context, page, errors };
}

type PageOptions = Parameters<typeof openPage>[2];

/**
 * A chromium for the calling suite: launched before its tests and closed after them. `open` gives
 * a fresh page (closing the one before); call it from the suite's body.
 */
export function browserSuite(): { open(server: ServerProcess, options?: PageOptions): Promise<OpenedPage> } {
  let browser: Browser | undefined;
  let current: OpenedPage | undefined;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await current?.context.close();
    await browser?.close();
  });
  return {
    async open(server, options) {
      if (browser === undefined) throw new Error('the browser is not started yet: open pages inside tests');
      await current?.context.close();
      current = await openPage(browser, server, options);
      return current;
    },
  };
}

export const answers = (page: Page) => page.locator('#messages > li.assistant');
export const questions = (page: Page) => page.locator('#messages > li.user');
export const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });

/** Types a message in the composer and sends it. */
export async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await button(page, 'Send').click();
}

/** Waits until the last answer on screen is finished with this text. */
export async function waitForAnswer(page: Page, text: string | RegExp): Promise<void> {
  await waitForText(answers(page).last().locator('.content'), text);
  await page.locator('#messages > li:last-child.assistant[data-status="completed"]').waitFor();
  await button(page, 'Stop').waitFor({ state: 'hidden' });
}

/** The id of the conversation open in the page (it is in the address). */
export const openConversationId = (page: Page) => new URL(page.url()).hash.slice(1);

/** Waits (up to 5 s) until a form field holds this value. */
export async function waitForValue(field: Locator, value: string): Promise<void> {
  for (const deadline = Date.now() + 5_000; (await field.inputValue()) !== value; ) {
    if (Date.now() > deadline) throw new Error(`the field never held ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * axe-core's scan of the page as it is now (WCAG 2.x A and AA rules, and best practices): each
 * violation as `rule: target (summary)`. axe runs as source evaluated by the driver, which the
 * page's CSP does not govern.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations.flatMap(
      (violation) => violation.nodes.map((node) => violation.id + ': ' + node.target.join(' ') + ' (' + node.failureSummary.replace(/\\s+/g, ' ') + ')')))`,
  )) as string[];
  return violations;
}
let axeSource: string | undefined;
