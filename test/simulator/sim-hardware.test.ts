/**
 * The simulated hardware as a whole: the test hooks of SimulatedHardware and a first look
 * at contract behaviour. Every obligation of every hardware contract is checked on the
 * simulated devices by the contract suites (test/simulator/devices/hal-contracts.test.ts).
 */
import { describe, expect, it } from "vitest";
import { HardwareError } from "../../sdk/errors.js";
import type { CameraFrame, RawRgbFrame } from "../../sdk/hal/camera.js";
import type { HardwareDevice } from "../../sdk/hal/device.js";
import { ManualClock } from "../../sdk/time/clock.js";
import { SimulatedHardware } from "../../simulator/sim-hardware.js";
import { facePath, facesAvailable } from "../support/faces.js";

function statusContract(name: string, device: HardwareDevice & { disconnect(): void; reconnect(): void }): void {
  const seen: string[] = [];
  const off = device.onStatus((s) => seen.push(s));
  device.disconnect();
  device.disconnect();
  device.reconnect();
  off();
  off();
  device.disconnect();
  expect(seen, name).toEqual(["disconnected", "connected"]);
  expect(device.status, name).toBe("disconnected");
  device.reconnect();
}

describe("simulated hardware", () => {
  const clock = new ManualClock(1_000);
  const hw = new SimulatedHardware("lobby", clock);

  it("every device reports status changes once each and unsubscribes idempotently", () => {
    for (const name of ["camera", "cardReader", "keypad", "relay", "display", "doorSensor", "exitButton", "indicator"] as const) statusContract(name, hw[name]);
  });

  it("operations on a disconnected device reject with hardware_disconnected; inputs are dropped", async () => {
    hw.disconnect("relay");
    hw.disconnect("display");
    const err = await hw.relay.unlock(1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HardwareError);
    expect((err as HardwareError).code).toBe("hardware_disconnected");
    await expect(hw.display.show({ kind: "prompt", text: "x" })).rejects.toMatchObject({ code: "hardware_disconnected" });
    hw.reconnect("relay");
    hw.reconnect("display");
    const reads: string[] = [];
    const off = hw.cardReader.onCard((r) => reads.push(r.cardNumber));
    hw.disconnect("cardReader");
    expect(hw.swipe("1234")).toBe(false);
    hw.reconnect("cardReader");
    expect(hw.swipe("5678")).toBe(true);
    off();
    expect(reads).toEqual(["5678"]);
  });

  it("relay pulses follow the clock; bad durations are refused", async () => {
    await hw.relay.unlock(5000);
    expect(hw.relay.unlocked).toBe(true);
    clock.advance(5000);
    expect(hw.relay.unlocked).toBe(false);
    expect(hw.pulses.at(-1)).toEqual({ at: 1000, durationMs: 5000 });
    await expect(hw.relay.unlock(0)).rejects.toMatchObject({ code: "hardware_invalid_request" });
    await expect(hw.relay.unlock(10 * 60_000)).rejects.toMatchObject({ code: "hardware_invalid_request" });
  });

  it("keypad, exit button, door sensor and display hooks", async () => {
    const keys: string[] = [];
    hw.keypad.onKey((k) => keys.push(k.key));
    hw.typePin("4829", "101");
    hw.press("#");
    expect(keys.join("")).toBe("101*4829##");
    expect(() => hw.press("A")).toThrow(RangeError);
    let exits = 0;
    hw.exitButton.onPress(() => exits++);
    hw.pressExit();
    expect(exits).toBe(1);
    const door: string[] = [];
    hw.doorSensor.onChange((c) => door.push(c.state));
    hw.openDoor();
    hw.openDoor();
    hw.closeDoor();
    hw.forceDoor();
    hw.closeDoor();
    expect(door).toEqual(["open", "closed", "open", "closed"]);
    await hw.display.show({ kind: "notice", version: "v1", hash: "ab".repeat(32), text: "notice text" });
    expect(hw.display.current?.text).toContain("Notice v1");
    expect(hw.display.shownSince(0, "notice text")).toBe(true);
  });

  it.skipIf(!facesAvailable)("presentFace decodes an image (greyscale too) to an RGB frame and emits it; leave() clears presence", async () => {
    const frames: CameraFrame[] = [];
    const off = hw.camera.onFrame((f) => frames.push(f));
    await hw.presentFace(facePath("identities", "amy", "amy1.png"));
    await hw.presentFace(facePath("strangers", "neutral.jpg"), { encoded: true });
    expect(hw.camera.present).toBe(true);
    hw.leave();
    expect(hw.camera.present).toBe(false);
    hw.disconnect("camera");
    expect(await hw.presentFace(facePath("identities", "amy", "amy1.png"))).toBe(false);
    hw.reconnect("camera");
    off();
    expect(frames).toHaveLength(2);
    const raw = frames[0] as RawRgbFrame;
    expect([raw.width, raw.height]).toEqual([320, 240]); // the 150x150 crop, extended to a camera-like frame
    expect(raw.data.length).toBe(raw.width * raw.height * 3);
    expect(frames[1]).toBeInstanceOf(Uint8Array);
  });
});
