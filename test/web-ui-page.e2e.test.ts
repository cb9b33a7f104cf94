/**
 * The web UI as a page for daily use (Debian's chromium, the real server on a fake upstream):
 * Stop → Continue streams the rest without a reload; each answer's model, time and usage; copy; a
 * visible wait before the first words; settings (system prompt, model, temperature, max tokens)
 * stored and used; dark mode with a toggle kept per
 * browser; keyboard shortcuts; a welcome state; jump to the latest; 40 px touch targets on a phone;
 * and a question refused before it was stored (no provider) leaves nothing behind.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumMissing, waitForText } from './support/chromium.ts';
import { chunkFrame } from './support/fake-openai-upstream.ts';
import {
  answers,
  browserSuite,
  button,
  type OpenedPage,
  openConversationId,
  send,
  startWebUiServer,
  type WebUiServer,
  waitForAnswer,
  waitForValue,
} from './support/web-ui.ts';

let web: WebUiServer;
let bare: WebUiServer;
before(async () => {
  [web, bare] = await Promise.all([startWebUiServer(), startWebUiServer({}, { provider: false })]);
});
after(async () => {
  await Promise.all([web?.close(), bare?.close()]);
});

/** The page's background colour's lightness, 0 (black) to 255 (white). */
async function backgroundLightness(page: Page): Promise<number> {
  const colour = String(await page.evaluate('getComputedStyle(document.documentElement).backgroundColor'));
  const [red = 0, green = 0, blue = 0] = (colour.match(/\d+/g) ?? []).map(Number);
  return (red + green + blue) / 3;
}

