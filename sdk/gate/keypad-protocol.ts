/**
 * The keypad protocol of a gate (pure: the gate feeds keys and the time, and acts on
 * the returned action). Documented for installers and residents:
 *
 * Entering
 *   `<code> * <PIN> #`   PIN alone (gates whose mode accepts a PIN alone): the keypad
 *                         user code identifies the PIN record, the PIN proves it.
 *   card, then `<PIN> #` card_and_pin gates, and card_then_face gates for residents who
 *                         do not use face (or when the camera is down).
 *   `#` on an empty entry  cancels what is pending (a swiped card, the menu).
 *   An entry idle for `keypadTimeoutMs` is discarded.
 *
 * Privacy menu (L11: a resident acts at the gate with card and PIN, no operator needed)
 *   1. press `*` on an empty entry: the menu is armed ("swipe your card");
 *      while armed, a card does NOT open the door, it identifies the resident;
 *   2. swipe the card, then type `<PIN> #` (wrong PINs count towards the lockout);
 *   3. the menu opens; single keys act at once, no `#`:
 *        `1` show the current processing notice (version, hash, full text)
 *        `2` give face consent and enroll: the notice is shown, `#` confirms consent
 *            under that notice (`*` cancels), then the next live, good-quality face
 *            at the camera is enrolled; with consent already valid, goes straight
 *            to enrollment
 *        `3` withdraw face consent: every template is deleted, the signed deletion
 *            receipt is shown on the display
 *        `4` delete my face data (a deletion request: templates destroyed and the consent ended, L7; the resident may consent again at any time): receipt shown
 *        `0` leave the menu
 *   The menu closes by itself after `menuTimeoutMs` without a key. Declining or
 *   withdrawing face never changes card or PIN access (L2).
 */
import type { KeypadKey } from "../hal/keypad.js";

export const MAX_ENTRY_DIGITS = 20;

export interface KeypadEntry {
  /** Digits typed since the last `*`, or since the start. May be a PIN: never log. */
  digits: string;
  /** Digits typed before `*` (the keypad user code); null: no `*` yet. */
  code: string | null;
  lastKeyAt: number | null;
}

export const EMPTY_ENTRY: KeypadEntry = { digits: "", code: null, lastKeyAt: null };

export type KeypadAction =
  | { type: "none" }
  /** `*` on an empty entry. */
  | { type: "menu" }
  /** `#` on an empty entry. */
  | { type: "cancel" }
  /** `#` after digits: `code` is set when the entry was `code * digits`. */
  | { type: "submit"; code: string | null; digits: string }
  /** Too many digits: the entry was discarded. */
  | { type: "overflow" };

export function keypadStep(entry: KeypadEntry, key: KeypadKey, at: number, timeoutMs: number): { entry: KeypadEntry; action: KeypadAction } {
  const current = entry.lastKeyAt !== null && at - entry.lastKeyAt > timeoutMs ? EMPTY_ENTRY : entry;
  const empty = current.digits === "" && current.code === null;
  if (key === "*") {
    if (empty) return { entry: EMPTY_ENTRY, action: { type: "menu" } };
    if (current.code === null && current.digits !== "") return { entry: { digits: "", code: current.digits, lastKeyAt: at }, action: { type: "none" } };
    return { entry: EMPTY_ENTRY, action: { type: "cancel" } };
  }
  if (key === "#") {
    if (empty || current.digits === "") return { entry: EMPTY_ENTRY, action: { type: "cancel" } };
    return { entry: EMPTY_ENTRY, action: { type: "submit", code: current.code, digits: current.digits } };
  }
  if (current.digits.length + (current.code?.length ?? 0) >= MAX_ENTRY_DIGITS) return { entry: EMPTY_ENTRY, action: { type: "overflow" } };
  return { entry: { digits: current.digits + key, code: current.code, lastKeyAt: at }, action: { type: "none" } };
}
