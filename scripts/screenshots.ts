/**
 * `npm run screenshots`: pictures of the web UI for the docs, taken in Debian's chromium from the
 * real server on a fake upstream (scripted answers, nothing leaves the machine), written to
 * docs/screenshots/: desktop-light.png, desktop-dark.png, phone.png, code-and-table.png,
 * search.png and settings.png.
 */

import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../test/support/chromium.ts';
import { encodePng } from '../test/support/media-bytes.ts';
import { openPage, send, startWebUiServer, waitForAnswer } from '../test/support/web-ui.ts';

const OUT = resolve(import.meta.dirname, '..', 'docs', 'screenshots');

const TRIP_ANSWER = `Here is a relaxed **one-day plan for Oslo**:

1. **Morning** — walk the roof of the Opera House, then coffee in Bjørvika.
2. **Midday** — the Munch museum, and lunch at Mathallen food hall.
3. **Afternoon** — Vigeland sculpture park (free, open all day).
4. **Evening** — sunset from Akershus Fortress, dinner on Aker Brygge.

> Tip: an *Oslo Pass* covers public transport and most museums.`;

const CODE_ANSWER = `Merge sort is stable and runs in $O(n \\log n)$ time:

\`\`\`ts
function mergeSort(items: number[]): number[] {
  if (items.length <= 1) return items;
  const middle = Math.floor(items.length / 2);
  const left = mergeSort(items.slice(0, middle));
  const right = mergeSort(items.slice(middle));
  const merged: number[] = [];
  while (left.length > 0 && right.length > 0) {
    merged.push((left[0] ?? 0) <= (right[0] ?? 0) ? (left.shift() ?? 0) : (right.shift() ?? 0));
  }
  return [...merged, ...left, ...right];
}
\`\`\`

| algorithm | average | worst | stable |
|-----------|---------|-------|--------|
| merge sort | $n \\log n$ | $n \\log n$ | yes |
| quicksort | $n \\log n$ | $n^2$ | no |
| heapsort | $n \\log n$ | $n \\log n$ | no |
`;

/** A 240×160 PNG of a fjord at dusk (sky, hills, water), to attach to a question. */
function fjordPicture(): Buffer {
  const [width, height] = [240, 160];
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const hill = 95 - 25 * Math.sin(x / 30) - 10 * Math.sin(x / 11);
      const [red, green, blue] =
        y < hill
          ? [250 - y, 150 - y / 2, 120 + y / 2]
          : y < 112
            ? [40, 70 + (y - hill) / 2, 60]
            : [60 + (x % 17), 90, 150 + (y - 112)];
      row.set(
        [red, green, blue].map((value) => Math.max(0, Math.min(255, Math.round(value)))),
        1 + x * 3,
      );
    }
    rows.push(row);
  }
  return encodePng(width, height, 2, Buffer.concat(rows));
}

async function main(): Promise<void> {
  if (chromiumMissing !== false) throw new Error(chromiumMissing);
  await mkdir(OUT, { recursive: true });
  const web = await startWebUiServer();
  const browser = await launchChromium();
  const shoot = (page: Page, name: string) =>
    page.screenshot({ path: join(OUT, name), animations: 'disabled' });
  const ask = async (page: Page, question: string, answer: string) => {
    web.upstream.reply({
      kind: 'stream',
      deltas: answer.split(/(?<=\n)/),
      usage: { prompt_tokens: 24, completion_tokens: 180 },
    });
    await send(page, question);
    await waitForAnswer(page, /\S/);
  };
  try {
    const desktop = { width: 1280, height: 800 };
    let { context, page } = await openPage(browser, web.server, { viewport: desktop });
    await ask(page, 'Explain merge sort, with code and a comparison table', CODE_ANSWER);
    await page.getByRole('button', { name: 'New conversation', exact: true }).click();
    await page.setInputFiles('#attach-file', [
      { name: 'oslofjord.png', mimeType: 'image/png', buffer: fjordPicture() },
    ]);
    await ask(page, 'Plan a day in Oslo — I loved this view of the fjord', TRIP_ANSWER);
    await page.locator('#messages .message-attachment img[src^="blob:"]').waitFor();
    await shoot(page, 'desktop-light.png');

    await page.locator('#conversation-list button.conversation', { hasText: 'merge sort' }).click();
    await page.locator('#messages .code-block').waitFor();
    await shoot(page, 'code-and-table.png');

    await page.getByRole('searchbox', { name: 'Search conversations' }).fill('museum');
    await page.getByRole('list', { name: 'Search results' }).waitFor();
    await shoot(page, 'search.png');
    await page.getByRole('searchbox', { name: 'Search conversations' }).press('Escape');

    await page.getByRole('button', { name: 'Conversation settings' }).click();
    await page
      .getByLabel('System prompt')
      .fill('You are a concise assistant. Prefer tables and short lists.');
    await page.getByLabel('Temperature').fill('0.7');
    await page.getByLabel('Max tokens').fill('800');
    await shoot(page, 'settings.png');
    await context.close();

    ({ context, page } = await openPage(browser, web.server, { viewport: desktop, colorScheme: 'dark' }));
    await page.locator('#conversation-list button.conversation', { hasText: 'merge sort' }).click();
    await page.locator('#messages .code-block').waitFor();
    await shoot(page, 'desktop-dark.png');
    await context.close();

    ({ context, page } = await openPage(browser, web.server, { viewport: { width: 390, height: 844 } }));
    await page.getByRole('button', { name: 'Show conversations' }).click();
    await page.locator('#conversation-list button.conversation', { hasText: 'Oslo' }).click();
    await page.locator('#messages > li.assistant').waitFor();
    await page.locator('#messages .message-attachment img[src^="blob:"]').waitFor();
    await shoot(page, 'phone.png');
    await context.close();
    process.stdout.write(`screenshots written to ${OUT}\n`);
  } finally {
    await browser.close();
    await web.close();
  }
}

await main();
