import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildTinyGguf } from '../../../test/support/tiny-gguf.ts';
import { ProviderError } from '../spec.ts';
import { checkGgufFile } from './check-gguf-file.ts';

/** A GGUF v3 header with these counts. */
function header(tensors: bigint, entries: bigint): Buffer {
  const bytes = Buffer.alloc(24);
  bytes.write('GGUF');
  bytes.writeUInt32LE(3, 4);
  bytes.writeBigUInt64LE(tensors, 8);
  bytes.writeBigUInt64LE(entries, 16);
  return bytes;
}

function gguf(string: string): Buffer {
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(string)));
  return Buffer.concat([length, Buffer.from(string)]);
}

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return bytes;
}

describe('checkGgufFile', () => {
  let directory: string;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'parley-gguf-check-'));
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function rejection(name: string, bytes: Uint8Array | undefined): Promise<ProviderError> {
    const path = join(directory, name);
    if (bytes !== undefined) await writeFile(path, bytes);
    const error = await checkGgufFile(path).then(
      () => assert.fail(`${name} passed`),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.provider, 'local');
    assert.equal(error.status, undefined);
    assert.ok(error.message.includes(path), error.message);
    return error;
  }

  it('accepts a well-formed model', async () => {
    const path = join(directory, 'tiny.gguf');
    await writeFile(path, buildTinyGguf());
    await checkGgufFile(path);
  });

  it('names a path that does not exist, or is not a file', async () => {
    assert.match((await rejection('missing.gguf', undefined)).message, /does not exist/);
    await mkdir(join(directory, 'folder.gguf'));
    assert.match((await rejection('folder.gguf', undefined)).message, /not a file/);
  });

  it('refuses a file that is not GGUF, or of an unknown version', async () => {
    assert.match(
      (await rejection('passwd.gguf', Buffer.from('root:x:0:0:root'))).message,
      /not a GGUF model/,
    );
    assert.match((await rejection('empty.gguf', new Uint8Array())).message, /not a GGUF model/);
    const version9 = header(0n, 0n);
    version9.writeUInt32LE(9, 4);
    assert.match((await rejection('v9.gguf', version9)).message, /version 9/);
  });

  it('refuses truncated and corrupt files that would make node-llama-cpp loop', async () => {
    const tiny = buildTinyGguf();
    assert.match((await rejection('cut.gguf', tiny.subarray(0, 5000))).message, /past the end of the file/);
    assert.match(
      (await rejection('short.gguf', Buffer.from('GGUF\x03\x00\x00\x00garbage'))).message,
      /past the end/,
    );
    assert.match((await rejection('counts.gguf', header(1n << 40n, 1n << 40n))).message, /past the end/);
    // One entry: an array of 2^32 strings in a file of a few bytes.
    const endlessArray = Buffer.concat([
      header(0n, 1n),
      gguf('k'),
      u32(9),
      u32(8),
      Buffer.from([255, 255, 255, 255, 0, 0, 0, 0]),
    ]);
    assert.match((await rejection('array.gguf', endlessArray)).message, /metadata entry 0 runs past the end/);
    const unknownType = Buffer.concat([header(0n, 1n), gguf('k'), u32(42), Buffer.alloc(16)]);
    assert.match((await rejection('type.gguf', unknownType)).message, /unknown type \(42\)/);
  });
});
