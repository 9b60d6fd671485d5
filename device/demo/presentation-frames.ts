/**
 * Door-camera frames of someone holding up a picture of a resident, made from the
 * fixtures: the demo has no real presentation-attack recordings, so it builds the two
 * common kinds the way the door camera would see them. What the liveness model makes of
 * them is measured at run time and reported as it is; nothing here assumes the outcome.
 *
 * - `phone`: the photo on a phone screen held up to the camera: a dark bezel around it
 *   and the faint line structure of a display.
 * - `print`: a colour print with a white paper margin, held close to the camera.
 *
 * Frames are 640x480 raw RGB (the door camera's format, simulator CAMERA_FRAME).
 */
import sharp from "sharp";
import type { RawRgbFrame } from "../../sdk/hal/camera.js";
import { CAMERA_FRAME, type FrameRegion } from "../../simulator/devices/sim-camera.js";

export type PresentationKind = "phone" | "print";

const WALL = { r: 0x8a, g: 0x80, b: 0x70 };

/**
 * A picture of the face in `region` of `path` (default: the middle square of the photo),
 * held up to the door camera as `kind`.
 */
export async function presentationFrame(path: string, region: FrameRegion | undefined, kind: PresentationKind): Promise<RawRgbFrame> {
  const side = kind === "phone" ? 300 : 320;
  const source = sharp(path).rotate();
  if (region) {
    const [left, top, width, height] = region;
    source.extract({ left, top, width, height });
  }
  const face = await source.resize(side, side, { fit: "cover" }).removeAlpha().png().toBuffer();
  const held = kind === "phone" ? await phoneScreen(face, side) : await colourPrint(face);
  const { data, info } = await sharp({ create: { width: CAMERA_FRAME.width, height: CAMERA_FRAME.height, channels: 3, background: WALL } })
    .composite([{ input: held, gravity: "center" }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Every third row darkened a little (the display's line structure), inside a black bezel. */
async function phoneScreen(face: Buffer, side: number): Promise<Buffer> {
  const lines = Buffer.alloc(side * side * 4);
  for (let y = 0; y < side; y += 3) for (let x = 0; x < side; x++) lines[(y * side + x) * 4 + 3] = 40;
  return sharp(face)
    .composite([{ input: lines, raw: { width: side, height: side, channels: 4 } }])
    .extend({ top: 30, bottom: 50, left: 14, right: 14, background: "#111111" })
    .png()
    .toBuffer();
}

/** The picture with an off-white paper margin. */
async function colourPrint(face: Buffer): Promise<Buffer> {
  return sharp(face).extend({ top: 18, bottom: 18, left: 18, right: 18, background: "#f4f4f0" }).png().toBuffer();
}
