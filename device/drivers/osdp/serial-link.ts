/**
 * The control panel's serial port (`serialport`, with its bundled prebuilt binding). It
 * opens in the background and opens again after the adapter went away (USB unplugged):
 * until then writes fail, commands go unanswered and the readers are reported offline.
 */
import { SerialPort } from "serialport";
import type { Unsubscribe } from "../../../sdk/hal/device.js";
import { Listeners } from "../../../sdk/hal/listeners.js";
import type { Logger } from "../../../sdk/log/logger.js";

export interface ByteLink {
  write(bytes: Uint8Array): Promise<void>;
  onData(listener: (chunk: Uint8Array) => void): Unsubscribe;
  close(): Promise<void>;
}

export class SerialLink implements ByteLink {
  private port: SerialPort | null = null;
  private opening: Promise<SerialPort | null> | null = null;
  private lastFailure: string | null = null;
  private closed = false;
  private readonly data = new Listeners<Uint8Array>();

  constructor(
    private readonly options: { path: string; baudRate: number; logger: Logger },
  ) {}

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    return this.data.add(listener);
  }

  async write(bytes: Uint8Array): Promise<void> {
    const port = await this.ensureOpen();
    if (!port) throw new Error(`serial port ${this.options.path} is not open`);
    await new Promise<void>((resolve, reject) => port.write(Buffer.from(bytes), (err) => (err ? reject(err) : resolve())));
  }

  private ensureOpen(): Promise<SerialPort | null> {
    if (this.port?.isOpen) return Promise.resolve(this.port);
    if (this.closed) return Promise.resolve(null);
    this.opening ??= new Promise<SerialPort | null>((resolve) => {
      const port = new SerialPort({ path: this.options.path, baudRate: this.options.baudRate, autoOpen: false });
      port.open((err) => {
        this.opening = null;
        if (err) {
          // Said once per distinct failure, not on every poll.
          if (this.lastFailure !== err.message) this.options.logger.error("serial port cannot be opened", { port: this.options.path, error: err });
          this.lastFailure = err.message;
          return resolve(null);
        }
        if (this.lastFailure) this.options.logger.info("serial port open again", { port: this.options.path });
        this.lastFailure = null;
        port.on("data", (chunk: Buffer) => this.data.emit(new Uint8Array(chunk)));
        port.on("error", (e) => this.options.logger.warn("serial port error", { port: this.options.path, error: e }));
        if (this.closed) {
          port.close();
          return resolve(null);
        }
        this.port = port;
        resolve(port);
      });
    });
    return this.opening;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.opening;
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
