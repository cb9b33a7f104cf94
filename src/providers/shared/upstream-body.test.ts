import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from '../spec.ts';
import { BodyDispatchHandler, type UpstreamHead } from './upstream-body.ts';
import { DEFAULT_UPSTREAM_TIMEOUTS, postUpstream, readBodyText, releaseBody } from './upstream-http.ts';

const MB = 1024 * 1024;

describe('upstream bodies read straight from the dispatcher', () => {
  let server: Server;
  let origin = '';
  let connections = 0;
  let closedConnections = 0;
  /** What the server does with a request, by path. */
  const routes = new Map<string, (response: ServerResponse) => void>();

  before(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => routes.get(request.url ?? '')?.(response));
    });
    server.on('connection', (socket) => {
      connections++;
      socket.on('close', () => closedConnections++);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const post = (path: string, signal?: AbortSignal) =>
    postUpstream({
      provider: 'test',
      url: `${origin}${path}`,
      headers: {},
      body: '{}',
      signal,
      timeouts: DEFAULT_UPSTREAM_TIMEOUTS,
    });

  test('a large body arrives whole, and an unread one pauses the upstream until it is read', async () => {
    let blocked = false;
    let finished = false;
    routes.set('/large', (response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let written = 0;
      const write = () => {
        while (written < 32 * MB) {
          written += chunk.length;
          if (!response.write(chunk)) {
            blocked = true;
            response.once('drain', write);
            return;
          }
        }
        response.end(() => {
          finished = true;
        });
      };
      write();
    });
    const answer = await post('/large');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/octet-stream');
    // Nothing read: the body holds at most its high-water mark, so the server must stop writing.
    await sleep(300);
    assert.equal(blocked, true);
    assert.equal(finished, false);
    const text = await readBodyText('test', answer, undefined);
    assert.equal(text.length, 32 * MB);
    assert.equal(answer.body.ended, true);
  });

  test('a small rest is discarded on a kept connection, a large rest closes it', async () => {
    routes.set('/rest', (response) => {
      response.writeHead(200);
      response.end('x'.repeat(10_000));
    });
    routes.set('/endless', (response) => {
      response.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'y');
      const timer = setInterval(() => response.write(chunk), 1);
      response.on('close', () => clearInterval(timer));
    });
    const small = await post('/rest');
    const closedBefore = closedConnections;
    releaseBody(small, undefined);
    const next = await post('/rest');
    assert.equal((await readBodyText('test', next, undefined)).length, 10_000);
    assert.equal(closedConnections, closedBefore);

    const endless = await post('/endless');
    releaseBody(endless, undefined);
    const deadline = Date.now() + 10_000;
    while (!endless.body.failed && Date.now() < deadline) await sleep(20);
    assert.equal(endless.body.failed, true, 'a body past the discard limit closes its connection');
    assert.ok(connections >= 2);
  });

  test('an abort mid-body fails the reader as an abort', async () => {
    routes.set('/slow', (response) => {
      response.writeHead(200);
      response.write('first');
    });
    const controller = new AbortController();
    const answer = await post('/slow', controller.signal);
    assert.equal((await answer.body.read())?.toString(), 'first');
    const reading = readBodyText('test', answer, controller.signal);
    controller.abort();
    await assert.rejects(
      reading,
      (error: unknown) => error instanceof ProviderError && error.kind === 'aborted',
    );
  });
});

test('the dispatch handler lets go of the raw header buffers once it has the parsed headers', async () => {
  const rawHeaders = [Buffer.from('content-type'), Buffer.from('text/event-stream')];
  const controller = {
    rawHeaders: rawHeaders as Buffer[] | null,
    rawTrailers: null,
    aborted: false,
    paused: false,
    reason: null,
    abort() {},
    pause() {},
    resume() {},
  };
  const head = new Promise<UpstreamHead>((resolve, reject) => {
    const handler = new BodyDispatchHandler(undefined, resolve, reject);
    handler.onRequestStart(controller);
    handler.onResponseStart(controller, 200, { 'content-type': 'text/event-stream' });
    handler.onResponseData(controller, Buffer.from('data: 1\n\n'));
    handler.onResponseEnd();
  });
  const { status, headers, body } = await head;
  assert.equal(status, 200);
  assert.deepEqual(headers, { 'content-type': 'text/event-stream' });
  assert.equal(controller.rawHeaders, null);
  assert.equal(await body.text(), 'data: 1\n\n');
});
