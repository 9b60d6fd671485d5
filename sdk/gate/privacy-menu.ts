/**
 * The resident's privacy menu at the keypad (L11): `*`, card, `<PIN> #`, then single keys
 * `1`-`4` and `0` (notice; consent and enrollment from the camera; withdraw consent with a
 * receipt; delete face data with a receipt; leave). The protocol is documented for
 * residents in keypad-protocol.ts. The menu also keeps the property office's invitations
 * to enroll at this gate (enroll.at_gate).
 *
 * The GateController owns it and hands it the card, the PIN check, the keys while it is
 * open and, while it waits for one, the face at the camera. It never opens the door and
 * reaches the rest of the gate only through PrivacyMenuContext.
 */
import { isFacegateError } from "../errors.js";
import type { DisplayMessage } from "../hal/display.js";
import type { Logger } from "../log/logger.js";
import type { Clock } from "../time/clock.js";
import { MENU_OPTIONS, TEXT, decisionMessage, noticeMessage, receiptMessage } from "./display-texts.js";
import type { GateSettings } from "./gate-settings.js";
import type { AnalyzedFace, Awaitable, DeletionReceiptSummary, PrivacyDesk } from "./ports.js";
import type { CredentialMatch } from "../policy/rights.js";

export type MenuStage = "awaiting_card" | "awaiting_pin" | "open" | "confirm_consent" | "awaiting_face";

export interface MenuState {
  stage: MenuStage;
  holder: CredentialMatch | null;
  /** Closes when the clock passes this. */
  expiresAt: number;
}

/** The PIN typed for the menu, checked against its card holder's PIN credentials. */
export interface MenuPinCheck {
  correct: boolean;
  locked: boolean;
}

/** What the menu may use of the gate. */
export interface PrivacyMenuContext {
  readonly gateId: string;
  /** Notice, consent, enrollment and deletion; omitted: no privacy menu. */
  readonly desk: PrivacyDesk | undefined;
  readonly clock: Clock;
  readonly settings: GateSettings;
  readonly log: Logger;
  /** A display failure never blocks the menu. */
  show(message: DisplayMessage): Promise<void>;
  showIdle(): Promise<void>;
  record(type: string, data: Record<string, unknown>): void;
  /** The face path is wired and the camera connected: a face can be enrolled now. */
  cameraReady(): boolean;
  /** The face path is usable for this person now: camera connected and a valid consent. */
  faceUsableFor(personRef: string, at: number): Promise<boolean>;
  /** Ends the quiet periods of this person's face outcomes: their face data just changed. */
  forgetFace(personRef: string): void;
  /** True (and starts a quiet period) when `key` is not in a quiet period. */
  quiet(key: string, at: number): boolean;
}

export class PrivacyMenu {
  private readonly ctx: PrivacyMenuContext;
  private menu: MenuState | null = null;
  /** Residents the property office asked to enroll here, until when. */
  private readonly enrollInvitations = new Map<string, number>();

  constructor(context: PrivacyMenuContext) {
    this.ctx = context;
  }

  /** Armed or open: `#` on an empty entry cancels it. */
  get active(): boolean {
    return this.menu !== null;
  }

  /** Closes the menu at once (cancelled, or the gate stops). */
  close(): void {
    this.menu = null;
  }

  /** Invites a resident to enroll here until `validForMs` from now (GateController.requestEnrollment). */
  invite(personRef: string, validForMs: number): { invitedUntil: number } {
    const invitedUntil = this.ctx.clock.now() + validForMs;
    this.enrollInvitations.set(personRef, invitedUntil);
    this.ctx.record("privacy.enrollment_requested", { personRef, invitedUntil });
    return { invitedUntil };
  }

  /** `*` on an empty entry: arms the menu, so that the next card identifies its holder instead of opening the door. */
  async arm(at: number): Promise<void> {
    if (!this.ctx.desk) {
      await this.ctx.show({ kind: "prompt", text: TEXT.menuUnavailable });
      return;
    }
    this.menu = { stage: "awaiting_card", holder: null, expiresAt: at + this.ctx.settings.menuTimeoutMs };
    await this.ctx.show({ kind: "prompt", text: TEXT.menuArmed });
  }

  /** Armed: the next card identifies the resident and does not open the door. */
  awaitingCard(): boolean {
    return this.menu?.stage === "awaiting_card";
  }

  /** The card swiped while `awaitingCard()`. */
  async onCard(holder: CredentialMatch | null, at: number): Promise<void> {
    if (!this.awaitingCard()) return;
    if (!holder) {
      this.menu = null;
      this.ctx.record("privacy.menu_denied", { reason: "unknown_card" });
      await this.ctx.show({ kind: "denied", reason: "unknown_card", text: "Card not recognised." });
      return;
    }
    this.menu = { stage: "awaiting_pin", holder, expiresAt: at + this.ctx.settings.menuTimeoutMs };
    await this.ctx.show({ kind: "prompt", text: TEXT.enterPin });
  }

