/**
 * Card reader contract.
 *
 * Obligations:
 * - Each card presented while connected is reported once to every `onCard` listener,
 *   with its number as a string of the digits/hex characters the reader decodes, and
 *   the time from the gate's Clock.
 * - The card number is a credential: implementations never log it, never put it in
 *   an error or event. Consumers hash it at once (sdk/access keyed hash) and drop it.
 * - While disconnected no reads are delivered.
 */
import type { HardwareDevice, Unsubscribe } from "./device.js";

export interface CardRead {
  /** Secret. Never log, store or emit it. */
  cardNumber: string;
  at: number;
}

export interface CardReader extends HardwareDevice {
  readonly kind: "card_reader";
  onCard(listener: (read: CardRead) => void): Unsubscribe;
}
