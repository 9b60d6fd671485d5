/**
 * `facegate camera snapshot --source SRC [--seconds N] [--fps N] [--json]`: checks a
 * camera source for the installer at the door. Runs the ffmpeg camera driver on the
 * source for N seconds (default 5) and reports the resolution, the frame rate it
 * measured and the time to the first frame. Frames are measured and dropped: none is
 * kept or written (L4). The source is printed without user, password or query.
 * Exit 0 when frames came, 1 when none did.
 */
import { parseCameraSettings } from "../../drivers/camera/camera-settings.js";
import { intValue, parseArgs, requireValue } from "../args.js";
import { type CliIo, EXIT } from "../cli-io.js";
import { commandUsage, dispatch, type Subcommand, UsageProblem } from "../usage.js";
import { ConfigError } from "../../../sdk/errors.js";

export const summary = "check a camera source: resolution and frame rate (snapshot --source SRC)";

const SNAPSHOT_USAGE = `usage: facegate camera snapshot --source SRC [--seconds N] [--fps N] [--json]

  SRC is a V4L2 device (/dev/video0), an RTSP URL (rtsp://user:pass@host/stream)
  or an HTTP MJPEG URL. The camera is watched for N seconds (default 5) through
  ffmpeg; resolution, frame rate and time to the first frame are reported.
  Frames are not kept or written.`;

const SUBCOMMANDS: Record<string, Subcommand> = { snapshot: { usage: SNAPSHOT_USAGE, run: snapshot } };
export const subcommands: readonly string[] = Object.keys(SUBCOMMANDS);
export const usage = commandUsage("camera", SUBCOMMANDS);

export function run(argv: string[], io: CliIo): Promise<number> {
  return dispatch(argv, io, SUBCOMMANDS, usage);
}

async function snapshot(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["source", "seconds", "fps"], usage: SNAPSHOT_USAGE });
  if (args.positionals.length > 0) throw new UsageProblem(`unexpected argument ${args.positionals[0]}`, SNAPSHOT_USAGE);
  const seconds = intValue(args, "seconds", 5);
  if (seconds > 120) throw new UsageProblem("--seconds must be at most 120", SNAPSHOT_USAGE);
  const fps = args.values["fps"] === undefined ? 30 : Number(args.values["fps"]);
  let settings;
  try {
    settings = parseCameraSettings({ source: requireValue(args, "source"), fps, stallMs: Math.max(3_000, Math.ceil(2_000 / fps)) }, "camera");
  } catch (err) {
    // `camera.source: ...` reads badly on a command line: name the option instead.
    if (err instanceof ConfigError) throw new UsageProblem(err.message.replace(/^camera\.(\w+)/, "--$1"), SNAPSHOT_USAGE);
    throw err;
  }
  // Loaded only to run (the ffmpeg driver), so that `facegate --help` stays quick.
  const { probeCamera } = await import("../../drivers/camera/camera-probe.js");
  const p = await probeCamera(settings, seconds);
  const ok = p.frames > 0;
  if (args.flags.has("json")) {
    io.out(JSON.stringify({ ok, source: p.source, seconds, frames: p.frames, width: p.width, height: p.height, fps: p.fps, firstFrameMs: p.firstFrameMs, ...(p.problem ? { problem: p.problem } : {}) }));
  } else if (ok) {
    io.out(`${p.source}: ${p.width}x${p.height}, ${p.fps ?? "?"} fps measured over ${p.frames} frames in ${seconds} s, first frame after ${p.firstFrameMs} ms (frames not kept)`);
  } else {
    io.err(`${p.source}: no frames in ${seconds} s${p.problem ? `: ${p.problem}` : ""}`);
  }
  return ok ? EXIT.ok : EXIT.failure;
}
