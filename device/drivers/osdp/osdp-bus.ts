/**
 * One RS-485 bus seen from the control panel: a single conversation at a time (OSDP is
 * half duplex, polled), each command answered within the reply timeout (200 ms in the
 * specification) or resent unchanged, same bytes and sequence number, up to `attempts`
 * times. Replies from another address, stale replies (another sequence number) and noise
 * are dropped; the parser resynchronises on its own.
 */
import { Listeners } from "../../../sdk/hal/listeners.js";
import { REPLY } from "../../../sdk/osdp/codes.js";
import { FrameParser, type OsdpFrame } from "../../../sdk/osdp/frame.js";
import type { Logger } from "../../../sdk/log/logger.js";
import type { Timers } from "../../../sdk/time/timers.js";
import type { ByteLink } from "./serial-link.js";

interface Waiting {
  address: number;
  sqn: number;
  resolve(frame: OsdpFrame | null): void;
}

export interface BusStats {
  exchanges: number;
  timeouts: number;
  /** Replies that answered nothing being waited for (late, other sequence number). */
  stale: number;
}

export class OsdpBus {
  private readonly parser = new FrameParser();
  private waiting: Waiting | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  readonly stats: BusStats = { exchanges: 0, timeouts: 0, stale: 0 };
  /** Replies that answered nothing being waited for (a bus search counts late answers too). */
  readonly strays = new Listeners<OsdpFrame>();

  constructor(
    private readonly options: { link: ByteLink; timers: Timers; replyTimeoutMs: number; logger: Logger },
  ) {
    options.link.onData((chunk) => this.onData(chunk));
  }

  /** Noise bytes skipped by the parser so far. */
  get discarded(): number {
    return this.parser.discarded;
  }

  /** Sends a command and resolves with its reply, or null after `attempts` unanswered sends. */
  exchange(address: number, bytes: Uint8Array, sqn: number, attempts: number): Promise<OsdpFrame | null> {
    const run = this.queue.then(() => this.run(address, bytes, sqn, attempts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(address: number, bytes: Uint8Array, sqn: number, attempts: number): Promise<OsdpFrame | null> {
    this.stats.exchanges++;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const reply = await new Promise<OsdpFrame | null>((resolve) => {
        const timer = this.options.timers.setTimer(() => finish(null), this.options.replyTimeoutMs);
        const finish = (frame: OsdpFrame | null) => {
          if (this.waiting !== waiting) return;
          this.waiting = null;
          this.options.timers.clearTimer(timer);
          resolve(frame);
        };
        const waiting: Waiting = { address, sqn, resolve: finish };
        this.waiting = waiting;
        this.parser.reset();
        this.options.link.write(bytes).catch(() => {
          // The port is gone: the command stays unanswered and times out.
        });
      });
      if (reply) return reply;
      this.stats.timeouts++;
    }
    return null;
  }

  private onData(chunk: Uint8Array): void {
    for (const frame of this.parser.push(chunk)) {
      const w = this.waiting;
      if (w && frame.reply && frame.address === w.address && (frame.sqn === w.sqn || frame.code === REPLY.BUSY)) {
        w.resolve(frame);
      } else {
        this.stats.stale++;
        this.strays.emit(frame);
        this.options.logger.debug("reply dropped", { address: frame.address, sqn: frame.sqn, expected: w ? `${w.address}/${w.sqn}` : "nothing" });
      }
    }
  }
}
