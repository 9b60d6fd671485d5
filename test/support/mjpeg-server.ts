/**
 * An HTTP MJPEG camera for tests, as an IP camera serves it: multipart/x-mixed-replace
 * JPEG frames, produced by ffmpeg itself from a looped photo (`-f mpjpeg`), behind
 * basic authentication. The test plays the camera's failures: `pause()` stops sending
 * while the connection stays open (a hung camera), `garbage()` sends bytes that are no
 * video, `stop()` takes the camera off the network, `start()` brings it back on the
 * same port.
 *
 * With `onDemand`, the camera sends a frame only when told (`sendFrame()`: the latest
 * part ffmpeg produced, as it produced it): the contract suites count frames. (A
 * reading ffmpeg spends the first frame or two on probing the stream.)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface MjpegServerOptions {
  image: string;
  fps: number;
  user?: string;
  password?: string;
  /** Extra ffmpeg video filters for the producer (e.g. to size the frame). */
  filter?: string;
  /** Send frames only on `sendFrame()`. */
  onDemand?: boolean;
}

export class MjpegServer {
  private server: Server | null = null;
  private producer: ChildProcess | null = null;
  /** Clients, and whether each has been sent the start of a part yet. */
  private readonly clients = new Map<ServerResponse, { synced: boolean }>();
  private readonly sockets = new Set<Socket>();
  private mode: "live" | "paused" | "garbage" = "live";
  private garbageTimer: NodeJS.Timeout | null = null;
  port = 0;
  /** Bytes of video sent to clients. */
  sent = 0;
  private pending: Buffer = Buffer.alloc(0);
  private lastPart: Buffer | null = null;

  constructor(private readonly o: MjpegServerOptions) {}

  get url(): string {
    const auth = this.o.user ? `${this.o.user}:${this.o.password}@` : "";
    return `http://${auth}127.0.0.1:${this.port}/stream`;
  }

  async start(): Promise<void> {
    this.mode = "live";
    const producer = spawn(
      "ffmpeg",
      ["-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-loop", "1", "-framerate", String(this.o.fps), "-i", this.o.image, "-vf", `${this.o.filter ? `${this.o.filter},` : ""}format=yuvj420p`, "-c:v", "mjpeg", "-q:v", "2", "-f", "mpjpeg", "pipe:1"],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    this.producer = producer;
    producer.stdout!.on("data", (chunk: Buffer) => {
      if (this.o.onDemand) {
        this.collect(chunk);
        return;
      }
      if (this.mode !== "live") {
        for (const c of this.clients.values()) c.synced = false;
        return;
      }
      this.broadcast(chunk);
    });
    const server = createServer((req, res) => this.handle(req, res));
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    if (this.o.onDemand) await waitUntil(() => this.lastPart !== null, 10_000, "ffmpeg's first frame");
  }

  /** Keeps the latest complete part of ffmpeg's multipart output. */
  private collect(chunk: Buffer): void {
    let buf = Buffer.concat([this.pending, chunk]);
    let start = buf.indexOf("--ffmpeg");
    if (start === -1) {
      this.pending = buf.length > 1 << 20 ? Buffer.alloc(0) : buf;
      return;
    }
    let next: number;
    while ((next = buf.indexOf("--ffmpeg", start + 8)) !== -1) {
      this.lastPart = Buffer.from(buf.subarray(start, next));
      start = next;
    }
    buf = Buffer.from(buf.subarray(start));
    this.pending = buf;
  }

  /** onDemand: sends one frame to every client; false when there is none to send to. */
  sendFrame(): boolean {
    if (!this.lastPart || this.clients.size === 0) return false;
    for (const c of this.clients.keys()) c.write(this.lastPart);
    return true;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.o.user) {
      const expected = `Basic ${Buffer.from(`${this.o.user}:${this.o.password}`).toString("base64")}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { "WWW-Authenticate": 'Basic realm="camera"' }).end();
        return;
      }
    }
    res.writeHead(200, { "Content-Type": "multipart/x-mixed-replace;boundary=ffmpeg", "Cache-Control": "no-cache" });
    this.clients.set(res, { synced: false });
    res.on("close", () => this.clients.delete(res));

  }

  private broadcast(chunk: Buffer): void {
    for (const [c, state] of this.clients) {
      let out = chunk;
      if (!state.synced) {
        // A client that joined (or a stream that resumes) starts at a part boundary.
        const i = chunk.indexOf("--ffmpeg");
        if (i === -1) continue;
        out = chunk.subarray(i);
        state.synced = true;
      }
      c.write(out);
      this.sent += out.length;
    }
  }

  get clientCount(): number {
    return this.clients.size;
  }

  pause(): void {
    this.mode = "paused";
  }

  resume(): void {
    this.mode = "live";
  }

  /** Sends random bytes, no JPEG in them, several times a second. */
  garbage(): void {
    this.mode = "garbage";
    this.garbageTimer ??= setInterval(() => {
      if (this.mode === "garbage") for (const c of this.clients.keys()) c.write(randomBytes(16_384).map((b) => (b === 0xff ? 0xfe : b)));
    }, 50);
  }

  async stop(): Promise<void> {
    if (this.garbageTimer) clearInterval(this.garbageTimer);
    this.garbageTimer = null;
    this.producer?.kill("SIGKILL");
    this.producer = null;
    for (const c of this.clients.keys()) c.destroy();
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Waits for a condition, polling; fails with `what` after `ms`. */
export async function waitUntil(condition: () => boolean, ms: number, what: string): Promise<number> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}
