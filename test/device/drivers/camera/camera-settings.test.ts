/** Camera settings: defaults, `path: problem` errors that never repeat the source, and ffmpeg's command line. */
import { describe, expect, it } from "vitest";
import { redactSource, sourceKind, sourceRedactor } from "../../../../device/drivers/camera/camera-source.js";
import { parseCameraSettings } from "../../../../device/drivers/camera/camera-settings.js";
import { ffmpegArgs } from "../../../../device/drivers/camera/ffmpeg-args.js";
import { ConfigError } from "../../../../sdk/errors.js";

const RTSP = "rtsp://admin:p%40ss-w0rd@10.0.0.5:554/stream1?token=abc123";

function problem(input: unknown): string {
  try {
    parseCameraSettings(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("accepted");
}

describe("camera settings", () => {
  it("recognises V4L2 devices, RTSP and HTTP URLs, and fills in defaults", () => {
    expect(sourceKind("/dev/video0")).toBe("v4l2");
    expect(sourceKind("/dev/v4l/by-id/usb-cam-video-index0")).toBe("v4l2");
    expect(sourceKind(RTSP)).toBe("rtsp");
    expect(sourceKind("https://cam.local/mjpg/video.mjpg")).toBe("http");
    expect(sourceKind("/etc/passwd")).toBeNull();
    const s = parseCameraSettings({ source: "/dev/video2" });
    expect(s).toMatchObject({ kind: "v4l2", fps: 5, output: "mjpeg", stallMs: 3_000, rtspTransport: "tcp" });
  });

  it("reads every mistake as path: problem, without the source in it", () => {
    expect(problem(null)).toBe("drivers.camera: must be an object");
    expect(problem({ source: RTSP, fps: 0 })).toBe("drivers.camera.fps: must be a number above 0 and at most 30");
    expect(problem({ source: "file:///x" })).toBe("drivers.camera.source: must be /dev/videoN, an rtsp:// or an http(s):// URL");
    expect(problem({ source: RTSP, output: "rgb" })).toBe('drivers.camera.width: required with output "rgb" (frames of a fixed size)');
    expect(problem({ source: RTSP, width: 640 })).toBe("drivers.camera.height: width and height go together");
    expect(problem({ source: RTSP, inputFormat: "mjpeg" })).toBe("drivers.camera.inputFormat: only for V4L2 devices");
    expect(problem({ source: RTSP, fps: 2, stallMs: 500 })).toBe("drivers.camera.stallMs: must be at least two frame intervals (1000 ms at 2 fps)");
    expect(problem({ source: RTSP, colour: true })).toBe("drivers.camera.colour: unknown setting");
    expect(problem({ source: RTSP, backoff: { initialMs: 5_000, maxMs: 1_000 } })).toBe("drivers.camera.backoff.maxMs: must be an integer from 5000 to 3600000");
    for (const input of [{ source: RTSP, fps: -1 }, { source: RTSP, output: "x" }]) expect(problem(input)).not.toContain("p%40ss");
  });

  it("builds ffmpeg's command line for each kind of source", () => {
    const v4l2 = ffmpegArgs(parseCameraSettings({ source: "/dev/video0", fps: 5, width: 640, height: 480, inputFormat: "mjpeg" }));
    expect(v4l2.join(" ")).toContain("-f v4l2 -input_format mjpeg -video_size 640x480 -i /dev/video0");
    expect(v4l2.join(" ")).toContain("-fps_mode vfr -r 5 -vf scale=640:480 -c:v mjpeg -q:v 3 -f image2pipe pipe:1");
    const rtsp = ffmpegArgs(parseCameraSettings({ source: RTSP, rtspTransport: "udp", output: "rgb", width: 320, height: 240 }));
    expect(rtsp.join(" ")).toContain(`-rtsp_transport udp -timeout 3000000 -i ${RTSP}`);
    expect(rtsp.join(" ")).toContain("-pix_fmt rgb24 -f rawvideo pipe:1");
    const http = ffmpegArgs(parseCameraSettings({ source: "http://cam/video.mjpg" }));
    expect(http.join(" ")).toContain("-use_wallclock_as_timestamps 1 -rw_timeout 3000000 -f mpjpeg -i http://cam/video.mjpg");
  });
});

describe("camera source redaction", () => {
  it("removes user, password and query from the source and from ffmpeg's messages", () => {
    expect(redactSource(RTSP)).toBe("rtsp://***@10.0.0.5:554/stream1?***");
    expect(redactSource("/dev/video0")).toBe("/dev/video0");
    const clean = sourceRedactor(RTSP);
    const said = `[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized for ${RTSP}; user admin password p@ss-w0rd token=abc123`;
    const out = clean(said);
    for (const secret of ["p%40ss-w0rd", "p@ss-w0rd", "abc123", "admin:"]) expect(out).not.toContain(secret);
    expect(out).toContain("401 Unauthorized");
    expect(out).toContain("10.0.0.5:554/stream1");
  });
});
