/**
 * What `npm start` runs, read from package.json's `start` script (`node <flags> <entry>`), so the
 * Dockerfile check, the production-start test and the bench start the server exactly as an
 * operator does, flags included.
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The arguments after `node` in the `start` script, e.g. `['--max-semi-space-size=8', 'dist/main.js']`. */
export function startArguments(root: string): string[] {
  const packageJson = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const [command, ...args] = (packageJson.scripts?.start ?? '').trim().split(/\s+/);
  if (command !== 'node' || args.length === 0)
    throw new Error(
      `package.json's start script must be "node <flags> <entry>", not "${packageJson.scripts?.start}"`,
    );
  return args;
}
