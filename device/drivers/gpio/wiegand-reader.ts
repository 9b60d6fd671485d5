/**
 * A Wiegand reader on two GPIO lines (D0, D1): card reads into the card-reader contract
 * and keypad codes (4 and 8 bit) into the keypad contract; many readers with a keypad
 * send both on the same two wires. The lines are watched by gpiomon (line-monitor.ts),
 * decoded from the kernel's edge timestamps (wiegand-decoder.ts), and flushed once they
 * have been quiet for `flushMs` (quiet-timer.ts).
 *
 * Card numbers and keys are credentials: they go to the listeners and nowhere else.
 * Rejected frames are logged with their length and reason only, rate limited (a noisy
 * cable must not flood the log).
 */
import type { CardRead, CardReader } from "../../../sdk/hal/card-reader.js";
import { DeviceBase } from "../../../sdk/hal/device-base.js";
import { Listeners } from "../../../sdk/hal/listeners.js";
import type { DeviceStatus, Unsubscribe } from "../../../sdk/hal/device.js";
import type { KeyPress, Keypad } from "../../../sdk/hal/keypad.js";
import type { Logger } from "../../../sdk/log/logger.js";
import type { Clock } from "../../../sdk/time/clock.js";
import type { DriverTimers, SpawnFn } from "../process/child-process.js";
import { RateLimitedLog } from "../process/rate-limited-log.js";
import type { LineEdge } from "./gpiomon-events.js";
import { type GpioBias, LineMonitor } from "./line-monitor.js";
import { QuietTimer } from "./quiet-timer.js";
import { WiegandDecoder, type WiegandTiming } from "./wiegand-decoder.js";
import type { CardNumberFormat } from "./wiegand-formats.js";

export interface WiegandReaderOptions {
  /** Device ids: `<gate>.card-reader`, `<gate>.keypad`. */
  cardReaderId: string;
  keypadId: string;
  chip: string;
  d0: number;
  d1: number;
  active: "low" | "high";
  bias: GpioBias;
  timing: WiegandTiming;
  flushMs: number;
  cardFormat: CardNumberFormat;
  spawn: SpawnFn;
  timers: DriverTimers;
  clock: Clock;
  logger: Logger;
}

class WiegandCardReader extends DeviceBase implements CardReader {
  readonly kind = "card_reader" as const;
  readonly cards = new Listeners<CardRead>();
  onCard(listener: (read: CardRead) => void): Unsubscribe {
    return this.cards.add(listener);
  }
  update(status: DeviceStatus): void {
    this.setStatus(status);
  }
}

class WiegandKeypad extends DeviceBase implements Keypad {
  readonly kind = "keypad" as const;
  readonly keys = new Listeners<KeyPress>();
  onKey(listener: (press: KeyPress) => void): Unsubscribe {
    return this.keys.add(listener);
  }
  update(status: DeviceStatus): void {
    this.setStatus(status);
  }
}

export class WiegandReader {
  readonly cardReader: CardReader;
  readonly keypad: Keypad;
  private readonly reader: WiegandCardReader;
  private readonly pad: WiegandKeypad;
  private readonly decoder: WiegandDecoder;
  private readonly monitor: LineMonitor;
  private readonly quiet: QuietTimer;
  private readonly rejections: RateLimitedLog;
  private up = false;

  constructor(private readonly o: WiegandReaderOptions) {
    this.reader = new WiegandCardReader(o.cardReaderId, "disconnected");
    this.pad = new WiegandKeypad(o.keypadId, "disconnected");
    this.cardReader = this.reader;
    this.keypad = this.pad;
    this.decoder = new WiegandDecoder({ d0: o.d0, d1: o.d1, active: o.active, timing: o.timing, cardFormat: o.cardFormat });
    this.quiet = new QuietTimer(o.timers, o.flushMs, () => this.flush());
    const log = o.logger.child("wiegand");
    this.rejections = new RateLimitedLog(log, o.clock);
    this.monitor = new LineMonitor({
      chip: o.chip,
      offsets: [o.d0, o.d1],
      bias: o.bias,
      readLevels: false,
      spawn: o.spawn,
      timers: o.timers,
      clock: o.clock,
      logger: log,
      onEdge: (edge) => this.edge(edge),
      onStatus: (status) => this.status(status),
    });
  }

  start(): void {
    this.monitor.start();
  }

  async stop(): Promise<void> {
    this.quiet.cancel();
    await this.monitor.stop();
  }

  private edge(edge: LineEdge): void {
    if (!this.up) return;
    this.decoder.push(edge);
    this.quiet.poke();
  }

  private status(status: DeviceStatus): void {
    this.up = status === "connected";
    if (!this.up) {
      // Nothing read while disconnected is delivered, not even half a frame.
      this.quiet.cancel();
      this.decoder.flush();
    }
    this.reader.update(status);
    this.pad.update(status);
  }

  private flush(): void {
    if (!this.up) return;
    const at = this.o.clock.now();
    for (const frame of this.decoder.flush()) {
      if (frame.kind === "card") this.reader.cards.emit({ cardNumber: frame.cardNumber, at });
      else if (frame.kind === "key") this.pad.keys.emit({ key: frame.key, at });
      else this.rejections.log("warn", "wiegand frame rejected", { bits: frame.bits, reason: frame.reason });
    }
  }
}