  /** A card was swiped for the menu: the next PIN entry is its holder's, for the menu. */
  awaitingPin(): boolean {
    return this.menu?.stage === "awaiting_pin" && this.menu.holder !== null;
  }

  /**
   * The PIN entered while `awaitingPin()`. `checkPin` checks it for the card's holder and
   * counts it towards the lockout, so the PIN itself never reaches the menu.
   */
  async onPin(checkPin: (holder: CredentialMatch) => Promise<MenuPinCheck>, at: number): Promise<void> {
    const holder = this.menu?.holder;
    if (!this.awaitingPin() || !holder) return;
    const result = await checkPin(holder);
    const refused = result.locked ? "pin_locked_out" : !result.correct ? "wrong_pin" : holder.credential.revoked ? "credential_revoked" : null;
    if (refused) {
      this.menu = null;
      this.ctx.record("privacy.menu_denied", { personRef: holder.person.personRef, reason: refused });
      await this.ctx.show(decisionMessage({ granted: false, reason: refused, method: "card_and_pin", personRef: holder.person.personRef, unlockMs: 0 }));
      return;
    }
    // The menu needs a live card and its holder's correct PIN. Rights to this gate are not
    // required: a resident may always act on their own face data (L11).
    this.menu = { stage: "open", holder, expiresAt: at + this.ctx.settings.menuTimeoutMs };
    this.ctx.record("privacy.menu_opened", { personRef: holder.person.personRef });
    const invitedUntil = this.enrollInvitations.get(holder.person.personRef);
    if (invitedUntil !== undefined && invitedUntil >= at && (await this.ctx.faceUsableFor(holder.person.personRef, at))) {
      // The property office asked this resident to enroll (enroll.at_gate): go straight to
      // the camera. The resident authenticated with card and PIN, so the face enrolled is
      // the one of the person standing here, under their own valid consent (L1).
      this.enrollInvitations.delete(holder.person.personRef);
      await this.startEnrollment(this.menu, at);
      return;
    }
    await this.ctx.show({ kind: "menu", title: TEXT.menuTitle, options: MENU_OPTIONS });
  }

  /** Open: single keys act at once, no `#`, instead of going to the keypad entry. */
  takesKeys(): boolean {
    const stage = this.menu?.stage;
    return stage === "open" || stage === "confirm_consent" || stage === "awaiting_face";
  }

  /** A key pressed while `takesKeys()`; every key keeps the menu open for `menuTimeoutMs` more. */
  async onKey(key: string, at: number): Promise<void> {
    const menu = this.menu;
    if (!menu || !this.takesKeys()) return;
    menu.expiresAt = at + this.ctx.settings.menuTimeoutMs;
    await this.onMenuKey(menu, key, at);
  }

  /** Closes the menu when its time has passed; returns the menu it closed. */
  expire(at: number): MenuState | null {
    const menu = this.menu;
    if (!menu || at < menu.expiresAt) return null;
    this.menu = null;
    return menu;
  }

  /** Tells the resident that `menu` closed by itself. */
  timedOut(menu: MenuState): Promise<void> {
    return menu.stage === "awaiting_face" ? this.ctx.show({ kind: "prompt", text: TEXT.enrollTimeout }) : this.ctx.showIdle();
  }

  /** The open menu while it waits for a face to enroll, else null. */
  awaitingFace(): MenuState | null {
    return this.menu?.stage === "awaiting_face" ? this.menu : null;
  }

  /** Enrolls the face at the camera for `menu`, if it still waits for one; a face not clear or not live is asked for again. */
  async enrollFace(menu: MenuState, face: AnalyzedFace, at: number): Promise<void> {
    const holder = menu.holder;
    const desk = this.ctx.desk;
    if (!holder || !desk || this.menu !== menu) return;
    if (!face.quality.ok || face.liveness < this.ctx.settings.thresholds.liveness) {
      if (this.ctx.quiet("enroll_retry", at)) await this.ctx.show({ kind: "prompt", text: TEXT.enrollRetry });
      return;
    }
    const personRef = holder.person.personRef;
    menu.stage = "open";
    await this.privacyAction(personRef, "enroll", async () => {
      let templateId: string;
      try {
        templateId = (await desk.enrollFromEmbedding(personRef, face.embedding, this.ctx.gateId)).templateId;
      } finally {
        face.embedding.fill(0);
      }
      this.ctx.record("privacy.face_enrolled", { personRef, templateId });
      await this.ctx.show({ kind: "prompt", text: TEXT.enrolled });
    });
  }

