/**
 * The deployment files say what the code does: the image runs the README's steps on Node 24, and
 * nginx passes streams through unbuffered. (No Docker engine runs here: this checks the files.)
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { startArguments } from '../scripts/start-command.ts';
import { loadConfig } from '../src/config/config.ts';
import { createModelRegistry } from '../src/providers/registry.ts';

const root = resolve(import.meta.dirname, '..');
const read = (path: string) => readFileSync(resolve(root, path), 'utf8');

describe('deployment files', () => {
  it('the Dockerfile installs with npm ci and starts what npm start starts, on Node 24, as non-root', () => {
    const dockerfile = read('Dockerfile');
    const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    assert.match(dockerfile, /^FROM node:24-slim AS dependencies$/m);
    assert.match(dockerfile, /^RUN npm ci\b/m);
    // The local engine's prebuilt binaries are optional dependencies of node-llama-cpp: kept.
    assert.doesNotMatch(dockerfile, /--omit=optional/);
    // npm start builds dist/ first when the sources changed; the image builds it once and runs
    // what npm start runs.
    assert.match(packageJson.scripts.prestart ?? '', /node scripts\/build\.ts --if-changed/);
    assert.equal(packageJson.scripts.build, 'node scripts/build.ts');
    assert.match(dockerfile, /^COPY scripts \.\/scripts$/m);
    assert.match(dockerfile, /^RUN npm run build\b/m);
    assert.match(dockerfile, /^COPY --from=dependencies \/app\/dist \.\/dist$/m);
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    assert.deepEqual(JSON.parse(cmd ?? '[]'), ['node', ...startArguments(root)]);
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

  it('the compose file parses, and runs replicas on PostgreSQL and Redis behind nginx with a valid config', () => {
    const compose = parseYaml(read('docker-compose.yml')) as {
      services: Record<
        string,
        {
          environment?: Record<string, string>;
          deploy?: { replicas?: number };
          volumes?: string[];
          ports?: string[];
        }
      >;
    };
    assert.deepEqual(Object.keys(compose.services).sort(), ['nginx', 'parley', 'postgres', 'redis']);
    const parley = compose.services.parley;
    assert.ok((parley?.deploy?.replicas ?? 1) >= 2);
    // Interpolated as docker compose would with the required variables (and `given`) set.
    const interpolate = (given: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(parley?.environment ?? {}).map(([name, value]) => [
          name,
          value.replace(/\$\{(\w+)(?::[-?][^}]*)?\}/g, (_, variable: string) =>
            variable === 'PARLEY_ADMIN_KEY'
              ? 'x'.repeat(32)
              : (given[variable] ?? /:-([^}]*)\}/.exec(value)?.[1] ?? ''),
          ),
        ]),
      );
    const environment = interpolate({ OPENAI_API_KEY: 'sk-test' });
    const config = loadConfig({ ...environment, HOST: '0.0.0.0' });
    assert.equal(
      createModelRegistry(config).resolve(createModelRegistry(config).defaultModel ?? '')?.provider,
      'openai-compatible',
    );
    // The seed's way: only a ChatGPT account's token, under its old name.
    const seedStyle = loadConfig({ ...interpolate({ access_token: 'eyJ-token' }), HOST: '0.0.0.0' });
    const seedModels = createModelRegistry(seedStyle);
    assert.equal(seedModels.resolve(seedModels.defaultModel ?? '')?.provider, 'chatgpt-web');
    assert.equal(config.database.kind, 'postgres');
    assert.equal(config.redisUrl, 'redis://redis:6379');
    assert.equal(config.adminKey?.length, 32);
    assert.ok(
      compose.services.nginx?.volumes?.some((volume) => volume.startsWith('./deploy/nginx/parley.conf:')),
    );
    assert.deepEqual(compose.services.nginx?.ports, ['127.0.0.1:8080:80']);
    assert.match(read('deploy/nginx/parley.conf'), /server parley:8080;/);
  });

  it('nginx proxies over HTTP/1.1 keep-alive without buffering, with long read timeouts', () => {
    const conf = read('deploy/nginx/parley.conf');
    assert.match(conf, /proxy_http_version 1\.1;/);
    assert.match(conf, /proxy_set_header Connection "";/);
    assert.match(conf, /proxy_buffering off;/);
    assert.match(conf, /proxy_read_timeout 1h;/);
  });
});
