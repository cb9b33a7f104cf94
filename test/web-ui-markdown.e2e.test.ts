/**
 * The web UI draws answers as markdown (Debian's chromium through playwright-core, the real server
 * on a fake upstream): blocks, a table, highlighted code with its language and a Copy button,
 * math; model output that tries to run script or load remote content does nothing; and a
 * 10,000-word answer streams with the page responsive (the longest main-thread task measured).
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chromiumMissing, waitForText } from './support/chromium.ts';
import {
  answers,
  button,
  type OpenedPage,
  browserSuite,
  send,
  startWebUiServer,
  type WebUiServer,
  waitForAnswer,
} from './support/web-ui.ts';

const RICH_ANSWER = [
  '## Plan\n\n',
  'Some **bold** text, a [link](https://example.org/docs) and `inline code`.\n\n',
  '1. first\n2. second\n\n',
  '| name | size |\n|------|-----:|\n| a | 1 |\n| b | 22 |\n\n',
  '```js\nconst answer = 42;\nfunction twice(x) {\n  return x * 2;\n}\n```\n\n',
  'Euler: $e^{i\\pi} + 1 = 0$ and\n\n$$\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}$$\n',
];
const CODE = 'const answer = 42;\nfunction twice(x) {\n  return x * 2;\n}';

/** Every trick a model (or a prompt injection) could try, in one answer. */
const HOSTILE_ANSWER = [
  '[click me](javascript:window.pwned=3) ![tracking pixel](https://tracker.example.com/p.png)\n\n',
  'Look: <img src=x onerror="window.pwned = 1"> and <script>window.pwned = 2</script>\n\n',
  '<a href="javascript:window.pwned=4">or me</a>\n\n',
  '<svg onload="window.pwned = 5"><circle r="5"/></svg> <iframe src="https://example.com/"></iframe>\n\n',
  '<form action="https://example.com/"><input name="q"></form>\n\n',
  '<div style="position:fixed;inset:0" onclick="window.pwned = 6" id="messages">covering div</div>\n',
].join('');

/** Paragraphs, lists, headings and code: 10,000 words of markdown, in pieces of twenty words. */
function longAnswer(): { deltas: string[]; lastWord: string } {
  const blocks: string[] = [];
  let words = 0;
  const wordsOf = (count: number) =>
    Array.from({ length: count }, () => {
      words += 1;
      return `word${words}`;
    }).join(' ');
  for (let block = 0; words < 10_000; block += 1) {
    if (block % 10 === 3) blocks.push(`### Part ${wordsOf(1)}`);
    else if (block % 10 === 6) blocks.push([0, 1, 2].map(() => `- ${wordsOf(6)}`).join('\n'));
    else if (block % 10 === 8)
      blocks.push(`\`\`\`python\ndef f${block}(x):\n    return x + ${block}  # ${wordsOf(6)}\n\`\`\``);
    else blocks.push(`${wordsOf(48)} **strong** and \`code\`.`);
  }
  blocks.push(`The end: ${wordsOf(1)}`);
  const pieces = `${blocks.join('\n\n')}\n`.split(/(?<=\s)/);
  const deltas: string[] = [];
  for (let index = 0; index < pieces.length; index += 20)
    deltas.push(pieces.slice(index, index + 20).join(''));
  return { deltas, lastWord: `word${words}` };
}

let web: WebUiServer;
before(async () => {
  web = await startWebUiServer();
});
after(async () => {
  await web?.close();
});

