import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mp3Of, wavOf } from '../../test/support/media-bytes.ts';
import { audioSeconds, mp3Bitrate, wavSeconds } from './audio-duration.ts';

describe('audio duration', () => {
  it("reads a WAV's length from its header, past chunks before the data", () => {
    assert.equal(wavSeconds(wavOf(2.5)), 2.5);
    assert.equal(wavSeconds(wavOf(3, { sampleRate: 44_100, channels: 2 })), 3);
    assert.equal(audioSeconds(wavOf(1.25)), 1.25);
  });

  it('takes the rest of the bytes as data when a streamed WAV left its size unset', () => {
    assert.equal(wavSeconds(wavOf(4, { unsetSize: true })), 4);
  });

  it('gives nothing for a WAV without a format before its data, or for other bytes', () => {
    const wav = wavOf(1);
    assert.equal(wavSeconds(wav.subarray(0, 30)), undefined, 'cut inside the chunks');
    assert.equal(wavSeconds(Buffer.from('RIFF\0\0\0\0WAVEdata\0\0\0\0')), undefined);
    assert.equal(wavSeconds(mp3Of(1_000)), undefined);
  });

  it("estimates an mp3's length from its size and its first frame's bitrate, past an ID3 tag", () => {
    assert.equal(mp3Bitrate(mp3Of(10_000, 64)), 64_000);
    assert.equal(mp3Bitrate(mp3Of(10_000, 320)), 320_000);
    // 80,000 bytes at 64 kbit/s: 10 seconds.
    assert.equal(audioSeconds(mp3Of(80_000, 64)), 10);
  });

  it('assumes 128 kbit/s when no frame header is found', () => {
    assert.equal(mp3Bitrate(Buffer.alloc(5_000)), 128_000);
    assert.equal(audioSeconds(Buffer.alloc(16_000)), 1);
  });
});
