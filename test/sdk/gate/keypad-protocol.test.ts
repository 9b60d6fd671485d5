import { describe, expect, it } from "vitest";
import type { KeypadKey } from "../../../sdk/hal/keypad.js";
import { EMPTY_ENTRY, type KeypadAction, keypadStep } from "../../../sdk/gate/keypad-protocol.js";

function type(keys: string, at = 0, timeoutMs = 10_000): KeypadAction[] {
  let entry = EMPTY_ENTRY;
  const actions: KeypadAction[] = [];
  for (const k of keys) {
    const r = keypadStep(entry, k as KeypadKey, at, timeoutMs);
    entry = r.entry;
    if (r.action.type !== "none") actions.push(r.action);
  }
  return actions;
}

describe("keypad protocol", () => {
  it("code * PIN # submits a coded PIN; PIN # submits a bare PIN", () => {
    expect(type("101*4829#")).toEqual([{ type: "submit", code: "101", digits: "4829" }]);
    expect(type("4829#")).toEqual([{ type: "submit", code: null, digits: "4829" }]);
  });

  it("* on an empty entry opens the privacy menu; # on an empty entry cancels", () => {
    expect(type("*")).toEqual([{ type: "menu" }]);
    expect(type("#")).toEqual([{ type: "cancel" }]);
    expect(type("101**")).toEqual([{ type: "cancel" }]);
  });

  it("discards an idle entry and an overlong one", () => {
    let r = keypadStep(EMPTY_ENTRY, "1", 0, 10_000);
    r = keypadStep(r.entry, "2", 20_000, 10_000);
    r = keypadStep(r.entry, "#", 20_001, 10_000);
    expect(r.action).toEqual({ type: "submit", code: null, digits: "2" });
    expect(type("1".repeat(21))).toEqual([{ type: "overflow" }]);
  });
});
