/**
 * Attachments in the web UI (Debian's chromium, the real server on a fake upstream, behind an API
 * key): images and files added by the picker, by paste and by drag and drop, shown as thumbnails,
 * removable; an image attached in the page reaching the upstream as an image part (a wav as
 * input_audio); and a stored message's images, files and recordings drawn back after a reload — fetched with the key, as `<img src>`
 * could not send it.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { chromiumMissing, waitForText } from './support/chromium.ts';
import {
  axeViolations,
  browserSuite,
  button,
  openConversationId,
  send,
  startWebUiServer,
  type WebUiServer,
  waitForAnswer,
} from './support/web-ui.ts';

/** A 2×2 PNG: red, green on the first row; blue, white on the second. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8DAAMIM/4EAAB/uBfsL2WiLAAAAAElFTkSuQmCC';
const PIXELS = [
  [255, 0, 0, 255],
  [0, 255, 0, 255],
  [0, 0, 255, 255],
  [255, 255, 255, 255],
];
const API_KEY = 'sk-admin-web-attachments-0123456789';

let web: WebUiServer;
before(async () => {
  web = await startWebUiServer({ PARLEY_ADMIN_KEY: API_KEY });
});
after(async () => {
  await web?.close();
});

/** The parts of the last question in a conversation, read through the API with the key. */
async function storedParts(conversationId: string): Promise<{ type: string; sha256?: string }[]> {
  const response = await fetch(`${web.server.baseUrl}/api/conversations/${conversationId}`, {
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  const conversation = (await response.json()) as {
    messages: { role: string; parts: { type: string; sha256?: string }[] }[];
  };
  return conversation.messages.findLast((message) => message.role === 'user')?.parts ?? [];
}

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
  let errors: string[];
  let attachmentRefusals = 0;
  const tray = () => page.getByRole('list', { name: 'Attachments', exact: true });

  test('the picker, paste and drag and drop add thumbnails, and each can be removed', async () => {
    ({ page, errors } = await browser.open(web.server, { apiKey: API_KEY }));
    page.on('response', (response) => {
      if (response.url().includes('/api/attachments/') && !response.ok()) attachmentRefusals += 1;
    });
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
    assert.equal(await page.evaluate("document.querySelector('#attachments img').naturalWidth"), 2);
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

  test('a question shows its files while sent; after a reload its image is a thumbnail of the bytes sent, opening full size, and its file downloads', async () => {
    await page.setInputFiles('#attach-file', [
      { name: 'grid.png', mimeType: 'image/png', buffer: Buffer.from(PNG, 'base64') },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('some notes') },
    ]);
    web.upstream.reply({ kind: 'stream', deltas: ['Nice ', 'picture ', 'and ', 'notes.'], intervalMs: 150 });
    await send(page, 'Here are a picture and my notes');
    // While the answer is written, the question shows what it carries, from the files themselves.
    const draft = page.locator('#messages > li.user').last();
    await draft.getByRole('img', { name: 'grid.png' }).waitFor();
    await waitForText(draft.locator('.message-attachment .file-name'), /notes\.txt/);
    await waitForAnswer(page, 'Nice picture and notes.');
    await page.reload();
    const sent = page.locator('#messages > li.user').last();
    await waitForText(sent.locator('.content'), 'Here are a picture and my notes');
    const thumbnail = sent.getByRole('button', { name: 'Open Attached image 1 full size' });
    await thumbnail.locator('img[src^="blob:"]').waitFor();
    // The thumbnail is drawn from the bytes sent (fetched with the key), pixel for pixel.
    const drawn = (await page.evaluate(`(async () => {
      const questions = document.querySelectorAll('#messages > li.user');
      const image = questions[questions.length - 1].querySelector('.message-attachment img');
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      return {
        src: image.src,
        size: [image.naturalWidth, image.naturalHeight],
        pixels: [[0, 0], [1, 0], [0, 1], [1, 1]].map(([x, y]) => [...context.getImageData(x, y, 1, 1).data]),
      };
    })()`)) as { src: string; size: number[]; pixels: number[][] };
    assert.match(drawn.src, /^blob:/);
    // Drawn from the stored part: the bytes sent, named by their SHA-256.
    const stored = await storedParts(openConversationId(page));
    const sha256 = createHash('sha256').update(Buffer.from(PNG, 'base64')).digest('hex');
    assert.ok(stored.some((part) => part.type === 'image' && part.sha256 === sha256));
    assert.deepEqual(drawn.size, [2, 2]);
    assert.deepEqual(drawn.pixels, PIXELS);

    assert.deepEqual(await axeViolations(page), [], 'thumbnails and file chips pass axe-core');

    await thumbnail.click();
    const viewer = page.getByRole('dialog', { name: 'Image' });
    await viewer.waitFor();
    assert.equal(
      await page.evaluate("document.querySelector('dialog.image-viewer .viewer-image').naturalWidth"),
      2,
    );
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });

    const download = page.waitForEvent('download');
    await sent.getByRole('link', { name: /notes\.txt/ }).click();
    const file = await download;
    assert.equal(file.suggestedFilename(), 'notes.txt');
    assert.equal(await readFile((await file.path()) ?? '', 'utf8'), 'some notes');
    // Nothing was refused: no image fetched without the key, no CSP violation. (The account corner's
    // /api/me is asked with the session cookie alone, so with a key it is a 401, and stays silent.)
    assert.deepEqual(
      errors.filter((error) => !/status of 401/.test(error)),
      [],
    );
    assert.equal(attachmentRefusals, 0);
  });

  test('a wav attached in the page reaches the upstream as input_audio, and after a reload downloads as a recording', async () => {
    const wav = Buffer.from('RIFF fake WAVE recording');
    await page.setInputFiles('#attach-file', [{ name: 'memo.wav', mimeType: 'audio/wav', buffer: wav }]);
    await send(page, 'Transcribe my memo');
    await waitForAnswer(page, /\S/);
    const sent = web.upstream.lastRequest().body as {
      messages: { role: string; content: string | { type: string; input_audio?: unknown }[] }[];
    };
    const question = sent.messages.findLast((message) => message.role === 'user');
    assert.ok(Array.isArray(question?.content), 'the question went up as parts');
    assert.deepEqual(question.content.find((part) => part.type === 'input_audio')?.input_audio, {
      data: wav.toString('base64'),
      format: 'wav',
    });
    await page.reload();
    const stored = page.locator('#messages > li.user').last();
    await waitForText(stored.locator('.content'), 'Transcribe my memo');
    const download = page.waitForEvent('download');
    await stored.getByRole('link', { name: /recording-1\.wav/ }).click();
    const file = await download;
    assert.equal(file.suggestedFilename(), 'recording-1.wav');
    assert.deepEqual(await readFile((await file.path()) ?? ''), wav);
  });
});
