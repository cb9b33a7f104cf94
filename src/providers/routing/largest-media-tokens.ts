/**
 * The media token rule of a route: for each part, the largest count any of its deployments would
 * give, so a prompt planned for the route fits whichever deployment serves it.
 */

import type { MediaTokenRule } from '../spec.ts';

/** Undefined when some deployment declares no rule (the core's default then applies). */
export function largestMediaTokens(
  rules: readonly (MediaTokenRule | undefined)[],
): MediaTokenRule | undefined {
  const declared = rules.filter((rule) => rule !== undefined);
  if (declared.length === 0 || declared.length < rules.length) return undefined;
  if (declared.length === 1) return declared[0];
  const audio = declared.flatMap((rule) => rule.audioTokensPerSecond ?? []);
  return {
    imageTokens: (size, detail) => Math.max(...declared.map((rule) => rule.imageTokens(size, detail))),
    pdfPageTokens: Math.max(...declared.map((rule) => rule.pdfPageTokens)),
    ...(audio.length === 0 ? {} : { audioTokensPerSecond: Math.max(...audio) }),
  };
}
