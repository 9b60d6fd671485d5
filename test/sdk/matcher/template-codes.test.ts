import { describe, expect, it } from "vitest";
import { mulberry32, randomUnitVector, SyntheticFaces } from "../../../sdk/matcher/synthetic-embeddings.js";
import { CODE_OFFSET, COARSE_BYTES, codeAt, DIMS, encodeTemplate, FINE_BYTES, fineDot, normalizeInto } from "../../../sdk/matcher/template-codes.js";

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
});
