/**
 * Everything a browser context received from the service (every HTTP response body and
 * header, and every server-sent event message, read at the browser's network layer over
 * CDP), everything it sent, and every URL it asked for, for the leak and origin checks.
 */
import type { BrowserContext, Page } from "playwright-core";

export class Traffic {
  readonly received: string[] = [];
  readonly sent: Array<{ url: string; body: Buffer | null }> = [];
  readonly urls: string[] = [];
  readonly sseMessages: string[] = [];
  private readonly pending: Array<Promise<unknown>> = [];

  watch(context: BrowserContext): void {
    context.on("request", (req) => {
      this.urls.push(req.url());
      this.sent.push({ url: req.url(), body: req.postDataBuffer() });
    });
    context.on("response", (res) => {
      const type = res.headers()["content-type"] ?? "";
      this.received.push(JSON.stringify(res.headers()));
      if (type.startsWith("text/event-stream")) return; // read message by message over CDP
      this.pending.push(
        res
          .body()
          .then((b) => this.received.push(b.toString("utf8"), b.toString("latin1")))
          .catch(() => undefined),
      );
    });
  }

  /** Each page's SSE messages, as the browser's network stack delivered them. */
  async watchEventSource(context: BrowserContext, page: Page): Promise<void> {
    const cdp = await context.newCDPSession(page);
    cdp.on("Network.eventSourceMessageReceived", (m: { eventName: string; data: string }) => this.sseMessages.push(`${m.eventName}\n${m.data}`));
    await cdp.send("Network.enable");
  }

  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }

  /** The secrets found in `within` (default: everything received), as they are or JSON-escaped. */
  leaks(secrets: readonly string[], within: readonly string[] = [...this.received, ...this.sseMessages]): string[] {
    return secrets.filter((s) => within.some((t) => t.includes(s) || t.includes(JSON.stringify(s).slice(1, -1))));
  }
}
