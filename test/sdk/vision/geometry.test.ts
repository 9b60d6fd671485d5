import { describe, expect, it } from "vitest";
import { cropAffine, expandedCrop, MAX_GRID, sampleAffine } from "../../../sdk/vision/image-ops.js";
import { nonMaxSuppression } from "../../../sdk/vision/nms.js";
import { assessFace, frameQuality, landmarkQuality, MIN_FACE_SIZE, MIN_LANDMARK_QUALITY, selectPrimary } from "../../../sdk/vision/quality.js";
import { cosineSimilarity } from "../../../sdk/vision/similarity.js";
import { applySimilarity, estimateSimilarity, inverseAffine } from "../../../sdk/vision/similarity-transform.js";
import { REFERENCE_POINTS } from "../../../sdk/vision/aligner.js";

describe("similarity transform", () => {
  it("recovers a known rotation, scale and shift exactly from five points", () => {
    const angle = 0.3, scale = 0.7;
    const truth = { a: scale * Math.cos(angle), b: scale * Math.sin(angle), tx: 12, ty: -5 };
    const src = REFERENCE_POINTS.map((p) => ({ x: p.x * 2 + 100, y: p.y * 2 + 40 }));
    const dst = src.map((p) => applySimilarity(truth, p));
    const t = estimateSimilarity(src, dst);
    expect(t.a).toBeCloseTo(truth.a, 9);
    expect(t.b).toBeCloseTo(truth.b, 9);
    expect(t.tx).toBeCloseTo(truth.tx, 6);
    expect(t.ty).toBeCloseTo(truth.ty, 6);
  });

  it("inverts: the warp's output->source map sends reference points back to the face", () => {
    const face = [{ x: 210, y: 150 }, { x: 260, y: 148 }, { x: 236, y: 180 }, { x: 215, y: 210 }, { x: 255, y: 209 }];
    const t = estimateSimilarity(face, REFERENCE_POINTS);
    const [a, b, c, d, e, f] = inverseAffine(t);
    const back = REFERENCE_POINTS.map((q) => ({ x: a * q.x + b * q.y + c, y: d * q.x + e * q.y + f }));
    back.forEach((p, i) => {
      expect(Math.abs(p.x - face[i]!.x)).toBeLessThan(3);
      expect(Math.abs(p.y - face[i]!.y)).toBeLessThan(3);
    });
  });
});

describe("sampling into tensors", () => {
  const img = { width: 4, height: 2, data: new Uint8Array([0, 0, 0, 10, 20, 30, 0, 0, 0, 10, 20, 30, 100, 100, 100, 50, 60, 70, 100, 100, 100, 50, 60, 70]) };

  it("an identity crop copies pixels into planes, in BGR when asked", () => {
    const out = new Float32Array(4 * 2 * 3);
    sampleAffine(img, cropAffine({ x: 0, y: 0, width: 4, height: 2 }, 4, 2), out, { width: 4, height: 2, channels: "bgr", offset: 0, scale: 1, border: "replicate" });
    expect(Array.from(out.slice(0, 8))).toEqual([0, 30, 0, 30, 100, 70, 100, 70]); // B plane
    expect(Array.from(out.slice(16, 24))).toEqual([0, 10, 0, 10, 100, 50, 100, 50]); // R plane last
  });

  it("halving averages 2x2 blocks, and normalises", () => {
    const out = new Float32Array(2 * 1 * 3);
    sampleAffine(img, cropAffine({ x: 0, y: 0, width: 4, height: 2 }, 2, 1), out, { width: 2, height: 1, channels: "rgb", offset: 0, scale: 0.5, border: "replicate" });
    expect(out[0]).toBeCloseTo(((0 + 10 + 100 + 50) / 4) * 0.5, 5);
  });

  it("a 1,000x shrink of a fine pattern averages it out from a bounded sample (MAX_GRID per axis), not every source row", () => {
    // 2 x 40,000 pixels of alternating black and white rows, shrunk to 2 x 40: every output
    // pixel is grey, from at most 2 * MAX_GRID source rows per output row.
    const W = 2, H = 40_000;
    const data = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y += 2) data.fill(255, y * W * 3, (y + 1) * W * 3);
    const out = new Float32Array(2 * 40 * 3);
    sampleAffine({ width: W, height: H, data }, cropAffine({ x: 0, y: 0, width: W, height: H }, 2, 40), out, { width: 2, height: 40, channels: "rgb", offset: 0, scale: 1, border: "replicate" });
    expect(MAX_GRID).toBe(8);
    for (const v of out) expect(Math.abs(v - 127.5)).toBeLessThan(40);
  });

  it("a crop that would leave the image is shifted inside, not cut", () => {
    const c = expandedCrop({ x: 550, y: 10, width: 100, height: 100 }, 2.7, 640, 480);
    expect(c.x + c.width).toBeLessThanOrEqual(639);
    expect(c.y).toBeGreaterThanOrEqual(0);
    expect(c.width).toBeCloseTo(270, 5);
  });
});

