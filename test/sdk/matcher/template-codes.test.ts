import { describe, expect, it } from "vitest";
import { mulberry32, randomUnitVector, SyntheticFaces } from "../../../sdk/matcher/synthetic-embeddings.js";
import { CODE_MAX, CODE_OFFSET, COARSE_BYTES, codeAt, DIMS, encodeTemplate, FINE_BYTES, fineDot, normalizeInto, roundHalfUp } from "../../../sdk/matcher/template-codes.js";

describe("12-bit template codes", () => {
  it("round-trip every dimension within half a quantisation step", () => {
    const faces = new SyntheticFaces(mulberry32(31));
    for (let n = 0; n < 50; n++) {
      const unit = new Float64Array(DIMS);
      normalizeInto(faces.template(faces.identity()), unit, "embedding");
      const coarse = new Uint8Array(COARSE_BYTES + 7);
      const fine = new Uint8Array(FINE_BYTES + 3);
      const scale = encodeTemplate(unit, coarse, 7, fine, 3);
      for (let d = 0; d < DIMS; d++) {
        const x = scale * (codeAt(coarse, 7, fine, 3, d) - CODE_OFFSET);
        expect(Math.abs(x - unit[d]!)).toBeLessThanOrEqual(scale / 2 + 1e-12);
      }
    }
  });

  it("fineDot is the dot product with the dequantised template", () => {
    const random = mulberry32(32);
    const unit = new Float64Array(DIMS);
    const query = new Float64Array(DIMS);
    normalizeInto(randomUnitVector(random), unit, "embedding");
    normalizeInto(randomUnitVector(random), query, "query");
    const coarse = new Uint8Array(COARSE_BYTES);
    const fine = new Uint8Array(FINE_BYTES);
    const scale = encodeTemplate(unit, coarse, 0, fine, 0);
    let expected = 0;
    for (let d = 0; d < DIMS; d++) expected += query[d]! * scale * (codeAt(coarse, 0, fine, 0, d) - CODE_OFFSET);
    expect(fineDot(query, coarse, 0, fine, 0, scale)).toBeCloseTo(expected, 12);
  });

  it("roundHalfUp is Math.round, halves and their neighbours included", () => {
    const values = [0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994, -0.49999999999999994, 2047.5, -2047.5, 2046.4999999999998, -2046.5000000000005];
    const random = mulberry32(33);
    for (let i = 0; i < 20_000; i++) values.push((random() * 2 - 1) * 2100);
    for (let k = -4096; k <= 4096; k++) values.push(k / 2, k / 2 + 1e-9, k / 2 - 1e-9);
    for (const x of values) expect(roundHalfUp(x) + 0).toBe(Math.round(x) + 0);
  });

  it("writes every byte of a slot (no bits left from before) and rounds each dimension to the nearest code", () => {
    const random = mulberry32(34);
    for (let n = 0; n < 20; n++) {
      const unit = new Float64Array(DIMS);
      normalizeInto(randomUnitVector(random), unit, "embedding");
      const coarse = new Uint8Array(COARSE_BYTES).fill(0xff);
      const fine = new Uint8Array(FINE_BYTES).fill(0xff);
      const scale = encodeTemplate(unit, coarse, 0, fine, 0);
      for (let d = 0; d < DIMS; d++) {
        const expected = Math.max(-CODE_MAX, Math.min(CODE_MAX, Math.round(unit[d]! * (1 / scale)))) + CODE_OFFSET;
        expect(codeAt(coarse, 0, fine, 0, d)).toBe(expected);
      }
    }
  });
});
