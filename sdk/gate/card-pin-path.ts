/**
 * The card and PIN path of a gate: cards and keys in, decisions out. It runs on the
 * gate's input queue, apart from the face path, so that a failing camera or model never
 * touches it (L2: the non-biometric way always works). The keypad protocol is pure
 * (keypad-protocol.ts); this path keeps the entry being typed and the swiped card waiting
 * for its second factor, and hands the privacy menu what belongs to it (L11). The
 * GateController owns it; it reaches the rest of the gate only through CardPinContext.
 */
import type { CardRead } from "../hal/card-reader.js";
import type { DisplayMessage } from "../hal/display.js";
import type { KeyPress } from "../hal/keypad.js";
import type { Decision } from "../policy/decision.js";
import { type GatePolicy, afterCard, modeAcceptsPinAlone } from "../policy/gate-policy.js";
import type { CredentialMatch } from "../policy/rights.js";
import { TEXT } from "./display-texts.js";
import type { GateDecisionRequest } from "./gate-decision.js";
import type { GateSettings } from "./gate-settings.js";
import { EMPTY_ENTRY, type KeypadEntry, keypadStep } from "./keypad-protocol.js";
import type { PinChecker } from "./pin-checker.js";
import type { AccessDirectory } from "./ports.js";
import type { PrivacyMenu } from "./privacy-menu.js";

/** A swiped card waiting for its PIN or face. */
export interface PendingCard {
  holder: CredentialMatch;
  expiresAt: number;
}

/** What the card and PIN path may use of the gate. */
export interface CardPinContext {
  readonly access: Pick<AccessDirectory, "lookupCard" | "lookupPinCode">;
  readonly settings: GateSettings;
  readonly menu: PrivacyMenu;
  readonly pins: PinChecker;
  /** The gate's policy; throws when none is loaded. */
  policy(): GatePolicy;
  /** Closes what timed out (the pending card, the menu) before an input is handled. */
  expire(at: number): void;
  /** The face path can be used for this person now (card_then_face offers it). */
  faceUsableFor(personRef: string, at: number): Promise<boolean>;
  decide(request: GateDecisionRequest): Decision;
  act(decision: Decision): Promise<void>;
  /** A display failure never blocks a decision. */
  show(message: DisplayMessage): Promise<void>;
  record(type: string, data: Record<string, unknown>): void;
}

export class CardPinPath {
  private readonly ctx: CardPinContext;
  private entry: KeypadEntry = EMPTY_ENTRY;
  private waiting: PendingCard | null = null;

  constructor(context: CardPinContext) {
    this.ctx = context;
  }

  /** The swiped card waiting for its second factor, if any. */
  get pending(): PendingCard | null {
    return this.waiting;
  }

  /** The pending card no longer waits: its face was granted. */
  release(): void {
    this.waiting = null;
  }

  /** Drops the pending card when its time has passed. */
  expire(at: number): void {
    if (this.waiting && at >= this.waiting.expiresAt) this.waiting = null;
  }

  /** Tells that `card` waited for its second factor in vain (the housekeeping tick dropped it). */
  async timedOut(card: PendingCard): Promise<void> {
    const method = this.ctx.policy().mode === "card_then_face" ? "card_then_face" : "card_and_pin";
    this.ctx.record("access.denied", { method, reason: "second_factor_timeout", personRef: card.holder.person.personRef });
    await this.ctx.show({ kind: "denied", reason: "second_factor_timeout", text: "Timed out." });
  }

  /** Forgets the entry and the pending card (the gate stops). */
  reset(): void {
    this.waiting = null;
    this.entry = EMPTY_ENTRY;
  }

  async onCard(read: CardRead, at: number): Promise<void> {
    const { ctx } = this;
    ctx.expire(at);
    const holder = ctx.access.lookupCard(read.cardNumber);
    if (ctx.menu.awaitingCard()) {
      await ctx.menu.onCard(holder, at);
      return;
    }
    const policy = ctx.policy();
    switch (afterCard(policy.mode)) {
      case "decide":
      case "not_accepted":
        await ctx.act(ctx.decide({ policy, evidence: { method: "card", card: holder?.credential ?? null }, person: holder?.person ?? null, at }));
        return;
      case "await_pin":
      case "await_face_or_pin": {
        if (!holder) {
          await ctx.act(ctx.decide({ policy, evidence: { method: "card", card: null }, person: null, at, method: policy.mode === "card_and_pin" ? "card_and_pin" : "card_then_face" }));
          return;
        }
        this.waiting = { holder, expiresAt: at + policy.secondFactorTimeoutMs };
        this.entry = EMPTY_ENTRY;
        const faceOffered = policy.mode === "card_then_face" && (await ctx.faceUsableFor(holder.person.personRef, at));
        await ctx.show({ kind: "prompt", text: faceOffered ? TEXT.faceOrPin : TEXT.enterPin });
        return;
      }
    }
  }

  async onKey(press: KeyPress, at: number): Promise<void> {
    const { ctx } = this;
    ctx.expire(at);
    if (ctx.menu.takesKeys()) {
      await ctx.menu.onKey(press.key, at);
      return;
    }
    const step = keypadStep(this.entry, press.key, at, ctx.settings.keypadTimeoutMs);
    this.entry = step.entry;
    const action = step.action;
    switch (action.type) {
      case "none":
        return;
      case "overflow":
        await ctx.show({ kind: "prompt", text: TEXT.tooLong });
        return;
      case "cancel":
        if (ctx.menu.active || this.waiting) {
          ctx.menu.close();
          this.waiting = null;
          await ctx.show({ kind: "prompt", text: TEXT.cancelled });
        }
        return;
      case "menu":
        this.waiting = null;
        await ctx.menu.arm(at);
        return;
      case "submit":
        await this.onPinEntry(action.code, action.digits, at);
        return;
    }
  }

  private async onPinEntry(code: string | null, pin: string, at: number): Promise<void> {
    const { ctx } = this;
    const policy = ctx.policy();
    if (ctx.menu.awaitingPin()) {
      await ctx.menu.onPin((holder) => ctx.pins.checkHolderPin(holder, pin, at, policy), at);
      return;
    }
    if (this.waiting) {
      const holder = this.waiting.holder;
      this.waiting = null;
      const result = await ctx.pins.checkHolderPin(holder, pin, at, policy);
      const evidence = { method: "card_and_pin", card: holder.credential, pin: result.pin, pinCorrect: result.correct } as const;
      await ctx.act(ctx.decide({ policy, evidence, person: holder.person, at, locked: result.locked }));
      return;
    }
    if (code === null) {
      await ctx.show({ kind: "prompt", text: modeAcceptsPinAlone(policy.mode) ? TEXT.enterCodeAndPin : TEXT.swipeFirst });
      return;
    }
    const match = ctx.access.lookupPinCode(code);
    const result = await ctx.pins.checkPinAlone(match, pin, at, policy);
    await ctx.act(ctx.decide({ policy, evidence: { method: "pin", pin: match?.credential ?? null, pinCorrect: result.correct }, person: match?.person ?? null, at, locked: result.locked }));
  }
}