  /** The face path failed while `menu` waited for a face: back to the menu, no enrollment now. */
  async faceUnavailable(menu: MenuState): Promise<void> {
    if (this.menu !== menu) return;
    menu.stage = "open";
    this.ctx.record("privacy.enrollment_failed", { personRef: menu.holder?.person.personRef ?? null, reason: "face_unavailable" });
    await this.ctx.show({ kind: "prompt", text: TEXT.cameraUnavailable });
  }

  private async onMenuKey(menu: MenuState, key: string, at: number): Promise<void> {
    const desk = this.ctx.desk;
    const holder = menu.holder;
    if (!desk || !holder) return;
    const personRef = holder.person.personRef;
    const gateId = this.ctx.gateId;
    if (menu.stage === "confirm_consent") {
      if (key === "*") {
        menu.stage = "open";
        await this.ctx.show({ kind: "menu", title: TEXT.menuTitle, options: MENU_OPTIONS });
      } else if (key === "#") {
        await this.privacyAction(personRef, "give_consent", async () => {
          const notice = await desk.currentNotice();
          const consent = await desk.giveConsent(personRef, {
            noticeVersion: notice.version,
            noticeHash: notice.hash,
            method: "electronic",
            collectedBy: `gate:${gateId}`,
            gateId,
            at,
          });
          // The consent itself is reported by the privacy desk's store (privacy.consent_given);
          // this says it was given here, at the keypad, under which notice.
          this.ctx.record("privacy.menu_action", { personRef, action: "consent_given", consentId: consent.consentId, noticeVersion: notice.version, noticeHash: notice.hash, expiresAt: consent.expiresAt });
          await this.startEnrollment(menu, at);
        });
      }
      return;
    }
    if (menu.stage === "awaiting_face") {
      if (key === "*" || key === "0") {
        menu.stage = "open";
        await this.ctx.show({ kind: "menu", title: TEXT.menuTitle, options: MENU_OPTIONS });
      }
      return;
    }
    switch (key) {
      case "1":
        await this.privacyAction(personRef, "show_notice", async () => {
          const notice = await desk.currentNotice();
          this.ctx.record("privacy.notice_shown", { personRef, noticeVersion: notice.version, noticeHash: notice.hash });
          await this.ctx.show(noticeMessage(notice));
        });
        return;
      case "2":
        await this.privacyAction(personRef, "give_consent", async () => {
          if (await desk.hasValidConsent(personRef, gateId, at)) {
            await this.startEnrollment(menu, at);
            return;
          }
          const notice = await desk.currentNotice();
          this.ctx.record("privacy.notice_shown", { personRef, noticeVersion: notice.version, noticeHash: notice.hash });
          await this.ctx.show(noticeMessage(notice));
          menu.stage = "confirm_consent";
          await this.ctx.show({ kind: "prompt", text: TEXT.confirmConsent });
        });
        return;
      case "3":
        await this.deleteFaceData(personRef, "withdraw_consent", "consent_withdrawn", () => desk.withdrawConsent(personRef));
        return;
      case "4":
        await this.deleteFaceData(personRef, "delete_templates", "templates_deleted", () => desk.deleteTemplates(personRef));
        return;
      case "0":
        this.menu = null;
        await this.ctx.showIdle();
        return;
      default:
        return;
    }
  }

  /** Keys 3 and 4: the desk deletes the face data and the signed receipt is shown (L7). */
  private deleteFaceData(personRef: string, action: string, done: string, run: () => Awaitable<DeletionReceiptSummary>): Promise<void> {
    return this.privacyAction(personRef, action, async () => {
      const receipt = await run();
      this.ctx.forgetFace(personRef);
      this.ctx.record("privacy.menu_action", { personRef, action: done, receiptId: receipt.receiptId, templatesDeleted: receipt.templatesDeleted });
      await this.ctx.show(receiptMessage(receipt));
    });
  }

  private async startEnrollment(menu: MenuState, at: number): Promise<void> {
    if (!this.ctx.cameraReady()) {
      menu.stage = "open";
      this.ctx.record("privacy.enrollment_failed", { personRef: menu.holder?.person.personRef ?? null, reason: "camera_unavailable" });
      await this.ctx.show({ kind: "prompt", text: TEXT.cameraUnavailable });
      return;
    }
    menu.stage = "awaiting_face";
    menu.expiresAt = at + this.ctx.settings.enrollTimeoutMs;
    await this.ctx.show({ kind: "prompt", text: TEXT.lookAtCamera });
  }

  private async privacyAction(personRef: string, action: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      const code = isFacegateError(err) ? err.code : "internal_error";
      this.ctx.log.warn("privacy action failed", { action, error: code });
      this.ctx.record("privacy.action_failed", { personRef, action, code });
      if (this.menu) this.menu.stage = "open";
      await this.ctx.show({ kind: "prompt", text: `That did not work (${code}). Your card and PIN keep working.` });
    }
  }
}
