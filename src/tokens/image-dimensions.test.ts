import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gifOf, jpegOf, pngOf, webpOf } from '../../test/support/media-bytes.ts';
import { imageDimensions } from './image-dimensions.ts';

describe('image dimensions', () => {
  it('reads PNG, JPEG, GIF and WebP sizes from the bytes', () => {
    assert.deepEqual(imageDimensions(pngOf(3, 2)), { width: 3, height: 2 });
    assert.deepEqual(imageDimensions(jpegOf(1024, 768)), { width: 1024, height: 768 });
    assert.deepEqual(imageDimensions(gifOf(640, 480)), { width: 640, height: 480 });
    assert.deepEqual(imageDimensions(webpOf(4000, 3000)), { width: 4000, height: 3000 });
  });

  it('reads lossy and lossless WebP too', () => {
    const riff = (chunk: Buffer) =>
      Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'), chunk, Buffer.alloc(8)]);
    const lossy = Buffer.alloc(18);
    lossy.write('VP8 ', 0, 'latin1');
    lossy.set([0x9d, 0x01, 0x2a], 11);
    lossy.writeUInt16LE(800, 14);
    lossy.writeUInt16LE(600, 16);
    assert.deepEqual(imageDimensions(riff(lossy)), { width: 800, height: 600 });
    const lossless = Buffer.alloc(13);
    lossless.write('VP8L', 0, 'latin1');
    lossless[8] = 0x2f;
    lossless.writeUInt32LE((400 - 1) | ((300 - 1) << 14), 9);
    assert.deepEqual(imageDimensions(riff(lossless)), { width: 400, height: 300 });
  });

  it('skips JPEG segments and fill bytes before the frame, and reads a progressive frame', () => {
    const jpeg = jpegOf(640, 480);
    const exif = Buffer.from([0xff, 0xe1, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 0xff, 0xff]);
    const withMore = Buffer.concat([jpeg.subarray(0, 2), exif, jpeg.subarray(2)]);
    assert.deepEqual(imageDimensions(withMore), { width: 640, height: 480 });
    const progressive = Buffer.from(jpeg);
    progressive[progressive.indexOf(0xc0, 4)] = 0xc2;
    assert.deepEqual(imageDimensions(progressive), { width: 640, height: 480 });
  });

  it('reads a view into a larger buffer only within itself', () => {
    const inside = Buffer.concat([Buffer.from('prefix'), pngOf(5, 7)]).subarray(6);
    assert.deepEqual(imageDimensions(inside), { width: 5, height: 7 });
    // A PNG cut after its chunk name, in a buffer whose memory goes on (Node's small-buffer pool).
    const cut = Buffer.from('iVBORw0KGgoAAAANSUhEUg==', 'base64');
    assert.ok(cut.buffer.byteLength > cut.byteLength);
    assert.equal(imageDimensions(cut), undefined);
    const cutJpeg = jpegOf(640, 480);
    assert.equal(imageDimensions(cutJpeg.subarray(0, cutJpeg.indexOf(0xc0, 4) + 6)), undefined);
  });

  it('gives nothing for bytes that are no image it reads, or a broken header', () => {
    assert.equal(imageDimensions(Buffer.from('not an image at all')), undefined);
    assert.equal(imageDimensions(new Uint8Array()), undefined);
    assert.equal(imageDimensions(pngOf(3, 2).subarray(0, 12)), undefined, 'cut before the size');
    assert.equal(
      imageDimensions(Buffer.from('<svg width="10" height="10"></svg>')),
      undefined,
      'not a format upstreams take',
    );
  });
});
