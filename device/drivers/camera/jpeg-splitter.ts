/**
 * Cuts a byte stream of concatenated JPEG images (ffmpeg `-f image2pipe -c:v mjpeg`)
 * into frames, incrementally and with bounded memory.
 *
 * The end of an image is found by walking its structure, not by searching for FF D9:
 * marker segments are skipped by their length (an EXIF thumbnail holds an FF D9 of its
 * own), and entropy-coded data is scanned for the next marker (FF followed by anything
 * but 00 stuffing and RST0-7). Bytes that are not a JPEG (garbage before a start of
 * image, a corrupt segment) are dropped and counted; an image that grows past
 * `maxFrameBytes` is dropped, and the splitter resynchronises on the next start of
 * image. Frames are views of the splitter's input, never written to again.
 */
export interface JpegSplitterStats {
  frames: number;
  droppedBytes: number;
  oversized: number;
}

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

export class JpegSplitter {
  private buf: Buffer = Buffer.alloc(0);
  /** Where parsing resumes within `buf` (after the SOI of the frame at 0). */
  private pos = 0;
  /** Inside entropy-coded data (after an SOS header). */
  private inScan = false;
  readonly stats: JpegSplitterStats = { frames: 0, droppedBytes: 0, oversized: 0 };

  constructor(private readonly maxFrameBytes = 8 * 1024 * 1024) {}

  push(chunk: Buffer): Uint8Array[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Uint8Array[] = [];
    for (;;) {
      if (this.pos === 0 && !this.syncToStart()) break;
      const end = this.findEnd();
      if (end === "corrupt") {
        this.resync();
        continue;
      }
      if (end === null) {
        if (this.buf.length > this.maxFrameBytes) {
          this.stats.oversized++;
          this.resync();
          continue;
        }
        break;
      }
      frames.push(this.buf.subarray(0, end));
      this.stats.frames++;
      this.buf = this.buf.subarray(end);
      this.pos = 0;
      this.inScan = false;
    }
    return frames;
  }

  /** Drops bytes before the next FF D8 FF; true when a frame starts at 0. */
  private syncToStart(): boolean {
    const b = this.buf;
    for (let i = 0; i + 2 < b.length; i++) {
      if (b[i] === 0xff && b[i + 1] === SOI && b[i + 2] === 0xff) {
        this.drop(i);
        this.pos = 2;
        return true;
      }
    }
    // Keep the last two bytes: they may be the start of a start of image.
    this.drop(Math.max(0, b.length - 2));
    return false;
  }

  private drop(n: number): void {
    if (n === 0) return;
    this.stats.droppedBytes += n;
    this.buf = this.buf.subarray(n);
  }

  /** Gives up on the frame at 0: resynchronise after its SOI. */
  private resync(): void {
    this.drop(2);
    this.pos = 0;
    this.inScan = false;
  }

  /** The end offset of the frame at 0, null if more bytes are needed, or "corrupt". */
  private findEnd(): number | null | "corrupt" {
    const b = this.buf;
    let p = this.pos;
    for (;;) {
      if (this.inScan) {
        // Entropy-coded data: find FF xx with xx neither 00 (a stuffed FF) nor RSTn.
        for (;;) {
          if (p + 1 >= b.length) {
            this.pos = p;
            return null;
          }
          if (b[p] === 0xff && b[p + 1] !== 0x00 && !(b[p + 1]! >= 0xd0 && b[p + 1]! <= 0xd7) && b[p + 1] !== 0xff) break;
          p++;
        }
        this.inScan = false;
      }
      if (p + 1 >= b.length) {
        this.pos = p;
        return null;
      }
      if (b[p] !== 0xff) return "corrupt";
      const marker = b[p + 1]!;
      if (marker === 0xff) {
        p++; // fill byte
        continue;
      }
      if (marker === EOI) return p + 2;
      if (marker === SOI) return "corrupt";
      if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
        p += 2;
        continue;
      }
      if (p + 3 >= b.length) {
        this.pos = p;
        return null;
      }
      const length = b.readUInt16BE(p + 2);
      if (length < 2) return "corrupt";
      if (p + 2 + length > b.length) {
        if (p + 2 + length > this.maxFrameBytes) return "corrupt";
        this.pos = p;
        return null;
      }
      p += 2 + length;
      if (marker === SOS) this.inScan = true;
    }
  }
}

/** Width and height from a JPEG's start-of-frame segment, or null. */
export function jpegSize(jpeg: Uint8Array): { width: number; height: number } | null {
  let p = 2;
  while (p + 9 < jpeg.length) {
    if (jpeg[p] !== 0xff) return null;
    const marker = jpeg[p + 1]!;
    if (marker === 0xff) {
      p++;
      continue;
    }
    const length = (jpeg[p + 2]! << 8) | jpeg[p + 3]!;
    // SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (jpeg[p + 5]! << 8) | jpeg[p + 6]!, width: (jpeg[p + 7]! << 8) | jpeg[p + 8]! };
    }
    if (marker === SOS) return null;
    p += 2 + length;
  }
  return null;
}
