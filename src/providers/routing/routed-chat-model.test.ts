import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Call, type Script, ScriptedChatModel } from '../../../test/support/scripted-chat-model.ts';
import { DEFAULT_ROUTING, type RoutingSettings } from '../../config/routing-config.ts';
import { ANTHROPIC_MEDIA_TOKENS } from '../anthropic/anthropic-media-tokens.ts';
import { OPENAI_MEDIA_TOKENS } from '../openai-compatible/openai-media-tokens.ts';
import {
  type ModelCapabilities,
  ProviderError,
  type RouteAttempt,
  type StreamPart,
  TEXT_ONLY,
} from '../spec.ts';
import { DeploymentHealth } from './deployment-health.ts';
import { RoutedChatModel } from './routed-chat-model.ts';
import { weightedOrder } from './weighted-order.ts';

const FAST: RoutingSettings = { ...DEFAULT_ROUTING, backoffMs: 5, maxBackoffMs: 2_000, cooldownMs: 60_000 };

const httpError = (status: number, retryAfterMs?: number) =>
  new ProviderError(`upstream said ${status}`, {
    kind: 'http',
    provider: 'scripted',
    status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

/** A deployment answering from its scripts; a script with `failAfter.deltas = 0` fails at once. */
function deployment(name: string, scripts: Script[], weight = 1) {
  const calls: Call[] = [];
  return { name, weight, model: new ScriptedChatModel(name, scripts, calls), calls };
}
const failing = (error: ProviderError): Script => ({ deltas: ['never'], failAfter: { deltas: 0, error } });

function route(
  deployments: ReturnType<typeof deployment>[],
  fallbacks: ReturnType<typeof deployment>[] = [],
  options: { health?: DeploymentHealth; routing?: RoutingSettings; random?: () => number } = {},
) {
  const routing = options.routing ?? FAST;
  const attempts: RouteAttempt[] = [];
  const model = new RoutedChatModel({
    route: 'fast',
    deployments,
    fallbacks,
    health: options.health ?? new DeploymentHealth(routing),
    routing,
    onAttempt: (_route, attempt) => attempts.push(attempt),
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  return { model, attempts };
}

const summary = (attempts: readonly RouteAttempt[]) =>
  attempts.map((attempt) => `${attempt.deployment}:${attempt.outcome}${attempt.status ?? ''}`);

async function collect(parts: AsyncIterable<StreamPart>): Promise<string> {
  let text = '';
  for await (const part of parts) if (part.type === 'text-delta') text += part.delta;
  return text;
}

describe('routed models', () => {
  it('balances by weight', () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const firsts = { a: 0, b: 0 };
    for (let index = 0; index < 4000; index++) {
      const [first] = weightedOrder(
        [
          { name: 'a' as const, weight: 3 },
          { name: 'b' as const, weight: 1 },
        ],
        random,
      );
      if (first !== undefined) firsts[first.name]++;
    }
    const share = firsts.a / 4000;
    assert.ok(share > 0.7 && share < 0.8, `a led ${share} of the time, expected about 0.75`);
  });

  it('falls back from a rate-limited deployment and from a failing one, and says what it tried', async () => {
    const a = deployment('a', [failing(httpError(429))]);
    const b = deployment('b', [failing(httpError(500))]);
    const c = deployment('c', [{ deltas: ['from ', 'c'] }]);
    const { model, attempts } = route([a, b], [c], { random: () => 0.5 });
    const heard: RouteAttempt[] = [];
    const result = await model.doGenerate([{ role: 'user', content: 'hi' }], {
      onAttempt: (attempt) => heard.push(attempt),
    });
    assert.equal(result.text, 'from c');
    assert.deepEqual(summary(attempts), ['a:error429', 'b:error500', 'c:ok']);
    assert.deepEqual(heard, attempts, 'the caller hears the same attempts');
    assert.equal(model.provider, 'scripted');
  });

  it('cools a rate-limited deployment down: the next request skips it', async () => {
    const a = deployment('a', [failing(httpError(429)), { deltas: ['a again'] }]);
    const b = deployment('b', [{ deltas: ['b'] }, { deltas: ['b again'] }]);
    const health = new DeploymentHealth(FAST);
    const first = route([a], [b], { health });
    assert.equal((await first.model.doGenerate([], {})).text, 'b');
    const second = route([a], [b], { health });
    assert.equal((await second.model.doGenerate([], {})).text, 'b again');
    assert.deepEqual(summary(second.attempts), ['a:skipped', 'b:ok']);
    assert.equal(a.calls.length, 1, 'the cooling deployment was not called');
  });

  it('cools a deployment down only after allowed_fails server errors in a row', () => {
    const health = new DeploymentHealth({ ...FAST, allowedFails: 2 });
    health.recordFailure('a', httpError(500));
    assert.equal(health.coolingUntil('a'), 0);
    health.recordSuccess('a');
    health.recordFailure('a', httpError(502));
    assert.equal(health.coolingUntil('a'), 0, 'a success in between starts the count again');
    health.recordFailure('a', httpError(503));
    assert.ok(health.coolingUntil('a') > Date.now());
    health.recordFailure('b', httpError(401));
    assert.ok(health.coolingUntil('b') > Date.now(), 'a refused key cools at once');
  });

  it('retries after the upstream’s retry-after when every deployment failed', async () => {
    const a = deployment('a', [failing(httpError(429, 300)), { deltas: ['second round'] }]);
    const { model, attempts } = route([a]);
    const started = performance.now();
    assert.equal((await model.doGenerate([], {})).text, 'second round');
    assert.ok(performance.now() - started >= 290, 'waited for retry-after');
    assert.deepEqual(summary(attempts), ['a:error429', 'a:ok']);
  });

  it('gives the error back when retry-after is longer than max_backoff_ms, or retries run out', async () => {
    const a = deployment('a', [failing(httpError(429, 60_000))]);
    const long = route([a]);
    await assert.rejects(
      long.model.doGenerate([], {}),
      (error: ProviderError) => error.retryAfterMs === 60_000,
    );
    assert.equal(a.calls.length, 1);

    const b = deployment('b', [failing(httpError(503)), failing(httpError(503)), failing(httpError(503))]);
    const out = route([b], [], { routing: { ...FAST, retries: 2, allowedFails: 100 } });
    await assert.rejects(out.model.doGenerate([], {}), (error: ProviderError) => error.status === 503);
    assert.equal(b.calls.length, 3, 'the first try and two retries');
  });

  it('does not pass on a request the upstream called bad, nor retry it', async () => {
    const a = deployment('a', [failing(httpError(400))]);
    const b = deployment('b', [{ deltas: ['unused'] }]);
    const { model } = route([a], [b]);
    await assert.rejects(model.doGenerate([], {}), (error: ProviderError) => error.status === 400);
    assert.equal(b.calls.length, 0);
  });

  it('retries a stream only before its first part; after that the failure is the caller’s', async () => {
    const a = deployment('a', [failing(httpError(500))]);
    const b = deployment('b', [{ deltas: ['one', 'two'] }]);
    const before = route([a], [b]);
    assert.equal(await collect(before.model.doStream([], {})), 'onetwo');

    const broken = new ProviderError('reset', { kind: 'network', provider: 'scripted' });
    const c = deployment('c', [{ deltas: ['one', 'two'], failAfter: { deltas: 1, error: broken } }]);
    const d = deployment('d', [{ deltas: ['unused'] }]);
    const after = route([c], [d]);
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const part of after.model.doStream([], {}))
          if (part.type === 'text-delta') seen.push(part.delta);
      })(),
      (error: ProviderError) => error.kind === 'network',
    );
    assert.deepEqual(seen, ['one']);
    assert.equal(d.calls.length, 0, 'no fallback once text flowed');
  });

  it('stops waiting for a retry when the caller aborts', async () => {
    const a = deployment('a', [failing(httpError(429, 1_500))]);
    const { model } = route([a]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    await assert.rejects(
      model.doGenerate([], { signal: controller.signal }),
      (error: ProviderError) => error.kind === 'aborted',
    );
    assert.ok(performance.now() - started < 1_000, 'did not sit out the retry-after');
  });

  it('serves what all its deployments can do, and upstream threads only when one deployment holds them', () => {
    const a = deployment('a', []);
    const { model } = route([a]);
    assert.equal(model.capabilities, undefined, 'a scripted model is text only');
    assert.equal(model.threads, undefined);
  });

  it('honours sampling, OpenAI fields, audio and participant names only where every deployment and fallback does', () => {
    const declaring = (name: string, capabilities: ModelCapabilities) => {
      const target = deployment(name, []);
      Object.assign(target.model, { capabilities });
      return target;
    };
    const open = declaring('open', {
      ...TEXT_ONLY,
      openaiFields: true,
      reasoning: true,
      audio: true,
      participantNames: true,
    });
    const fixed = declaring('fixed', { ...TEXT_ONLY, sampling: false, reasoning: true });
    const alone = route([open]).model.capabilities;
    assert.deepEqual(
      [alone?.openaiFields, alone?.sampling, alone?.reasoning, alone?.audio, alone?.participantNames],
      [true, true, true, true, true],
    );
    const mixed = route([open], [fixed]).model.capabilities;
    assert.deepEqual(
      [mixed?.openaiFields, mixed?.sampling, mixed?.reasoning, mixed?.audio, mixed?.participantNames],
      [false, false, true, false, false],
    );
  });

  it('refuses a call any of its deployments or fallbacks would refuse, before any of them runs', () => {
    const refusing = deployment('refusing', []);
    const checked: string[] = [];
    Object.assign(refusing.model, {
      checkCall: (_prompt: unknown, options: { temperature?: number }) => {
        checked.push('refusing');
        if (options.temperature !== undefined)
          throw new ProviderError('no temperature here', {
            kind: 'unsupported',
            provider: 'scripted',
            param: 'temperature',
          });
      },
    });
    const { model } = route([deployment('plain', [])], [refusing]);
    const prompt = [{ role: 'user' as const, content: 'hi' }];
    model.checkCall(prompt, {});
    assert.throws(
      () => model.checkCall(prompt, { temperature: 0.2 }),
      (error: unknown) => error instanceof ProviderError && error.param === 'temperature',
    );
    assert.deepEqual(checked, ['refusing', 'refusing']);
  });

  it('counts media by the largest rule of its deployments and fallbacks, or by none when one declares none', () => {
    const declaring = (name: string, capabilities: ModelCapabilities) => {
      const target = deployment(name, []);
      Object.assign(target.model, { capabilities });
      return target;
    };
    const openai = declaring('openai', { ...TEXT_ONLY, images: true, mediaTokens: OPENAI_MEDIA_TOKENS });
    const anthropic = declaring('anthropic', {
      ...TEXT_ONLY,
      images: true,
      mediaTokens: ANTHROPIC_MEDIA_TOKENS,
    });
    const picture = { width: 1024, height: 1024 };
    assert.equal(route([openai]).model.capabilities?.mediaTokens?.imageTokens(picture, 'high'), 765);
    const mixed = route([openai], [anthropic]).model.capabilities?.mediaTokens;
    assert.equal(mixed?.imageTokens(picture, 'high'), 1_399, "the fallback's rule counts more");
    assert.equal(mixed?.audioTokensPerSecond, 10);
    const undeclared = route([openai], [declaring('plain', TEXT_ONLY)]).model.capabilities;
    assert.equal(undeclared?.mediaTokens, undefined, "the core's default applies");
  });
});
