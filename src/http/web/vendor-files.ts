/**
 * The libraries the page imports, served from their npm packages as they were installed (no copy,
 * no CDN): `/ui/vendor/<name>` is one file of one package. Each is an ES module the page imports
 * by that path. Only the files listed here are served.
 */

import { findPackageJSON } from 'node:module';
import { dirname, join } from 'node:path';

/** The folder an installed package lives in (found from its entry: not every package exports its package.json). */
function packageDir(name: string): string {
  const manifest = findPackageJSON(name, import.meta.url);
  if (manifest === undefined) throw new Error(`the package ${name} is not installed`);
  return dirname(manifest);
}

export interface VendorFile {
  /** The name under `/ui/vendor/`. */
  readonly name: string;
  /** The folder it is read from, and the file's path in it. */
  readonly root: string;
  readonly file: string;
}

/** marked (markdown), DOMPurify (sanitizing), highlight.js (code, its common languages), KaTeX (math). */
export const VENDOR_FILES: readonly VendorFile[] = [
  { name: 'marked.esm.js', root: join(packageDir('marked'), 'lib'), file: 'marked.esm.js' },
  { name: 'purify.es.mjs', root: join(packageDir('dompurify'), 'dist'), file: 'purify.es.mjs' },
  {
    name: 'highlight.min.js',
    root: join(packageDir('@highlightjs/cdn-assets'), 'es'),
    file: 'highlight.min.js',
  },
  { name: 'katex.mjs', root: join(packageDir('katex'), 'dist'), file: 'katex.mjs' },
];
