// Builds dist/ from src/ (tsc, then the web UI's static files), and stamps it with a hash of what
// it was built from: every file under src/, both tsconfigs and package.json. With --if-changed
// (what `npm start` runs first) it builds only when that hash differs from dist/'s stamp, so a
// second start of unchanged sources starts at once.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const STAMP = join(root, 'dist', '.build-stamp');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

/** The hash of what `folder`'s dist/ is built from: names and contents, in a stable order. */
export function sourceHash(folder: string): string {
  const hash = createHash('sha256');
  const add = (path: string) => {
    if (!existsSync(path)) return void hash.update(`missing ${relative(folder, path)}\0`);
    const files = statSync(path).isDirectory()
      ? readdirSync(path, { withFileTypes: true, recursive: true })
          .filter((entry) => entry.isFile())
          .map((entry) => join(entry.parentPath, entry.name))
          .sort()
      : [path];
    for (const file of files) {
      hash.update(`${relative(folder, file)}\0`);
      hash.update(readFileSync(file));
      hash.update('\0');
    }
  };
  for (const input of INPUTS) add(join(folder, input));
  return hash.digest('hex');
}

function build(hash: string): void {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
    { cwd: root, stdio: 'inherit' },
  );
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  cpSync(join(root, 'src/http/web/public'), join(root, 'dist/http/web/public'), { recursive: true });
  // The hash taken before compiling: a source edited during the build makes the next start rebuild.
  writeFileSync(STAMP, `${hash}\n`);
}

if (import.meta.main) {
  const hash = sourceHash(root);
  const stamped = existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : undefined;
  if (process.argv.includes('--if-changed') && stamped === hash) {
    process.stdout.write('dist/ is built from these sources (build stamp): starting without a build\n');
  } else {
    build(hash);
  }
}
