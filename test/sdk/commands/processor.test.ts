import { beforeEach, describe, expect, it } from "vitest";
import { canonicalJson, type CommandBodies, type CommandEnvelope, type CommandResultMessage, type CommandType, type DeletionReceipt, toBase64 } from "../../../sdk/protocol/index.js";
import { sha256Hex } from "../../../sdk/crypto/hash.js";
import { signCommand, verifyResultSignature } from "../../../sdk/crypto/signatures.js";
import { type Ed25519KeyPair, generateEd25519KeyPair } from "../../../sdk/crypto/keys.js";
import { loadSodium, type Sodium } from "../../../sdk/crypto/sodium.js";
import { NotFoundError } from "../../../sdk/errors.js";
import { buildCommand } from "../../../sdk/operator/command-builder.js";
import { sealBody } from "../../../sdk/crypto/sealed-body.js";
import { type Harness, auditedRefusalCodes, identity, makeHarness } from "./harness.js";

let h: Harness;
let sodium: Sodium;

beforeEach(async () => {
  sodium = await loadSodium();
  h = await makeHarness();
});

const cmd = <T extends CommandType>(type: T, body: CommandBodies[T], key: Ed25519KeyPair = h.admin, extra: Partial<CommandEnvelope> = {}) =>
  buildCommand({ ...identity, type, body, key, sealTo: h.boxPublicKey, clock: h.clock }).then((c) => ({ ...c, ...extra }) as CommandEnvelope<T>);

/** The envelope with another body sealed in (its signature no longer covers it until re-signed). */
const reseal = <T extends CommandType>(c: CommandEnvelope<T>, body: unknown, to: Uint8Array = h.boxPublicKey): CommandEnvelope<T> => ({ ...c, sealed: sealBody(sodium, body as never, to) });

const send = async (c: unknown): Promise<CommandResultMessage> => {
  const r = await h.processor.process(typeof c === "string" ? c : JSON.stringify(c));
  expect(verifyResultSignature(sodium, r, h.deviceKey.publicKey), "every result is signed by the device key").toBe(true);
  return r;
};

const resign = (c: CommandEnvelope, key: Ed25519KeyPair = h.admin): CommandEnvelope => {
  const { signature: _s, ...unsigned } = c;
  return signCommand(sodium, unsigned, key.secretKey);
};


