/**
 * Markdown the reports are made of: tables, verdicts, sections that a run of one workload rewrites
 * between their markers, and the repository's formatting of a written file.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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

/** A section a single workload rewrites: its heading, its markers' name, the heading it goes before. */
export interface SectionPlace {
  readonly heading: string;
  readonly marker: string;
  readonly before: string;
}

/** The section between its markers (`<!-- name:start -->`, `<!-- name:end -->`). */
export const markedSection = (place: SectionPlace, section: string): string =>
  `<!-- ${place.marker}:start -->\n${section}\n<!-- ${place.marker}:end -->`;

/**
 * Rewrites the section in `path` between its markers; a report without them gets it, under its
 * heading, before `place.before` (or at its end); a missing file is written with the section alone.
 */
export function spliceSection(path: string, place: SectionPlace, section: string): void {
  const marked = markedSection(place, section);
  if (!existsSync(path)) {
    writeFileSync(path, `# Benchmarks\n\n${place.heading}\n\n${marked}\n`);
    return;
  }
  const text = readFileSync(path, 'utf8');
  const startMarker = `<!-- ${place.marker}:start -->`;
  const endMarker = `<!-- ${place.marker}:end -->`;
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker);
  if (start >= 0 && end > start) {
    writeFileSync(path, text.slice(0, start) + marked + text.slice(end + endMarker.length));
    return;
  }
  const block = `${place.heading}\n\n${marked}\n\n`;
  const next = text.indexOf(`\n${place.before}\n`);
  writeFileSync(
    path,
    next >= 0 ? `${text.slice(0, next + 1)}${block}${text.slice(next + 1)}` : `${text.trimEnd()}\n\n${block}`,
  );
}
