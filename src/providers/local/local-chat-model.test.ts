/**
 * The `local` provider on real inference: llama.cpp (node-llama-cpp's prebuilt CPU build) running
 * the tiny GGUF model that test/support/tiny-gguf.ts writes. That model answers every chat prompt
 * with TINY_ANSWER and continues an assistant message ending in a letter with the alphabet, forever.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { closedEndpoint } from '../../../test/support/closed-endpoint.ts';
import { assertRefusesReasoningParts } from '../../../test/support/text-only-check.ts';
import { TINY_ANSWER, writeTinyGguf } from '../../../test/support/tiny-gguf.ts';
import { type ChatModel, type PromptMessage, ProviderError, type StreamPart } from '../spec.ts';
import { defaultGpu, LocalChatModel, type LocalSettings } from './local-chat-model.ts';
import { disposeLocalEngines, type EngineSettings, loadLocalEngine } from './local-engine.ts';

const QUESTION: PromptMessage[] = [{ role: 'user', content: 'Hi there' }];
/** A prompt the tiny model continues with `defghij…z abc…` until something stops it. */
const ALPHABET: PromptMessage[] = [
  { role: 'user', content: 'Spell' },
  { role: 'assistant', content: 'abc' },
];

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const textOf = (parts: readonly StreamPart[]) =>
  parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => assert.fail('it did not fail'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof ProviderError, String(error));
  return error;
}

describe('LocalChatModel.checkCall', () => {
  it("refuses a reasoning part (another model's answer) without loading the engine", () => {
    assertRefusesReasoningParts(
      new LocalChatModel({ modelPath: join(tmpdir(), 'parley-never-loaded.gguf') }),
    );
  });
});

