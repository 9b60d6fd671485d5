/**
 * L7, L8, L12 on the real runtime, through a real broker: an operator deletes a resident's
 * face data with a signed `subject.delete` and gets back a deletion receipt signed by the
 * device, which verifies offline against the device's public signing key (the function
 * behind `facegate receipt verify`).
 *
 * The resident is set up the way a property office does it remotely: person.upsert (card
 * and PIN, L2), consent.record (a separate written consent, L1), enroll.photo (a photo
 * sealed to the device key). Everything on the device side is real: SQLite files,
 * libsodium, the ONNX models on the fixture photos, the gallery index, the audit log.
 * Only the door hardware and the clock are simulated.
 *
 * SPEC section 5 asks for "command sent to receipt received, through a real broker,
 * within 1 s". The figure is printed (console.info, "deletion round trip: ..."); the test
 * only asserts a generous bound so that a loaded CI machine cannot make it flaky.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultModelsDir } from "../../../models/manifest.js";
import { verifyAuditExport } from "../../../sdk/audit/audit-verify.js";
import { type DeletionReceipt, toBase64 } from "../../../sdk/protocol/index.js";
import { loadSodium } from "../../../sdk/crypto/sodium.js";
import { verifyReceipt } from "../../../sdk/crypto/signatures.js";
import { TEXT } from "../../../sdk/gate/display-texts.js";
import { downloadAuditLog } from "../../../sdk/operator/audit-download.js";
import { type FacePipeline, createFacePipeline } from "../../../sdk/vision/index.js";
import { findLeaks } from "../../../device/scenario/scenario-runner.js";
import { startTestBroker, type TestBroker } from "../../support/broker.js";
import { dbFiles, findBytes, windows } from "../../support/db-files.js";
import { facePath, facesAvailable } from "../../support/faces.js";
import { type MqttGate, startMqttGate } from "../../support/mqtt-gate.js";
import { verifiedModels } from "../../../models/verify.js";

const GATES = [{ gateId: "lobby", mode: "face_or_card_or_pin" }];
const DAY = 86_400_000;
const RESIDENT = { personRef: "p-res-0101", card: "C0FFEE0101", pin: "482913", photo: "amy" };
/** Further residents for the timing rounds; each enrolls from `<name>2.png` (one usable face in each: measured). */
const OTHERS = ["bernadette", "howard", "leonard", "penny", "raj", "sheldon"];

let broker: TestBroker;
let pipeline: FacePipeline;
let g: MqttGate;
const roundTripsMs: number[] = [];

beforeAll(async () => {
  broker = await startTestBroker();
  pipeline = await createFacePipeline({ models: verifiedModels(defaultModelsDir() )});
  g = await startMqttGate({ broker, gates: GATES, pipeline });
});
afterAll(async () => {
  await g?.close();
  await pipeline?.close();
  await broker?.stop();
});


/** person.upsert, consent.record and enroll.photo over MQTT, as the property office does. */
async function enrollResident(personRef: string, card: string, pin: string, photo: string): Promise<void> {
  await g.sendOk("person.upsert", { personRef, cards: [card], pin });
  // The operator knows the notice hash from the retained notice topic; the device's copy is the same.
  const noticeHash = g.sim.runtime.store.consents.currentNotice()!.hash;
  const now = g.sim.clock.now();
  await g.sendOk("consent.record", {
    subjectRef: personRef,
    personRef,
    noticeHash,
    scope: { purpose: "entry_verification", gates: ["lobby"] },
    method: "written",
    collectedBy: "staff-7",
    givenAt: now,
    expiresAt: now + 90 * DAY,
    evidence: { kind: "paper_form", sha256: "ab".repeat(32), reference: `form-${personRef}-${now}` },
  });
  const sodium = await loadSodium();
  const sealed = sodium.crypto_box_seal(readFileSync(photo), g.sim.runtime.store.publicKeys.boxPublicKey);
  const enrolled = await g.sendOk("enroll.photo", { subjectRef: personRef, sealedPhoto: toBase64(sealed) });
  expect(enrolled).toMatchObject({ subjectRef: personRef, enrolled: true });
}

