/**
 * End to end: a real gate runtime (startGateRuntime: SQLite, libsodium, access store,
 * audit) whose card reader, keypad and indicator are the OSDP driver over a pty, against
 * the simulated reader, with the Secure Channel established. A card and a PIN open the
 * door; an unknown card does not; the reader's LED shows each decision.
 */
import { afterEach, expect, it } from "vitest";
import { wiegand26Bits } from "../../../../sdk/osdp/card-data.js";
import { MemoryLogSink, createLogger } from "../../../../sdk/log/logger.js";
import { type OsdpGate, startOsdpGate } from "../../../../device/bench/osdp-gate.js";
import { describeWithSocat, waitFor } from "../../../support/osdp-fixture.js";

let gate: OsdpGate | undefined;
afterEach(async () => {
  await gate?.close();
  gate = undefined;
});

describeWithSocat("a gate on an OSDP reader", () => {
  it("grants a card and a PIN end to end through the Secure Channel, and refuses an unknown card", async () => {
    const logs = new MemoryLogSink();
    // Four resends before offline: a stalled test process on a loaded machine is not a reader going away.
    gate = await startOsdpGate({ mode: "card_or_pin", retries: 4, logger: createLogger({ sink: logs.sink, level: "debug" }) });
    expect(gate.drivers.primary.state()).toMatchObject({ connected: true, secure: true, mode: "required" });
    await gate.runtime.access.putPerson({ personRef: "p-res-1", rights: { gates: ["lobby"] }, cards: [{ cardNumber: "2242469" }], pins: [{ code: "101", pin: "582046" }] });

    gate.reader.presentCard(wiegand26Bits(18, 4660));
    await waitFor(() => gate!.relay.pulses.length === 1, 5000, "the door opened by card");
    await waitFor(() => gate!.reader.leds.some((l) => l.temporary?.onColor === 2), 5000, "green LED");

    gate.reader.pressKeys("101*582046#");
    await waitFor(() => gate!.relay.pulses.length === 2, 5000, "the door opened by PIN");

    gate.reader.presentCard(wiegand26Bits(18, 4661));
    await waitFor(() => gate!.events.events.some((e) => e.type === "access.denied"), 5000, "the unknown card refused");
    expect(gate.relay.pulses).toHaveLength(2);

    const decisions = gate.events.events.filter((e) => e.type === "access.granted" || e.type === "access.denied");
    expect(decisions.map((e) => [e.type, e.data["method"]])).toEqual([
      ["access.granted", "card"],
      ["access.granted", "pin"],
      ["access.denied", "card"],
    ]);
    // The whole time in the Secure Channel: no loss, no failure.
    expect(gate.events.events.filter((e) => e.type === "system.hardware_status")).toEqual([]);
    // Neither the card number nor the PIN reached a log or an event.
    const all = logs.text() + JSON.stringify(gate.events.events);
    expect(all).not.toContain("2242469");
    expect(all).not.toContain("582046");
  });
});