describe("NMS", () => {
  it("keeps the best of overlapping boxes and separate faces", () => {
    const kept = nonMaxSuppression(
      [
        { x1: 0, y1: 0, x2: 10, y2: 10, score: 0.8 },
        { x1: 1, y1: 1, x2: 11, y2: 11, score: 0.9 },
        { x1: 50, y1: 50, x2: 60, y2: 60, score: 0.7 },
      ],
      0.4,
    );
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.7]);
  });
});

describe("quality gates and the face at the door", () => {
  it("flags small faces and faces cut off by the frame edge", () => {
    expect(assessFace({ x: 100, y: 100, width: 120, height: 150 }, 640, 480)).toEqual({ ok: true, reasons: [] });
    expect(assessFace({ x: 100, y: 100, width: MIN_FACE_SIZE - 1, height: 60 }, 640, 480).reasons).toEqual(["face_too_small"]);
    expect(assessFace({ x: -10, y: 100, width: 120, height: 150 }, 640, 480).reasons).toEqual(["cut_off"]);
    expect(assessFace({ x: 100, y: 380, width: 120, height: 100 }, 640, 480).reasons).toEqual(["cut_off"]);
    expect(assessFace({ x: -10, y: 100, width: 120, height: 150 }, 640, 480, { minFaceSize: 48, edgeMargin: -1 }).ok).toBe(true);
  });

  it("picks the largest face that passes quality; ties go to the detector score", () => {
    const ok = { ok: true, reasons: [] };
    const faces = [
      { box: { x: 0, y: 0, width: 100, height: 100 }, score: 0.99, quality: ok },
      { box: { x: 0, y: 0, width: 300, height: 300 }, score: 0.9, quality: { ok: false, reasons: ["cut_off" as const] } },
      { box: { x: 0, y: 0, width: 150, height: 150 }, score: 0.8, quality: ok },
      { box: { x: 0, y: 0, width: 150, height: 150 }, score: 0.85, quality: ok },
    ];
    expect(selectPrimary(faces)).toBe(3);
    expect(selectPrimary([faces[1]!])).toBeUndefined();
    expect(frameQuality([faces[1]!], undefined)).toEqual({ ok: false, reasons: ["cut_off"] });
    expect(frameQuality([], undefined)).toEqual({ ok: false, reasons: ["no_face"] });
  });
});

describe("cosineSimilarity", () => {
  it("is 1 for parallel, 0 for orthogonal, -1 for opposite vectors, whatever their length", () => {
    expect(cosineSimilarity([1, 0], [5, 0])).toBeCloseTo(1);
    expect(cosineSimilarity([1, 0], [0, 2])).toBeCloseTo(0);
    expect(cosineSimilarity(new Float32Array([1, 2]), new Float32Array([-2, -4]))).toBeCloseTo(-1);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow(RangeError);
  });
});

describe("the door-face rule (quality.ts doorScore)", () => {
  const ok = { ok: true, reasons: [] };
  const at = (x: number, y: number, side: number, extra: { score?: number; sharpness?: number } = {}) => ({ box: { x: x - side / 2, y: y - side / 2, width: side, height: side }, score: extra.score ?? 0.99, quality: ok, sharpness: extra.sharpness });

  it("prefers the centred face to a bystander of the same size off-centre", () => {
    expect(selectPrimary([at(560, 240, 120), at(320, 240, 120)], { width: 640, height: 480 })).toBe(1);
  });

  it("prefers a sharp face to a larger blurred one, and a confident detection to a doubtful one", () => {
    expect(selectPrimary([at(400, 200, 260, { sharpness: 0.1 }), at(300, 260, 130, { sharpness: 0.4 })], { width: 640, height: 480 })).toBe(1);
    expect(selectPrimary([at(330, 240, 200, { score: 0.66 }), at(300, 240, 150, { score: 0.99 })], { width: 640, height: 480 })).toBe(1);
  });

  it("still takes the nearer (larger) face when both are centred and sharp", () => {
    expect(selectPrimary([at(300, 240, 60), at(340, 240, 150)], { width: 640, height: 480 })).toBe(1);
  });

  it("rates landmarks: a face's points pass, points outside the box or upside down fail", () => {
    const box = { x: 100, y: 100, width: 100, height: 100 };
    const face = Array.from({ length: 68 }, (_, i) => ({ x: 110 + (i % 17) * 5, y: 110 + Math.floor(i / 17) * 20 }));
    for (let i = 36; i <= 41; i++) face[i] = { x: 125, y: 135 };
    for (let i = 42; i <= 47; i++) face[i] = { x: 175, y: 135 };
    face[30] = { x: 150, y: 160 };
    for (let i = 48; i <= 67; i++) face[i] = { x: 150, y: 180 };
    expect(landmarkQuality(box, face)).toBe(1);
    expect(landmarkQuality(box, face.map((p) => ({ x: p.x + 300, y: 400 - p.y })))).toBeLessThan(MIN_LANDMARK_QUALITY);
  });
});