describe("CommandProcessor", () => {
  it("runs a valid command and audits it with the key that signed it (L12)", async () => {
    const c = await cmd("gate.status", {});
    const r = await send(c);
    expect(r).toMatchObject({ v: 2, commandId: c.id, status: "ok", site: "estate-7", gate: "north", deviceKeyId: h.signer.keyId });
    expect(r.requestHash).toBe(sha256Hex(canonicalJson(c)));
    expect(r.result).toMatchObject({ site: "estate-7", gate: "north", contractVersion: 2, operatorKeys: { active: 3, admins: 1 } });
    expect(h.audit.ofType("command.accepted")).toEqual([
      expect.objectContaining({ actor: h.admin.keyId, subject: c.id, details: expect.objectContaining({ commandType: "gate.status", role: "admin", keyLabel: "estate office" }) }),
    ]);
    expect(h.audit.ofType("command.completed")[0]).toMatchObject({ actor: h.admin.keyId, subject: c.id, details: { status: "ok" } });
  });

  it("returns the stored result for an identical re-send, and refuses the same id with other content", async () => {
    const c = await cmd("gate.status", {});
    const first = await send(c);
    h.clock.advance(1000);
    expect(await send(c)).toEqual(first);
    const other = resign({ ...(await cmd("audit.export", { offset: 0, limit: 1 })), id: c.id });
    const r = await send(other);
    expect(r.error?.code).toBe("command_replayed");
    expect(h.audit.ofType("command.accepted")).toHaveLength(1);
  });

  it("refuses forged, wrongly signed, unsigned, expired, future, oversized, malformed and misaddressed commands with signed errors, all audited, and keeps working", async () => {
    const stranger = await generateEd25519KeyPair();
    const good = await cmd("gate.status", {});
    const cases: Array<[string, unknown]> = [
      ["command_unknown_key", await cmd("gate.status", {}, stranger)],
      ["command_bad_signature", { ...(await cmd("gate.status", {}, stranger)), keyId: h.admin.keyId }],
      ["command_bad_signature", reseal(good, { x: 1 })],
      ["command_unsigned", (({ signature: _s, ...rest }) => rest)(await cmd("gate.status", {}))],
      ["command_unsigned", { ...(await cmd("gate.status", {})), signature: "" }],
      ["command_expired", resign({ ...(await cmd("gate.status", {})), issuedAt: h.clock.now() - 120_000, expiresAt: h.clock.now() - 1 })],
      ["command_not_yet_valid", resign({ ...(await cmd("gate.status", {})), issuedAt: h.clock.now() + 3_600_000, expiresAt: h.clock.now() + 3_700_000 })],
      ["command_ttl_too_long", resign({ ...(await cmd("gate.status", {})), expiresAt: h.clock.now() + 30 * 24 * 3_600_000 })],
      ["command_oversized", JSON.stringify({ ...good, sealed: "A".repeat(70 * 1024) })],
      ["command_malformed", "{not json"],
      ["command_malformed", "[1,2,3]"],
      ["command_malformed", { ...good, v: 1 }],
      ["command_unknown_field", (({ sealed: _s, ...rest }) => ({ ...rest, body: {} }))(good)],
      ["command_misaddressed", resign({ ...(await cmd("gate.status", {})), gate: "south" })],
      ["command_unknown_field", { ...good, priority: "high" }],
      ["command_unknown_type", resign({ ...(await cmd("gate.status", {})), type: "door.open" as CommandType })],
      ["command_invalid_body", resign(reseal(await cmd("audit.export", { offset: 0, limit: 1 }), { offset: -1, limit: 1 }))],
      ["command_unknown_field", resign(reseal(await cmd("gate.status", {}), { verbose: true }))],
      ["command_unsealable", resign(reseal(await cmd("gate.status", {}), {}, sodium.crypto_box_keypair().publicKey))],
      ["command_malformed", resign({ ...(await cmd("gate.status", {})), sealed: toBase64(sodium.crypto_box_seal(new TextEncoder().encode("[1,2]"), h.boxPublicKey)) })],
    ];
    for (const [code, c] of cases) {
      const r = await send(c);
      expect(r.status, code).toBe("error");
      expect(r.error?.code, JSON.stringify(c).slice(0, 120)).toBe(code);
      expect(r.result).toBeUndefined();
    }
    expect(auditedRefusalCodes(h)).toEqual(cases.map(([code]) => code).sort());
    // Authenticated refusals are audited one by one with their actor; the others are counted
    // per claimed source into one summary entry each (a flood cannot grow the log per message).
    expect(h.audit.ofType("command.rejected").find((e) => e.details["code"] === "command_unknown_key")).toBeUndefined();
    expect(h.audit.ofType("command.rejected_summary").find((e) => e.details["source"] === stranger.keyId)?.details).toMatchObject({ codes: { command_unknown_key: 1 } });
    expect(h.audit.ofType("command.rejected").find((e) => e.details["code"] === "command_expired")?.actor).toBe(h.admin.keyId);
    // Still working, and the refused command ids were not used up by the forgeries.
    expect((await send(good)).status).toBe("ok");
  });

  it("refuses a role that may not issue the type", async () => {
    const r = await send(await cmd("subject.delete", { subjectRef: "s-1", reason: "court_order" }, h.auditor));
    expect(r.error?.code).toBe("command_forbidden");
    const r2 = await send(await cmd("operator.key_add", { publicKey: toBase64(h.auditor.publicKey), role: "admin", label: "me" }, h.operator));
    expect(r2.error?.code).toBe("command_forbidden");
  });

  it("refuses commands of a key removed by an admin, while the admin's keep working", async () => {
    expect((await send(await cmd("gate.status", {}, h.operator))).status).toBe("ok");
    const removed = await send(await cmd("operator.key_remove", { keyId: h.operator.keyId }));
    expect(removed).toMatchObject({ status: "ok", result: { keyId: h.operator.keyId, removed: true } });
    expect(h.audit.ofType("operator.key_removed")[0]).toMatchObject({ actor: h.admin.keyId, subject: h.operator.keyId });
    const r = await send(await cmd("gate.status", {}, h.operator));
    expect(r.error?.code).toBe("command_key_revoked");
    expect((await send(await cmd("gate.status", {}))).status).toBe("ok");
  });

  it("adds a key by admin command; the new key works with its role", async () => {
    const fresh = await generateEd25519KeyPair();
    const r = await send(await cmd("operator.key_add", { publicKey: toBase64(fresh.publicKey), role: "auditor", label: "regulator" }));
    expect(r).toMatchObject({ status: "ok", result: { keyId: fresh.keyId, role: "auditor" } });
    expect((await send(await cmd("audit.export", { offset: 0, limit: 5 }, fresh))).status).toBe("ok");
    expect((await send(await cmd("subject.delete", { subjectRef: "s-1", reason: "other" }, fresh))).error?.code).toBe("command_forbidden");
  });

  it("will not remove the last admin key", async () => {
    const r = await send(await cmd("operator.key_remove", { keyId: h.admin.keyId }));
    expect(r.error?.code).toBe("last_admin_key");
    expect(h.registry.get(h.admin.keyId)?.removedAt).toBeNull();
  });

  it("exports the audit log in chunks", async () => {
    const total0 = h.audit.size();
    const a = await send(await cmd("audit.export", { offset: 0, limit: 2 }, h.auditor));
    expect(a.result).toMatchObject({ offset: 0, nextOffset: 2 });
    const res = a.result as { entries: unknown[]; total: number };
    expect(res.entries).toHaveLength(2);
    expect(res.total).toBe(total0 + 1); // includes this command's own accepted entry
    const last = await send(await cmd("audit.export", { offset: res.total - 1, limit: 500 }, h.auditor));
    expect(last.result).toMatchObject({ nextOffset: null });
  });

  it("answers command_unsupported until a handler is plugged in, then runs it", async () => {
    const body = { subjectRef: "s-1", reason: "court_order" as const, reference: "case-2026-17" };
    expect((await send(await cmd("subject.delete", body))).error?.code).toBe("command_unsupported");
    h.processor.registerHandler("subject.delete", {
      handle: (b, ctx) => ({ subjectRef: b.subjectRef, receipt: { type: "deletion-receipt", subjectRef: b.subjectRef, commandId: ctx.commandId, signature: "sig" } as unknown as DeletionReceipt }),

    });
    const r = await send(await cmd("subject.delete", body, h.operator));
    expect(r).toMatchObject({ status: "ok", result: { subjectRef: "s-1", receipt: { type: "deletion-receipt" } } });
  });

  it("answers a handler's FacegateError with its code, and withholds results that would leak a PIN or template (L6)", async () => {
    h.processor.registerHandler("person.end_access", {
      handle: () => {
        throw new NotFoundError("no such person");
      },
    });
    h.processor.registerHandler("person.upsert", { handle: (b) => ({ personRef: b.personRef, credentials: { cardCount: 1, hasPin: true }, pin: b.pin }) as never });
    expect((await send(await cmd("person.end_access", { personRef: "p-9" }))).error).toEqual({ code: "not_found", message: "no such person" });
    const r = await send(await cmd("person.upsert", { personRef: "p-1", pin: "123456" }));
    expect(r.error?.code).toBe("command_failed");
    expect(JSON.stringify(r)).not.toContain("123456");
    expect(JSON.stringify(h.audit.entries())).not.toContain("123456");
  });

  it("answers commands interrupted by a crash as command_interrupted after restart", async () => {
    let release!: () => void;
    let handlerStarted!: () => void;
    const started = new Promise<void>((r) => (handlerStarted = r));
    h.processor.registerHandler("policy.set", {
      handle: () =>
        new Promise((r) => {
          release = () => r({ version: "x" });
          handlerStarted();
        }),
    });
    const c = await cmd("policy.set", { version: "2026-03", policy: { faceOnly: false } });
    void h.processor.process(JSON.stringify(c));
    await started; // the command is recorded as pending, its handler still running
    // A second processor on the same database plays the restarted device.
    const { CommandProcessor } = await import("../../../sdk/commands/processor.js");
    const again = await CommandProcessor.create({ db: h.db, clock: h.clock, audit: h.audit, signer: h.signer, boxKey: h.boxKey, registry: h.registry, identity });
    expect(again.recoverInterrupted()).toBe(1);
    const r = await again.process(JSON.stringify(c));
    expect(r.error?.code).toBe("command_interrupted");
    release();
  });
});
