/**
 * The web UI shows an answer's reasoning (Debian's chromium through playwright-core, the real
 * server on a fake OpenAI-compatible upstream sending `reasoning_content`): a collapsed "Thinking"
 * disclosure above the answer, filled from the native stream's `reasoning` events while the
 * answer streams (and from `/events` in a page reloaded meanwhile), and from the stored reasoning
 * part after it and after a reload; Continue keeps the earlier thinking. Reasoning is model
 * output: markup in it shows as text and runs nothing.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chromiumMissing, waitForText } from './support/chromium.ts';
import { chunkFrame, reasoningStreamReply } from './support/fake-openai-upstream.ts';
import {
  answers,
  axeViolations,
  browserSuite,
  send,
  startWebUiServer,
  type WebUiServer,
  waitForAnswer,
} from './support/web-ui.ts';

const HOSTILE = '<img src=x onerror="window.pwned = 1">';
const REASONING = ['Weighing ', `${HOSTILE} the options `, 'carefully.'];
const ANSWER = ['Take ', 'the **train**.'];

let web: WebUiServer;
before(async () => {
  web = await startWebUiServer();
});
after(async () => {
  await web?.close();
});

describe('the web UI shows the thinking of an answer', { skip: chromiumMissing }, () => {
  const browser = browserSuite();

  /** The reasoning, two seconds with nothing new, then the answer. */
  const replyThinkingSlowly = () =>
    web.upstream.reply({
      kind: 'raw-stream',
      intervalMs: 300,
      pieces: [
        chunkFrame({ role: 'assistant', content: null, reasoning_content: REASONING[0] }),
        ...REASONING.slice(1).map((piece) => chunkFrame({ reasoning_content: piece })),
        // SSE comments: time to look at the reasoning before the text comes.
        ...Array.from({ length: 7 }, () => ': thinking\n\n'),
        ...ANSWER.map((piece) => chunkFrame({ content: piece })),
        chunkFrame({}, 'stop'),
        'data: [DONE]\n\n',
      ],
    });

  test('live while it streams, after it, and after a reload; markup in it stays text', async () => {
    const { page, errors } = await browser.open(web.server);
    replyThinkingSlowly();
    await send(page, 'Train or plane?');
    const answer = answers(page).last();
    const thinking = answer.locator('details.thinking');
    const reasoning = REASONING.join('');

    // While it streams: the reasoning so far, before any of the answer's text.
    await waitForText(thinking.locator('.thinking-text'), reasoning);
    assert.equal(await answer.getAttribute('data-status'), 'in_progress');
    assert.equal(await answer.locator('.content').textContent(), '');
    assert.equal(await thinking.getAttribute('open'), null, 'collapsed');
    await thinking.locator('summary').click();
    assert.ok(await thinking.locator('.thinking-text').isVisible());

    await waitForAnswer(page, 'Take the train.');
    // The disclosure sits above the answer's text.
    assert.deepEqual(await answer.evaluate((item) => [...item.children].map((child) => child.className)), [
      'message-header',
      'thinking',
      'content markdown',
      'message-error',
      'message-actions',
    ]);
    for (const pass of ['after the stream', 'after a reload']) {
      const shown = answers(page).last().locator('details.thinking');
      await waitForText(shown.locator('.thinking-text'), reasoning);
      assert.equal(await shown.locator('summary').textContent(), 'Thinking', pass);
      assert.equal(await shown.locator('img').count(), 0, `${pass}: the markup is text`);
      if (pass === 'after the stream') {
        await page.reload();
        await waitForAnswer(page, 'Take the train.');
      }
    }
    assert.equal(await page.evaluate('window.pwned'), undefined);
    await answers(page).last().locator('details.thinking summary').click();
    assert.deepEqual(await axeViolations(page), [], 'the page with the thinking open');
    assert.deepEqual(errors, []);
  });

  test('a page reloaded while the model thinks follows its thinking from the stream', async () => {
    const { page, errors } = await browser.open(web.server);
    replyThinkingSlowly();
    await send(page, 'Bus or boat?');
    await waitForText(answers(page).last().locator('.thinking-text'), /^Weighing/);
    await page.reload();
    const answer = answers(page).last();
    await waitForText(answer.locator('.thinking-text'), REASONING.join(''));
    assert.equal(await answer.getAttribute('data-status'), 'in_progress', 'followed before the answer ended');
    await waitForAnswer(page, 'Take the train.');
    await waitForText(answers(page).last().locator('.thinking-text'), REASONING.join(''));
    assert.deepEqual(errors, []);
  });

  test('Continue keeps the earlier thinking shown and adds the new one', async () => {
    const { page, errors } = await browser.open(web.server);
    web.upstream.reply(
      reasoningStreamReply(['First thought.'], 'Half', { finishReason: 'length', intervalMs: 300 }),
    );
    await send(page, 'Write a lot');
    const thinkingText = () => answers(page).last().locator('.thinking-text');
    await waitForText(thinkingText(), 'First thought.');
    await page.locator('#messages > li:last-child.assistant[data-status="incomplete"]').waitFor();
    web.upstream.reply(reasoningStreamReply(['Second thought.'], ' and whole.', { intervalMs: 300 }));
    await answers(page).last().getByRole('button', { name: 'Continue this answer' }).click();
    await page.locator('#messages > li:last-child.assistant[data-status="in_progress"]').waitFor();
    assert.match((await thinkingText().textContent()) ?? '', /^First thought\./, 'kept while it goes on');
    await waitForAnswer(page, 'Half and whole.');
    await waitForText(thinkingText(), 'First thought.\n\nSecond thought.');
    await page.reload();
    await waitForAnswer(page, 'Half and whole.');
    await waitForText(thinkingText(), 'First thought.\n\nSecond thought.');
    assert.deepEqual(errors, []);
  });

  test('an answer without reasoning has no Thinking disclosure', async () => {
    const { page } = await browser.open(web.server);
    web.upstream.reply({ kind: 'stream', deltas: ['Just ', 'an answer.'] });
    await send(page, 'Anything?');
    await waitForAnswer(page, 'Just an answer.');
    assert.equal(await answers(page).last().locator('details.thinking').isVisible(), false);
  });
});