describe('the web UI page', { skip: chromiumMissing }, () => {
  const browser = browserSuite();
  let opened: OpenedPage;
  let page: Page;

  test('Stop, then Continue streams the rest of the answer with no reload and no error', async () => {
    opened = await browser.open(web.server);
    page = opened.page;
    const words = Array.from({ length: 40 }, (_, index) => `w${index} `);
    web.upstream.reply({ kind: 'stream', deltas: words, intervalMs: 50 });
    await send(page, 'Count slowly');
    await waitForText(answers(page).last().locator('.content'), /w3/);
    await button(page, 'Stop').click();
    const stopped = page.locator('#messages > li.assistant[data-status="incomplete"]');
    await stopped.waitFor();
    const kept = (await stopped.locator('.content').textContent()) ?? '';
    await page.evaluate('window.sameDocument = true');

    await page.evaluate(`{
      const seen = (window.seenContinued = []);
      new MutationObserver(() => {
        const text = document.querySelector('#messages > li.assistant:last-child .content')?.textContent;
        if (text != null && text !== seen.at(-1)) seen.push(text);
      }).observe(document.getElementById('messages'), { subtree: true, childList: true, characterData: true });
    }`);
    web.upstream.reply({ kind: 'stream', deltas: ['and ', 'then ', 'the ', 'rest.'], intervalMs: 80 });
    await button(page, 'Continue this answer').click();
    await waitForAnswer(page, /and then the rest\.$/);
    const text = (await answers(page).last().locator('.content').textContent()) ?? '';
    assert.ok(text.startsWith(kept.trim()), `the continuation follows what was kept: ${text}`);
    const seen = (await page.evaluate('window.seenContinued')) as string[];
    assert.ok(
      seen.some((shown) => shown.includes('and then') && !shown.includes('rest.')),
      `the continuation was shown as it streamed: ${JSON.stringify(seen)}`,
    );
    assert.equal(await page.getByRole('alert').isVisible(), false, 'no error banner');
    assert.equal(await page.evaluate('window.sameDocument'), true, 'no reload');
    assert.equal(await answers(page).count(), 1, 'one answer, continued in place');
    assert.deepEqual(opened.errors, []);
  });

  test('each answer shows its model, time and token usage; Copy copies a message', async () => {
    await send(page, 'What time is it?');
    await waitForAnswer(page, 'echo: What time is it?');
    const answer = answers(page).last();
    await waitForText(answer.locator('.model'), 'fake-model');
    const time = answer.locator('time');
    const when = Date.parse((await time.getAttribute('datetime')) ?? '');
    assert.ok(Math.abs(Date.now() - when) < 120_000, 'the time is the answer’s');
    assert.match((await time.getAttribute('title')) ?? '', /\d{4}/, 'the whole date on hover');
    assert.match((await answer.locator('.usage').textContent()) ?? '', /^\d+ → \d+ tokens$/);
    await answer.getByRole('button', { name: 'Copy this message' }).click();
    await waitForText(answer.getByRole('button', { name: 'Copy this message' }), 'Copied');
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), 'echo: What time is it?');
  });

  test('shows that it is waiting before the first words arrive', async () => {
    // The upstream opens its stream, then waits 800 ms before its first words.
    web.upstream.reply({
      kind: 'raw-stream',
      pieces: [
        chunkFrame({ role: 'assistant' }),
        chunkFrame({ content: 'Here at last.' }),
        'data: [DONE]\n\n',
      ],
      intervalMs: 800,
    });
    await send(page, 'Take your time');
    await page.getByRole('status', { name: 'Waiting for the answer' }).waitFor();
    await waitForAnswer(page, 'Here at last.');
    assert.equal(await page.getByRole('status', { name: 'Waiting for the answer' }).count(), 0);
  });

  test('settings store a system prompt and a model with the conversation, used by the next answer', async () => {
    await button(page, 'Conversation settings').click();
    const dialog = page.getByRole('dialog', { name: 'Conversation settings' });
    await dialog.getByLabel('System prompt').fill('Answer like a pirate.');
    await dialog.getByLabel('Model').selectOption('fake-model');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const id = openConversationId(page);
    const stored = (await (await fetch(`${web.server.baseUrl}/api/conversations/${id}`)).json()) as {
      system_prompt: string;
      model: string;
    };
    assert.equal(stored.system_prompt, 'Answer like a pirate.');
    assert.equal(stored.model, 'fake-model');
    await send(page, 'Ahoy?');
    await waitForAnswer(page, 'echo: Ahoy?');
    const sent = web.upstream.lastRequest().body as { messages: { role: string; content: string }[] };
    assert.deepEqual(sent.messages[0], { role: 'system', content: 'Answer like a pirate.' });
    // Opened again, the dialog shows what is stored.
    await page.reload();
    await button(page, 'Conversation settings').click();
    await waitForValue(dialog.getByLabel('System prompt'), 'Answer like a pirate.');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  test('settings set the conversation’s temperature and max tokens: sent upstream with its answers, shown again after a reload', async () => {
    const dialog = page.getByRole('dialog', { name: 'Conversation settings' });
    const temperature = dialog.getByLabel('Temperature');
    const maxTokens = dialog.getByLabel('Max tokens');
    await button(page, 'Conversation settings').click();
    await waitForValue(temperature, '');
    // Out of range: the browser keeps the dialog open and nothing is stored.
    await temperature.fill('3');
    await dialog.getByRole('button', { name: 'Save' }).click();
    assert.equal(await dialog.isVisible(), true);
    await temperature.fill('0.3');
    await maxTokens.fill('50');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await send(page, 'Briefly?');
    await waitForAnswer(page, 'echo: Briefly?');
    const sent = web.upstream.lastRequest().body as { temperature?: number; max_tokens?: number };
    assert.deepEqual([sent.temperature, sent.max_tokens], [0.3, 50]);

    await page.reload();
    await button(page, 'Conversation settings').click();
    await waitForValue(temperature, '0.3');
    await waitForValue(maxTokens, '50');
    // Emptied, they are the model's default again: nothing is sent.
    await temperature.fill('');
    await maxTokens.fill('');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await send(page, 'Default now?');
    await waitForAnswer(page, 'echo: Default now?');
    const plain = web.upstream.lastRequest().body as Record<string, unknown>;
    assert.deepEqual([plain.temperature, plain.max_tokens], [undefined, undefined]);
  });

  test('keyboard: Shift+Enter adds a line, Escape stops, Ctrl+K searches, Ctrl+Shift+O starts anew', async () => {
    const prompt = page.getByLabel('Message', { exact: true });
    await prompt.fill('first line');
    await prompt.press('Shift+Enter');
    await prompt.pressSequentially('second line');
    await waitForValue(prompt, 'first line\nsecond line');
    web.upstream.reply({
      kind: 'stream',
      deltas: Array.from({ length: 40 }, (_, index) => `e${index} `),
      intervalMs: 50,
    });
    await prompt.press('Enter');
    await waitForText(answers(page).last().locator('.content'), /e2/);
    await page.keyboard.press('Escape');
    await page.locator('#messages > li:last-child.assistant[data-status="incomplete"]').waitFor();

    await page.keyboard.press('Control+k');
    const search = page.getByRole('searchbox', { name: 'Search conversations' });
    await search.waitFor();
    assert.equal(await page.evaluate('document.activeElement?.id'), 'search');
    await page.keyboard.press('Control+Shift+O');
    await waitForText(page.locator('#conversation-title'), 'New conversation');
    assert.equal(new URL(page.url()).hash, '');
  });

  test('an empty conversation welcomes with the model and example prompts', async () => {
    const welcome = page.getByRole('region', { name: 'Welcome' });
    await welcome.waitFor();
    assert.match((await welcome.textContent()) ?? '', /fake-model/);
    const examples = welcome.getByRole('list', { name: 'Example prompts' }).getByRole('button');
    assert.ok((await examples.count()) >= 3);
    const example = (await examples.first().textContent()) ?? '';
    await examples.first().click();
    await waitForValue(page.getByLabel('Message', { exact: true }), example);
    await button(page, 'Send').click();
    await waitForAnswer(page, `echo: ${example}`);
    await welcome.waitFor({ state: 'hidden' });
  });

  test('“↓ Latest” appears when scrolled up and brings the end back', async () => {
    web.upstream.reply({
      kind: 'stream',
      deltas: Array.from({ length: 60 }, (_, index) => `Line ${index}.\n\n`),
    });
    await send(page, 'A long one');
    await waitForAnswer(page, /Line 59\.$/);
    const jump = button(page, '↓ Latest');
    await page.evaluate("document.getElementById('messages').scrollTop = 0");
    await jump.waitFor();
    await jump.click();
    await jump.waitFor({ state: 'hidden' });
  });

  test('dark mode follows the system, and the toggle’s choice is kept by this browser', async () => {
    opened = await browser.open(web.server, { colorScheme: 'dark' });
    page = opened.page;
    await button(page, 'Theme: system').waitFor();
    assert.ok((await backgroundLightness(page)) < 60, 'dark, as the system is');
    await button(page, 'Theme: system').click();
    await button(page, 'Theme: light').waitFor();
    assert.ok((await backgroundLightness(page)) > 200, 'light, as chosen');
    await page.reload();
    await button(page, 'Theme: light').waitFor();
    assert.ok((await backgroundLightness(page)) > 200, 'still light after a reload');
    await button(page, 'Theme: light').click();
    await button(page, 'Theme: dark').click();
    await button(page, 'Theme: system').waitFor();
    assert.equal(await page.evaluate("localStorage.getItem('parley.theme')"), null);
  });

  test('on a phone every control is at least 40 px tall', async () => {
    opened = await browser.open(web.server, { viewport: { width: 390, height: 844 } });
    page = opened.page;
    await send(page, 'Hello from a phone');
    await waitForAnswer(page, 'echo: Hello from a phone');
    await page.getByRole('button', { name: 'Show conversations' }).click();
    await page.locator('#conversation-list button.conversation').first().waitFor();
    const small = (await page.evaluate(`[...document.querySelectorAll('button, select, input, textarea')]
      .filter((control) => control.checkVisibility())
      .map((control) => ({ name: control.getAttribute('aria-label') || control.textContent.trim() || control.id, rect: control.getBoundingClientRect() }))
      .filter(({ rect }) => rect.width > 0 && rect.height < 40)
      .map(({ name, rect }) => name + ': ' + Math.round(rect.height) + ' px')`)) as string[];
    assert.deepEqual(small, []);
  });

  test('with no provider, a refused question stays in the box and leaves no empty conversation', async () => {
    opened = await browser.open(bare.server);
    page = opened.page;
    const prompt = page.getByLabel('Message', { exact: true });
    await send(page, 'Is anyone there?');
    await waitForText(page.getByRole('alert'), /provider|configure|model/i);
    // Put back once the page knows it was not stored.
    await waitForValue(prompt, 'Is anyone there?');
    await page.locator('#conversation-list .list-empty').waitFor();
    assert.equal(new URL(page.url()).hash, '');
    const listed = (await (await fetch(`${bare.server.baseUrl}/api/conversations`)).json()) as {
      data: unknown[];
    };
    assert.deepEqual(listed.data, [], 'the conversation made for it is gone');
    // Sending again is refused the same way: still nothing stored.
    const deleted = page.waitForResponse((response) => response.request().method() === 'DELETE');
    await button(page, 'Send').click();
    assert.equal((await deleted).status(), 200);
    await waitForValue(prompt, 'Is anyone there?');
    const again = (await (await fetch(`${bare.server.baseUrl}/api/conversations`)).json()) as {
      data: unknown[];
    };
    assert.deepEqual(again.data, []);
    assert.deepEqual(
      opened.errors.filter((error) => !/503/.test(error)),
      [],
    );
  });
});
