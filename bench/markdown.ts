/** Markdown the reports are made of: tables, verdicts, and the repository's formatting of a written file. */

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

/** A table whose first column is text and the others figures (right-aligned). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = header.map((_, index) => (index === 0 ? '---' : '---:'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export const verdict = (pass: boolean | undefined): string =>
  pass === undefined ? 'not measured' : pass ? '**pass**' : '**MISS**';

/** Formats a report as the repository's formatter would (Biome pads tables), so `biome check` stays clean. */
export function formatMarkdown(path: string): void {
  try {
    const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
    spawnSync(process.execPath, [biome, 'format', '--write', path], { stdio: 'ignore', timeout: 30_000 });
  } catch {
    // No formatter installed: the report is still correct, only unpadded.
  }
}
