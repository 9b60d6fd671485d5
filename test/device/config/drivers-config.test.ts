/**
 * `drivers` in the device configuration: "simulated" (the default) or a driver per
 * device, any mix; every mistake named by its path; keys never inline; the clear only
 * when written out.
 */
import { describe, expect, it } from "vitest";
import { parseDeviceConfig } from "../../../device/config/device-config.js";
import { ConfigError } from "../../../sdk/errors.js";

const base = (drivers?: unknown) => ({
  version: 1,
  site: { id: "estate-01", processorId: "acme-property" },
  gateId: "lobby",
  gates: [{ gateId: "lobby", mode: "face_or_card_or_pin" }],
  dataDir: "./data",
  ...(drivers === undefined ? {} : { drivers }),
});

const BUS = { port: "/dev/ttyUSB0", readers: [{ address: 0, display: true }, { address: 1 }] };
const parse = (drivers: unknown) => parseDeviceConfig(base(drivers), "/etc/facegate").drivers;

function error(drivers: unknown): string {
  try {
    parse(drivers);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("drivers in the device configuration", () => {
  it("is simulated when left out or written so", () => {
    expect(parse(undefined)).toBe("simulated");
    expect(parse("simulated")).toBe("simulated");
  });

  it("takes a driver per device, simulated where none is named, with each kind's defaults and paths resolved", () => {
    const d = parse({
      osdp: BUS,
      cardReader: { kind: "osdp", address: 0 },
      keypad: { kind: "osdp", address: 0 },
      display: { kind: "osdp", address: 0 },
      relay: { kind: "gpio", chip: "gpiochip0", line: 17, active: "high" },
      exitButton: { kind: "gpio", chip: "gpiochip0", line: 22, active: "low", bias: "pull-up" },
      tamper: { kind: "gpio", chip: "gpiochip0", line: 23, active: "high", bias: "pull-up" },
      camera: { kind: "ffmpeg", source: "/dev/video0", fps: 5 },
    });
    if (d === "simulated") throw new Error("expected drivers per device");
    expect(d.osdp).toMatchObject({ port: "/dev/ttyUSB0", baudRate: 115_200, secureChannel: "required", keyFile: "/etc/facegate/data/osdp/keys.json", replyTimeoutMs: 200 });
    expect(d.cardReader).toEqual({ kind: "osdp", address: 0 });
    expect(d.display).toEqual({ kind: "osdp", address: 0 });
    expect(d.indicator).toEqual({ kind: "simulated" });
    expect(d.doorSensor).toEqual({ kind: "simulated" });
    expect(d.relay).toEqual({ kind: "gpio", settings: { chip: "gpiochip0", line: 17, active: "high", maxUnlockMs: 60_000 } });
    expect(d.exitButton).toMatchObject({ kind: "gpio", settings: { line: 22, bias: "pull-up", debounceMs: 30 } });
    expect(d.tamper).toMatchObject({ kind: "gpio", settings: { line: 23, active: "high", bias: "pull-up" } });
    expect(d.camera).toMatchObject({ kind: "ffmpeg", settings: { kind: "v4l2", fps: 5 } });
  });

  it("takes a Wiegand reader's card reader and keypad from its lines", () => {
    const d = parse({ wiegand: { chip: "gpiochip0", d0: 5, d1: 6 }, cardReader: { kind: "wiegand" }, keypad: "simulated" });
    if (d === "simulated") throw new Error("expected drivers per device");
    expect(d.cardReader).toEqual({ kind: "wiegand" });
    expect(d.keypad).toEqual({ kind: "simulated" });
    expect(d.wiegand).toMatchObject({ d0: 5, d1: 6, cardFormat: "hex" });
  });

  it("runs the OSDP bus in the clear only when secureChannel is false (or \"clear\") written out", () => {
    const clear = parse({ osdp: { ...BUS, secureChannel: false }, cardReader: { kind: "osdp", address: 1 } });
    const secure = parse({ osdp: { ...BUS, secureChannel: true }, cardReader: { kind: "osdp", address: 1 } });
    expect(clear !== "simulated" && clear.osdp?.secureChannel).toBe("clear");
    expect(secure !== "simulated" && secure.osdp?.secureChannel).toBe("required");
  });

  it("refuses a reader key written in the configuration, without repeating it", () => {
    const message = error({ osdp: { ...BUS, scbk: "00112233445566778899AABBCCDDEEFF" }, cardReader: { kind: "osdp", address: 0 } });
    expect(message).toMatch(/^drivers\.osdp\.scbk: reader keys are never written in the configuration; they live in the key file/);
    expect(message).not.toContain("0011223344");
    expect(error({ osdp: { ...BUS, readers: [{ address: 0, scbk: "00" }] } })).toMatch(/^drivers\.osdp\.readers\[0\]\.scbk: reader keys are never/);
  });

  it("names the path and the problem of each mistake", () => {
    expect(error(7)).toMatch(/^drivers: must be "simulated" or an object/);
    expect(error({ lock: "simulated" })).toMatch(/^drivers\.lock: unknown key \(allowed: osdp, wiegand, cardReader/);
    expect(error({ relay: { kind: "osdp" } })).toMatch(/^drivers\.relay\.kind: must be one of "simulated", "gpio"/);
    expect(error({ relay: 3 })).toMatch(/^drivers\.relay: must be "simulated" or an object with a kind/);
    expect(error({ cardReader: { kind: "osdp", address: 0 } })).toMatch(/^drivers\.cardReader: kind "osdp" needs the bus in drivers\.osdp/);
    expect(error({ osdp: BUS, cardReader: { kind: "osdp", address: 5 } })).toBe("drivers.cardReader.address: no reader at address 5 in drivers.osdp.readers");
    expect(error({ osdp: BUS, display: { kind: "osdp", address: 1 } })).toMatch(/^drivers\.display: the reader at address 1 has no display configured/);
    expect(error({ osdp: BUS, keypad: { kind: "osdp", address: 0, port: "/dev/ttyUSB1" } })).toMatch(/^drivers\.keypad\.port: unknown setting/);
    expect(error({ osdp: { ...BUS, baudRate: 1234 } })).toMatch(/^drivers\.osdp\.baudRate: /);
    expect(error({ osdp: { ...BUS, port: "ttyUSB0" } })).toMatch(/^drivers\.osdp\.port: must be an absolute device path/);
    expect(error({ keypad: { kind: "wiegand" } })).toMatch(/^drivers\.keypad: kind "wiegand" needs the reader's lines in drivers\.wiegand/);
    expect(error({ relay: { kind: "gpio", chip: "gpiochip0", line: 17 } })).toMatch(/^drivers\.relay\.active: required/);
    expect(error({ relay: { kind: "gpio", chip: "gpiochip0", line: 17, active: "high" }, exitButton: { kind: "gpio", chip: "gpiochip0", line: 17, active: "low" } })).toMatch(/^drivers\.exitButton\.line: line 17 of gpiochip0 is already used by drivers\.relay\.line/);
    expect(error({ camera: { kind: "simulated", source: "/dev/video0" } })).toMatch(/^drivers\.camera\.source: unknown setting/);
    const camera = error({ camera: { kind: "ffmpeg", source: "ftp://door:Secret-pw@10.0.0.5/x" } });
    expect(camera).toMatch(/^drivers\.camera\.source: must be/);
    expect(camera).not.toContain("Secret-pw");
  });
});

describe("the hardware example configuration", () => {
  it("device/config/example-hardware.json reads: OSDP reader, GPIO door I/O, ffmpeg camera", async () => {
    const { loadDeviceConfig } = await import("../../../device/config/device-config.js");
    const c = loadDeviceConfig(new URL("../../../device/config/example-hardware.json", import.meta.url).pathname);
    if (c.drivers === "simulated") throw new Error("expected drivers per device");
    expect([c.drivers.cardReader.kind, c.drivers.keypad.kind, c.drivers.display.kind, c.drivers.relay.kind, c.drivers.doorSensor.kind, c.drivers.exitButton.kind, c.drivers.camera.kind]).toEqual(["osdp", "osdp", "osdp", "gpio", "gpio", "gpio", "ffmpeg"]);
    expect(c.drivers.osdp?.secureChannel).toBe("required");
  });
});
