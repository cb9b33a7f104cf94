/**
 * Debian's chromium for the browser tests, driven by playwright-core (no browser download: the
 * system's build). `PARLEY_TEST_CHROMIUM` names another binary; without one the suites skip.
 */

import { existsSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.PARLEY_TEST_CHROMIUM || '/usr/bin/chromium';

/** Why the browser suites skip themselves, or false when chromium is there. */
export const chromiumMissing: string | false = existsSync(CHROMIUM_PATH)
  ? false
  : `no chromium at ${CHROMIUM_PATH}: install Debian's (apt-get install chromium) or set PARLEY_TEST_CHROMIUM`;

/**
 * Starts a headless chromium (playwright-core is loaded only here: the test runner reads this file
 * too); `extraArgs` go to chromium as well (e.g. `--host-resolver-rules=...`).
 */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs],
    timeout: 15_000,
  });
}

/** Waits (bounded by the page's default timeout) until the locator's text matches (a string: exactly), shown or not. */
export async function waitForText(locator: Locator, expected: string | RegExp): Promise<void> {
  const pattern = typeof expected === 'string' ? new RegExp(`^${escapeRegExp(expected)}$`) : expected;
  await locator.filter({ hasText: pattern }).first().waitFor({ state: 'attached' });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Collects what the page reports as broken: console errors (a CSP violation is one) and
 * uncaught exceptions. Failed requests the test provoked (a 401) are logged as errors too, so
 * tests filter those out by text.
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}
