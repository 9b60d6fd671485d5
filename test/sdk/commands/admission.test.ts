/**
 * Command admission (sdk/commands/admission.ts) over facts: every refusal of the contract,
 * in its order, with the codes and messages operators see. The processor's own tests
 * (processor.test.ts) send real signed commands through the shell.
 */
import { describe, expect, it } from "vitest";
import { type AdmissionFacts, DEFAULT_COMMAND_LIMITS, admit, establish } from "../../../sdk/commands/admission.js";
import { CommandError } from "../../../sdk/protocol/command-error.js";
import type { CommandEnvelope, CommandResultMessage } from "../../../sdk/protocol/index.js";

const NOW = Date.UTC(2026, 2, 1, 9);
const RULES = { identity: { site: "estate-7", gate: "north" }, limits: DEFAULT_COMMAND_LIMITS };
const ENV: CommandEnvelope = { v: 2, id: "cmd-1", site: "estate-7", gate: "north", type: "gate.status", sealed: "c2VhbGVk", issuedAt: NOW - 1_000, expiresAt: NOW + 60_000, keyId: "k-office", signature: "c2ln" };
const ADMIN = { role: "admin" as const, label: "estate office", removedAt: null };

/** An authentic, addressed, fresh gate.status from an admin key, never seen before. */
function facts(change: Partial<AdmissionFacts> = {}, env: Partial<CommandEnvelope> = {}): AdmissionFacts {
  return { size: 300, envelope: { ok: true, envelope: { ...ENV, ...env } as CommandEnvelope }, key: ADMIN, signatureValid: true, contentHash: "h-1", stored: null, now: NOW, opened: { ok: true, body: {} }, handler: {}, ...change };
}
const code = (f: AdmissionFacts) => {
  const a = admit(f, RULES);
  return a.verdict === "refused" ? a.refusal.code : a.verdict;
};

