/**
 * facegate's camera contract suite, exported by the package (`facegate/testing`), run on
 * this project's own driver. PHOTOS_DIR: a folder of JPEG photos (copied, not changed).
 */
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cameraContract } from "facegate/testing";
import { FolderCamera } from "../src/folder-camera.js";

const photos = process.env["PHOTOS_DIR"];
if (!photos) throw new Error("PHOTOS_DIR: a folder of JPEG photos for the folder camera");

cameraContract({
  name: "FolderCamera (JPEG files of a folder)",
  create: async ({ clock, timers }) => {
    const root = mkdtempSync(join(tmpdir(), "folder-camera-"));
    const folder = join(root, "frames");
    const away = join(root, "unplugged");
    cpSync(photos, folder, { recursive: true });
    const device = new FolderCamera({ id: "front.camera", folder, clock, timers, pollMs: 500 });
    return {
      device,
      capture: () => void device.capture(),
      // Unplugged: the folder goes away; plugged back: it returns. Twice in a row does nothing more.
      disconnect: () => void (existsSync(folder) && renameSync(folder, away)),
      reconnect: () => void (existsSync(away) && renameSync(away, folder)),
      settle: async () => void device.refresh(),
      close: () => {
        device.close();
        rmSync(root, { recursive: true, force: true });
      },
    };
  },
});