/** Sends subject.delete and times it from before signing to a receipt verified against the device key. */
async function deleteAndVerify(personRef: string): Promise<{ receipt: DeletionReceipt; ms: number }> {
  const started = performance.now();
  const r = await g.send("subject.delete", { subjectRef: personRef, reason: "resident_request", reference: "ticket-4711" });
  if (r.status !== "ok" || !r.result) throw new Error(`subject.delete failed: ${r.error?.code}: ${r.error?.message}`);
  const receipt = r.result.receipt as unknown as DeletionReceipt;
  const verified = await verifyReceipt(receipt, g.devicePublicKey);
  const ms = performance.now() - started;
  expect(verified).toEqual({ ok: true });
  roundTripsMs.push(ms);
  return { receipt, ms };
}

function rowsOf(table: "templates" | "subject_keys", personRef: string): Array<Record<string, unknown>> {
  return g.sim.db.prepare(`SELECT * FROM ${table} WHERE subject_id = ?`).all(personRef) as Array<Record<string, unknown>>;
}

/** Presents a face at the door and returns the decisions it caused. */
async function present(image: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  const sim = g.sim;
  sim.hardware.leave();
  await sim.gate.idle();
  sim.clock.advance(10_000); // past the unlock time and the gate's face-repeat quiet period
  await sim.settle();
  const from = sim.events.events.length;
  await sim.hardware.presentFace(image);
  await sim.settle();
  return sim.events.events.slice(from).filter((e) => e.type === "access.granted" || e.type === "access.denied");
}

