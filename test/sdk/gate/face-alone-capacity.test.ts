/** The face-alone threshold knows the gallery: it rises with the templates, and a policy past the limit is refused. */
import { describe, expect, it } from "vitest";
import { FaceAloneCapacityError } from "../../../sdk/errors.js";
import { assertFaceAloneCapacity, faceAloneStatus } from "../../../sdk/gate/face-alone-capacity.js";
import { parseGatePolicies } from "../../../sdk/policy/gate-policy.js";
import { DEFAULT_IMPOSTOR_TAIL, expectedFpir } from "../../../sdk/vision/impostor-model.js";

describe("face-alone capacity", () => {
  it("raises the threshold as the gallery grows and keeps the expected FPIR at the target", () => {
    const small = faceAloneStatus({ targetFpir: 1e-4 }, 10, 0.43);
    const large = faceAloneStatus({ targetFpir: 1e-4 }, 100, 0.43);
    expect(small.feasible && large.feasible).toBe(true);
    expect(large.threshold!).toBeGreaterThan(small.threshold!);
    for (const s of [small, large]) {
      expect(s.expectedFpir!).toBeLessThanOrEqual(1e-4 * 1.000001);
      expect(expectedFpir(DEFAULT_IMPOSTOR_TAIL, s.threshold!, s.templates)).toBeCloseTo(s.expectedFpir!, 12);
    }
    // Never below the configured threshold: a one-template gallery uses it as is.
    expect(faceAloneStatus({ targetFpir: 1e-4 }, 1, 0.43).threshold).toBe(0.43);
  });

  it("a looser target serves a larger gallery", () => {
    expect(faceAloneStatus({ targetFpir: 1e-3 }, 1, 0).maxTemplates).toBeGreaterThan(faceAloneStatus({ targetFpir: 1e-4 }, 1, 0).maxTemplates);
  });

  it("refuses a face-alone policy for a gallery too large for its target, naming card_then_face; card_then_face and card modes pass", () => {
    const { maxTemplates } = faceAloneStatus({ targetFpir: 1e-4 }, 1, 0);
    const faceAlone = parseGatePolicies([{ gateId: "lobby", mode: "face_or_card_or_pin" }]);
    expect(() => assertFaceAloneCapacity(faceAlone, maxTemplates)).not.toThrow();
    let error: unknown;
    try {
      assertFaceAloneCapacity(faceAlone, maxTemplates + 1);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FaceAloneCapacityError);
    expect((error as Error).message).toMatch(/^gates\[0\]\.mode: "face_or_card_or_pin" cannot keep false identifications at 0\.0001 per attempt/);
    expect((error as Error).message).toMatch(/card_then_face/);
    expect(() => assertFaceAloneCapacity(parseGatePolicies([{ gateId: "lobby", mode: "card_then_face" }]), 100_000)).not.toThrow();
    expect(() => assertFaceAloneCapacity(parseGatePolicies([{ gateId: "lobby", mode: "card_or_pin" }]), 100_000)).not.toThrow();
    // A looser target set by the operator admits the larger gallery.
    expect(() => assertFaceAloneCapacity(parseGatePolicies([{ gateId: "lobby", mode: "face_or_card", targetFpir: 1e-3 }]), maxTemplates + 1)).not.toThrow();
  });

  it("validates targetFpir in the policy: default 1e-4, above 0, at most 0.01", () => {
    expect(parseGatePolicies([{ gateId: "lobby", mode: "face_or_pin" }])[0]!.targetFpir).toBe(1e-4);
    expect(() => parseGatePolicies([{ gateId: "lobby", mode: "face_or_pin", targetFpir: 0 }])).toThrow(/gates\[0\]\.targetFpir/);
    expect(() => parseGatePolicies([{ gateId: "lobby", mode: "face_or_pin", targetFpir: 0.5 }])).toThrow(/gates\[0\]\.targetFpir/);
  });
});
