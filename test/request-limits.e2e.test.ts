/**
 * Slow or greedy requests cannot hold the server: 200 connections that send one byte of a body and
 * stall are closed once PARLEY_REQUEST_TIMEOUT_MS passes (they used to stay open past 330 s), and
 * the server answers others all along; imports are bounded in size and in number at once.
 */

import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { useServer } from './support/server-fixture.ts';

const TIMEOUT_MS = 2_000;

describe('request limits', () => {
  const fixture = useServer({ PARLEY_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) });

  test('200 connections stalled mid-body are closed once the timeout passes', async () => {
    const { hostname, port } = new URL(fixture.server.baseUrl);
    const opened = Date.now();
    const closedAfter: number[] = [];
    const sockets = await Promise.all(
      Array.from(
        { length: 200 },
        () =>
          new Promise<Socket>((resolve, reject) => {
            const socket = connect(Number(port), hostname, () => {
              socket.write(
                'POST /ask HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
                  'content-length: 100\r\n\r\n{',
              );
              resolve(socket);
            });
            socket.on('error', () => {});
            socket.once('close', () => closedAfter.push(Date.now() - opened));
            socket.once('error', reject);
          }),
      ),
    );
    // Meanwhile the server answers others.
    assert.equal((await fetch(`${fixture.server.baseUrl}/healthz`)).status, 200);
    const giveUp = Date.now() + TIMEOUT_MS + 15_000;
    while (closedAfter.length < sockets.length && Date.now() < giveUp)
      await new Promise((resolve) => setTimeout(resolve, 100));
    for (const socket of sockets) socket.destroy();
    assert.equal(closedAfter.length, 200, `${closedAfter.length} of 200 closed by the server`);
    // Bounded: the timeout, Node's 1 s check, and time for 200 connections on a busy machine.
    assert.ok(
      Math.max(...closedAfter) < TIMEOUT_MS + 8_000,
      `the last closed after ${Math.max(...closedAfter)} ms`,
    );
    assert.equal((await fetch(`${fixture.server.baseUrl}/healthz`)).status, 200);
  });

  test('an import over 32 MB is a 413 before it is parsed', async () => {
    // The headers announce 34 MB and no byte of the body follows: the answer can only come from
    // the announced length (a client still writing the body met the closed socket now and then,
    // EPIPE, and never read the 413).
    const { hostname, port } = new URL(fixture.server.baseUrl);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: hostname,
          port,
          path: '/api/import',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': String(34 * 1024 * 1024) },
        },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => {
            body += chunk.toString();
          });
          response.on('end', () => {
            resolve({ status: response.statusCode ?? 0, body });
            outgoing.destroy();
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.flushHeaders();
    });
    assert.equal(answer.status, 413);
    assert.equal((JSON.parse(answer.body) as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
  });
});
