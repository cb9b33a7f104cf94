/**
 * Reads an uploaded import in a worker thread (`import-worker.ts`): decoding, parsing and
 * converting a 20 MB file takes seconds of CPU that the event loop must not spend. The rows come
 * back one slice at a time, when asked for, so the main thread holds one slice at once and each
 * message it receives is small to copy in.
 */

import { once } from 'node:events';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ImportedSummary } from '../../conversations/import-slices.ts';
import { type ErrorCode, ParleyError } from '../../errors.ts';
import type { ImportSlice } from '../../store/store.ts';

export interface ImportWorkerInput {
  /** The uploaded file, as sent. */
  readonly bytes: Uint8Array;
  readonly owner: string;
  /** The date of what the file leaves undated. */
  readonly now: number;
  /** `PARLEY_MAX_ATTACHMENT_BYTES`. */
  readonly maxAttachmentBytes: number;
}

export type FromImportWorker =
  | { readonly kind: 'parsed'; readonly summary: ImportedSummary[] }
  | { readonly kind: 'refused'; readonly code: ErrorCode; readonly message: string }
  | { readonly kind: 'slice'; readonly slice: ImportSlice }
  | { readonly kind: 'end' };

export interface ImportRead {
  readonly summary: readonly ImportedSummary[];
  /** The rows, a slice per step; the worker cuts the next one only when asked. */
  readonly slices: AsyncIterable<ImportSlice>;
  /** Stops the worker (whether or not every slice was read). */
  close(): Promise<void>;
}

/** Heap a worker may take: a 32 MB file parses into a few hundred MB of objects. */
const WORKER_HEAP_MB = 1024;

/** The worker's module beside this one: `.ts` when run from the sources, `.js` once built. */
const WORKER_FILE = new URL(`./import-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** Parses and checks the whole file in a worker; a file that is not importable is a 4xx thrown here. */
export async function readImportOffThread(input: ImportWorkerInput): Promise<ImportRead> {
  const { bytes } = input;
  // The body's own memory is moved to the worker, not copied on the event loop, when it can be.
  const movable = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const worker = new Worker(WORKER_FILE, {
    workerData: input,
    ...(movable ? { transferList: [bytes.buffer as ArrayBuffer] } : {}),
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
  const stopped = new Promise<never>((_resolve, reject) => {
    worker.once('error', (error: Error & { code?: string }) =>
      reject(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new ParleyError('PAYLOAD_TOO_LARGE', 'import: the file is too large to read at once: split it')
          : error,
      ),
    );
    worker.once('exit', (code) => reject(new Error(`the import worker stopped early (exit code ${code})`)));
  });
  stopped.catch(() => {});
  const next = async (): Promise<FromImportWorker> => {
    const [message] = (await Promise.race([once(worker, 'message'), stopped])) as [FromImportWorker];
    return message;
  };
  const close = async () => {
    await worker.terminate();
  };

  try {
    const first = await next();
    if (first.kind === 'refused') throw new ParleyError(first.code, first.message);
    if (first.kind !== 'parsed') throw new Error(`the import worker sent ${first.kind} first`);
    return { summary: first.summary, slices: slicesOf(worker, next), close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function* slicesOf(worker: Worker, next: () => Promise<FromImportWorker>): AsyncGenerator<ImportSlice> {
  for (;;) {
    worker.postMessage('next');
    const message = await next();
    if (message.kind === 'end') return;
    if (message.kind !== 'slice') throw new Error(`the import worker sent ${message.kind} for a slice`);
    yield message.slice;
  }
}
