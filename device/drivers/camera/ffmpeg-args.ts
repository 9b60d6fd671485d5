/**
 * ffmpeg's command line for a camera: the input (V4L2 device, RTSP, HTTP MJPEG) with
 * options that keep latency low (no input buffering), and the output: frames at most
 * at the configured rate (`-fps_mode vfr -r R` drops frames to the rate and, unlike the
 * fps filter, never duplicates them when the camera is slower), optionally scaled, as
 * a stream of JPEG images (`image2pipe`) or of raw RGB frames of a fixed size on
 * stdout. ffmpeg prints errors only (`-loglevel error`), never progress.
 */
import type { CameraSettings } from "./camera-settings.js";

export function ffmpegArgs(s: CameraSettings): string[] {
  // One thread for decoding and one for encoding: ffmpeg's default frame threading holds
  // a frame back per extra thread (measured with `facegate bench camera`: 640x480 at 5
  // fps went from about 210 ms to under 20 ms from frame sent to frame delivered).
  const args = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-threads", "1"];
  switch (s.kind) {
    case "v4l2":
      args.push("-f", "v4l2");
      if (s.inputFormat) args.push("-input_format", s.inputFormat);
      if (s.width && s.height) args.push("-video_size", `${s.width}x${s.height}`);
      args.push("-i", s.source);
      break;
    case "rtsp":
      // -timeout: socket I/O timeout in microseconds (ffmpeg 5: the RTSP demuxer's option).
      args.push("-fflags", "nobuffer", "-flags", "low_delay", "-rtsp_transport", s.rtspTransport, "-timeout", String(s.stallMs * 1000), "-i", s.source);
      break;
    case "http":
      // Multipart MJPEG carries no timestamps (the demuxer would assume 25 fps and the fps
      // filter would then pick the wrong frames): stamp frames with the arrival time.
      // -rw_timeout ends ffmpeg when the server stops sending (microseconds).
      args.push("-fflags", "nobuffer", "-flags", "low_delay", "-use_wallclock_as_timestamps", "1", "-rw_timeout", String(s.stallMs * 1000), "-f", "mpjpeg", "-i", s.source);
      break;
  }
  args.push("-an", "-sn", "-dn", "-threads", "1", "-fps_mode", "vfr", "-r", String(s.fps));
  if (s.width && s.height) args.push("-vf", `scale=${s.width}:${s.height}`);
  if (s.output === "rgb") args.push("-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1");
  else args.push("-c:v", "mjpeg", "-q:v", String(s.jpegQuality), "-f", "image2pipe", "pipe:1");
  return args;
}
