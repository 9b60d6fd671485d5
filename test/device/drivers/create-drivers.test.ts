/**
 * createDeviceDrivers builds the gate's hardware from `drivers`, mixing real drivers and
 * simulated devices: here the GPIO relay, door sensor, exit button and Wiegand card
 * reader on the fake chip (test/support/fake-gpiochip: the real drivers, spawning
 * libgpiod's tools' stand-ins), the ffmpeg camera on an MJPEG stream made by ffmpeg from
 * a face photo, and the simulator for keypad, display and indicator. close() stops them
 * all, the relay locked.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type DeviceConfig, parseDeviceConfig } from "../../../device/config/device-config.js";
import { createDeviceDrivers } from "../../../device/drivers/create-drivers.js";
import { systemClock } from "../../../sdk/time/clock.js";
import { SimKeypad } from "../../../simulator/devices/sim-keypad.js";
import { FakeGpioChip } from "../../support/fake-gpiochip.js";
import { facePath, facesAvailable } from "../../support/faces.js";
import { MjpegServer, waitUntil } from "../../support/mjpeg-server.js";
import { addUs, cardBits, frameEdges } from "../../support/wiegand-signal.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function config(cameraUrl: string): DeviceConfig {
  return parseDeviceConfig(
    {
      version: 1,
      site: { id: "estate-01", processorId: "acme-property" },
      gateId: "lobby",
      gates: [{ gateId: "lobby", mode: "face_or_card_or_pin" }],
      dataDir: "data",
      drivers: {
        wiegand: { chip: "gpiochip0", d0: 4, d1: 5, bias: "pull-up" },
        cardReader: { kind: "wiegand" },
        relay: { kind: "gpio", chip: "gpiochip0", line: 3, active: "high", maxUnlockMs: 30_000 },
        doorSensor: { kind: "gpio", chip: "gpiochip0", line: 6, active: "high" },
        exitButton: { kind: "gpio", chip: "gpiochip0", line: 7, active: "low" },
        tamper: { kind: "gpio", chip: "gpiochip0", line: 8, active: "high" },
        camera: { kind: "ffmpeg", source: cameraUrl, fps: 5 },
      },
    },
    "/tmp",
  );
}

describe.skipIf(!facesAvailable)("createDeviceDrivers: real and simulated devices mixed", () => {
  it("builds each device from its driver, with the gate's device ids, and closes them all with the door locked", async () => {
    const chip = new FakeGpioChip();
    cleanups.push(() => chip.remove());
    chip.setLevel(3, 1); // whatever the relay line held before
    chip.setLevel(7, 1);
    const server = new MjpegServer({ image: facePath("identities", "amy", "amy1.png"), fps: 10 });
    await server.start();
    cleanups.push(() => server.stop());

    const drivers = await createDeviceDrivers(config(server.url), systemClock, { spawn: chip.spawn });
    let closed = false;
    cleanups.push(() => (closed ? undefined : drivers.close()));
    const hw = drivers.hardware;
    expect([hw.cardReader.id, hw.keypad.id, hw.relay.id, hw.doorSensor!.id, hw.exitButton!.id, hw.camera!.id, hw.display.id]).toEqual([
      "lobby.card-reader",
      "lobby.keypad",
      "lobby.relay",
      "lobby.door-sensor",
      "lobby.exit-button",
      "lobby.camera",
      "lobby.display",
    ]);
    expect(hw.tamper?.id).toBe("lobby.tamper");
    expect(hw.keypad).toBeInstanceOf(SimKeypad);
    // The relay was claimed before createDeviceDrivers resolved: the line is driven locked.
    expect(hw.relay.status).toBe("connected");
    expect(chip.value(3)).toBe(0);
    await hw.relay.unlock(5_000);
    expect(chip.value(3)).toBe(1);

    let frames = 0;
    hw.camera!.onFrame(() => frames++);
    const cards: string[] = [];
    hw.cardReader.onCard((c) => cards.push(c.cardNumber));
    await waitUntil(() => hw.cardReader.status === "connected" && chip.heldBy(5) === "gpiomon", 20_000, "the Wiegand reader watching");
    chip.emit(frameEdges(cardBits(0x010001n, 26), addUs({ sec: 30_000, nsec: 0 }, 0)));
    await waitUntil(() => cards.length === 1, 15_000, "a Wiegand card");
    expect(cards).toEqual(["010001"]);
    await waitUntil(() => frames >= 3, 20_000, "camera frames");

    await drivers.close();
    closed = true;
    expect(chip.value(3)).toBe(0);
    expect(hw.relay.status).toBe("disconnected");
    expect(hw.camera!.status).toBe("disconnected");
    await waitUntil(() => chip.heldBy(5) === null && chip.heldBy(6) === null, 5_000, "the lines released");
  });

  it("is all simulated when the configuration says so", async () => {
    const c = { ...config("http://127.0.0.1:1/x"), drivers: "simulated" as const };
    const drivers = await createDeviceDrivers(c, systemClock);
    expect(drivers.hardware.relay.id).toBe("lobby.relay");
    expect(drivers.osdp).toBeUndefined();
    await drivers.close();
  });
});
