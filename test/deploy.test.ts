/**
 * The deployment files say what the code does: the image runs the README's steps on Node 24, and
 * nginx passes streams through unbuffered. (No Docker engine runs here: this checks the files.)
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.ts';

const root = resolve(import.meta.dirname, '..');
const read = (path: string) => readFileSync(resolve(root, path), 'utf8');

describe('deployment files', () => {
  it('the Dockerfile installs with npm ci and starts what npm start starts, on Node 24, as non-root', () => {
    const dockerfile = read('Dockerfile');
    const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    assert.match(dockerfile, /^FROM node:24-slim AS dependencies$/m);
    assert.match(dockerfile, /^RUN npm ci\b/m);
    assert.equal(packageJson.scripts.start, 'node src/main.ts');
    assert.match(dockerfile, /^CMD \["node", "src\/main\.ts"\]$/m);
    assert.match(dockerfile, /^USER node$/m);
    // The port it exposes is the one the config listens on by default.
    const exposed = /^EXPOSE (\d+)$/m.exec(dockerfile)?.[1];
    assert.equal(Number(exposed), loadConfig({}).port);
    // Every environment default the image sets is a valid configuration.
    const env = /^ENV ([\s\S]*?)\n(?!\s)/m.exec(`${dockerfile}\n`)?.[1] ?? '';
    const variables = Object.fromEntries(
      [...env.matchAll(/(\w+)=(\S+)/g)].map((match) => [match[1] ?? '', match[2] ?? '']),
    );
    assert.equal(variables.DATABASE_URL, 'sqlite:/data/parley.sqlite');
    assert.doesNotThrow(() => loadConfig(variables));
  });

  it('nginx proxies over HTTP/1.1 keep-alive without buffering, with long read timeouts', () => {
    const conf = read('deploy/nginx/parley.conf');
    assert.match(conf, /proxy_http_version 1\.1;/);
    assert.match(conf, /proxy_set_header Connection "";/);
    assert.match(conf, /proxy_buffering off;/);
    assert.match(conf, /proxy_read_timeout 1h;/);
  });
});
