import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UsageRecord } from '../store/store.ts';
import { countUsage, UsageRecorder } from './usage-recorder.ts';

describe('usage recorder', () => {
  it('counts tokens with the real tokenizer when the provider reports none', async () => {
    const usage = await countUsage(
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello world' },
      ],
      'hello world',
    );
    // o200k_base: "Be brief." is 3 tokens, "hello world" 2; each message adds 4 for its framing.
    assert.deepEqual(usage, { inputTokens: 3 + 4 + 2 + 4, outputTokens: 2 });
  });

  it('writes one row with provider usage as is, and tells listeners', async () => {
    const rows: UsageRecord[] = [];
    const heard: UsageRecord[] = [];
    const recorder = new UsageRecorder(
      { recordUsage: async (batch) => void rows.push(...batch) },
      (error) => {
        throw error;
      },
    );
    recorder.onRecorded((row) => heard.push(row));
    await recorder.record({
      account: { owner: 'o', keyId: 'k', conversationId: 'c', messageId: 'm', model: 'x', provider: 'p' },
      prompt: [{ role: 'user', content: 'hi' }],
      text: 'hello',
      usage: { inputTokens: 11, outputTokens: 22 },
      status: 'completed',
      startedAt: 1_000,
      firstTokenAt: 1_040,
      endedAt: 1_100,
    });
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0], {
      owner: 'o',
      keyId: 'k',
      conversationId: 'c',
      messageId: 'm',
      model: 'x',
      provider: 'p',
      inputTokens: 11,
      outputTokens: 22,
      tokensCounted: false,
      cost: null,
      latencyMs: 100,
      firstTokenMs: 40,
      status: 'completed',
      createdAt: 1_100,
    });
    assert.deepEqual(heard, rows);
  });
});
