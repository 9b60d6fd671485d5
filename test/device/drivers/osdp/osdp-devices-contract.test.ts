/**
 * The OSDP adapters against the obligations written in sdk/hal/device.ts,
 * card-reader.ts, keypad.ts, indicator.ts and display.ts, one test per obligation, over a
 * pty against the simulated reader.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import type { CardRead } from "../../../../sdk/hal/card-reader.js";
import type { DeviceStatus } from "../../../../sdk/hal/device.js";
import type { KeyPress } from "../../../../sdk/hal/keypad.js";
import { MemoryLogSink } from "../../../../sdk/log/logger.js";
import { wiegand26Bits } from "../../../../sdk/osdp/card-data.js";
import { SimOsdpReader } from "../../../../simulator/osdp/sim-osdp-reader.js";
import { type OsdpFixture, describeWithSocat, openOsdpFixture, waitFor } from "../../../support/osdp-fixture.js";

let fx: OsdpFixture;
let reader: SimOsdpReader;
beforeEach(async () => {
  reader = new SimOsdpReader({ address: 0 });
  fx = await openOsdpFixture([reader]);
});
afterEach(async () => {
  await fx.close();
});

const dev = () => fx.drivers.primary;
const up = () => waitFor(() => dev().cardReader.status === "connected", 5000, "connected");
const CARD = wiegand26Bits(18, 4660);
const CARD_NUMBER = "2242469";

describeWithSocat("OSDP adapters: the sdk/hal contracts", () => {
  it("device: status is current, and each change reaches each listener once, never twice in a row", async () => {
    const seen: DeviceStatus[] = [];
    for (const d of [dev().cardReader, dev().keypad, dev().indicator, dev().display!]) d.onStatus((s) => seen.push(s));
    expect(dev().keypad.status).toBe("disconnected");
    await up();
    reader.silent = true;
    await waitFor(() => dev().keypad.status === "disconnected", 5000, "offline");
    reader.silent = false;
    await up();
    expect(seen).toEqual([...Array(4).fill("connected"), ...Array(4).fill("disconnected"), ...Array(4).fill("connected")]);
  });

  it("card reader: each card presented while connected reaches every listener once, as hex digits", async () => {
    await up();
    const a: CardRead[] = [];
    const b: CardRead[] = [];
    dev().cardReader.onCard((c) => a.push(c));
    dev().cardReader.onCard((c) => b.push(c));
    reader.presentCard(CARD);
    reader.presentCard(wiegand26Bits(18, 4661));
    await waitFor(() => a.length === 2, 5000, "two reads");
    await new Promise((r) => setTimeout(r, 100));
    expect(a.map((c) => c.cardNumber)).toEqual([CARD_NUMBER, "224246A"]);
    expect(b).toEqual(a);
    expect(a[0]!.at).toBeGreaterThan(0);
  });

  it("card reader and keypad: no input while disconnected", async () => {
    const reads: CardRead[] = [];
    const keys: KeyPress[] = [];
    dev().cardReader.onCard((c) => reads.push(c));
    dev().keypad.onKey((k) => keys.push(k));
    // Connected in the clear but not in the Secure Channel: the reader answers, nothing is delivered.
    reader.refuseHandshake = true;
    reader.presentCard(CARD);
    reader.pressKeys("1234#");
    await waitFor(() => fx.events.some((e) => e.type === "secure_channel_failed"), 5000, "refused");
    await new Promise((r) => setTimeout(r, 300));
    expect(reads).toEqual([]);
    expect(keys).toEqual([]);
  });

  it("keypad: keys in order, each once, * and # included", async () => {
    await up();
    const keys: string[] = [];
    dev().keypad.onKey((k) => keys.push(k.key));
    reader.pressKeys("101*");
    reader.pressKeys("2468#");
    await waitFor(() => keys.length === 9, 5000, "nine keys");
    expect(keys.join("")).toBe("101*2468#");
  });

  it("device: a listener that throws stops neither the other listeners nor the device", async () => {
    await up();
    const got: string[] = [];
    dev().cardReader.onCard(() => {
      throw new Error("listener failure");
    });
    dev().cardReader.onCard((c) => got.push(c.cardNumber));
    dev().cardReader.onStatus(() => {
      throw new Error("status listener failure");
    });
    reader.presentCard(CARD);
    reader.presentCard(CARD);
    await waitFor(() => got.length === 2, 5000, "both reads");
    expect(dev().cardReader.status).toBe("connected");
  });

  it("device: unsubscribing stops delivery and is harmless twice", async () => {
    await up();
    const got: string[] = [];
    const kept: string[] = [];
    const off = dev().keypad.onKey((k) => got.push(k.key));
    dev().keypad.onKey((k) => kept.push(k.key));
    off();
    off();
    reader.pressKeys("7");
    await waitFor(() => kept.length === 1, 5000, "a key");
    expect(got).toEqual([]);
  });

  it("indicator and display: operations resolve once applied, and reject with hardware_disconnected while disconnected", async () => {
    await expect(dev().indicator.signal("granted")).rejects.toMatchObject({ code: "hardware_disconnected" });
    await expect(dev().display!.show({ kind: "prompt", text: "Use your card" })).rejects.toMatchObject({ code: "hardware_disconnected" });
    await up();
    await dev().indicator.signal("granted");
    const led = reader.leds.at(-1)!;
    // Granted is temporary: green for 2 s, then the reader returns to its permanent state by itself.
    expect(led.temporary).toMatchObject({ onColor: 2, timer: 20 });
    expect(reader.buzzes.at(-1)).toMatchObject({ tone: 2, count: 1 });
    await dev().indicator.signal("idle");
    expect(reader.leds.at(-1)).toMatchObject({ temporary: null, permanent: { onColor: 1 } });
    await dev().display!.show({ kind: "granted", method: "card", text: "Welcome\nDoor open" });
    expect(reader.text).toEqual(["Welcome         ", "Door open       "]);
  });

  it("card reader: card numbers and keys never reach a log (with a positive control)", async () => {
    await up();
    const keys: string[] = [];
    dev().keypad.onKey((k) => keys.push(k.key));
    const reads: string[] = [];
    dev().cardReader.onCard((c) => reads.push(c.cardNumber));
    reader.presentCard(CARD);
    reader.pressKeys("582046#");
    await waitFor(() => reads.length === 1 && keys.length === 7, 5000, "inputs");
    const text = fx.logs.text();
    expect(text).not.toContain(CARD_NUMBER);
    expect(text).not.toContain("582046");
    // Positive control: the same scan finds the number once it is in a record (written as
    // the sink would write it, without the logger's redaction in between).
    const control = new MemoryLogSink();
    control.sink({ level: "info", namespace: "", message: "read", fields: { reader: reads[0]! }, time: 0 });
    expect(control.text()).toContain(CARD_NUMBER);

  });
});
