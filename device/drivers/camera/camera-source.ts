/**
 * Camera sources and what may be said about them. An RTSP or HTTP URL may carry a user
 * and password (`rtsp://admin:secret@10.0.0.5/stream`) or a token in its query: the
 * source is a secret for logs. `redactSource` is the only form of it that goes to a
 * log, an error or a command result, and `sourceRedactor` cleans ffmpeg's own output,
 * which repeats the URL in its messages.
 */
export type CameraSourceKind = "v4l2" | "rtsp" | "http";

export function sourceKind(source: string): CameraSourceKind | null {
  if (/^\/dev\/video\d+$/.test(source) || /^\/dev\/v4l\/by-(id|path)\/[^\s]+$/.test(source)) return "v4l2";
  if (/^rtsps?:\/\/[^\s]+$/i.test(source)) return "rtsp";
  if (/^https?:\/\/[^\s]+$/i.test(source)) return "http";
  return null;
}

const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi;

/** The source without user, password or query: `rtsp://***@10.0.0.5/stream?***`. */
export function redactSource(source: string): string {
  return source.replace(USERINFO, "$1***@").replace(/\?\S*/, "?***");
}

/** A function that removes the source's secrets from a line of ffmpeg output. */
export function sourceRedactor(source: string): (text: string) => string {
  const secrets = new Set<string>();
  try {
    const url = new URL(source);
    for (const raw of [url.password, url.username, url.search.slice(1)]) {
      if (raw.length >= 3) {
        secrets.add(raw);
        try {
          secrets.add(decodeURIComponent(raw));
        } catch {
          // not percent-encoded: the raw form is enough
        }
      }
    }
  } catch {
    // a device path holds no secret
  }
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text.replace(USERINFO, "$1***@");
    for (const s of ordered) out = out.split(s).join("***");
    return out;
  };
}
