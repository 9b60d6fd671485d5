/**
 * A terminal maker's own camera driver, written against the published contract only
 * (`facegate/hal`): each `capture()` reads the next JPEG file of a folder (in name order,
 * round and round) and delivers it as a frame, stamped with the gate's clock. A folder
 * that is gone is a camera that is gone: status "disconnected", no frames, until it is
 * back. The folder is looked at on every capture and every `pollMs` on the gate's timers.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Clock, Timers } from "facegate";
import { type Camera, type CameraFrame, DeviceBase, type FrameInfo, type Unsubscribe } from "facegate/hal";

export interface FolderCameraOptions {
  id: string;
  folder: string;
  clock: Clock;
  timers: Timers;
  /** How often the folder is looked at between captures. Default 1000 ms. */
  pollMs?: number;
}

type FrameListener = (frame: CameraFrame, info: FrameInfo) => void;

const JPEG_SOI = [0xff, 0xd8, 0xff];

export class FolderCamera extends DeviceBase implements Camera {
  readonly kind = "camera" as const;
  private readonly listeners = new Set<FrameListener>();
  private next = 0;
  private timer: unknown;
  private closed = false;

  constructor(private readonly options: FolderCameraOptions) {
    super(options.id, "disconnected");
    this.refresh();
    this.schedule();
  }

  onFrame(listener: FrameListener): Unsubscribe {
    const entry: FrameListener = (frame, info) => listener(frame, info);
    this.listeners.add(entry);
    return () => void this.listeners.delete(entry);
  }

  /** Looks at the folder now; returns its JPEG files (none when it is gone). */
  refresh(): string[] {
    const { folder } = this.options;
    const files = existsSync(folder) && statSync(folder).isDirectory() ? readdirSync(folder).filter((f) => /\.jpe?g$/i.test(f)).sort() : [];
    this.setStatus(files.length > 0 ? "connected" : "disconnected");
    return files;
  }

  /** The shutter: delivers the folder's next JPEG to every listener; nothing while disconnected. */
  capture(): boolean {
    const files = this.refresh();
    if (files.length === 0) return false;
    const file = files[this.next++ % files.length]!;
    const bytes = new Uint8Array(readFileSync(join(this.options.folder, file)));
    if (!JPEG_SOI.every((b, i) => bytes[i] === b)) return false;
    const info: FrameInfo = { at: this.options.clock.now() };
    for (const listener of [...this.listeners]) {
      try {
        listener(bytes, info);
      } catch {
        // A failing listener stops neither the others nor the camera (sdk/hal/device.ts).
      }
    }
    return true;
  }

  close(): void {
    this.closed = true;
    this.options.timers.clearTimer(this.timer);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.options.timers.setTimer(() => {
      this.refresh();
      this.schedule();
    }, this.options.pollMs ?? 1000);
  }
}
