/**
 * The card reader contract (sdk/hal/card-reader.ts) as a suite. Run it on a driver with
 *
 *   cardReaderContract({ name: "my reader", create: async ({ clock, timers }) => ({ device, cards, present, logText, disconnect, reconnect, settle, close }) });
 *
 * The factory provides, besides DeviceFixture (hal-kit.ts):
 * - `cards`: two different card numbers this reader can read, exactly as it reports them
 *   (digits or hex characters, e.g. "2242469" for a Wiegand 26-bit card);
 * - `present(cardNumber)`: a card with that number is held to the reader;
 * - `logText()`: everything the implementation logged so far, as text ("" if it has no
 *   logger), to check card numbers never reach it.
 */
import { expect } from "vitest";
import type { CardRead, CardReader } from "../../hal/card-reader.js";
import { type ContractOptions, type Obligation, registerContract } from "../contract-kit.js";
import { type DeviceFixture, expectNotLogged, expectStampedInputs } from "./hal-kit.js";
import { deviceObligations } from "./device-obligations.js";

export interface CardReaderFixture extends DeviceFixture<CardReader> {
  cards: readonly [string, string];
  present(cardNumber: string): void | Promise<void>;
  logText(): string;
}

function reads(f: CardReaderFixture): CardRead[] {
  const got: CardRead[] = [];
  f.device.onCard((r) => got.push(r));
  return got;
}

/** Presents the fixture's two cards, one after the other; what the reader reported. */
async function presentBoth(f: CardReaderFixture): Promise<CardRead[]> {
  const got = reads(f);
  for (const card of f.cards) {
    await f.present(card);
    await f.settle();
  }
  return got;
}

export const cardReaderObligations: ReadonlyArray<Obligation<CardReaderFixture>> = [
  ...deviceObligations<CardReaderFixture>("card_reader", { what: "card read", listen: (f, l) => f.device.onCard(l), stimulate: (f) => f.present(f.cards[0]) }),
  {
    name: "reports each card presented while connected once to every onCard listener, in order",
    async check(f) {
      expect(f.cards[0], "the fixture's two cards differ").not.toBe(f.cards[1]);
      const a = reads(f);
      const b = reads(f);
      await f.present(f.cards[0]);
      await f.settle();
      await f.present(f.cards[1]);
      await f.settle();
      expect(a.map((r) => r.cardNumber)).toEqual([f.cards[0], f.cards[1]]);
      expect(b.map((r) => r.cardNumber)).toEqual([f.cards[0], f.cards[1]]);
    },
  },
  {
    name: "reports the card number as the digits or hex characters it decodes",
    async check(f) {
      const got = await presentBoth(f);
      for (const r of got) expect(r.cardNumber).toMatch(/^[0-9A-Fa-f]+$/);
      expect(got).toHaveLength(2);
    },
  },
  {
    name: "stamps each read with the time from the gate's Clock",
    async check(f, env) {
      const got = reads(f);
      await expectStampedInputs(env, f, f.cards.map((card) => () => f.present(card)), () => got.at(-1)?.at, "read.at");
    },
  },
  {
    name: "never logs a card number",
    async check(f) {
      expect(await presentBoth(f)).toHaveLength(2);
      expectNotLogged(f.logText(), f.cards, "a card number", { planted: (card) => JSON.stringify({ msg: "card read", card: card.split("") }) });
    },
  },
];

export function cardReaderContract(options: ContractOptions<CardReaderFixture>): void {
  registerContract("card reader contract (sdk/hal/card-reader.ts)", options, cardReaderObligations);
}
