/**
 * Door scenes composited from the face fixtures with sharp, for the door-face rule: a
 * resident's identity crop in front of the camera with, beside it, either a large
 * blurred face (a poster or a person far behind, out of focus) or a bystander's crop of
 * the same size off-centre. Grey 640x480 background, PNG out.
 */
import { readFileSync } from "node:fs";
import sharp from "sharp";

export const SCENE = { width: 640, height: 480 } as const;

export interface Placed {
  /** Image file (a fixture). */
  file: string;
  left: number;
  top: number;
  /** Side of the square it is resized to. */
  size: number;
  /** Gaussian blur sigma applied after resizing (0: none). */
  blur?: number;
}

export async function doorScene(parts: readonly Placed[]): Promise<Uint8Array> {
  const layers = await Promise.all(
    parts.map(async (p) => {
      let img = sharp(readFileSync(p.file)).resize(p.size, p.size, { fit: "cover" }).removeAlpha();
      if (p.blur) img = img.blur(p.blur);
      return { input: await img.png().toBuffer(), left: p.left, top: p.top };
    }),
  );
  const png = await sharp({ create: { width: SCENE.width, height: SCENE.height, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .composite(layers)
    .png()
    .toBuffer();
  return new Uint8Array(png);
}
