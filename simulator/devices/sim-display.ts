/** Simulated display: keeps the history of what was shown, with the text rendering. */
import { type Display, type DisplayMessage, renderDisplayText } from "../../sdk/hal/display.js";
import type { Clock } from "../../sdk/time/clock.js";
import { SimDevice } from "./sim-device.js";

export interface ShownMessage {
  at: number;
  message: DisplayMessage;
  text: string;
}

export class SimDisplay extends SimDevice implements Display {
  readonly kind = "display" as const;
  readonly history: ShownMessage[] = [];

  constructor(
    id: string,
    private readonly clock: Clock,
  ) {
    super(id);
  }

  async show(message: DisplayMessage): Promise<void> {
    this.assertConnected();
    this.history.push({ at: this.clock.now(), message, text: renderDisplayText(message) });
  }

  /** What is on screen now. */
  get current(): ShownMessage | undefined {
    return this.history[this.history.length - 1];
  }

  /** Test hook: whether any message shown since index `from` contains `text`. */
  shownSince(from: number, text: string): boolean {
    return this.history.slice(from).some((m) => m.text.includes(text));
  }
}
