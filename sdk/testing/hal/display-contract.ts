/**
 * The display contract (sdk/hal/display.ts) as a suite. Run it on a driver with
 *
 *   displayContract({ name: "my LCD", create: async ({ clock, timers }) => ({ device, screen, disconnect, reconnect, settle, close }) });
 *
 * The factory provides, besides DeviceFixture (hal-kit.ts):
 * - `screen()`: what the display presents for the message it shows now, as text: every
 *   page or the whole scroll of a small screen, the words a speaking display says. The
 *   suite ignores differences in white space (line breaks, padding).
 * - `timeText(at)` (optional): how the display writes a time; default: ISO 8601 as
 *   `renderDisplayText` writes it.
 */
import { expect } from "vitest";
import type { Display, DisplayMessage } from "../../hal/display.js";
import { type ContractOptions, type Obligation, registerContract } from "../contract-kit.js";
import { type DeviceFixture, expectHardwareError } from "./hal-kit.js";
import { deviceObligations } from "./device-obligations.js";

export interface DisplayFixture extends DeviceFixture<Display> {
  screen(): string | Promise<string>;
  timeText?(at: number): string;
}

const flat = (text: string): string => text.replace(/\s+/g, " ").trim();

async function expectShown(f: DisplayFixture, parts: readonly string[], what: string): Promise<void> {
  const screen = flat(await f.screen());
  for (const part of parts) expect(screen, `${what}: shows "${part}"`).toContain(flat(part));
}

const NOTICE_TEXT = [
  "Purpose: face recognition verifies residents at the entrance gates, only for residents who consent separately.",
  "Method: a template is made from the camera image at the gate and compared on the gate itself; no images are stored.",
  "Retention: until consent is withdrawn or expires, or access rights end; then deleted at once.",
  "Your rights: a card or PIN always works instead; read, consent, withdraw and delete at the gate at any time.",
  "Contact: property office, building A, room 101.",
].join("\n");

export const displayObligations: ReadonlyArray<Obligation<DisplayFixture>> = [
  ...deviceObligations<DisplayFixture>("display"),
  {
    name: "show(message) resolves once the message is shown",
    async check(f) {
      await f.device.show({ kind: "prompt", text: "Use your card or PIN." });
      await expectShown(f, ["Use your card or PIN."], "as soon as show resolved");
    },
  },
  {
    name: "show(message) replaces what is on screen",
    async check(f) {
      await f.device.show({ kind: "granted", method: "card", text: "Welcome. Door open." });
      await f.device.show({ kind: "denied", reason: "unknown_credential", text: "Card not recognised." });
      await expectShown(f, ["Card not recognised."], "the second message");
      expect(flat(await f.screen()), "the first message is gone").not.toContain("Welcome");
    },
  },
  {
    name: "shows every kind of message: idle, prompt, granted, denied and menu texts, with each menu option",
    async check(f) {
      const messages: Array<[DisplayMessage, string[]]> = [
        [{ kind: "idle", text: "Present card, PIN or face." }, ["Present card, PIN or face."]],
        [{ kind: "prompt", text: "Enter your PIN and #." }, ["Enter your PIN and #."]],
        [{ kind: "granted", method: "pin", text: "Door open." }, ["Door open."]],
        [{ kind: "denied", reason: "wrong_pin", text: "Wrong PIN." }, ["Wrong PIN."]],
        [
          { kind: "menu", title: "Privacy", options: [{ key: "1", label: "Read the notice" }, { key: "3", label: "Withdraw consent" }, { key: "0", label: "Leave" }] },
          ["Privacy", "1", "Read the notice", "3", "Withdraw consent", "0", "Leave"],
        ],
      ];
      for (const [message, parts] of messages) {
        await f.device.show(message);
        await expectShown(f, parts, message.kind);
      }
    },
  },
  {
    name: "shows a processing notice in full, with its version (L3)",
    async check(f) {
      await f.device.show({ kind: "notice", version: "7", hash: "ab".repeat(32), text: NOTICE_TEXT });
      await expectShown(f, ["7", NOTICE_TEXT], "the notice");
    },
  },
  {
    name: "shows a deletion receipt's id, time and verification code (L11)",
    async check(f, env) {
      const issuedAt = env.clock.now();
      const receipt = { kind: "receipt", receiptId: "0f3c2a9e-5b1d-4c7a-9e21-6d8f4b3a2c10", issuedAt, action: "template deleted", templatesDeleted: 2, verificationCode: "9c41e07b2d58af36", text: "Your face data was deleted." } as const;
      await f.device.show(receipt);
      const time = f.timeText ? f.timeText(issuedAt) : new Date(issuedAt).toISOString();
      await expectShown(f, [receipt.receiptId, time, receipt.verificationCode], "the receipt");
    },
  },
  {
    name: "while disconnected, show rejects with hardware_disconnected; once back it shows again",
    async check(f) {
      await f.disconnect();
      await f.settle();
      await expectHardwareError(() => f.device.show({ kind: "prompt", text: "Use your card." }), "hardware_disconnected", "show while disconnected");
      await f.reconnect();
      await f.settle();
      await f.device.show({ kind: "prompt", text: "Back again." });
      await expectShown(f, ["Back again."], "after reconnecting");
    },
  },
];

export function displayContract(options: ContractOptions<DisplayFixture>): void {
  registerContract("display contract (sdk/hal/display.ts)", options, displayObligations);
}
