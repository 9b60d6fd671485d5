/**
 * The sdk/hal contracts over one OSDP reader: card reader, keypad, indicator (LED and
 * buzzer) and, where the reader has one, a text display. All four share the reader's
 * status: "connected" only while the reader is online and, unless the bus runs in the
 * clear by configuration, inside the Secure Channel (sdk/hal/device.ts obligations:
 * changes reported once, no input while disconnected, operations reject with
 * `hardware_disconnected`, throwing listeners are contained, unsubscribe is idempotent).
 */
import { HardwareError } from "../../../sdk/errors.js";
import type { CardRead, CardReader } from "../../../sdk/hal/card-reader.js";
import { type DeviceStatus, type HardwareKind, type Unsubscribe, disconnectedError } from "../../../sdk/hal/device.js";
import { type Display, type DisplayMessage, renderDisplayText } from "../../../sdk/hal/display.js";
import type { Indicator, IndicatorSignal } from "../../../sdk/hal/indicator.js";
import type { KeyPress, Keypad } from "../../../sdk/hal/keypad.js";
import { Listeners } from "../../../sdk/hal/listeners.js";
import { CMD } from "../../../sdk/osdp/codes.js";
import { type LedCommand, LED_COLOR, encodeBuz, encodeLed, encodeText } from "../../../sdk/osdp/messages.js";
import type { Timers } from "../../../sdk/time/timers.js";
import type { CardEvent, CommandResult, ReaderSession } from "./reader-session.js";

abstract class OsdpDevice {
  abstract readonly kind: HardwareKind;
  private readonly statusListeners = new Listeners<DeviceStatus>();

  constructor(
    readonly id: string,
    protected readonly reader: ReaderSession,
  ) {
    // The session reports transitions only, so each listener hears each change once.
    reader.status.add((connected) => this.statusListeners.emit(connected ? "connected" : "disconnected"));
  }

  get status(): DeviceStatus {
    return this.reader.connected ? "connected" : "disconnected";
  }

  onStatus(listener: (status: DeviceStatus) => void): Unsubscribe {
    return this.statusListeners.add(listener);
  }

  /** Sends commands in order; rejects with a HardwareError that names no data. */
  protected async run(commands: Array<{ code: number; data: Uint8Array }>): Promise<void> {
    for (const c of commands) {
      if (!this.reader.connected) throw disconnectedError(this);
      const result: CommandResult = await this.reader.command(c.code, c.data);
      if (result.ok) continue;
      if (result.reason === "disconnected") throw disconnectedError(this);
      throw new HardwareError("hardware_refused", `${this.kind} ${this.id}: the reader refused command 0x${c.code.toString(16)}${result.reason === "nak" ? ` (NAK ${result.code})` : ""}`, {
        device: this.id,
        command: c.code,
      });
    }
  }
}

export class OsdpCardReader extends OsdpDevice implements CardReader {
  readonly kind = "card_reader" as const;
  private readonly reads = new Listeners<CardRead>();
  private readonly details = new Listeners<CardEvent>();

  constructor(id: string, reader: ReaderSession) {
    super(id, reader);
    reader.cards.add((card) => {
      if (!this.reader.connected) return;
      this.reads.emit({ cardNumber: card.cardNumber, at: card.at });
      this.details.emit(card);
    });
  }

  onCard(listener: (read: CardRead) => void): Unsubscribe {
    return this.reads.add(listener);
  }

  /** The same reads with the bit count and format code (for `facegate osdp watch`). */
  onCardData(listener: (card: CardEvent) => void): Unsubscribe {
    return this.details.add(listener);
  }
}

export class OsdpKeypad extends OsdpDevice implements Keypad {
  readonly kind = "keypad" as const;
  private readonly presses = new Listeners<KeyPress>();

  constructor(id: string, reader: ReaderSession) {
    super(id, reader);
    reader.keys.add((press) => {
      if (this.reader.connected) this.presses.emit(press);
    });
  }

  onKey(listener: (press: KeyPress) => void): Unsubscribe {
    return this.presses.add(listener);
  }
}

type Flash = { color: number; on: number; off: number; forMs: number };

/** LED and buzzer patterns. Temporary ones end by themselves in the reader (its timer). */
const PATTERNS: Record<IndicatorSignal, { led: Flash | "idle" | { alarm: true }; beeps: { on: number; off: number; count: number } | null }> = {
  idle: { led: "idle", beeps: null },
  granted: { led: { color: LED_COLOR.green, on: 20, off: 0, forMs: 2000 }, beeps: { on: 2, off: 0, count: 1 } },
  denied: { led: { color: LED_COLOR.red, on: 2, off: 2, forMs: 2000 }, beeps: { on: 1, off: 1, count: 2 } },
  attention: { led: { color: LED_COLOR.amber, on: 3, off: 3, forMs: 3000 }, beeps: { on: 1, off: 0, count: 1 } },
  alarm: { led: { alarm: true }, beeps: { on: 5, off: 5, count: 0 } },
};

export class OsdpIndicator extends OsdpDevice implements Indicator {
  readonly kind = "indicator" as const;

  constructor(id: string, reader: ReaderSession) {
    super(id, reader);
    // A reader that comes (back) online shows whatever it shows by itself: set idle.
    reader.status.add((connected) => {
      if (connected) this.signal("idle").catch(() => {});
    });
  }

