/**
 * The worker thread of an import (`import-off-thread.ts`): decodes and parses the uploaded file,
 * checks all of it (the bytes of attachments hashed again) and converts it to rows (`parseImport`), then hands the rows over one slice
 * each time the main thread asks for the next, so that only the writing happens on the event loop.
 * It answers until the main thread stops it: it never exits by itself, so no message of its can
 * be overtaken by its exit.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { sliceImport, summarizeImport } from '../../conversations/import-slices.ts';
import { parseImport } from '../../conversations/transfer.ts';
import { badRequest, ParleyError } from '../../errors.ts';
import type { ImportSlice } from '../../store/store.ts';
import { parseJsonText } from '../json-text.ts';
import type { FromImportWorker, ImportWorkerInput } from './import-off-thread.ts';

const port = parentPort;
if (port === null) throw new Error('import-worker.ts runs as a worker thread');
const post = (message: FromImportWorker) => port.postMessage(message);

function read({ bytes, ...options }: ImportWorkerInput) {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badRequest('import: the file is not UTF-8 text; nothing was imported');
  }
  if (text.trim() === '')
    throw badRequest('import: the body is empty: send a Parley export or ChatGPT conversations.json');
  return parseImport(parseJsonText(text), options);
}

let slices: Iterator<ImportSlice> | undefined;
port.on('message', () => {
  const next = slices?.next();
  if (next !== undefined) post(next.done === true ? { kind: 'end' } : { kind: 'slice', slice: next.value });
});

try {
  const parsed = read(workerData as ImportWorkerInput);
  slices = sliceImport(parsed);
  post({ kind: 'parsed', summary: summarizeImport(parsed.conversations) });
} catch (error) {
  if (!(error instanceof ParleyError)) throw error;
  post({ kind: 'refused', code: error.code, message: error.message });
}
