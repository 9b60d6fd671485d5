/**
 * Cuts a stream of raw RGB frames of one fixed size (ffmpeg `-f rawvideo -pix_fmt
 * rgb24 -s WxH`) into frames. Memory is bounded by one frame.
 */
import type { RawRgbFrame } from "../../../sdk/hal/camera.js";

export class RawRgbSplitter {
  private parts: Buffer[] = [];
  private have = 0;
  private readonly frameBytes: number;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.frameBytes = width * height * 3;
  }

  push(chunk: Buffer): RawRgbFrame[] {
    const out: RawRgbFrame[] = [];
    let rest = chunk;
    while (rest.length > 0) {
      const need = this.frameBytes - this.have;
      const take = rest.subarray(0, need);
      this.parts.push(take);
      this.have += take.length;
      rest = rest.subarray(take.length);
      if (this.have === this.frameBytes) {
        const data = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.frameBytes);
        this.parts = [];
        this.have = 0;
        out.push({ width: this.width, height: this.height, data });
      }
    }
    return out;
  }
}
