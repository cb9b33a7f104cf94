/**
 * Other sites cannot drive a local Parley through a visitor's browser, tried for real in chromium
 * against the server process in its default mode (no key, loopback): a page on another origin
 * auto-submits forms (`text/plain`, urlencoded) and fires no-cors fetches at write routes, and a
 * page whose name is rebound to 127.0.0.1 (DNS rebinding, via chromium's resolver rules) reads the
 * API same-origin. Plain clients (no `Origin`, a loopback `Host`) and the web UI keep working.
 */

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium } from './support/chromium.ts';
import { useServer } from './support/server-fixture.ts';
import { postJson } from './support/server-process.ts';

const fixture = useServer();

const conversationCount = async () =>
  ((await (await fetch(`${fixture.server.baseUrl}/conversations`)).json()) as { total: number }).total;

/** A GET with a Host header of our choosing (fetch does not let one set it). */
function getWithHost(path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, fixture.server.baseUrl);
    const outgoing = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, headers: { host } },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('the Host and Origin checks, from plain clients', () => {
  test('a foreign Host is a 403 while no key is configured; loopback names pass', async () => {
    await postJson(fixture.server, '/ask', { msg: 'keep me' });
    for (const host of ['attacker.example', '127.attacker.example', '127.0.0.1.attacker.example:80']) {
      const answer = await getWithHost('/api/conversations', host);
      assert.equal(answer.status, 403, host);
      assert.match(answer.body, /not a loopback name/);
      assert.doesNotMatch(answer.body, /keep me/);
    }
    const port = new URL(fixture.server.baseUrl).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `127.1.2.3:${port}`]) {
      assert.equal((await getWithHost('/api/conversations', host)).status, 200, host);
    }
  });

  test('a write with a foreign Origin is a 403 in the surface shape; the same origin passes', async () => {
    const send = (path: string, origin: string) =>
      fetch(`${fixture.server.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: '{}',
      });
    const seed = await send('/conversations/clear', 'http://evil.example');
    assert.equal(seed.status, 403);
    assert.match(((await seed.json()) as { msg: string }).msg, /cross-site request refused/);
    const native = await send('/api/conversations', 'null');
    assert.equal(native.status, 403);
    assert.equal(((await native.json()) as { error: { code: string } }).error.code, 'FORBIDDEN');
    const own = await send('/api/conversations', fixture.server.baseUrl);
    assert.equal(own.status, 201);
  });

  test('a body that is not JSON is a 415, as the README says', async () => {
    const answer = await fetch(`${fixture.server.baseUrl}/conversations/clear`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"x": 1}',
    });
    assert.equal(answer.status, 415);
    assert.match(((await answer.json()) as { msg: string }).msg, /only JSON bodies/);
  });
});

describe('the Host and Origin checks, from chromium', { skip: chromiumMissing }, () => {
  let browser: Browser;
  let attacker: Server;
  let attackerUrl: string;

  before(async () => {
    // `attacker.example` resolves to this machine, as a rebinding attacker's name would.
    browser = await launchChromium(['--host-resolver-rules=MAP attacker.example 127.0.0.1']);
    const target = fixture.server.baseUrl;
    attacker = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<!doctype html><title>win a prize</title>
<iframe name="sink-plain"></iframe>
<iframe name="sink-encoded"></iframe>
<form id="plain" method="POST" enctype="text/plain" target="sink-plain" action="${target}/conversations/clear">
  <input name='{"x":"' value='"}'>
</form>
<form id="encoded" method="POST" target="sink-encoded" action="${target}/conversations/clear">
  <input name="all" value="yes">
</form>
<script>
  window.fired = Promise.all([
    fetch('${target}/conversations/clear', { method: 'POST', mode: 'no-cors', body: '{}' }),
    fetch('${target}/ask', {
      method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"msg": "spend"}',
    }),
  ]).then(() => 'sent', (error) => String(error));
  document.getElementById('plain').submit();
  document.getElementById('encoded').submit();
</script>`);
    });
    attacker.listen(0, '127.0.0.1');
    await once(attacker, 'listening');
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
  });
  after(async () => {
    await browser?.close();
    attacker?.close();
  });

  test('forms and no-cors fetches from a page on another origin delete nothing and ask nothing', async () => {
    await postJson(fixture.server, '/ask', { msg: 'precious' });
    const before = await conversationCount();
    const upstreamCalls = fixture.upstream.requests.length;
    const page = await browser.newPage();
    const posts: number[] = [];
    page.on('response', (response) => {
      if (response.request().method() === 'POST') posts.push(response.status());
    });
    await page.goto(attackerUrl);
    assert.equal(await page.evaluate('window.fired'), 'sent');
    // Both forms reached the server (and were refused): wait for their answers.
    for (const deadline = Date.now() + 10_000; posts.length < 4 && Date.now() < deadline; )
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(
      [...posts].sort(),
      [403, 403, 403, 403],
      'two forms and two fetches, each refused by its Origin',
    );
    await page.close();
    assert.equal(await conversationCount(), before);
    assert.ok(before > 0);
    assert.equal(fixture.upstream.requests.length, upstreamCalls, 'no model was called for the attacker');
  });

  test('a page rebound to 127.0.0.1 cannot read the API or the history', async () => {
    await postJson(fixture.server, '/ask', { msg: 'secret plans' });
    const port = new URL(fixture.server.baseUrl).port;
    const page = await browser.newPage();
    const answer = await page.goto(`http://attacker.example:${port}/conversations`);
    assert.equal(answer?.status(), 403);
    const text = (await answer?.text()) ?? '';
    assert.doesNotMatch(text, /secret plans/);
    const fromScript = await page.evaluate(async () => {
      const response = await fetch('/api/conversations');
      return { status: response.status, body: await response.text() };
    });
    assert.equal(fromScript.status, 403);
    assert.doesNotMatch(fromScript.body, /secret plans/);
    await page.close();
  });

  test('the web UI on its own origin still writes', async () => {
    const page = await browser.newPage();
    await page.goto(`${fixture.server.baseUrl}/`);
    const created = await page.evaluate(async () => {
      const response = await fetch('/api/conversations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'from the page' }),
      });
      return response.status;
    });
    assert.equal(created, 201);
    await page.close();
  });
});
