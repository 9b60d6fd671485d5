/**
 * Readers that misbehave, over a real pty: garbage, late answers, silence, a MAC that
 * fails, a reader that drops out of the Secure Channel, BUSY and NAK replies. The panel
 * reports each, never uses an unauthenticated reply, and recovers on its own.
 */
import { afterEach, expect, it } from "vitest";
import type { CardRead } from "../../../../sdk/hal/card-reader.js";
import { CMD } from "../../../../sdk/osdp/codes.js";
import { wiegand26Bits } from "../../../../sdk/osdp/card-data.js";
import { SimOsdpReader } from "../../../../simulator/osdp/sim-osdp-reader.js";
import { type OsdpFixture, describeWithSocat, openOsdpFixture, waitFor } from "../../../support/osdp-fixture.js";

let fx: OsdpFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function online(reader: SimOsdpReader): Promise<{ fx: OsdpFixture; cards: CardRead[] }> {
  fx = await openOsdpFixture([reader]);
  const cards: CardRead[] = [];
  fx.drivers.primary.cardReader.onCard((c) => cards.push(c));
  await waitFor(() => fx!.drivers.primary.cardReader.status === "connected", 5000, "online");
  fx.events.length = 0;
  return { fx, cards };
}

const connected = () => fx!.drivers.primary.cardReader.status === "connected";
const types = () => fx!.events.map((e) => e.type);

describeWithSocat("OSDP readers that misbehave", () => {
  it("reads through noise before a reply, and goes offline on noise instead of replies, then recovers", async () => {
    const reader = new SimOsdpReader({ address: 0 });
    const { fx, cards } = await online(reader);
    reader.garbage = "before";
    reader.presentCard(wiegand26Bits(18, 4660));
    await waitFor(() => cards.length === 1, 5000, "a card through the noise");
    expect(cards[0]!.cardNumber).toBe("2242469");
    expect(fx.drivers.bus.discarded).toBeGreaterThan(0);
    expect(connected()).toBe(true);
    reader.garbage = "instead";
    await waitFor(() => !connected(), 5000, "offline on garbage");
    expect(fx.events[0]).toMatchObject({ type: "offline", reason: "no reply" });
    reader.garbage = "none";
    await waitFor(connected, 5000, "back online");
    expect(types()).toEqual(["offline", "secure_channel_established", "online"]);
  });

  it("treats a reader that answers too late as silent: offline, late replies dropped, back once it is in time", async () => {
    const reader = new SimOsdpReader({ address: 0 });
    const { fx, cards } = await online(reader);
    reader.lateMs = 1500;
    await waitFor(() => !connected(), 5000, "offline");
    await waitFor(() => fx.drivers.bus.stats.stale > 0, 5000, "a late reply dropped");
    reader.lateMs = 0;
    await waitFor(connected, 5000, "back online");
    reader.presentCard(wiegand26Bits(1, 2));
    await waitFor(() => cards.length === 1, 5000, "a card after recovery");
    expect(types()).not.toContain("secure_channel_lost");
  });

  it("detects a silent reader within the retries and re-runs the start sequence and handshake when it returns", async () => {
    const reader = new SimOsdpReader({ address: 0 });
    await online(reader);
    const silentAt = Date.now();
    reader.silent = true;
    await waitFor(() => !connected(), 5000, "offline");
    // Five sends of 200 ms each (the fixture's retries: 4) plus a poll pause; the margin is for a loaded machine.
    expect(Date.now() - silentAt).toBeGreaterThanOrEqual(990);
    expect(Date.now() - silentAt).toBeLessThan(3000);
    const before = reader.received.length;
    reader.silent = false;
    await waitFor(connected, 5000, "online again");
    expect(reader.received.slice(before, before + 6)).toEqual([CMD.POLL, CMD.ID, CMD.CAP, CMD.CHLNG, CMD.SCRYPT, CMD.LSTAT]);
    expect(types()).toEqual(["offline", "secure_channel_established", "online"]);
  });

  it("drops a reply whose MAC fails, disconnects the reader, and re-establishes the channel", async () => {
    const reader = new SimOsdpReader({ address: 0 });
    const { fx, cards } = await online(reader);
    const statuses: string[] = [];
    fx.drivers.primary.cardReader.onStatus((s) => statuses.push(s));
    reader.corruptNextMac();
    reader.presentCard(wiegand26Bits(7, 7));
    await waitFor(() => types().includes("online"), 5000, "back in the channel");
    expect(fx.events[0]).toMatchObject({ type: "secure_channel_lost", reason: expect.stringMatching(/MAC check failed/) });
    // The card rode in the reply that failed its MAC: it is not delivered.
    expect(cards).toHaveLength(0);
    expect(statuses).toEqual(["disconnected", "connected"]);
    reader.presentCard(wiegand26Bits(7, 8));
    await waitFor(() => cards.length === 1, 5000, "the next card");
  });

  it("reports a reader that leaves the Secure Channel and answers in the clear, never using it in the clear", async () => {
    const reader = new SimOsdpReader({ address: 0 });
    const { fx } = await online(reader);
    reader.refuseHandshake = true;
    reader.dropSecureChannel();
    await waitFor(() => types().includes("secure_channel_failed"), 5000, "refused");
    expect(fx.events[0]).toMatchObject({ type: "secure_channel_lost", reason: expect.stringMatching(/answered in the clear/) });
    expect(fx.events[1]).toMatchObject({ type: "secure_channel_failed", reason: expect.stringMatching(/challenge refused/) });
    expect(connected()).toBe(false);
    await expect(fx.drivers.primary.indicator.signal("granted")).rejects.toMatchObject({ code: "hardware_disconnected" });
    reader.refuseHandshake = false;
    await waitFor(connected, 5000, "back in the channel");
  });

  it("waits out BUSY and rejects a command the reader refuses with hardware_refused", async () => {
    const reader = new SimOsdpReader({ address: 0 });
    const { fx } = await online(reader);
    reader.busy = 2;
    await fx.drivers.primary.indicator.signal("granted");
    expect(reader.leds.at(-1)?.temporary?.onColor).toBe(2);
    reader.refuse.add(CMD.BUZ);
    await expect(fx.drivers.primary.indicator.signal("denied")).rejects.toMatchObject({ code: "hardware_refused" });
    expect(fx.events.at(-1)).toMatchObject({ type: "nak", command: CMD.BUZ, code: 3, reason: "unknown command" });
    expect(connected()).toBe(true);
  });

  it("speaks checksums to a reader that knows no CRC", async () => {
    const reader = new SimOsdpReader({ address: 0, checksumOnly: true });
    const { fx, cards } = await online(reader);
    expect(fx.drivers.primary.state().checkCharacter).toBe("checksum");
    reader.presentCard(wiegand26Bits(9, 9));
    await waitFor(() => cards.length === 1, 5000, "a card");
  });

  it("reports tamper and power failure once each way", async () => {
    const reader = new SimOsdpReader({ address: 0 });
    const { fx } = await online(reader);
    reader.setTamper(true);
    await waitFor(() => fx.drivers.primary.state().tamper === true, 5000, "tamper");
    reader.setPowerFailure(true);
    await waitFor(() => fx.drivers.primary.state().powerFailure === true, 5000, "power");
    reader.setTamper(false);
    await waitFor(() => fx.drivers.primary.state().tamper === false, 5000, "tamper over");
    expect(fx.events).toEqual([
      expect.objectContaining({ type: "tamper", active: true }),
      expect.objectContaining({ type: "power", failure: true }),
      expect.objectContaining({ type: "tamper", active: false }),
    ]);
  });
});
