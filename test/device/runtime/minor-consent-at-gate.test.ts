/**
 * L10 on the real runtime: a child under 14 cannot give face consent alone at the gate's
 * privacy menu. The property office marks the person a minor with `person.upsert`
 * (`minor: true`, a signed command through a real broker); the runtime hands the privacy
 * desk that flag (PersonFlags), and the desk refuses the keypad consent. The way that
 * works is the guardian's consent, collected by staff and recorded with `consent.record`
 * naming the guardian, under the stricter term for minors; after that the child may
 * enroll at the gate like anyone else (L11).
 *
 * An adult going through the same keys is the control: their consent is recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultModelsDir } from "../../../models/manifest.js";
import type { CommandBodies } from "../../../sdk/protocol/index.js";
import { type FacePipeline, createFacePipeline } from "../../../sdk/vision/index.js";
import { findLeaks } from "../../../device/scenario/scenario-runner.js";
import { startTestBroker, type TestBroker } from "../../support/broker.js";
import { facePath, facesAvailable } from "../../support/faces.js";
import { type MqttGate, startMqttGate } from "../../support/mqtt-gate.js";
import { verifiedModels } from "../../../models/verify.js";

const DAY = 86_400_000;
const CHILD = { personRef: "p-res-0303-c", card: "C0FFEE0303", pin: "730419" };
const ADULT = { personRef: "p-res-0303-a", card: "C0FFEE0304", pin: "618240" };

let broker: TestBroker;
let pipeline: FacePipeline;
let g: MqttGate;

beforeAll(async () => {
  broker = await startTestBroker();
  pipeline = await createFacePipeline({ models: verifiedModels(defaultModelsDir() )});
  g = await startMqttGate({ broker, gates: [{ gateId: "lobby", mode: "face_or_card_or_pin" }], pipeline });
});
afterAll(async () => {
  await g?.close();
  await pipeline?.close();
  await broker?.stop();
});


/** At the keypad: `*`, card, PIN, then menu option 2 (notice, then consent) and `#` to consent. Returns the events it caused. */
async function consentAtGate(person: { card: string; pin: string }): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  const sim = g.sim;
  sim.clock.advance(60_000);
  await sim.settle();
  const from = sim.events.events.length;
  for (const input of [() => sim.hardware.typeKeys("*"), () => sim.hardware.swipe(person.card), () => sim.hardware.typePin(person.pin), () => sim.hardware.typeKeys("2"), () => sim.hardware.typeKeys("#")]) {
    expect(input()).toBe(true);
    await sim.settle();
  }
  return sim.events.events.slice(from);
}

function consentBody(personRef: string, over: Partial<CommandBodies["consent.record"]> = {}): CommandBodies["consent.record"] {
  const now = g.sim.clock.now();
  return {
    subjectRef: personRef,
    personRef,
    noticeHash: g.sim.runtime.store.consents.currentNotice()!.hash,
    scope: { purpose: "entry_verification", gates: ["lobby"] },
    method: "written",
    collectedBy: "staff-7",
    givenAt: now,
    expiresAt: now + 90 * DAY,
    evidence: { kind: "paper_form", sha256: "cd".repeat(32), reference: `form-${personRef}` },
    ...over,
  };
}