describe("subject.delete through the broker on the real runtime (L7, L8, L12)", () => {
  it.skipIf(!facesAvailable)("deletes the resident's face data for good, with a receipt that verifies against the device key; the card still works", async () => {
    const sim = g.sim;
    const { personRef, card, pin } = RESIDENT;
    await enrollResident(personRef, card, pin, facePath("identities", "amy", "amy1.png"));

    // Before: recognised at the door, one sealed template and one wrapped data key on disk.
    const probe = facePath("identities", "amy", "amy2.png");
    const before = await present(probe);
    expect(before).toEqual([expect.objectContaining({ type: "access.granted", data: expect.objectContaining({ method: "face", personRef }) })]);
    expect(sim.runtime.index.has(personRef)).toBe(true);
    const [template] = rowsOf("templates", personRef);
    const [wrapped] = rowsOf("subject_keys", personRef);
    expect(template).toBeDefined();
    expect(wrapped).toBeDefined();
    const ciphertext = template!["ciphertext"] as Buffer;
    const wrappedKey = wrapped!["wrapped_key"] as Buffer;
    // Positive control for the byte scan below: the sealed template is on disk now.
    expect(findBytes(dbFiles(join(sim.runtime.config.dataDir, "facegate.db")), [ciphertext.subarray(0, 64)]).length).toBeGreaterThan(0);

    const pulsesBefore = sim.hardware.pulses.length;
    const { receipt } = await deleteAndVerify(personRef);

    // The receipt: what, why, who asked, and where the audit log records it.
    expect(receipt).toMatchObject({
      subjectRef: personRef,
      trigger: "deletion_request",
      requestedBy: g.admin.keyId,
      deleted: { templates: 1, dataKeys: 1, consentsEnded: 1 },
      siteId: g.site,
      deviceKeyId: sim.runtime.store.publicKeys.keyId,
    });
    // The verification can fail: an edited receipt, or another device's key, does not verify.
    expect((await verifyReceipt({ ...receipt, deleted: { ...receipt.deleted, templates: 0 } }, g.devicePublicKey)).ok).toBe(false);
    const sodium = await loadSodium();
    expect((await verifyReceipt(receipt, sodium.crypto_sign_keypair().publicKey)).ok).toBe(false);

    // Gone from the gallery: the same photo that opened the door is no longer recognised.
    expect(sim.runtime.index.has(personRef)).toBe(false);
    const displayFrom = sim.hardware.display.history.length;
    expect(await present(probe)).toEqual([]);
    expect(sim.hardware.display.shownSince(displayFrom, TEXT.useCardOrPin)).toBe(true);
    expect(sim.hardware.pulses.length).toBe(pulsesBefore);

    // Gone from the database: no template, no wrapped key, consent ended, and not a byte of
    // the sealed template or wrapped key left in the file, the WAL or the shared memory (L7).
    expect(rowsOf("templates", personRef)).toEqual([]);
    expect(rowsOf("subject_keys", personRef)).toEqual([]);
    expect(sim.runtime.store.vault.counts(personRef)).toEqual({ templates: 0, dataKey: false, quarantined: false });
    expect(sim.runtime.store.consents.list(personRef).every((c) => c.endedAt !== undefined)).toBe(true);
    expect(findBytes(dbFiles(join(sim.runtime.config.dataDir, "facegate.db")), [...windows(ciphertext, 64), wrappedKey])).toEqual([]);

    // Declining or losing face costs nothing: the card still opens the door (L2).
    sim.clock.advance(10_000);
    const cardFrom = sim.events.events.length;
    sim.hardware.swipe(card);
    await sim.settle();
    expect(sim.events.events.slice(cardFrom).map((e) => [e.type, e.data["method"]])).toContainEqual(["access.granted", "card"]);
    expect(sim.hardware.pulses.length).toBe(pulsesBefore + 1);

    // The audit log, as a third party gets it (audit.export over the broker), verifies
    // offline and names the operator key that signed the deletion (L8, L12).
    const doc = await downloadAuditLog({
      chunk: 200,
      device: { keyId: sim.runtime.store.publicKeys.keyId, signingPublicKey: toBase64(g.devicePublicKey) },
      now: () => sim.clock.now(),
      fetchChunk: (offset, limit) => g.sendOk("audit.export", { offset, limit }),
    });
    expect((await verifyAuditExport(doc, g.devicePublicKey)).ok).toBe(true);
    const deleteCommand = doc.entries.filter((e) => e.details["commandType"] === "subject.delete");
    expect(deleteCommand.map((e) => [e.type, e.actor])).toEqual([
      ["command.accepted", g.admin.keyId],
      ["command.completed", g.admin.keyId],
    ]);
    expect(deleteCommand[1]!.details["status"]).toBe("ok");
    const completed = doc.entries.find((e) => e.type === "deletion.completed" && e.subject === personRef);
    expect(completed).toMatchObject({ actor: g.admin.keyId, seq: receipt.audit.seq, hash: receipt.audit.hash });
    expect(doc.entries.find((e) => e.type === "deletion.request_details" && e.subject === personRef)).toMatchObject({
      actor: g.admin.keyId,
      details: { receiptId: receipt.receiptId, reason: "resident_request", reference: "ticket-4711" },
    });

    // No card number, PIN or biometric-looking value in any event, log line or audit entry.
    expect(findLeaks(sim.events.events, sim.logs.records, [card, pin])).toEqual([]);
    const auditText = JSON.stringify(doc.entries);
    expect(auditText.includes(card) || auditText.includes(pin)).toBe(false);
  });

  it.skipIf(!facesAvailable)("answers each deletion with a verified receipt well within the 1 s target (figure printed)", async () => {
    for (const [i, name] of OTHERS.entries()) {
      const personRef = `p-res-02${i}`;
      g.sim.clock.advance(60_000);
      await enrollResident(personRef, `C0FFEE02${i}0`, `5${i}7${i}3${i}`, facePath("identities", name, `${name}2.png`));
      expect(g.sim.runtime.index.has(personRef)).toBe(true);
      const { receipt } = await deleteAndVerify(personRef);
      expect(receipt.deleted).toMatchObject({ templates: 1, dataKeys: 1 });
      expect(g.sim.runtime.index.has(personRef)).toBe(false);
    }
    const sorted = [...roundTripsMs].sort((a, b) => a - b);
    const p50 = sorted[Math.floor((sorted.length - 1) / 2)]!;
    const max = sorted[sorted.length - 1]!;
    const brokerName = process.env["FACEGATE_MQTT_URL"] ? `broker ${process.env["FACEGATE_MQTT_URL"]}, MQTT ${broker.protocolVersion}` : `in-process aedes, MQTT ${broker.protocolVersion}`;
    console.info(
      `deletion round trip (subject.delete sent -> signed receipt verified, ${sorted.length} runs, ${brokerName}): p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms [${roundTripsMs.map((m) => m.toFixed(1)).join(", ")}]`,
    );
    expect(sorted.length).toBeGreaterThanOrEqual(OTHERS.length);
    expect(max).toBeLessThan(5_000);
  });
});