  async signal(kind: IndicatorSignal): Promise<void> {
    if (!this.reader.connected) throw disconnectedError(this);
    const features = this.reader.snapshot().features;
    const pattern = PATTERNS[kind];
    const commands: Array<{ code: number; data: Uint8Array }> = [];
    if ((features?.leds ?? 0) > 0) commands.push({ code: CMD.LED, data: encodeLed(ledFor(pattern.led)) });
    if (features?.buzzer) {
      const b = pattern.beeps;
      commands.push({ code: CMD.BUZ, data: encodeBuz(b ? { reader: 0, tone: 2, onTime: b.on, offTime: b.off, count: b.count } : { reader: 0, tone: 1, onTime: 0, offTime: 0, count: 0 }) });
    }
    await this.run(commands);
  }
}

function ledFor(led: Flash | "idle" | { alarm: true }): LedCommand {
  const idle = { onTime: 1, offTime: 0, onColor: LED_COLOR.red, offColor: LED_COLOR.black };
  if (led === "idle") return { reader: 0, led: 0, temporary: null, permanent: idle };
  if ("alarm" in led) return { reader: 0, led: 0, temporary: null, permanent: { onTime: 1, offTime: 1, onColor: LED_COLOR.red, offColor: LED_COLOR.black } };
  return { reader: 0, led: 0, temporary: { onTime: led.on, offTime: led.off, onColor: led.color, offColor: LED_COLOR.black, timer: led.forMs / 100 }, permanent: null };
}

/**
 * The reader's own small text display (osdp_TEXT, 1-4 rows of 16 characters). The
 * canonical text rendering is wrapped into rows at word boundaries, and shown a page
 * (as many rows as the display has) at a time: a message longer than one page turns its
 * pages by itself every `pageMs` of the gate's timers, round and round, until the next
 * message replaces it, so a whole notice (L3) or receipt (L11) is shown, page by page.
 *
 * Row convention, so a reader of the pages (and the contract suite) can join them
 * again: a row that ends a word is at most `columns - 1` characters long (padded with
 * spaces); a row filled to the last column is a word cut in two, continued on the next
 * row (a receipt id, a time). Characters the reader cannot show are sent as "?".
 */
export class OsdpDisplay extends OsdpDevice implements Display {
  readonly kind = "display" as const;
  private generation = 0;
  private pageTimer: unknown = null;

  constructor(
    id: string,
    reader: ReaderSession,
    private readonly pages: { timers: Timers; pageMs: number },
  ) {
    super(id, reader);
    reader.status.add((connected) => {
      if (!connected) this.stopPaging();
    });
  }

  async show(message: DisplayMessage): Promise<void> {
    this.stopPaging();
    const generation = ++this.generation;
    if (!this.reader.connected) throw disconnectedError(this);
    const size = this.reader.snapshot().features?.text;
    if (!size) throw new HardwareError("hardware_unsupported", `display ${this.id}: the reader has no text display`, { device: this.id });
    const pages = displayPages(renderDisplayText(message), size);
    await this.showPage(pages[0]!);
    if (pages.length > 1 && generation === this.generation) this.turnPages(pages, 1, generation);
  }

  private turnPages(pages: string[][], next: number, generation: number): void {
    this.pageTimer = this.pages.timers.setTimer(() => {
      this.pageTimer = null;
      if (generation !== this.generation) return;
      this.showPage(pages[next]!, generation).then(
        () => {
          if (generation === this.generation) this.turnPages(pages, (next + 1) % pages.length, generation);
        },
        // Disconnected or refused: the pages stop; the next show() reports what is wrong.
        () => {},
      );
    }, this.pages.pageMs);
  }

  private stopPaging(): void {
    this.generation++;
    if (this.pageTimer !== null) this.pages.timers.clearTimer(this.pageTimer);
    this.pageTimer = null;
  }

  /** Sends a page row by row; a page turn stops between rows once another message is shown. */
  private async showPage(rows: string[], generation?: number): Promise<void> {
    for (const [i, text] of rows.entries()) {
      if (generation !== undefined && generation !== this.generation) return;
      await this.run([{ code: CMD.TEXT, data: encodeText({ reader: 0, command: 1, row: i + 1, column: 1, text }) }]);
    }
  }
}

/** The text in pages of `rows` rows of exactly `columns` characters (the row convention of OsdpDisplay). */
export function displayPages(text: string, size: { rows: number; columns: number }): string[][] {
  const width = Math.max(2, size.columns);
  const rows: string[] = [];
  for (const line of text.split("\n")) {
    let row = "";
    for (const word of line.split(/\s+/).filter(Boolean)) {
      const candidate = row ? `${row} ${word}` : word;
      if (candidate.length <= width - 1) {
        row = candidate;
        continue;
      }
      if (row) rows.push(row);
      // A word too long for a row: full rows, then its end starts the next one.
      let rest = word;
      while (rest.length > width - 1) {
        rows.push(rest.slice(0, width));
        rest = rest.slice(width);
      }
      row = rest;
    }
    rows.push(row);
  }
  const pages: string[][] = [];
  for (let i = 0; i < rows.length; i += size.rows) {
    pages.push(Array.from({ length: size.rows }, (_, r) => (rows[i + r] ?? "").padEnd(width, " ")));
  }
  return pages.length > 0 ? pages : [Array.from({ length: size.rows }, () => "".padEnd(width, " "))];
}
