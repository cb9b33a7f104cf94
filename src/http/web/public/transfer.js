/**
 * Import and export from the sidebar's menu: everything as Parley JSON or Markdown, the open
 * conversation as Markdown, and an import of Parley's export or ChatGPT's `conversations.json`
 * (`POST /api/import`, all or nothing).
 */

import { ApiError, request, requestJson } from './api.js';
import { element } from './dom.js';

/** Fetches a file from the API (with the key) and hands it to the browser as a download. */
export async function download(path, filename) {
  const response = await request('GET', path);
  const url = URL.createObjectURL(await response.blob());
  const link = element('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Today as `2026-12-02`, for file names. */
export const today = () => new Date().toISOString().slice(0, 10);

/**
 * Imports a chosen file; resolves with how many conversations it held.
 * @param {File} file
 */
export async function importFile(file) {
  let data;
  try {
    data = JSON.parse(await file.text());
  } catch {
    throw new ApiError(
      400,
      'NOT_JSON',
      `${file.name} is not a JSON file: choose Parley's export or ChatGPT's conversations.json.`,
    );
  }
  const result = await requestJson('POST', '/api/import', data);
  return result.imported;
}
