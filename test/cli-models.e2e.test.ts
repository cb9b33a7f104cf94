/**
 * `parley models pull` against a local HTTP server standing in for Hugging Face (`HF_ENDPOINT`),
 * serving a generated GGUF: the pull is interrupted part way (Ctrl+C), `models list` shows the
 * partial file, and the same command resumes it — the bytes already there are not fetched again —
 * and checks the result. A file that is not a GGUF is refused; offline, the error names the host
 * and HF_ENDPOINT.
 */

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { closedEndpoint } from './support/closed-endpoint.ts';
import { runParley, startParley } from './support/run-cli.ts';
import { buildTinyGguf } from './support/tiny-gguf.ts';

/** node-llama-cpp's downloader (ipull) keeps progress per 5 MiB chunk: the model spans three. */
const CHUNK = 5 * 1024 * 1024;
const MODEL = Buffer.concat([buildTinyGguf(), Buffer.alloc(2 * CHUNK)]);
const MODEL_PATH = '/owner/repo/resolve/main/tiny.gguf';

/** A Hugging Face stand-in: HEAD, GET and Range requests; bytes past `limit` are held back. */
class ModelHost {
  readonly ranges: string[] = [];
  limit = Number.POSITIVE_INFINITY;
  body = MODEL;
  readonly #server: Server;
  constructor() {
    this.#server = createServer((request, response) => {
      if (!request.url?.startsWith(MODEL_PATH)) {
        response.writeHead(request.method === 'HEAD' ? 200 : 404).end();
        return;
      }
      const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
      if (request.method === 'GET' && range !== null) this.ranges.push(`${range[1]}-${range[2]}`);
      const start = range === null ? 0 : Number(range[1]);
      const end = range?.[2] ? Number(range[2]) : this.body.length - 1;
      response.writeHead(range === null ? 200 : 206, {
        'content-type': 'application/octet-stream',
        'accept-ranges': 'bytes',
        'content-length': String(end - start + 1),
        ...(range === null ? {} : { 'content-range': `bytes ${start}-${end}/${this.body.length}` }),
      });
      if (request.method === 'HEAD') {
        response.end();
        return;
      }
      const upTo = Math.min(end + 1, Math.max(start, this.limit));
      response.write(this.body.subarray(start, upTo));
      // Past the limit the connection stays open with nothing more: a stalled download.
      if (upTo === end + 1) response.end();
    });
  }
  async start(): Promise<string> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    const address = this.#server.address();
    assert.ok(address !== null && typeof address === 'object');
    return `http://127.0.0.1:${address.port}/`;
  }
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }
}

describe('parley models pull', () => {
  let host: ModelHost;
  let directory: string;
  let env: Record<string, string>;
  before(async () => {
    host = new ModelHost();
    directory = await mkdtemp(join(tmpdir(), 'parley-models-'));
    env = { HF_ENDPOINT: await host.start(), PARLEY_MODELS_DIR: join(directory, 'models') };
  });
  after(async () => {
    await host.close();
    await rm(directory, { recursive: true, force: true });
  });

  test('an interrupted pull resumes where it stopped, and the file is checked', async () => {
    const partial = join(directory, 'models', 'hf_owner_repo_tiny.gguf.ipull');
    host.limit = CHUNK + 64 * 1024;
    const pull = startParley(['models', 'pull', 'hf:owner/repo/tiny.gguf'], { env });
    // The downloader writes its progress after the data once the first chunk is complete.
    for (;;) {
      const size = await stat(partial).then(
        (info) => info.size,
        () => 0,
      );
      if (size > MODEL.length) break;
      assert.equal(pull.child.exitCode, null, `the pull ended early:\n${pull.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    pull.child.kill('SIGINT');
    const { status } = await pull.result;
    const output = pull.output();
    assert.equal(status, 1, output);
    assert.match(output, /\nparley: pull interrupted; run the same command again to resume\n$/);
    assert.match(
      output,
      /hf_owner_\.\.\.iny\.gguf\s+[\d.]+% \([\d.]+[kM]B\/10\.98MB\)\s+[\d.]+[kM]?B\/s/,
      'a progress bar',
    );

    const listed = await runParley(['models', 'list', '--json'], { env });
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { data: { name: string; complete: boolean }[] }).data.map(
        ({ name, complete }) => [name, complete],
      ),
      [['hf_owner_repo_tiny.gguf', false]],
    );

    host.limit = Number.POSITIVE_INFINITY;
    host.ranges.length = 0;
    const resumed = await runParley(['models', 'pull', 'hf:owner/repo/tiny.gguf'], { env });
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.ok(host.ranges.length > 0, 'the rest came in ranges');
    assert.ok(
      host.ranges.every((range) => Number(range.split('-')[0]) >= CHUNK),
      `the first chunk was not fetched again: ${host.ranges.join(', ')}`,
    );
    const path = join(directory, 'models', 'hf_owner_repo_tiny.gguf');
    assert.ok((await readFile(path)).equals(MODEL), 'the file is the model, byte for byte');
    assert.match(
      resumed.stdout,
      /owner\/repo\/tiny\.gguf: .*hf_owner_repo_tiny\.gguf \(11\.0 MB, checked: a well-formed GGUF\)\n/,
    );

    const table = await runParley(['models', 'list'], { env });
    assert.match(table.stdout, /^NAME\s+SIZE\s+STATE\s+PATH\nhf_owner_repo_tiny\.gguf\s+11\.0 MB\s+ready\s+/);
    // Pulled already: found at once.
    const again = await runParley(['--json', 'models', 'pull', 'hf:owner/repo/tiny.gguf'], { env });
    assert.deepEqual(JSON.parse(again.stdout), {
      model: 'owner/repo/tiny.gguf',
      path,
      size: MODEL.length,
      checked: true,
    });
  });

  test('a download that is not a GGUF is refused; offline names HF_ENDPOINT; a path is a usage error', async () => {
    host.body = Buffer.from('<html>a login page, not a model</html>');
    const refused = await runParley(['models', 'pull', 'hf:owner/repo/tiny.gguf', '--quiet'], {
      env: { ...env, PARLEY_MODELS_DIR: join(directory, 'other') },
    });
    host.body = MODEL;
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^parley: .*not a GGUF model/m);

    const endpoint = await closedEndpoint();
    const offline = await runParley(['models', 'pull', 'hf:owner/repo/missing.gguf'], {
      env: { ...env, HF_ENDPOINT: endpoint },
    });
    assert.equal(offline.status, 1);
    assert.equal(
      offline.stderr,
      `parley: cannot fetch the local model hf:owner/repo/missing.gguf: ${endpoint} is unreachable (ECONNREFUSED); ` +
        `set HF_ENDPOINT to a Hugging Face mirror, or put the .gguf file in ${join(directory, 'models')} or set a file path instead\n`,
    );

    const path = await runParley(['models', 'pull', './model.gguf'], { env });
    assert.equal(path.status, 2);
    assert.match(path.stderr, /^parley: \.\/model\.gguf is not a model URI/);
  });
});
