/**
 * The chat's input history, kept across sessions in the user's config directory (newest first,
 * as readline holds it), so the up arrow reaches questions asked yesterday.
 */

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { userConfigDir } from '../user-config.ts';

export const HISTORY_SIZE = 1000;

export function historyPath(): string {
  return join(userConfigDir(), 'chat-history');
}

/** The saved inputs, newest first; none when there is no file yet. */
export async function loadHistory(path = historyPath()): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .reverse()
      .slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

/** Saves readline's history (newest first), oldest line first in the file. */
export async function saveHistory(history: readonly string[], path = historyPath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${[...history].reverse().join('\n')}\n`, { mode: 0o600 });
}
