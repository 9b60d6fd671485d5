import { deflateSync } from "node:zlib";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ImageError } from "../../../sdk/errors.js";
import { decodeImage } from "../../../sdk/vision/decode-image.js";

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ImageError);
    return (err as ImageError).code;
  }
  throw new Error("expected an ImageError");
}

/** PNG signature + IHDR (+ a tiny IDAT + IEND) claiming width x height: no real pixels. */
function pngHeader(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer): number => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.alloc(16))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("decodeImage", () => {
  it("decodes a JPEG into interleaved RGB of the right size", async () => {
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 10, b: 10 } } }).jpeg().toBuffer();
    const img = await decodeImage(jpeg);
    expect([img.width, img.height, img.data.length]).toEqual([64, 48, 64 * 48 * 3]);
    expect(img.data[0]).toBeGreaterThan(150);
    expect(img.data[2]).toBeLessThan(60);
  });

  it("turns greyscale and alpha images into 3-channel RGB (alpha flattened onto white)", async () => {
    const grey = await sharp({ create: { width: 10, height: 10, channels: 3, background: "#808080" } }).greyscale().png().toBuffer();
    const g = await decodeImage(grey);
    expect(g.data.length).toBe(10 * 10 * 3);
    const transparent = await sharp({ create: { width: 10, height: 10, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const t = await decodeImage(transparent);
    expect(t.data.length).toBe(300);
    expect(t.data[0]).toBe(255);
  });

  it("applies the EXIF orientation", async () => {
    const rotated = await sharp({ create: { width: 40, height: 20, channels: 3, background: "#336699" } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodeImage(rotated);
    expect([img.width, img.height]).toEqual([20, 40]);
  });

  it("refuses a truncated JPEG as image_corrupt", async () => {
    const noisy = Buffer.from(Array.from({ length: 128 * 128 * 3 }, (_, i) => (i * 2654435761) % 251));
    const jpeg = await sharp(noisy, { raw: { width: 128, height: 128, channels: 3 } }).jpeg().toBuffer();
    expect(await codeOf(decodeImage(jpeg.subarray(0, Math.floor(jpeg.length / 2))))).toBe("image_corrupt");
  });

  it("refuses a file that is not an image as image_unsupported", async () => {
    expect(await codeOf(decodeImage(Buffer.from("#!/bin/sh\necho this is not a picture\n")))).toBe("image_unsupported");
    expect(await codeOf(decodeImage(Buffer.from("<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>")))).toBe("image_unsupported");
  });

  it("refuses an empty buffer", async () => {
    expect(await codeOf(decodeImage(Buffer.alloc(0)))).toBe("image_corrupt");
  });

  it("refuses a 20000x20000 PNG header quickly, without decoding pixels", async () => {
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const err = await decodeImage(pngHeader(20000, 20000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as ImageError).code).toBe("image_too_large");
    expect((err as ImageError).details).toMatchObject({ width: 20000, height: 20000 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024); // 20000^2 RGB would be 1.2 GB
  });

  it("refuses a real 1 x 1,000,000 PNG (under the pixel limit) in milliseconds, before the detector's resampler sees it", async () => {
    const strip = await sharp({ create: { width: 1, height: 1_000_000, channels: 3, background: "#000" } }).png({ compressionLevel: 9 }).toBuffer();
    expect(strip.length).toBeLessThan(100_000);
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const err = await decodeImage(strip).catch((e: unknown) => e);
    expect((err as ImageError).code).toBe("image_bad_shape");
    expect((err as ImageError).message).toBe("image of 1x1000000 is more elongated than 4:1");
    expect(performance.now() - started).toBeLessThan(200);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it("refuses images more elongated than 4:1 in files and camera frames alike", async () => {
    expect(await codeOf(decodeImage(pngHeader(4001, 1000)))).toBe("image_bad_shape");
    expect(await codeOf(decodeImage({ width: 1, height: 200_000, data: new Uint8Array(600_000) }))).toBe("image_bad_shape");
    expect(await codeOf(decodeImage({ width: 5, height: 1, data: new Uint8Array(15) }))).toBe("image_bad_shape");
    // 4:1 exactly, and a tall phone portrait, are fine.
    const wide = await sharp({ create: { width: 400, height: 100, channels: 3, background: "#123456" } }).png().toBuffer();
    expect((await decodeImage(wide)).width).toBe(400);
    expect((await decodeImage({ width: 9, height: 16, data: new Uint8Array(9 * 16 * 3) })).height).toBe(16);
  });

  it("honours a lower pixel limit", async () => {
    const png = await sharp({ create: { width: 100, height: 100, channels: 3, background: "#000" } }).png().toBuffer();
    expect(await codeOf(decodeImage(png, { maxPixels: 5000 }))).toBe("image_too_large");
  });

  it("accepts a raw RGB camera frame as is and validates its size", async () => {
    const data = new Uint8Array(4 * 3 * 3);
    const img = await decodeImage({ width: 4, height: 3, data });
    expect(img.data).toBe(data);
    expect(await codeOf(decodeImage({ width: 4, height: 3, data: new Uint8Array(10) }))).toBe("image_corrupt");
    expect(await codeOf(decodeImage({ width: 0, height: 3, data: new Uint8Array(0) }))).toBe("image_corrupt");
    expect(await codeOf(decodeImage({ width: 10000, height: 10000, data: new Uint8Array(3) }))).toBe("image_too_large");
  });
});
