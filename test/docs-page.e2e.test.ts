/**
 * The API reference at `/docs` in a real browser (Debian's chromium): it renders every operation
 * with its summary, an operation opens with its answers, and the console shows no error — in
 * particular no content security policy violation. Skips without chromium (see support/chromium.ts).
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumMissing, collectPageErrors, launchChromium } from './support/chromium.ts';
import { buildTestApp } from './support/test-app.ts';

describe('the API reference in a browser', { skip: chromiumMissing }, () => {
  let parley: Awaited<ReturnType<typeof buildTestApp>>;
  let address: string;
  let browser: Browser;

  before(async () => {
    parley = await buildTestApp();
    address = await parley.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await parley.app.close();
    await parley.store.close();
  });

  it('shows every operation with its summary and answers, with no console error', async () => {
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    const response = await page.goto(`${address}/docs`);
    assert.match(String(response?.headers()['content-security-policy']), /style-src 'self'/);
    assert.doesNotMatch(String(response?.headers()['content-security-policy']), /unsafe-inline/);
    await page.locator('.opblock').first().waitFor();
    const document = (await (await fetch(`${address}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(document.paths).reduce(
      (sum, methods) => sum + Object.keys(methods).length,
      0,
    );
    assert.equal(await page.locator('.opblock').count(), operations);
    const ask = page.locator('.opblock-post', { has: page.locator('[data-path="/ask"]') });
    await ask.locator('.opblock-summary-description', { hasText: 'Ask: start a conversation' }).waitFor();
    await ask.locator('.opblock-summary').click();
    // The answers per status, the seed's error among them, and the prefilled example without ids.
    await ask
      .locator('.responses-table .response[data-code="201"], .responses-table .response[data-code="200"]')
      .first()
      .waitFor();
    await ask.locator('.response[data-code="404"]').waitFor();
    const example = await ask.locator('.body-param__example, .microlight').first().textContent();
    assert.match(example ?? '', /Plan a day in Oslo/);
    assert.doesNotMatch(example ?? '', /parent_id|"stream": true/);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