describe("a minor cannot consent to face recognition alone at the gate (L10)", () => {
  it("refuses the child's keypad consent, records the adult's, and takes the guardian's through the office", async () => {
    const sim = g.sim;
    await g.sendOk("person.upsert", { personRef: CHILD.personRef, cards: [CHILD.card], pin: CHILD.pin, minor: true });
    await g.sendOk("person.upsert", { personRef: ADULT.personRef, cards: [ADULT.card], pin: ADULT.pin });

    // The child: menu opens (card and PIN), the notice is shown, and `#` is refused.
    const displayFrom = sim.hardware.display.history.length;
    const child = await consentAtGate(CHILD);
    expect(child.map((e) => e.type)).toEqual(["privacy.menu_opened", "privacy.notice_shown", "privacy.action_failed"]);
    expect(child[2]!.data).toEqual({ personRef: CHILD.personRef, action: "give_consent", code: "consent_guardian_required" });
    expect(sim.hardware.display.shownSince(displayFrom, "That did not work (consent_guardian_required)")).toBe(true);
    expect(sim.runtime.store.consents.list(CHILD.personRef)).toEqual([]);
    expect(sim.runtime.store.audit.entries().some((e) => e.type === "consent.given" && e.subject === CHILD.personRef)).toBe(false);

    // The control: an adult pressing the same keys gives a consent, recorded under the notice.
    const adult = await consentAtGate(ADULT);
    // privacy.consent_given from the consent registry; privacy.menu_action says it was given at the keypad.
    expect(adult.map((e) => e.type)).toEqual(expect.arrayContaining(["privacy.menu_opened", "privacy.notice_shown", "privacy.consent_given", "privacy.menu_action"]));
    expect(adult.map((e) => e.type)).not.toContain("privacy.action_failed");
    const [adultConsent] = sim.runtime.store.consents.list(ADULT.personRef);
    expect(adultConsent).toMatchObject({ minor: false, method: "electronic", collectedBy: "gate:lobby" });

    // The office cannot record the child's consent without a guardian either...
    const refused = await g.send("consent.record", consentBody(CHILD.personRef));
    expect(refused.error?.code).toBe("consent_guardian_required");
    // ...nor beyond the stricter term for minors (180 days here)...
    const tooLong = await g.send("consent.record", consentBody(CHILD.personRef, { expiresAt: sim.clock.now() + 200 * DAY, guardian: { guardianRef: "p-res-0303-g", relation: "mother" } }));
    expect(tooLong.error?.code).toBe("consent_term_too_long");
    // ...but does with the guardian named.
    await g.sendOk("consent.record", consentBody(CHILD.personRef, { guardian: { guardianRef: "p-res-0303-g", relation: "mother" } }));
    const [guardianConsent] = sim.runtime.store.consents.list(CHILD.personRef);
    expect(guardianConsent).toMatchObject({ minor: true, guardian: { ref: "p-res-0303-g", relationship: "mother" } });

    // Card and PIN never depended on any of it (L2).
    sim.clock.advance(60_000);
    await sim.settle();
    const cardFrom = sim.events.events.length;
    sim.hardware.swipe(CHILD.card);
    await sim.settle();
    expect(sim.events.events.slice(cardFrom).map((e) => [e.type, e.data["method"], e.data["personRef"]])).toEqual([["access.granted", "card", CHILD.personRef]]);

    expect(findLeaks(sim.events.events, sim.logs.records, [CHILD.card, CHILD.pin, ADULT.card, ADULT.pin])).toEqual([]);
  });

  it.skipIf(!facesAvailable)("with the guardian's consent on record, the child enrolls at the gate and is recognised", async () => {
    const sim = g.sim;
    // The consent on record is the guardian's one from the test above, the child's only one.
    expect(sim.runtime.store.consents.list(CHILD.personRef).map((c) => [c.minor, c.guardian?.ref])).toEqual([[true, "p-res-0303-g"]]);
    // Option 2 now skips the consent question (a valid consent exists) and asks for the face.
    sim.clock.advance(60_000);
    await sim.settle();
    const from = sim.events.events.length;
    for (const input of [() => sim.hardware.typeKeys("*"), () => sim.hardware.swipe(CHILD.card), () => sim.hardware.typePin(CHILD.pin), () => sim.hardware.typeKeys("2")]) {
      input();
      await sim.settle();
    }
    expect(sim.hardware.display.current?.text).toMatch(/Look at the camera/);
    await sim.hardware.presentFace(facePath("identities", "raj", "raj1.png"));
    await sim.settle();
    expect(sim.events.events.slice(from).map((e) => e.type)).toEqual(expect.arrayContaining(["privacy.menu_opened", "privacy.face_enrolled"]));
    expect(sim.runtime.store.vault.counts(CHILD.personRef).templates).toBe(1);

    sim.hardware.typeKeys("0");
    sim.hardware.leave();
    sim.clock.advance(10_000);
    await sim.settle();
    const doorFrom = sim.events.events.length;
    await sim.hardware.presentFace(facePath("identities", "raj", "raj2.png"));
    await sim.settle();
    expect(sim.events.events.slice(doorFrom).map((e) => [e.type, e.data["method"], e.data["personRef"]])).toEqual([["access.granted", "face", CHILD.personRef]]);
  });
});
