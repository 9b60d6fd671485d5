/**
 * Starts a gate on this board: the terminal maker's own camera (FolderCamera) and, for
 * the devices whose drivers are not written yet, facegate's simulated ones. The face
 * models come from a folder of the maker's choice (`modelsDir`), fetched and verified by
 * facegate (`npx facegate models fetch --dir DIR`, or `fetchModels`).
 */
import { type Clock, type GateRuntime, type Logger, type Timers, parseDeviceConfig, startGateRuntime } from "facegate";
import { SimCardReader, SimDisplay, SimDoorRelay, SimKeypad } from "facegate/simulator";
import { FolderCamera } from "./folder-camera.js";

export interface ExampleGateOptions {
  dataDir: string;
  modelsDir: string;
  photosDir: string;
  clock: Clock;
  timers: Timers;
  logger: Logger;
}

export interface ExampleGate {
  runtime: GateRuntime;
  camera: FolderCamera;
  display: SimDisplay;
  relay: SimDoorRelay;
  stop(): Promise<void>;
}

export async function startExampleGate(o: ExampleGateOptions): Promise<ExampleGate> {
  const config = parseDeviceConfig(
    {
      version: 1,
      site: { id: "example-site", processorId: "example-office" },
      gateId: "front",
      gates: [{ gateId: "front", mode: "face_or_card_or_pin" }],
      dataDir: o.dataDir,
      models: { dir: o.modelsDir },
      notice: {
        version: 1,
        language: "en",
        purpose: "Face recognition verifies residents at the front door, for those who consent.",
        method: "A template is made from the camera image and compared on the terminal. No images are stored.",
        scope: "The front door of the example site.",
        retention: "Until consent is withdrawn or access rights end.",
        contact: "Example property office.",
        rights: "Card or PIN always works instead.",
      },
    },
    o.dataDir,
  );
  const camera = new FolderCamera({ id: "front.camera", folder: o.photosDir, clock: o.clock, timers: o.timers });
  const display = new SimDisplay("front.display", o.clock);
  const relay = new SimDoorRelay("front.relay", o.clock);
  const hardware = { camera, display, relay, cardReader: new SimCardReader("front.reader", o.clock), keypad: new SimKeypad("front.keypad", o.clock) };
  const runtime = await startGateRuntime({ config, hardware, clock: o.clock, timers: o.timers, logger: o.logger });
  return {
    runtime,
    camera,
    display,
    relay,
    async stop() {
      await runtime.stop();
      camera.close();
    },
  };
}
