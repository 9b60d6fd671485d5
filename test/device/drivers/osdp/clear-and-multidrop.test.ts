/**
 * The panel refuses to run a reader in the clear unless the configuration says "clear",
 * and drives several readers on one bus, each with its own state machine, in turn.
 */
import { afterEach, expect, it } from "vitest";
import type { CardRead } from "../../../../sdk/hal/card-reader.js";
import type { KeyPress } from "../../../../sdk/hal/keypad.js";
import { wiegand26Bits } from "../../../../sdk/osdp/card-data.js";
import { SimOsdpReader } from "../../../../simulator/osdp/sim-osdp-reader.js";
import { type OsdpFixture, describeWithSocat, openOsdpFixture, waitFor } from "../../../support/osdp-fixture.js";

let fx: OsdpFixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describeWithSocat("OSDP in the clear only when configured", () => {
  it("never uses a reader without the Secure Channel under \"required\", and uses it under \"clear\"", async () => {
    const reader = new SimOsdpReader({ address: 2, secureChannel: false });
    fx = await openOsdpFixture([reader], { secureChannel: "required" });
    const cards: CardRead[] = [];
    fx.drivers.primary.cardReader.onCard((c) => cards.push(c));
    await waitFor(() => fx!.events.some((e) => e.type === "secure_channel_failed"), 5000, "refusal");
    expect(fx.events[0]).toMatchObject({ type: "secure_channel_failed", address: 2, reason: expect.stringMatching(/does not offer the Secure Channel/) });
    reader.presentCard(wiegand26Bits(5, 55));
    await new Promise((r) => setTimeout(r, 400));
    expect(cards).toHaveLength(0);
    expect(fx.drivers.primary.cardReader.status).toBe("disconnected");
    // Refused once, not reported again on every retry.
    expect(fx.events.filter((e) => e.type === "secure_channel_failed")).toHaveLength(1);

    const clear = await fx.restartPanel({ secureChannel: "clear" });
    clear.primary.cardReader.onCard((c) => cards.push(c));
    await waitFor(() => clear.primary.cardReader.status === "connected", 5000, "connected in the clear");
    expect(clear.primary.state()).toMatchObject({ secure: false, mode: "clear" });
    reader.presentCard(wiegand26Bits(5, 56));
    await waitFor(() => cards.length === 1, 5000, "the card, in the clear");
  });

  it("does not fall back to the install key under \"required\": a reader out of the box needs commissioning", async () => {
    const reader = new SimOsdpReader({ address: 0 });
    fx = await openOsdpFixture([reader], { secureChannel: "required" });
    await waitFor(() => fx!.events.some((e) => e.type === "secure_channel_failed"), 5000, "refusal");
    expect(fx.events[0]).toMatchObject({ reason: expect.stringMatching(/no key for this reader.*install/) });
    expect(reader.scbk).toBeNull();
    expect(reader.received).not.toContain(0x76);
  });
});

describeWithSocat("OSDP: several readers on one bus", () => {
  it("polls each address in turn, keeps their cards and keys apart, and keeps going when one falls silent", async () => {
    const readers = [0, 1, 5].map((address) => new SimOsdpReader({ address, identity: { serialNumber: 100 + address } }));
    fx = await openOsdpFixture(readers);
    const cards = new Map<number, string[]>();
    const keys: KeyPress["key"][] = [];
    for (const r of fx.drivers.readers) r.cardReader.onCard((c) => cards.set(r.address, [...(cards.get(r.address) ?? []), c.cardNumber]));
    fx.drivers.readers[1]!.keypad.onKey((k) => keys.push(k.key));
    await waitFor(() => fx!.drivers.readers.every((r) => r.cardReader.status === "connected"), 8000, "all online");
    expect(fx.drivers.readers.map((r) => r.state().identity?.serialNumber)).toEqual([100, 101, 105]);
    // Each reader has its own key.
    expect(new Set(readers.map((r) => Buffer.from(r.scbk!).toString("hex"))).size).toBe(3);

    readers[0]!.presentCard(wiegand26Bits(1, 1));
    readers[2]!.presentCard(wiegand26Bits(5, 5));
    readers[1]!.pressKeys("12#");
    await waitFor(() => cards.size === 2 && keys.length === 3, 5000, "inputs");
    expect(cards.get(0)).toEqual(["2020002"]);
    expect(cards.get(5)).toEqual(["00A000B"]);
    expect(keys).toEqual(["1", "2", "#"]);

    // Polled in turn: in a window of steady polling every reader is addressed.
    const recent = fx.sim.commands.slice(-30).map((c) => c[1]!);
    expect(new Set(recent)).toEqual(new Set([0, 1, 5]));

    readers[1]!.silent = true;
    await waitFor(() => fx!.drivers.readers[1]!.cardReader.status === "disconnected", 5000, "reader 1 offline");
    readers[2]!.presentCard(wiegand26Bits(5, 6));
    await waitFor(() => cards.get(5)?.length === 2, 5000, "reader 5 still read");
    expect(fx.drivers.readers[0]!.cardReader.status).toBe("connected");
    readers[1]!.silent = false;
    await waitFor(() => fx!.drivers.readers[1]!.cardReader.status === "connected", 5000, "reader 1 back");
  });
});
