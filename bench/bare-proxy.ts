/**
 * The limit arm: a bare pass-through proxy on `node:http` with a keep-alive agent. It parses
 * nothing (no JSON, no SSE), copies the request to the upstream and pipes the answer back chunk
 * by chunk: the least any Node gateway can do. Run as `UPSTREAM=http://127.0.0.1:<port>
 * node bench/bare-proxy.ts`; prints `listening <port>`.
 */

import { Agent, createServer, request as upstreamRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

const upstream = new URL(process.env.UPSTREAM ?? 'http://127.0.0.1:1');
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, maxFreeSockets: 1024 });

const server = createServer({ keepAliveTimeout: 120_000 }, (request, response) => {
  const headers = { ...request.headers, host: upstream.host };
  const outgoing = upstreamRequest(
    {
      agent,
      host: upstream.hostname,
      port: upstream.port,
      method: request.method,
      path: request.url,
      headers,
    },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  outgoing.on('error', () => {
    if (!response.headersSent) response.writeHead(502);
    response.end();
  });
  // A client that leaves stops the upstream request, as a gateway should.
  response.on('close', () => {
    if (!response.writableFinished) outgoing.destroy();
  });
  request.pipe(outgoing);
});
server.headersTimeout = 0;
server.requestTimeout = 0;

server.listen(Number(process.env.PORT ?? '0'), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
