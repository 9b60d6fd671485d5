/**
 * Cutting ffmpeg's output into frames: real JPEGs made by ffmpeg, fed in chunks of every
 * size, with garbage around them, an FF D9 inside a metadata segment, truncated and
 * oversized images; raw RGB frames across chunk boundaries.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { JpegSplitter, jpegSize } from "../../../../device/drivers/camera/jpeg-splitter.js";
import { RawRgbSplitter } from "../../../../device/drivers/camera/raw-splitter.js";

let jpegs: Buffer[] = [];

/** Three JPEGs from ffmpeg's test source, as image2pipe writes them. */
beforeAll(() => {
  const r = spawnSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=5", "-frames:v", "3", "-c:v", "mjpeg", "-q:v", "3", "-f", "image2pipe", "pipe:1"], { maxBuffer: 64 * 1024 * 1024 });
  expect(r.status).toBe(0);
  const all = r.stdout as Buffer;
  // Cut where each image starts (FF D8 FF): fine for ffmpeg's output, which has no thumbnails.
  const starts: number[] = [];
  for (let i = 0; i + 2 < all.length; i++) if (all[i] === 0xff && all[i + 1] === 0xd8 && all[i + 2] === 0xff) starts.push(i);
  jpegs = starts.map((s, k) => all.subarray(s, starts[k + 1] ?? all.length));
  expect(jpegs).toHaveLength(3);
});

function feed(splitter: JpegSplitter, data: Buffer, chunk: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += chunk) out.push(...splitter.push(data.subarray(i, i + chunk)));
  return out;
}

/** A JPEG with an APP1 segment holding FF D9 (as an EXIF thumbnail would). */
function withThumbnailMarker(jpeg: Buffer): Buffer {
  const payload = Buffer.from([0x45, 0x78, 0x69, 0x66, 0x00, 0x00, 0xff, 0xd8, 0xff, 0xd9, 0xff, 0xd9]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1]), Buffer.from([0, payload.length + 2]), payload]);
  return Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
}

describe("JPEG splitter", () => {
  it("returns each image whole, byte for byte, whatever the chunk size", () => {
    const stream = Buffer.concat(jpegs);
    for (const chunk of [1, 7, 100, 4096, stream.length]) {
      const frames = feed(new JpegSplitter(), stream, chunk);
      expect(frames.map((f) => Buffer.compare(Buffer.from(f), jpegs[frames.indexOf(f)]!)), `chunk ${chunk}`).toEqual([0, 0, 0]);
    }
    expect(jpegSize(jpegs[0]!)).toEqual({ width: 320, height: 240 });
  });

  it("finds the end by the image's structure, not by the first FF D9", () => {
    const tricky = withThumbnailMarker(jpegs[0]!);
    const frames = feed(new JpegSplitter(), Buffer.concat([tricky, jpegs[1]!]), 64);
    expect(frames.map((f) => f.length)).toEqual([tricky.length, jpegs[1]!.length]);
    expect(jpegSize(frames[0]!)).toEqual({ width: 320, height: 240 });
  });

  it("drops garbage before, between and instead of images, and counts it", () => {
    const junk = Buffer.from(randomBytes(5_000).map((b) => (b === 0xff ? 0x00 : b)));
    const s = new JpegSplitter();
    const frames = feed(s, Buffer.concat([junk, jpegs[0]!, junk, jpegs[1]!, junk]), 333);
    expect(frames.map((f) => f.length)).toEqual([jpegs[0]!.length, jpegs[1]!.length]);
    expect(s.stats.droppedBytes).toBeGreaterThanOrEqual(2 * junk.length);
    expect(feed(new JpegSplitter(), junk, 100)).toEqual([]);
  });

  it("gives up on a truncated image at the next start of image, and on one larger than the bound", () => {
    const cut = jpegs[0]!.subarray(0, 2_000);
    const frames = feed(new JpegSplitter(), Buffer.concat([cut, jpegs[1]!]), 512);
    expect(frames.map((f) => f.length)).toEqual([jpegs[1]!.length]);

    const small = new JpegSplitter(4_096);
    const big = Buffer.concat([jpegs[0]!, jpegs[1]!]);
    expect(jpegs[0]!.length).toBeGreaterThan(4_096);
    expect(feed(small, big, 1_000)).toEqual([]);
    expect(small.stats.oversized).toBeGreaterThanOrEqual(1);
  });

  it("keeps memory bounded by the largest frame under a stream of garbage", () => {
    const s = new JpegSplitter(16_384);
    // Starts of images that never end: each is abandoned at the bound.
    const fake = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]), Buffer.alloc(40_000, 0x11)]);
    for (let i = 0; i < 20; i++) s.push(fake);
    expect((s as unknown as { buf: Buffer }).buf.length).toBeLessThan(64 * 1024);
  });
});

describe("raw RGB splitter", () => {
  it("cuts fixed-size frames across chunk boundaries", () => {
    const w = 4;
    const h = 3;
    const frame = (v: number) => Buffer.alloc(w * h * 3, v);
    const stream = Buffer.concat([frame(1), frame(2), frame(3)]);
    const s = new RawRgbSplitter(w, h);
    const frames = [];
    for (let i = 0; i < stream.length; i += 5) frames.push(...s.push(stream.subarray(i, i + 5)));
    expect(frames.map((f) => [f.width, f.height, f.data.length, f.data[0]])).toEqual([
      [4, 3, 36, 1],
      [4, 3, 36, 2],
      [4, 3, 36, 3],
    ]);
  });
});