describe("command admission", () => {
  it("admits an authentic, addressed, fresh command of a known type and role, with its validated body", () => {
    expect(admit(facts(), RULES)).toEqual({ verdict: "admitted", envelope: ENV, type: "gate.status", key: ADMIN, body: {} });
  });

  it.each<[string, Partial<AdmissionFacts>, Partial<CommandEnvelope>, string, string]>([
    ["too large", { size: DEFAULT_COMMAND_LIMITS.maxBytes + 1, envelope: undefined }, {}, "command_oversized", `command is ${DEFAULT_COMMAND_LIMITS.maxBytes + 1} bytes; the limit is ${DEFAULT_COMMAND_LIMITS.maxBytes}`],
    ["not JSON", { envelope: "not_json" }, {}, "command_malformed", "command is not valid JSON"],
    ["an envelope refused by its shape", { envelope: { ok: false, code: "command_unsigned", message: "command: has no keyId and signature" } }, {}, "command_unsigned", "command: has no keyId and signature"],
    ["addressed to another gate", {}, { gate: "south" }, "command_misaddressed", "command is addressed to estate-7/south, this is estate-7/north"],
    ["signed by a key the device does not know", { key: null }, {}, "command_unknown_key", "key k-office is not an operator key of this device"],
    ["with a signature that does not verify", { signatureValid: false }, {}, "command_bad_signature", "the signature does not verify"],
    ["an id used for other content", { stored: { contentHash: "h-other", keyId: "k-office", result: null } }, {}, "command_replayed", "command id cmd-1 was already used for a different command"],
    ["an id used by another key", { stored: { contentHash: "h-1", keyId: "k-other", result: null } }, {}, "command_replayed", "command id cmd-1 was already used for a different command"],
    ["an id still running", { stored: { contentHash: "h-1", keyId: "k-office", result: null } }, {}, "command_replayed", "command cmd-1 is still running"],
    ["from a removed key", { key: { ...ADMIN, removedAt: NOW - 5 } }, {}, "command_key_revoked", "key k-office was removed from this device"],
    ["issued beyond the clock skew", {}, { issuedAt: NOW + 5 * 60_000 + 1, expiresAt: NOW + 6 * 60_000 }, "command_not_yet_valid", "command is issued in the future (check the operator's clock)"],
    ["expired", {}, { expiresAt: NOW }, "command_expired", "command has expired"],
    ["valid longer than 24 h", {}, { issuedAt: NOW - 1, expiresAt: NOW + 24 * 3_600_000 }, "command_ttl_too_long", "command validity must be positive and at most 86400000 ms"],
    ["of an unknown type", {}, { type: "door.open" as never }, "command_unknown_type", "unknown command type 'door.open'"],
    ["from a role that may not issue it", { key: { ...ADMIN, role: "auditor" }, opened: { ok: true, body: { version: "1", policy: { mode: "card" } } } }, { type: "policy.set" as never }, "command_forbidden", "role auditor may not issue policy.set"],
    ["whose sealed body does not open with this gate's key", { opened: { ok: false, code: "command_unsealable", message: "command body is not sealed to this gate's box key (or was altered)" } }, {}, "command_unsealable", "command body is not sealed to this gate's box key (or was altered)"],
    ["whose opened body is no JSON object", { opened: { ok: false, code: "command_malformed", message: "command body: must be a JSON object" } }, {}, "command_malformed", "command body: must be a JSON object"],
    ["with a body field the contract does not know", { opened: { ok: true, body: { colour: "red" } } }, {}, "command_unknown_field", "body.colour: unknown field"],
    ["without a handler on this device", { handler: null }, {}, "command_unsupported", "this device has no handler for gate.status yet"],
  ])("refuses a command %s", (_name, change, env, expectedCode, message) => {
    const a = admit(facts(change, env), RULES);
    expect(a).toMatchObject({ verdict: "refused", refusal: { code: expectedCode, message } });
  });

  it("checks in the contract's order: the first failing check is the answer", () => {
    const misaddressedForgery = facts({ key: null, signatureValid: false }, { gate: "south", expiresAt: NOW });
    expect(code(misaddressedForgery)).toBe("command_misaddressed");
    expect(code(facts({ signatureValid: false, key: { ...ADMIN, removedAt: 1 } }))).toBe("command_bad_signature");
    expect(code(facts({ key: { ...ADMIN, removedAt: 1 } }, { expiresAt: NOW }))).toBe("command_key_revoked");
    expect(code(facts({ handler: null, opened: { ok: true, body: { colour: "red" } } }))).toBe("command_unknown_field");
    expect(code(facts({ opened: { ok: false, code: "command_unsealable", message: "" } }, { type: "door.open" as never }))).toBe("command_unknown_type");
    expect(code(facts({ stored: { contentHash: "h-other", keyId: "k-office", result: null } }, { expiresAt: NOW }))).toBe("command_replayed");
  });

  it("names the claimed key before authentication and the signer after; only authenticated refusals are kept by id", () => {
    const before = admit(facts({ signatureValid: false }), RULES);
    expect(before).toMatchObject({ refusal: { audit: { claimedKeyId: "k-office", commandType: "gate.status" }, keep: false } });
    const replay = admit(facts({ stored: { contentHash: "h-other", keyId: "k-office", result: null } }), RULES);
    expect(replay).toMatchObject({ refusal: { audit: { actor: "k-office", commandType: "gate.status" }, keep: false } });
    const expired = admit(facts({}, { expiresAt: NOW }), RULES);
    expect(expired).toMatchObject({ refusal: { audit: { actor: "k-office" }, keep: true } });
    expect(admit(facts({ size: 10 ** 9 }), RULES)).toMatchObject({ refusal: { audit: {}, keep: false } });
  });

  it("answers an identical re-send with the stored result", () => {
    const result = { commandId: "cmd-1", status: "ok" } as CommandResultMessage;
    expect(admit(facts({ stored: { contentHash: "h-1", keyId: "k-office", result } }), RULES)).toEqual({ verdict: "resend", result });
  });

  it("runs the handler's own body check once authenticated, and answers its refusal as an invalid body", () => {
    let checked = 0;
    const handler = {
      validate: () => {
        checked++;
        throw new CommandError("command_invalid_body", "body.policy: not for this gate");
      },
    };
    expect(admit(facts({ signatureValid: false, handler }), RULES).verdict).toBe("refused");
    expect(checked).toBe(0);
    expect(admit(facts({ handler }), RULES)).toMatchObject({ refusal: { code: "command_invalid_body", message: "body.policy: not for this gate", keep: true } });
    expect(checked).toBe(1);
  });

  it("fails (command_failed) when a fact it reaches could not be established, or a check throws something else", () => {
    const broken = establish(() => {
      throw new Error("database is locked");
    });
    expect(admit(facts({ key: broken }), RULES)).toEqual({ verdict: "failed", error: new Error("database is locked") });
    expect(admit(facts({ signatureValid: broken }), RULES).verdict).toBe("failed");
    expect(admit(facts({ stored: broken }), RULES).verdict).toBe("failed");
    expect(admit(facts({ handler: { validate: () => { throw new TypeError("bug"); } } }), RULES).verdict).toBe("failed");
    // A broken lookup after an earlier refusal does not change the answer.
    expect(code(facts({ key: broken }, { gate: "south" }))).toBe("command_misaddressed");
    expect(code(facts({ stored: broken, signatureValid: false }))).toBe("command_bad_signature");
  });
});
