/** Simulated request-to-exit button: `pressExit()`. */
import type { Unsubscribe } from "../../sdk/hal/device.js";
import type { ExitButton, ExitPress } from "../../sdk/hal/exit-button.js";
import type { Clock } from "../../sdk/time/clock.js";
import { Listeners, SimDevice } from "./sim-device.js";

export class SimExitButton extends SimDevice implements ExitButton {
  readonly kind = "exit_button" as const;
  private readonly presses = new Listeners<ExitPress>();

  constructor(
    id: string,
    private readonly clock: Clock,
  ) {
    super(id);
  }

  onPress(listener: (press: ExitPress) => void): Unsubscribe {
    return this.presses.add(listener);
  }

  pressExit(): boolean {
    if (!this.connected) return false;
    this.presses.emit({ at: this.clock.now() });
    return true;
  }
}
