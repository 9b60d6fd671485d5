/**
 * A reader keeps what it read while the panel could not hear it, and reports it at the
 * next polls once the bus works again. The panel drops those reads and keys before the
 * reader counts as connected: a card shown to a reader while it was offline must not
 * open the door minutes later (sdk/hal/device.ts: no input while disconnected).
 */
import { afterEach, expect, it } from "vitest";
import { CMD } from "../../../../sdk/osdp/codes.js";
import { wiegand26Bits } from "../../../../sdk/osdp/card-data.js";
import { SimOsdpReader } from "../../../../simulator/osdp/sim-osdp-reader.js";
import { type OsdpFixture, describeWithSocat, openOsdpFixture, waitFor } from "../../../support/osdp-fixture.js";

let fx: OsdpFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describeWithSocat("OSDP input held by the reader while it was not connected", () => {
  it("drops a card and keys read while the reader was offline, and delivers the ones read once it is back", async () => {
    const reader = new SimOsdpReader({ address: 0 });
    fx = await openOsdpFixture([reader], { retries: 2 });
    const cards: string[] = [];
    const keys: string[] = [];
    fx.drivers.primary.cardReader.onCard((c) => cards.push(c.cardNumber));
    fx.drivers.primary.keypad.onKey((k) => keys.push(k.key));
    const connected = () => fx!.drivers.primary.cardReader.status === "connected";
    await waitFor(connected, 5000, "online");

    reader.silent = true;
    await waitFor(() => !connected(), 5000, "offline");
    reader.presentCard(wiegand26Bits(18, 4660));
    reader.pressKeys("1234#");
    reader.silent = false;
    await waitFor(connected, 5000, "back online");
    // Several polls answered since: whatever the reader held has been polled out.
    const polls = reader.received.filter((c) => c === CMD.POLL).length;
    await waitFor(() => reader.received.filter((c) => c === CMD.POLL).length >= polls + 3, 5000, "polls");
    expect(cards).toEqual([]);
    expect(keys).toEqual([]);
    expect(fx.logs.text()).toContain("input read while the reader was not connected dropped");

    reader.presentCard(wiegand26Bits(18, 4661));
    await waitFor(() => cards.length === 1, 5000, "the card read once back");
    expect(cards).toEqual(["224246A"]);
  });

  it("drops a card read before the panel started", async () => {
    const reader = new SimOsdpReader({ address: 0 });
    reader.presentCard(wiegand26Bits(18, 4660));
    fx = await openOsdpFixture([reader]);
    const cards: string[] = [];
    fx.drivers.primary.cardReader.onCard((c) => cards.push(c.cardNumber));
    await waitFor(() => fx!.drivers.primary.cardReader.status === "connected", 5000, "online");
    const polls = reader.received.filter((c) => c === CMD.POLL).length;
    await waitFor(() => reader.received.filter((c) => c === CMD.POLL).length >= polls + 3, 5000, "polls");
    expect(cards).toEqual([]);
  });
});
