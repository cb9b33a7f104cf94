/**
 * The web UI's sidebar in Debian's chromium (the real server on a fake upstream): conversations
 * by last activity grouped by date, rename and delete in place, search as you type that opens a hit
 * at its message, and import / export from the menu.
 */

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumMissing, waitForText } from './support/chromium.ts';
import {
  button,
  type OpenedPage,
  browserSuite,
  openConversationId,
  questions,
  send,
  startWebUiServer,
  type WebUiServer,
  waitForAnswer,
} from './support/web-ui.ts';

/** A ChatGPT data export (`conversations.json`) of one conversation from November 2023. */
function chatgptExport() {
  const message = (id: string, role: string, text: string, time: number) => ({
    id,
    author: { role, name: null, metadata: {} },
    create_time: time,
    update_time: null,
    content: { content_type: 'text', parts: [text] },
    status: 'finished_successfully',
    end_turn: role === 'assistant' ? true : null,
    weight: 1,
    metadata: {},
    recipient: 'all',
  });
  return [
    {
      title: 'Sourdough starter',
      create_time: 1_700_000_000,
      update_time: 1_700_000_100,
      current_node: 'a1',
      mapping: {
        root: { id: 'root', parent: null, children: ['u1'], message: null },
        u1: {
          id: 'u1',
          parent: 'root',
          children: ['a1'],
          message: message('u1', 'user', 'How do I feed a starter?', 1_700_000_001),
        },
        a1: {
          id: 'a1',
          parent: 'u1',
          children: [],
          message: message('a1', 'assistant', 'Equal weights of flour and water, daily.', 1_700_000_002),
        },
      },
    },
  ];
}

let web: WebUiServer;
before(async () => {
  web = await startWebUiServer();
});
after(async () => {
  await web?.close();
});

