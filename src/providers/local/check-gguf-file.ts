/**
 * Checks that a file is a well-formed GGUF model before llama.cpp sees it: the magic, the version
 * and every metadata entry and tensor description, each within the file's bounds. node-llama-cpp's
 * own metadata reader loops (and grows memory without end) on some corrupt files, e.g. an array
 * whose length runs past the end of the file, so a bad file must be refused before it gets there.
 */

import { type FileHandle, open } from 'node:fs/promises';
import { localError, messageOf } from './local-error.ts';

const MAGIC = 'GGUF';
const SUPPORTED_VERSIONS = [2, 3];
/** ggml's GGML_MAX_DIMS. */
const MAX_DIMENSIONS = 4;
/** Bytes of each fixed-size GGUF value type, by its type number (ggml docs/gguf.md). */
const FIXED_SIZES: Readonly<Record<number, number>> = {
  0: 1, // uint8
  1: 1, // int8
  2: 2, // uint16
  3: 2, // int16
  4: 4, // uint32
  5: 4, // int32
  6: 4, // float32
  7: 1, // bool
  10: 8, // uint64
  11: 8, // int64
  12: 8, // float64
};
const STRING = 8;
const ARRAY = 9;
const CHUNK = 1 << 20;

/** Reads forward through a file in chunks, refusing to go past its end. */
class BoundedReader {
  readonly #file: FileHandle;
  readonly size: number;
  #position = 0;
  #buffer = Buffer.alloc(0);
  #bufferStart = 0;

  constructor(file: FileHandle, size: number) {
    this.#file = file;
    this.size = size;
  }

  get remaining(): number {
    return this.size - this.#position;
  }

  async #bytes(length: number, what: string): Promise<Buffer> {
    if (length > this.remaining) throw pastTheEnd(what);
    const offset = this.#position - this.#bufferStart;
    if (offset < 0 || offset + length > this.#buffer.length) {
      const chunk = Buffer.alloc(Math.max(length, Math.min(CHUNK, this.remaining)));
      const { bytesRead } = await this.#file.read(chunk, 0, chunk.length, this.#position);
      if (bytesRead < length) throw pastTheEnd(what);
      this.#buffer = chunk.subarray(0, bytesRead);
      this.#bufferStart = this.#position;
    }
    const start = this.#position - this.#bufferStart;
    this.#position += length;
    return this.#buffer.subarray(start, start + length);
  }

  skip(length: number, what: string): void {
    if (length > this.remaining) throw pastTheEnd(what);
    this.#position += length;
  }

  async u32(what: string): Promise<number> {
    return (await this.#bytes(4, what)).readUInt32LE(0);
  }

  /** A uint64 as a number; anything past 2^53 cannot fit in a file anyway and reads as Infinity. */
  async u64(what: string): Promise<number> {
    const value = (await this.#bytes(8, what)).readBigUInt64LE(0);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(value);
  }

  async text(length: number, what: string): Promise<string> {
    return (await this.#bytes(length, what)).toString('latin1');
  }

  async skipString(what: string): Promise<void> {
    this.skip(await this.u64(what), what);
  }
}

/** What is wrong with the file, as a phrase: `metadata entry 3 runs past the end of the file`. */
class MalformedError extends Error {}

const pastTheEnd = (what: string) => new MalformedError(`${what} runs past the end of the file`);

/**
 * Resolves when `path` is a readable, well-formed GGUF file; otherwise throws a ProviderError
 * (kind `unavailable`) that names the path and what is wrong.
 */
export async function checkGgufFile(path: string): Promise<void> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw localError(`the local model file does not exist: ${path}`);
    throw localError(`cannot read the local model file ${path}: ${messageOf(error)}`, 'unavailable', error);
  }
  try {
    const stats = await file.stat();
    if (!stats.isFile()) throw localError(`the local model path is not a file: ${path}`);
    await walk(new BoundedReader(file, stats.size), path);
  } catch (error) {
    if (error instanceof MalformedError) {
      throw localError(`the local model file is not a valid GGUF model (${error.message}): ${path}`);
    }
    throw error;
  } finally {
    await file.close();
  }
}

async function walk(reader: BoundedReader, path: string): Promise<void> {
  const magic = reader.size >= 4 ? await reader.text(4, 'the magic') : '';
  if (magic !== MAGIC) throw localError(`the local model file is not a GGUF model: ${path}`);
  const version = await reader.u32('the version');
  if (!SUPPORTED_VERSIONS.includes(version)) {
    throw localError(`the local model file has GGUF version ${version}, which is not supported: ${path}`);
  }
  const tensorCount = await reader.u64('the tensor count');
  const entryCount = await reader.u64('the metadata count');
  // Each entry takes at least 13 bytes and each tensor description at least 28.
  if (entryCount * 13 + tensorCount * 28 > reader.remaining) {
    throw pastTheEnd(`the metadata of ${entryCount} entries and ${tensorCount} tensors`);
  }
  for (let entry = 0; entry < entryCount; entry++) {
    await reader.skipString(`metadata entry ${entry}'s key`);
    await skipValue(reader, await reader.u32(`metadata entry ${entry}'s type`), `metadata entry ${entry}`);
  }
  for (let tensor = 0; tensor < tensorCount; tensor++) {
    const what = `tensor ${tensor}'s description`;
    await reader.skipString(what);
    const dimensions = await reader.u32(what);
    if (dimensions > MAX_DIMENSIONS)
      throw new MalformedError(`tensor ${tensor} has ${dimensions} dimensions`);
    reader.skip(dimensions * 8 + 4 + 8, what);
  }
}

async function skipValue(reader: BoundedReader, type: number, what: string): Promise<void> {
  const fixed = FIXED_SIZES[type];
  if (fixed !== undefined) return reader.skip(fixed, what);
  if (type === STRING) return reader.skipString(what);
  if (type !== ARRAY) throw new MalformedError(`${what} has an unknown type (${type})`);
  const itemType = await reader.u32(what);
  const length = await reader.u64(what);
  const itemSize = FIXED_SIZES[itemType];
  if (itemSize !== undefined) return reader.skip(length * itemSize, what);
  if (itemType !== STRING && itemType !== ARRAY) {
    throw new MalformedError(`${what} is an array of an unknown type (${itemType})`);
  }
  // A string takes at least its 8-byte length; an array its 12-byte header.
  if (length * (itemType === STRING ? 8 : 12) > reader.remaining) throw pastTheEnd(what);
  for (let item = 0; item < length; item++) await skipValue(reader, itemType, what);
}
