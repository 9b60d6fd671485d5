/** Simulated card reader: `swipe(cardNumber)`. */
import type { CardRead, CardReader } from "../../sdk/hal/card-reader.js";
import type { Unsubscribe } from "../../sdk/hal/device.js";
import type { Clock } from "../../sdk/time/clock.js";
import { Listeners, SimDevice } from "./sim-device.js";

export class SimCardReader extends SimDevice implements CardReader {
  readonly kind = "card_reader" as const;
  private readonly reads = new Listeners<CardRead>();
  /** How many swipes were delivered (card numbers are not kept). */
  swipes = 0;

  constructor(
    id: string,
    private readonly clock: Clock,
  ) {
    super(id);
  }

  onCard(listener: (read: CardRead) => void): Unsubscribe {
    return this.reads.add(listener);
  }

  /** Test hook. Returns false (nothing delivered) when disconnected. */
  swipe(cardNumber: string): boolean {
    if (!this.connected) return false;
    this.swipes++;
    this.reads.emit({ cardNumber, at: this.clock.now() });
    return true;
  }
}