describe('LocalChatModel', () => {
  let directory: string;
  let modelPath: string;
  /** Two requests generate at once on it (the default). */
  let model: LocalChatModel;
  /** One request at a time on it: the others wait. */
  let single: LocalChatModel;
  const settings = (extra: Partial<LocalSettings> = {}): LocalSettings => ({
    modelPath,
    contextSize: 512,
    // One thread each: on a small machine running tests side by side, more only spin against each other.
    threads: 1,
    ...extra,
  });

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'parley-local-'));
    modelPath = join(directory, 'tiny.gguf');
    await writeTinyGguf(modelPath);
    model = new LocalChatModel(settings());
    single = new LocalChatModel(settings({ parallelSequences: 1 }));
    await Promise.all([model.load(), single.load()]);
  });
  after(async () => {
    await disposeLocalEngines();
    await rm(directory, { recursive: true, force: true });
  });

  it('is the local provider, text only, named after its file', () => {
    assert.equal(model.provider, 'local');
    assert.equal(model.modelId, 'tiny');
    assert.deepEqual((model as ChatModel).capabilities, {
      tools: false,
      responseFormat: false,
      images: false,
      files: false,
      logprobs: false,
      reasoning: false,
      sampling: true,
      openaiFields: false,
    });
    assert.equal(new LocalChatModel({ modelPath, modelId: 'my-model' }).modelId, 'my-model');
    assert.equal(defaultGpu('linux', 'x64'), false);
    assert.equal(defaultGpu('darwin', 'arm64'), 'metal');
  });

  it('loads one engine per model and settings, shared by every model object', async () => {
    const engineSettings: EngineSettings = {
      modelPath,
      cacheDir: directory,
      gpu: false,
      contextSize: 512,
      threads: 1,
      parallelSequences: 2,
      showDownloadProgress: false,
      huggingFaceEndpoint: undefined,
    };
    const engine = await loadLocalEngine(engineSettings);
    assert.equal(await loadLocalEngine({ ...engineSettings }), engine);
    assert.equal(engine.modelFile, modelPath);
    assert.ok(engine.contextSize >= 512);
  });

  it('renders the prompt with the chat template from the GGUF file', async () => {
    const rendered = await model.renderPrompt([{ role: 'system', content: 'Be brief.' }, ...QUESTION]);
    assert.ok(
      rendered.endsWith(
        '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n',
      ),
      rendered,
    );
    const withSystem = await model.doGenerate([{ role: 'system', content: 'Be brief.' }, ...QUESTION], {});
    const without = await model.doGenerate(QUESTION, {});
    // `<|im_start|>`, `system`, `\n`, the text, `<|im_end|>`, `\n`: one character a token, here.
    assert.equal(
      (withSystem.usage?.inputTokens ?? 0) - (without.usage?.inputTokens ?? 0),
      1 + 6 + 1 + 9 + 1 + 1,
    );
  });

  it('streams the answer token by token, then finishes with the usage', async () => {
    const parts = await collect(model.doStream(QUESTION, {}));
    const deltas = parts.filter((part) => part.type === 'text-delta');
    assert.ok(deltas.length > 1, 'more than one delta');
    assert.equal(textOf(parts), TINY_ANSWER);
    assert.deepEqual(parts.at(-1), {
      type: 'finish',
      finishReason: 'stop',
      usage: {
        inputTokens: (await model.doGenerate(QUESTION, {})).usage?.inputTokens,
        outputTokens: deltas.length,
      },
    });
    assert.equal(parts.filter((part) => part.type === 'finish').length, 1);
  });

  it('generates the whole answer at once', async () => {
    const result = await model.doGenerate(QUESTION, { temperature: 0 });
    assert.equal(result.text, TINY_ANSWER);
    assert.equal(result.finishReason, 'stop');
    assert.ok((result.usage?.inputTokens ?? 0) > 10);
  });

  it('stops at maxOutputTokens with finish reason length', async () => {
    const result = await model.doGenerate(ALPHABET, { maxOutputTokens: 5, temperature: 0.7, topP: 0.9 });
    assert.equal(result.text, 'defgh');
    assert.equal(result.finishReason, 'length');
    assert.equal(result.usage?.outputTokens, 5);
  });

  it('stops at a stop string, leaving it out', async () => {
    const result = await model.doGenerate(ALPHABET, { maxOutputTokens: 50, stop: ['jk'] });
    assert.equal(result.text, 'defghi');
    assert.equal(result.finishReason, 'stop');
  });

  it('stops promptly on abort, ends the stream with an aborted error and frees the engine', async () => {
    const controller = new AbortController();
    const received: string[] = [];
    let abortedAt = 0;
    const error = await rejection(
      (async () => {
        for await (const part of single.doStream(ALPHABET, {
          signal: controller.signal,
          maxOutputTokens: 100_000,
        })) {
          if (part.type === 'text-delta') received.push(part.delta);
          if (received.length === 3) {
            abortedAt = Date.now();
            controller.abort();
          }
        }
      })(),
    );
    assert.equal(error.kind, 'aborted');
    assert.equal(error.provider, 'local');
    assert.ok(Date.now() - abortedAt < 1_000, 'the stream ended soon after the abort');
    assert.deepEqual(received, ['d', 'e', 'f']);
    // Had the engine gone on with its 100,000 tokens, this one would wait for it.
    const next = await single.doGenerate(QUESTION, { signal: AbortSignal.timeout(20_000) });
    assert.equal(next.text, TINY_ANSWER);
    await assert.rejects(collect(model.doStream(QUESTION, { signal: AbortSignal.abort() })), {
      name: 'ProviderError',
      kind: 'aborted',
    });
  });

  it('frees the engine when the caller stops reading', async () => {
    for await (const part of single.doStream(ALPHABET, { maxOutputTokens: 100_000 })) {
      if (part.type === 'text-delta') break;
    }
    const next = await single.doGenerate(QUESTION, { signal: AbortSignal.timeout(20_000) });
    assert.equal(next.text, TINY_ANSWER);
  });

  it('answers concurrent requests each correctly, in parallel or in turn', async () => {
    const [answer, spelled] = await Promise.all([
      collect(model.doStream(QUESTION, {})),
      collect(model.doStream(ALPHABET, { maxOutputTokens: 30 })),
    ]);
    assert.equal(textOf(answer), TINY_ANSWER);
    assert.equal(textOf(spelled), 'defghijklmnopqrstuvwxyz abcdef');
    const queued = await Promise.all([
      single.doGenerate(ALPHABET, { maxOutputTokens: 10 }),
      single.doGenerate(QUESTION, {}),
      single.doGenerate(
        [
          { role: 'user', content: 'Go on' },
          { role: 'assistant', content: 'w' },
        ],
        { maxOutputTokens: 6 },
      ),
    ]);
    assert.deepEqual(
      queued.map((result) => result.text),
      ['defghijklm', TINY_ANSWER, 'xyz ab'],
    );
  });

  it('stops waiting for a busy engine when the request aborts', async () => {
    const busy = new AbortController();
    const running = collect(single.doStream(ALPHABET, { signal: busy.signal, maxOutputTokens: 100_000 }));
    const waiting = new AbortController();
    const queued = single.doGenerate(QUESTION, { signal: waiting.signal });
    setTimeout(() => waiting.abort(), 50);
    assert.equal((await rejection(queued)).kind, 'aborted');
    busy.abort();
    assert.equal((await rejection(running)).kind, 'aborted');
  });

  it('fails with a clear error naming a model file that is missing or not a GGUF model', async () => {
    const missing = join(directory, 'nowhere.gguf');
    const notFound = await rejection(
      collect(new LocalChatModel(settings({ modelPath: missing })).doStream(QUESTION, {})),
    );
    assert.equal(notFound.kind, 'unavailable');
    assert.equal(notFound.status, undefined);
    assert.match(notFound.message, /does not exist/);
    assert.ok(notFound.message.includes(missing), notFound.message);

    const text = join(directory, 'notes.gguf');
    await writeFile(text, 'these are notes, not a model');
    const notGguf = await rejection(
      new LocalChatModel(settings({ modelPath: text })).doGenerate(QUESTION, {}),
    );
    assert.equal(notGguf.kind, 'unavailable');
    assert.match(notGguf.message, /not a GGUF model/);
    assert.ok(notGguf.message.includes(text), notGguf.message);
    // The provider still serves the good model afterwards.
    assert.equal((await model.doGenerate(QUESTION, {})).text, TINY_ANSWER);
  });

  it('loads a model again after a failed load, once the file is there', async () => {
    const later = join(directory, 'later.gguf');
    const laterModel = new LocalChatModel(settings({ modelPath: later }));
    assert.match((await rejection(laterModel.load())).message, /does not exist/);
    await writeTinyGguf(later);
    assert.equal((await laterModel.doGenerate(QUESTION, {})).text, TINY_ANSWER);
  });

  it('fails at once with a clear error when an hf: model must be fetched and cannot be', async () => {
    const remote = new LocalChatModel(
      settings({
        modelPath: 'hf:owner/repo/absent.gguf',
        cacheDir: directory,
        huggingFaceEndpoint: await closedEndpoint(),
        showDownloadProgress: false,
      }),
    );
    assert.equal(remote.modelId, 'owner/repo/absent.gguf');
    const error = await rejection(collect(remote.doStream(QUESTION, {})));
    assert.equal(error.kind, 'network');
    assert.match(
      error.message,
      /cannot fetch the local model hf:owner\/repo\/absent\.gguf: .* is unreachable/,
    );
  });

  it('fails with a clear error for a GPU build that is not installed', async () => {
    const error = await rejection(new LocalChatModel(settings({ gpu: 'vulkan' })).doGenerate(QUESTION, {}));
    assert.equal(error.kind, 'unavailable');
    // Without the Vulkan build installed (the default install), node-llama-cpp has nothing to load.
    assert.match(error.message, /local engine (has no llama\.cpp build for gpu "vulkan"|could not start)/);
  });
});