describe('the web UI sidebar', { skip: chromiumMissing }, () => {
  const browser = browserSuite();
  let opened: OpenedPage;
  let page: Page;
  const rows = () => page.locator('#conversation-list button.conversation');
  const apiGet = async (path: string) => {
    const response = await fetch(`${web.server.baseUrl}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  before(async () => {
    opened = await browser.open(web.server);
    page = opened.page;
  });

  test('lists conversations by last activity under Today; renames and deletes in place', async () => {
    await page.getByText('No conversations yet.').waitFor();
    await send(page, 'Which aubergine recipe is best?');
    await waitForAnswer(page, 'echo: Which aubergine recipe is best?');
    const first = openConversationId(page);
    await button(page, 'New conversation').click();
    await send(page, 'Second topic');
    await waitForAnswer(page, 'echo: Second topic');
    await waitForText(rows().first(), 'Second topic');
    // Activity in the first one brings it back to the top.
    await rows().filter({ hasText: 'aubergine' }).click();
    await waitForText(questions(page).first().locator('.content'), 'Which aubergine recipe is best?');
    await send(page, 'And with rice?');
    await waitForAnswer(page, 'echo: And with rice?');
    await waitForText(rows().first(), /aubergine/);
    assert.deepEqual(await page.locator('#conversation-list .group-title').allTextContents(), ['Today']);
    // The server agrees on the order.
    const listed = await apiGet('/api/conversations?order_by=updated');
    assert.equal((listed.body.data as { id: string }[])[0]?.id, first);

    // Rename in place: Escape cancels, Enter saves.
    const row = page.locator('.conversation-row').filter({ hasText: 'Second topic' });
    await row.hover();
    await row.getByRole('button', { name: 'Rename “Second topic”' }).click();
    await page.getByLabel('New title').first().fill('Never saved');
    await page.getByLabel('New title').first().press('Escape');
    await waitForText(rows().nth(1), 'Second topic');
    await row.getByRole('button', { name: 'Rename “Second topic”' }).click();
    await page.getByLabel('New title').first().fill('Topic two');
    await page.getByLabel('New title').first().press('Enter');
    await waitForText(rows().nth(1), 'Topic two');
    const second = (await rows().nth(1).getAttribute('data-id')) ?? '';
    assert.equal((await apiGet(`/api/conversations/${second}`)).body.title, 'Topic two');

    // Delete in place, after a confirmation; the open conversation stays open.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete “Topic two”' }).click();
    await rows().filter({ hasText: 'Topic two' }).waitFor({ state: 'detached' });
    assert.equal((await apiGet(`/api/conversations/${second}`)).status, 404);
    assert.equal(openConversationId(page), first);
    assert.deepEqual(opened.errors, []);
  });

  test('search finds a word in a message as you type and opens the conversation at it', async () => {
    await button(page, 'New conversation').click();
    await page.getByRole('searchbox', { name: 'Search conversations' }).fill('auberg');
    const hits = page.getByRole('list', { name: 'Search results' }).getByRole('button');
    await hits.first().waitFor();
    assert.equal(await rows().first().isVisible(), false, 'the list gives way to the results');
    const hit = hits.filter({ hasText: 'Assistant: echo: Which aubergine recipe' }).first();
    assert.match((await hit.locator('mark').first().textContent()) ?? '', /^aubergine$/i);
    await hit.click();
    // The conversation opens with the message in view and marked for a moment.
    const found = page.locator('#messages > li.found');
    await found.waitFor();
    assert.match((await found.textContent()) ?? '', /aubergine/);
    await page.getByRole('searchbox', { name: 'Search conversations' }).press('Escape');
    await rows().first().waitFor();
    // Nothing found says so.
    await page.getByRole('searchbox', { name: 'Search conversations' }).fill('zyzzyva');
    await page.getByText('Nothing found for “zyzzyva”.').waitFor();
    await page.getByRole('searchbox', { name: 'Search conversations' }).press('Escape');
  });

  test('imports ChatGPT’s conversations.json and exports everything from the menu', async () => {
    const file = join(tmpdir(), `conversations-${process.pid}.json`);
    await writeFile(file, JSON.stringify(chatgptExport()));
    await button(page, 'Import / export').click();
    const chooser = page.waitForEvent('filechooser');
    await button(page, 'Import a file…').click();
    await (await chooser).setFiles(file);
    await waitForText(
      page.getByRole('status').filter({ hasText: 'Imported' }),
      /Imported 1 conversation from/,
    );
    // From 2023: listed under Older, below today's.
    await waitForText(rows().last(), 'Sourdough starter');
    assert.equal(await page.locator('#conversation-list .group-title').last().textContent(), 'Older');
    await rows().last().click();
    await waitForText(
      page.locator('#messages > li.assistant .content'),
      'Equal weights of flour and water, daily.',
    );

    // A file that is not JSON is refused with a message, and nothing is imported.
    await writeFile(file, 'not json at all');
    await button(page, 'Import / export').click();
    const again = page.waitForEvent('filechooser');
    await button(page, 'Import a file…').click();
    await (await again).setFiles(file);
    await waitForText(page.getByRole('alert'), /is not a JSON file/);

    await button(page, 'Import / export').click();
    const download = page.waitForEvent('download');
    await button(page, 'Export all (JSON)').click();
    const exported = JSON.parse(await readFile(await (await download).path(), 'utf8')) as {
      conversations: { title: string }[];
    };
    assert.deepEqual(exported.conversations.map((conversation) => conversation.title).sort(), [
      'Sourdough starter',
      'Which aubergine recipe is best?',
    ]);
    await button(page, 'Import / export').click();
    const markdown = page.waitForEvent('download');
    await button(page, 'Export this conversation (Markdown)').click();
    const text = await readFile(await (await markdown).path(), 'utf8');
    assert.match(text, /Sourdough starter/);
    assert.match(text, /Equal weights of flour and water, daily\./);
    assert.deepEqual(
      opened.errors.filter((error) => !/400/.test(error)),
      [],
    );
  });

  test('search snippets show markdown as plain text, the match marked, and no HTML from the message', async () => {
    const question = [
      '## The **quokka** plan',
      '- feed `leaves` [docs](https://example.com)',
      '> <i>so</i> <img src=x>',
    ].join('\n');
    await button(page, 'New conversation').click();
    await send(page, question);
    await waitForAnswer(page, /^echo: ## The/);
    const search = page.getByRole('searchbox', { name: 'Search conversations' });
    await search.fill('quokka');
    const hit = page
      .getByRole('list', { name: 'Search results' })
      .locator('button.search-hit[data-kind="message"]')
      .filter({ hasText: 'You:' })
      .first();
    await hit.waitFor();
    const snippet = (await hit.locator('.hit-snippet').textContent()) ?? '';
    for (const syntax of ['**', '##', '`', '](', 'https://example.com', '- feed', '> a'])
      assert.ok(!snippet.includes(syntax), `${JSON.stringify(syntax)} is left in ${JSON.stringify(snippet)}`);
    assert.match(snippet, /The quokka plan/);
    assert.match(snippet, /feed leaves docs/);
    // The message's HTML is text: shown as written, never made into elements.
    assert.match(snippet, /<i>so<\/i> <img src=x>/);
    assert.deepEqual(await hit.locator('.hit-snippet mark').allTextContents(), ['quokka']);
    assert.equal(await hit.locator('.hit-snippet *:not(mark):not(.hit-role)').count(), 0);
    await search.press('Escape');

    // The same rules on the shapes a cut snippet takes.
    const cases: [string, string][] = [
      ['# Title #', 'Title'],
      ['1. first\n2) second', 'first\nsecond'],
      ['- [x] done', 'done'],
      ['```js\nconst a_b = 2 * 3 * 4;\n```', 'const a_b = 2 * 3 * 4;'],
      ['| a | b |\n|---|:-:|\n| 1 | 2 |', 'a · b\n1 · 2'],
      ['__strong__ _em_ *em* ~~gone~~ snake_case_name', 'strong em em gone snake_case_name'],
      ['![a cat](cat.png) and <https://example.com>', 'a cat and https://example.com'],
      ['\\*not emphasis\\* and \\# not a heading', '*not emphasis* and # not a heading'],
      ['…cut in **the middle', '…cut in the middle'],
      ['…2. **Midday** — the museum', '…Midday — the museum'],
      ['***', ''],
    ];
    const plain = (await page.evaluate(`import('/ui/plain-markdown.js').then(({ markdownToPlainText }) =>
      ${JSON.stringify(cases.map(([markdown]) => markdown))}.map(markdownToPlainText))`)) as string[];
    assert.deepEqual(
      plain,
      cases.map(([, expected]) => expected),
    );
    assert.deepEqual(
      opened.errors.filter((error) => !/400/.test(error)),
      [],
    );
  });
});
