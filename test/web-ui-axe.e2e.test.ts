/**
 * The web UI's main states scanned by axe-core (from npm) in Debian's chromium: the welcome, a
 * conversation with markdown (code, a table, math) in light and dark, search results, the
 * settings dialog, and a phone with the list open. No violation is allowed.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumMissing } from './support/chromium.ts';
import {
  axeViolations,
  browserSuite,
  button,
  send,
  startWebUiServer,
  type WebUiServer,
  waitForAnswer,
} from './support/web-ui.ts';

const ANSWER = [
  '## Sorting\n\nUse **merge sort** for stable results; see [the docs](https://example.org/sort).\n\n',
  '| algorithm | stable |\n|---|---|\n| merge | yes |\n| quick | no |\n\n',
  '```ts\nconst sorted = [...items].sort((a, b) => a - b);\n```\n\n',
  'Its cost is $O(n \\log n)$.\n',
];

let web: WebUiServer;
before(async () => {
  web = await startWebUiServer();
});
after(async () => {
  await web?.close();
});

describe('the web UI passes axe-core', { skip: chromiumMissing }, () => {
  const browser = browserSuite();
  let page: Page;

  const assertClean = async (state: string) => {
    assert.deepEqual(await axeViolations(page), [], state);
  };

  test('the welcome, and a conversation with markdown, in light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      ({ page } = await browser.open(web.server, { colorScheme }));
      await page.getByRole('region', { name: 'Welcome' }).waitFor();
      await assertClean(`welcome, ${colorScheme}`);
      web.upstream.reply({ kind: 'stream', deltas: ANSWER });
      await send(page, `Sort numbers (${colorScheme})`);
      await waitForAnswer(page, /^Sorting/);
      await page.locator('#messages .code-block').waitFor();
      await assertClean(`conversation, ${colorScheme}`);
    }
  });

  test('search results and the settings dialog', async () => {
    await page.getByRole('searchbox', { name: 'Search conversations' }).fill('sort');
    await page.getByRole('list', { name: 'Search results' }).waitFor();
    await assertClean('search results');
    await page.getByRole('searchbox', { name: 'Search conversations' }).press('Escape');
    await button(page, 'Conversation settings').click();
    await page.getByRole('dialog', { name: 'Conversation settings' }).waitFor();
    await assertClean('settings dialog');
    await page.keyboard.press('Escape');
  });

  test('a phone with the list open', async () => {
    ({ page } = await browser.open(web.server, { viewport: { width: 390, height: 844 } }));
    await page.getByRole('button', { name: 'Show conversations' }).click();
    await page.locator('#conversation-list button.conversation').first().waitFor();
    await assertClean('phone, list open');
  });
});
