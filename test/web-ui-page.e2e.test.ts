/**
 * The web UI as a page (Debian's chromium, the real server): a question refused before it was
 * stored (no provider) leaves no empty conversation behind and stays in the box.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chromiumMissing, waitForText } from './support/chromium.ts';
import {
  type OpenedPage,
  browserSuite,
  send,
  startWebUiServer,
  type WebUiServer,
  waitForValue,
} from './support/web-ui.ts';

let bare: WebUiServer;
before(async () => {
  bare = await startWebUiServer({}, { provider: false });
});
after(async () => {
  await bare?.close();
});

describe('the web UI page', { skip: chromiumMissing }, () => {
  const browser = browserSuite();
  let opened: OpenedPage;

  test('with no provider, a refused question stays in the box and leaves no empty conversation', async () => {
    opened = await browser.open(bare.server);
    const { page } = opened;
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
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    assert.equal((await deleted).status(), 200);
    await waitForValue(prompt, 'Is anyone there?');
    await waitForText(page.getByRole('alert'), /provider|configure|model/i);
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
