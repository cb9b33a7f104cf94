import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { closedEndpoint } from '../../../test/support/closed-endpoint.ts';
import { buildTinyGguf } from '../../../test/support/tiny-gguf.ts';
import { ProviderError } from '../spec.ts';
import { absoluteModelPath, defaultModelId, isModelUri, resolveModelPath } from './resolve-model-path.ts';

describe('resolveModelPath', () => {
  let directory: string;
  let tinyPath: string;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'parley-model-path-'));
    tinyPath = join(directory, 'tiny.gguf');
    await writeFile(tinyPath, buildTinyGguf());
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('tells paths from URIs and names models after them', () => {
    assert.equal(isModelUri('./models/a.gguf'), false);
    assert.equal(isModelUri('hf:owner/repo:Q4_K_M'), true);
    assert.equal(isModelUri('https://example.com/a.gguf'), true);
    assert.equal(defaultModelId('/models/qwen2.5-0.5b-instruct-q4_k_m.gguf'), 'qwen2.5-0.5b-instruct-q4_k_m');
    assert.equal(defaultModelId('hf:owner/repo:Q4_K_M'), 'owner/repo:Q4_K_M');
    assert.equal(defaultModelId('https://example.com/files/a.gguf?download=1'), 'a');
    assert.equal(absoluteModelPath('~/models/a.gguf'), join(homedir(), 'models/a.gguf'));
  });

  it('resolves a plain path, relative to the working directory', async () => {
    const relativePath = relative(process.cwd(), tinyPath);
    const source = { modelPath: relativePath, cacheDir: directory, showProgress: false };
    assert.equal(await resolveModelPath(source), tinyPath);
  });

  it('finds a URI fetched before in the cache directory without the network', async () => {
    await writeFile(join(directory, 'hf_owner_repo_cached.gguf'), buildTinyGguf());
    const resolved = await resolveModelPath({
      modelPath: 'hf:owner/repo/cached.gguf',
      cacheDir: directory,
      showProgress: false,
      huggingFaceEndpoint: await closedEndpoint(),
    });
    assert.equal(resolved, join(directory, 'hf_owner_repo_cached.gguf'));
  });

  it('fails at once, with advice, when a URI must be fetched and the host is unreachable', async () => {
    const endpoint = await closedEndpoint();
    const error = await resolveModelPath({
      modelPath: 'hf:owner/repo/missing.gguf',
      cacheDir: directory,
      showProgress: false,
      huggingFaceEndpoint: endpoint,
    }).then(
      () => assert.fail('resolved'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.kind, 'network');
    assert.equal(error.status, undefined);
    assert.ok(error.message.includes('hf:owner/repo/missing.gguf'), error.message);
    assert.ok(error.message.includes(endpoint), error.message);
    assert.ok(error.message.includes(directory), error.message);
    assert.ok(error.message.includes('set HF_ENDPOINT to a Hugging Face mirror'), error.message);
  });
});
