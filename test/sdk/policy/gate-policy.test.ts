import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../sdk/errors.js";
import { GATE_MODES, nonBiometricPaths, parseGatePolicies, parseGatePolicy } from "../../../sdk/policy/gate-policy.js";
import { assertNotFaceOnly, faceOnlyGates, type CredentialRecord } from "../../../sdk/policy/rights.js";
import { parseSchedule, scheduleAllows } from "../../../sdk/policy/schedule.js";

describe("gate policies (L2)", () => {
  it("every loadable mode offers a card or PIN path", () => {
    for (const mode of GATE_MODES) expect(nonBiometricPaths(mode).length).toBeGreaterThan(0);
  });

  it("refuses face-only policies at load with a clear `path: problem` ConfigError naming L2", () => {
    for (const mode of ["face", "face_only"]) {
      const err = (() => {
        try {
          parseGatePolicies([{ gateId: "lobby", mode: "card" }, { gateId: "garage", mode }]);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).code).toBe("config_invalid");
      expect((err as ConfigError).message).toMatch(/^gates\[1\]\.mode: "face(_only)?" would make face the only way in.*\(L2\)/);
    }
  });

  it("refuses unknown modes and keys, duplicate gates and bad numbers", () => {
    expect(() => parseGatePolicy({ gateId: "lobby", mode: "iris" }, "g")).toThrow(/g\.mode: unknown mode/);
    expect(() => parseGatePolicy({ gateId: "lobby", mode: "card", colour: 1 }, "g")).toThrow(/g\.colour: unknown key/);
    expect(() => parseGatePolicy({ gateId: "lobby", mode: "card", unlockMs: -1 }, "g")).toThrow(/g\.unlockMs/);
    expect(() => parseGatePolicies([{ gateId: "a", mode: "card" }, { gateId: "a", mode: "pin" }])).toThrow(/duplicate gate/);
    expect(() => parseGatePolicies([])).toThrow(/gates: must be a non-empty array/);
  });

  it("a person's credentials must give a card/PIN path at every gate of their rights, for the whole period", () => {
    const policies = new Map(parseGatePolicies([{ gateId: "lobby", mode: "face_or_card_or_pin" }, { gateId: "garage", mode: "card_and_pin" }]).map((p) => [p.gateId, p]));
    const person = { personRef: "p-1", rights: { gates: ["lobby", "garage"], validFrom: null, validUntil: null, schedule: null } };
    const card: CredentialRecord = { id: "c", personRef: "p-1", kind: "card", gates: null, validFrom: null, validUntil: null, revoked: false };
    const pin: CredentialRecord = { ...card, id: "p", kind: "pin" };
    expect(faceOnlyGates(person, [card], policies).map((p) => p.gateId)).toEqual(["garage"]);
    expect(faceOnlyGates(person, [card, pin], policies)).toEqual([]);
    expect(faceOnlyGates(person, [card, { ...pin, gates: ["lobby"] }], policies).map((p) => p.gateId)).toEqual(["garage"]);
    expect(faceOnlyGates(person, [card, { ...pin, revoked: true }], policies).map((p) => p.gateId)).toEqual(["garage"]);
    expect(faceOnlyGates({ ...person, rights: { ...person.rights, validUntil: 2000 } }, [{ ...card, validUntil: 1000 }, pin], policies).map((p) => p.gateId)).toEqual(["garage"]);
    expect(faceOnlyGates({ ...person, rights: { ...person.rights, gates: [] } }, [], policies)).toEqual([]);
    expect(() => assertNotFaceOnly(person, [], policies)).toThrow(/^people\.p-1: no card or pin usable at gate "lobby".*\(L2\)/);
  });

  it("validates schedules", () => {
    expect(parseSchedule({ windows: [{ days: [1], from: "08:00", to: "24:00" }] }, "s").utcOffsetMinutes).toBe(480);
    expect(() => parseSchedule({ windows: [{ days: [8], from: "08:00", to: "09:00" }] }, "s")).toThrow(/s\.windows\[0\]\.days/);
    expect(() => parseSchedule({ windows: [{ days: [1], from: "24:00", to: "06:00" }] }, "s")).toThrow(/s\.windows\[0\]\.from: must be "HH:MM" before 24:00/);
    // One ScheduleWindow for the contract and the policy: a window past midnight is one window.
    const night = parseSchedule({ windows: [{ days: [5], from: "22:00", to: "06:00" }] }, "s");
    expect(scheduleAllows(night, Date.parse("2026-01-09T23:00:00+08:00"))).toBe(true); // Friday night
    expect(scheduleAllows(night, Date.parse("2026-01-10T05:00:00+08:00"))).toBe(true); // Saturday morning
    expect(scheduleAllows(night, Date.parse("2026-01-10T07:00:00+08:00"))).toBe(false);
    expect(scheduleAllows(night, Date.parse("2026-01-09T05:00:00+08:00"))).toBe(false); // Friday morning: Thursday night is not in
  });

});
