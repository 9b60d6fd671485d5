/**
 * The RS-485 bus as the simulated readers see it: one serial port (in tests, one end of a
 * socat pty pair), a stream parser, and the readers answering their addresses. The
 * transport faults of each reader are applied here: `silent` (no answer), `lateMs`
 * (answer after a delay), `garbage` (noise instead of, or before, the answer).
 */
import { SerialPort } from "serialport";
import { FrameParser } from "../../sdk/osdp/frame.js";
import type { SimOsdpReader } from "./sim-osdp-reader.js";

export interface SimOsdpBusOptions {
  path: string;
  baudRate?: number;
  readers: SimOsdpReader[];
  /** Noise bytes for the `garbage` fault (default: a fixed pattern with stray SOMs). */
  noise?: () => Uint8Array;
}

const NOISE = Uint8Array.from([0x00, 0xff, 0x53, 0x13, 0x53, 0x80, 0x40, 0x02, 0x7e, 0x53, 0x81, 0x09, 0x00, 0x05, 0xaa]);

export class SimOsdpBus {
  private readonly parser = new FrameParser();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Every frame received, for byte-for-byte checks (copies). */
  readonly commands: Uint8Array[] = [];
  /** Every byte string written, in order. */
  readonly replies: Uint8Array[] = [];

  private constructor(
    private readonly port: SerialPort,
    readonly readers: SimOsdpReader[],
    private readonly noise: () => Uint8Array,
  ) {
    port.on("data", (chunk: Buffer) => this.onData(new Uint8Array(chunk)));
  }

  static async open(options: SimOsdpBusOptions): Promise<SimOsdpBus> {
    const port = new SerialPort({ path: options.path, baudRate: options.baudRate ?? 115_200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    return new SimOsdpBus(port, options.readers, options.noise ?? (() => NOISE));
  }

  reader(address: number): SimOsdpReader {
    const r = this.readers.find((x) => x.address === address);
    if (!r) throw new RangeError(`no simulated reader at address ${address}`);
    return r;
  }

  /** Test hook: raw bytes onto the bus. */
  inject(bytes: Uint8Array): void {
    this.port.write(Buffer.from(bytes));
  }

  private onData(chunk: Uint8Array): void {
    for (const frame of this.parser.push(chunk)) {
      this.commands.push(frame.raw);
      for (const reader of this.readers) {
        if (reader.silent) continue;
        const reply = reader.handle(frame);
        if (!reply) continue;
        const out = reader.garbage === "instead" ? this.noise() : reader.garbage === "before" ? Uint8Array.from([...this.noise(), ...reply]) : reply;
        if (reader.lateMs > 0) {
          const t = setTimeout(() => {
            this.timers.delete(t);
            this.send(out);
          }, reader.lateMs);
          this.timers.add(t);
        } else {
          this.send(out);
        }
      }
    }
  }

  private send(bytes: Uint8Array): void {
    if (!this.port.isOpen) return;
    this.replies.push(bytes);
    this.port.write(Buffer.from(bytes));
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (!this.port.isOpen) return;
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}