describe('the web UI draws markdown', { skip: chromiumMissing }, () => {
  const browser = browserSuite();
  let opened: OpenedPage;

  test('headings, lists, a table, highlighted code with its language and Copy, and math', async () => {
    opened = await browser.open(web.server);
    const { page } = opened;
    web.upstream.reply({ kind: 'stream', deltas: RICH_ANSWER, intervalMs: 20 });
    await send(page, 'Show me everything');
    await waitForAnswer(page, /^Plan/);
    const answer = answers(page).last().locator('.content');
    await waitForText(answer.locator('h2'), 'Plan');
    assert.equal(await answer.locator('strong').first().textContent(), 'bold');
    const link = answer.getByRole('link', { name: 'link' });
    assert.equal(await link.getAttribute('href'), 'https://example.org/docs');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.match((await link.getAttribute('rel')) ?? '', /noopener/);
    assert.deepEqual(await answer.locator('ol > li').allTextContents(), ['first', 'second']);
    assert.deepEqual(await answer.locator('table th').allTextContents(), ['name', 'size']);
    assert.deepEqual(await answer.locator('table td').allTextContents(), ['a', '1', 'b', '22']);

    const code = answer.locator('.code-block');
    assert.equal(await code.locator('.code-language').textContent(), 'js');
    assert.equal(await code.locator('pre').textContent(), CODE);
    assert.ok((await code.locator('pre .hljs-keyword').count()) >= 2, 'keywords are highlighted');
    const font = String(
      await page.evaluate(
        "getComputedStyle(document.querySelector('#messages .code-block pre code')).fontFamily",
      ),
    );
    assert.match(font, /mono|Menlo|Consolas/i);
    await code.getByRole('button', { name: 'Copy js code' }).click();
    await waitForText(code.locator('.copy-code'), 'Copied');
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), CODE);

    // Math as MathML (KaTeX), inline and as a block; its TeX stays as an annotation.
    assert.equal(await answer.locator('math').count(), 2);
    assert.equal(await answer.locator('.math-block math[display="block"]').count(), 1);
    assert.match((await answer.locator('math annotation').first().textContent()) ?? '', /e\^\{i\\pi\}/);

    // The stored answer (after a reload) is drawn the same way.
    await page.reload();
    await answers(page).last().locator('.code-block .hljs-keyword').first().waitFor();
    assert.equal(await answers(page).last().locator('table td').count(), 4);
    // The question stays plain text.
    assert.equal(await page.locator('#messages > li.user .content').textContent(), 'Show me everything');
    assert.deepEqual(opened.errors, []);
  });

  test('model output cannot run script, load remote content or cover the page', async () => {
    const { page } = opened;
    web.upstream.reply({ kind: 'stream', deltas: [HOSTILE_ANSWER], intervalMs: 10 });
    await send(page, 'Try something');
    await waitForAnswer(page, /Look:/);
    for (const pass of ['streamed', 'stored']) {
      const answer = answers(page).last().locator('.content');
      await answer.getByText('covering div').waitFor();
      // HTML in an answer is shown as the text it is.
      assert.match((await answer.textContent()) ?? '', /<img src=x onerror="window\.pwned = 1">/);
      for (const selector of [
        'img',
        'script',
        'iframe',
        'svg',
        'form',
        'input',
        '[onerror]',
        '[onclick]',
        '[style]',
        '#messages #messages',
      ]) {
        assert.equal(await answer.locator(selector).count(), 0, `${pass}: no ${selector}`);
      }
      assert.equal(await answer.locator('a[href^="javascript"]').count(), 0, `${pass}: no javascript: link`);
      // The remote image is a link to it, not a request.
      const image = answer.getByRole('link', { name: /tracking pixel/ });
      assert.equal(await image.getAttribute('href'), 'https://tracker.example.com/p.png');
      await answer.getByText('click me').click();
      await answer.getByText('or me').click();
      await answer.getByText('covering div').click();
      assert.equal(await page.evaluate('window.pwned'), undefined, pass);
      await page.reload();
    }
    assert.deepEqual(opened.errors, [], 'no CSP violation, no error');
  });

  /** Streams the long answer in a new conversation; resolves with the longest main-thread task seen. */
  async function streamLongAnswer(attempt: number): Promise<number> {
    const { page } = opened;
    const { deltas, lastWord } = longAnswer();
    await button(page, 'New conversation').click();
    await page.evaluate(`{
      window.longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.longTasks.push(entry.duration);
      }).observe({ type: 'longtask' });
    }`);
    web.upstream.reply({ kind: 'stream', deltas, intervalMs: 1 });
    await send(page, `Write at length (${attempt})`);
    await page
      .locator('#messages > li:last-child.assistant[data-status="completed"]')
      .waitFor({ timeout: 40_000 });
    await button(page, 'Stop').waitFor({ state: 'hidden' });
    const shown = (await answers(page).last().locator('.content').textContent()) ?? '';
    assert.match(shown, new RegExp(`The end: ${lastWord}$`), 'the answer is there to its last word');
    // One more frame, so a task that ended with the stream is counted.
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50)))');
    const tasks = (await page.evaluate('window.longTasks')) as number[];
    const longest = Math.max(0, ...tasks);
    process.stdout.write(
      `# 10,000-word answer, attempt ${attempt}: ${deltas.length} pieces, ${tasks.length} long tasks, longest ${Math.round(longest)} ms\n`,
    );
    const answer = answers(page).last().locator('.content');
    assert.ok((await answer.locator('p').count()) > 150, 'paragraphs are drawn as paragraphs');
    assert.ok((await answer.locator('.code-block').count()) > 15, 'code blocks are drawn');
    return longest;
  }

  test('a 10,000-word answer streams with no main-thread task over 200 ms', async () => {
    // Wall-clock time on a machine shared with other suites: a second try, if the first saw a
    // long task, tells a load spike from a page that is slow every time.
    let longest = await streamLongAnswer(1);
    if (longest >= 200) longest = await streamLongAnswer(2);
    assert.ok(longest < 200, `the longest main-thread task took ${Math.round(longest)} ms`);
    assert.deepEqual(opened.errors, []);
  });
});
