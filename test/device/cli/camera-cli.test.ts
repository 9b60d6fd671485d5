/** `facegate camera snapshot` against an HTTP MJPEG camera made of ffmpeg (in-process CLI, real ffmpeg). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../../device/cli/cli-io.js";
import { main } from "../../../device/cli/main.js";
import { facePath, facesAvailable } from "../../support/faces.js";
import { MjpegServer } from "../../support/mjpeg-server.js";

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd: process.cwd() };
}

let server: MjpegServer;
beforeAll(async () => {
  if (!facesAvailable) return;
  server = new MjpegServer({ image: facePath("identities", "amy", "amy1.png"), fps: 10, user: "door", password: "snap-Secret-99", filter: "scale=320:240" });
  await server.start();
});
afterAll(async () => {
  await server?.stop();
});

describe("facegate camera", () => {
  it("answers --help on stdout with exit 0", async () => {
    const a = io();
    expect(await main(["camera", "--help"], a)).toBe(0);
    expect(a.stdout.join("\n")).toMatch(/facegate camera snapshot --source SRC/);
    expect(a.stderr).toEqual([]);
  });

  it("refuses a source that is no camera with a usage error", async () => {
    const a = io();
    expect(await main(["camera", "snapshot", "--source", "/etc/passwd"], a)).toBe(2);
    expect(a.stderr.join("\n")).toMatch(/--source: must be \/dev\/videoN/);
  });

  it.skipIf(!facesAvailable)("reports the resolution and frame rate of a stream, without its password", async () => {
    const a = io();
    expect(await main(["camera", "snapshot", "--source", server.url, "--seconds", "3", "--json"], a)).toBe(0);
    const report = JSON.parse(a.stdout[0]!) as Record<string, unknown>;
    expect(report).toMatchObject({ ok: true, width: 320, height: 240, seconds: 3 });
    expect(report["fps"] as number).toBeGreaterThan(7);
    expect(report["fps"] as number).toBeLessThan(13);
    expect(report["source"]).toBe(`http://***@127.0.0.1:${server.port}/stream`);
    expect(a.stdout.join("")).not.toContain("snap-Secret-99");
  });

  it("exits 1 and says why when no frame comes", async () => {
    const a = io();
    expect(await main(["camera", "snapshot", "--source", "/dev/video97", "--seconds", "3"], a)).toBe(1);
    expect(a.stderr.join("\n")).toMatch(/\/dev\/video97: no frames in 3 s: .*No such file or directory/);
  });
});
