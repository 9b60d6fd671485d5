/**
 * The resident's privacy menu (L11) as a resident meets it at the keypad: simulated
 * hardware, a real access store, an in-memory privacy desk and a stand-in analyzer. The
 * scenario tests cover the main consent, withdrawal and deletion flows; these cover the
 * edges: operator invitations, timeouts, retries, failures and a gate without a desk.
 */
import { afterEach, describe, expect, it } from "vitest";
import { FacegateError } from "../../../sdk/errors.js";

import type { CameraFrame } from "../../../sdk/hal/camera.js";
import type { ProcessingNotice } from "../../../sdk/gate/ports.js";
import { type PortHarness, buildPortHarness, harnessClock } from "../../support/port-harness.js";
import { InMemoryPrivacyDesk, OneFaceAnalyzer } from "../../support/port-fakes.js";

const FRAME: CameraFrame = { width: 2, height: 2, data: new Uint8Array(12) };
const CARD = "C0FFEE7788";
const PIN = "604172";
const RESIDENT = { personRef: "p-menu-1", rights: { gates: ["lobby"] }, cards: [{ cardNumber: CARD }], pins: [{ code: "77", pin: PIN }] };

class BrokenNoticeDesk extends InMemoryPrivacyDesk {
  override currentNotice(): ProcessingNotice {
    throw new FacegateError("notice_unavailable", "no notice loaded");

  }
}

let harness: PortHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function gate(options: { desk?: "none" | "broken" } = {}) {
  const clock = harnessClock();
  const analyzer = new OneFaceAnalyzer();
  const desk = options.desk === "broken" ? new BrokenNoticeDesk({ clock }) : new InMemoryPrivacyDesk({ clock });
  const gallery = desk.gallery;
  const privacy = options.desk === "none" ? undefined : desk;
  harness = await buildPortHarness({ gates: [{ gateId: "lobby", mode: "face_or_card_or_pin" }], face: { analyzer, matcher: desk.matcher("lobby") }, privacy, clock });
  await harness.access.putPerson(RESIDENT);
  const h = harness;
  const consent = () => desk.giveConsent(RESIDENT.personRef, { noticeVersion: "v1", noticeHash: desk.notice!.hash, method: "electronic", collectedBy: "test", gateId: "lobby", at: h.clock.now() });
  return { h, analyzer, gallery, desk, consent };
}

/** `*`, card, PIN and `#`: what a resident does to open the menu. */
async function openMenu(h: PortHarness, pin = PIN): Promise<void> {
  h.hardware.press("*");
  h.hardware.swipe(CARD);
  h.hardware.typePin(pin);
  await h.gate.idle();
}

const types = (h: PortHarness) => h.events.events.map((e) => e.type);

describe("privacy menu: enrollment invited by the property office (enroll.at_gate)", () => {
  it("goes straight to the camera after card and PIN and enrolls the live face there, wiping it", async () => {
    const { h, analyzer, gallery, consent } = await gate();
    consent();
    const { invitedUntil } = h.gate.requestEnrollment(RESIDENT.personRef, 60_000);
    expect(h.events.events.at(-1)).toMatchObject({ type: "privacy.enrollment_requested", data: { personRef: RESIDENT.personRef, invitedUntil } });
    await openMenu(h);
    expect(h.hardware.display.current?.text).toBe("Look at the camera to enroll your face.");
    h.hardware.camera.presentFrame(FRAME);
    await h.gate.idle();
    expect(h.events.events.at(-1)).toMatchObject({ type: "privacy.face_enrolled", data: { personRef: RESIDENT.personRef } });
    expect(gallery.size()).toBe(1);
    expect(h.hardware.pulses).toEqual([]);
    for (const e of analyzer.handedOut) expect(e.every((x) => x === 0)).toBe(true);
  });

  it("shows the plain menu once the invitation has lapsed", async () => {
    const { h, consent } = await gate();
    consent();
    h.gate.requestEnrollment(RESIDENT.personRef, 60_000);
    h.clock.advance(61_000);
    await openMenu(h);
    expect(h.hardware.display.current?.message.kind).toBe("menu");
  });
});

describe("privacy menu: waiting for a face", () => {
  it("asks again for a face that is not live, and enrolls nothing", async () => {
    const { h, analyzer, gallery, consent } = await gate();
    consent();
    await openMenu(h);
    h.hardware.press("2");
    await h.gate.idle();
    analyzer.liveness = 0.1;
    h.hardware.camera.presentFrame(FRAME);
    await h.gate.idle();
    expect(h.hardware.display.current?.text).toBe("Face not clear or not live. Look straight at the camera.");
    expect(gallery.size()).toBe(0);
    expect(types(h)).not.toContain("privacy.face_enrolled");
  });

  it("gives up after enrollTimeoutMs with its own message, and the keys go back to the keypad", async () => {
    const { h, consent } = await gate();
    consent();
    await openMenu(h);
    h.hardware.press("2");
    await h.gate.idle();
    h.clock.advance(30_001);
    await h.gate.tick();
    expect(h.hardware.display.current?.text).toBe("No face captured. Enrollment cancelled; your card and PIN keep working.");
    h.hardware.press("1");
    await h.gate.idle();
    expect(types(h)).not.toContain("privacy.notice_shown");
  });
});

describe("privacy menu: refusals and failures", () => {
  it("refuses a wrong PIN and does not open", async () => {
    const { h } = await gate();
    await openMenu(h, "000000");
    expect(h.events.events.at(-1)).toMatchObject({ type: "privacy.menu_denied", data: { personRef: RESIDENT.personRef, reason: "wrong_pin" } });
    expect(types(h)).not.toContain("privacy.menu_opened");
  });

  it("says so when the desk fails, stays open, and leaves with 0", async () => {
    const { h } = await gate({ desk: "broken" });
    await openMenu(h);
    h.hardware.press("1");
    await h.gate.idle();
    expect(h.events.events.at(-1)).toMatchObject({ type: "privacy.action_failed", data: { action: "show_notice", code: "notice_unavailable" } });
    expect(h.hardware.display.current?.text).toBe("That did not work (notice_unavailable). Your card and PIN keep working.");
    h.hardware.press("0");
    await h.gate.idle();
    expect(h.hardware.display.current?.message.kind).toBe("idle");
  });

  it("is not available at a gate without a privacy desk, and the card still opens", async () => {
    const { h } = await gate({ desk: "none" });
    h.hardware.press("*");
    await h.gate.idle();
    expect(h.hardware.display.current?.text).toBe("The privacy menu is not available at this gate.");
    h.hardware.swipe(CARD);
    await h.gate.idle();
    expect(h.hardware.pulses.length).toBe(1);
  });
});
