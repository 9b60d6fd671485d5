/**
 * Display contract: what the resident at the door is shown. The gate sends structured
 * messages; a display renders them (text LCD, touch screen, speech) in its own way, and
 * `renderDisplayText` gives the canonical text rendering for simple text displays.
 *
 * Obligations:
 * - `show(message)` replaces what is on screen and resolves once it is shown.
 * - A notice (L3) must be shown in full (scrolling/paging is the display's business);
 *   a deletion receipt (L11) must show its id, time and verification code.
 * - A display never shows a card number, a PIN or a face image; messages carry none.
 * - While disconnected, `show` rejects with HardwareError `hardware_disconnected`.
 *   The gate keeps deciding and opening without a display.
 */
import type { HardwareDevice } from "./device.js";

export type DisplayMessage =
  | { kind: "idle"; text: string }
  /** A prompt or hint, e.g. "use your card or PIN", "enter your PIN and #". */
  | { kind: "prompt"; text: string }
  | { kind: "granted"; method: string; text: string }
  | { kind: "denied"; reason: string; text: string }
  /** The current processing notice (L3), shown in full. */
  | { kind: "notice"; version: string; hash: string; text: string }
  | { kind: "menu"; title: string; options: ReadonlyArray<{ key: string; label: string }> }
  /** A signed deletion receipt, shown on the spot (L11). */
  | { kind: "receipt"; receiptId: string; issuedAt: number; action: string; templatesDeleted: number; verificationCode: string; text: string };

export interface Display extends HardwareDevice {
  readonly kind: "display";
  show(message: DisplayMessage): Promise<void>;
}

/** The canonical plain-text rendering of a message, for text displays and logs of the simulator. */
export function renderDisplayText(message: DisplayMessage): string {
  switch (message.kind) {
    case "idle":
    case "prompt":
    case "granted":
    case "denied":
      return message.text;
    case "notice":
      return `Notice ${message.version} (${message.hash.slice(0, 16)})\n${message.text}`;
    case "menu":
      return `${message.title}\n${message.options.map((o) => `${o.key}: ${o.label}`).join("\n")}`;
    case "receipt":
      return `${message.text}\nreceipt ${message.receiptId}\n${new Date(message.issuedAt).toISOString()}\n${message.action}, templates deleted: ${message.templatesDeleted}\nverification code ${message.verificationCode}`;
  }
}
