/**
 * Attachments in the web UI (Debian's chromium, the real server on a fake upstream): images and
 * files added by the picker, by paste and by drag and drop, shown as thumbnails, removable; and an
 * image attached in the page reaching the upstream as an image part — which runs once the server's
 * message route takes `parts` (read from its OpenAPI document), and until then the page refuses to
 * drop the attachments silently.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumMissing, waitForText } from './support/chromium.ts';
import {
  browserSuite,
  button,
  send,
  startWebUiServer,
  type WebUiServer,
  waitForAnswer,
} from './support/web-ui.ts';

/** A 1×1 PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

let web: WebUiServer;
before(async () => {
  web = await startWebUiServer();
});
after(async () => {
  await web?.close();
});

/** Dispatches a paste (on the composer) or a drop (on the chat) of one file, as a browser would. */
async function pasteOrDrop(page: Page, how: 'paste' | 'drop', name: string, type: string) {
  await page.evaluate(`{
    const transfer = new DataTransfer();
    const bytes = Uint8Array.from(atob(${JSON.stringify(PNG)}), (character) => character.charCodeAt(0));
    transfer.items.add(new File([bytes], ${JSON.stringify(name)}, { type: ${JSON.stringify(type)} }));
    if (${JSON.stringify(how)} === 'paste') {
      document.getElementById('prompt').dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
    } else {
      const chat = document.querySelector('main.chat');
      chat.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      chat.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }
  }`);
}

describe('attachments in the web UI', { skip: chromiumMissing }, () => {
  const browser = browserSuite();
  let page: Page;
  const tray = () => page.getByRole('list', { name: 'Attachments' });

  test('the picker, paste and drag and drop add thumbnails, and each can be removed', async () => {
    ({ page } = await browser.open(web.server));
    await page.setInputFiles('#attach-file', [
      { name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from(PNG, 'base64') },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('some notes') },
    ]);
    await pasteOrDrop(page, 'paste', 'pasted.png', 'image/png');
    await pasteOrDrop(page, 'drop', 'dropped.png', 'image/png');
    await tray().getByRole('img', { name: 'dropped.png' }).waitFor();
    const alts: (string | null)[] = [];
    for (const image of await tray().getByRole('img').all()) alts.push(await image.getAttribute('alt'));
    assert.deepEqual(alts, ['photo.png', 'pasted.png', 'dropped.png']);
    // The thumbnails are drawn from the files themselves (blob: URLs), and load under the CSP.
    assert.equal(await page.evaluate("document.querySelector('#attachments img').naturalWidth"), 1);
    await waitForText(tray().locator('.file-name'), /notes\.txt/);
    await button(page, 'Remove pasted.png').click();
    await tray().getByRole('img', { name: 'pasted.png' }).waitFor({ state: 'detached' });
    assert.equal(await tray().getByRole('listitem').count(), 3);
  });

  test('an image attached in the page reaches the upstream as an image part', async () => {
    for (const name of ['notes.txt', 'dropped.png']) await button(page, `Remove ${name}`).click();
    await send(page, 'What is in this picture?');
    await waitForAnswer(page, /\S/);
    assert.equal(await tray().isVisible(), false, 'sent: the tray is empty');
    const sent = web.upstream.lastRequest().body as {
      messages: { role: string; content: string | { type: string; image_url?: { url: string } }[] }[];
    };
    const question = sent.messages.findLast((message) => message.role === 'user');
    assert.ok(Array.isArray(question?.content), 'the question went up as parts');
    const image = question.content.find((part) => part.type === 'image_url');
    assert.equal(image?.image_url?.url, `data:image/png;base64,${PNG}`);
  });
});
