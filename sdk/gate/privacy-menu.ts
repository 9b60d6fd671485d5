/**
 * The resident's privacy menu at the keypad (L11): `*`, card, `<PIN> #`, then single keys
 * `1`-`4` and `0` (notice; consent and enrollment from the camera; withdraw consent with a
 * receipt; delete face data with a receipt; leave). The protocol is documented for
 * residents in keypad-protocol.ts. The menu also keeps the property office's invitations
 * to enroll at this gate (enroll.at_gate).
 *
 * This is the shell: the rules are menuStep (menu-step.ts); this class keeps the state,
 * performs the effects in order and feeds the answers of the desk back in. The
 * GateController owns it and hands it the card, the PIN check, the keys while it is open
 * and, while it waits for one, the face at the camera. It never opens the door and
 * reaches the rest of the gate only through PrivacyMenuContext.
 */
import { isFacegateError } from "../errors.js";
import type { DisplayMessage } from "../hal/display.js";
import type { Logger } from "../log/logger.js";
import type { CredentialMatch } from "../policy/rights.js";
import type { Clock } from "../time/clock.js";
import type { GateSettings } from "./gate-settings.js";
import { type DeskRequest, INITIAL_MENU_STATE, type MenuAnswer, type MenuEffect, type MenuInput, type MenuSession, type MenuSettings, type MenuState } from "./menu-state.js";
import { menuStep, takesKeys } from "./menu-step.js";
import { performOutput } from "./output-effects.js";
import type { AnalyzedFace, PrivacyDesk } from "./ports.js";

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
  /** Asks again for a clear, live face, unless it was asked within the face path's quiet period. */
  retryPrompt(at: number): Promise<void>;
}

export class PrivacyMenu {
  private readonly ctx: PrivacyMenuContext;
  private readonly rules: MenuSettings;
  private state: MenuState = INITIAL_MENU_STATE;

  constructor(context: PrivacyMenuContext) {
    this.ctx = context;
    const s = context.settings;
    this.rules = { gateId: context.gateId, deskWired: context.desk !== undefined, menuTimeoutMs: s.menuTimeoutMs, enrollTimeoutMs: s.enrollTimeoutMs, liveness: s.thresholds.liveness };
  }

  /** Armed or open: `#` on an empty entry cancels it. */
  get active(): boolean {
    return this.state.session !== null;
  }

  /** Closes the menu at once (cancelled, or the gate stops). */
  close(): void {
    this.state = menuStep(this.state, { type: "close" }, this.ctx.clock.now(), this.rules).state;
  }

  /** Invites a resident to enroll here until `validForMs` from now (GateController.requestEnrollment). */
  invite(personRef: string, validForMs: number): { invitedUntil: number } {
    const step = menuStep(this.state, { type: "invite", personRef, validForMs }, this.ctx.clock.now(), this.rules);
    this.state = step.state;
    // Its one effect is its event, recorded before the office gets the answer.
    for (const effect of step.effects) if (effect.type === "record") this.ctx.record(effect.event, effect.data);
    return { invitedUntil: this.state.invitations.get(personRef)! };
  }

  /** `*` on an empty entry: arms the menu, so that the next card identifies its holder instead of opening the door. */
  arm(at: number): Promise<void> {
    return this.dispatch({ type: "arm" }, at);
  }

  /** Armed: the next card identifies the resident and does not open the door. */
  awaitingCard(): boolean {
    return this.state.session?.stage === "awaiting_card";
  }

  /** The card swiped while `awaitingCard()`. */
  onCard(holder: CredentialMatch | null, at: number): Promise<void> {
    return this.dispatch({ type: "card", holder }, at);
  }

  /** A card was swiped for the menu: the next PIN entry is its holder's, for the menu. */
  awaitingPin(): boolean {
    return this.state.session?.stage === "awaiting_pin" && this.state.session.holder !== null;
  }

  /**
   * The PIN entered while `awaitingPin()`. `checkPin` checks it for the card's holder and
   * counts it towards the lockout, so the PIN itself never reaches the menu.
   */
  async onPin(checkPin: (holder: CredentialMatch) => Promise<MenuPinCheck>, at: number): Promise<void> {
    const holder = this.state.session?.holder;
    if (!this.awaitingPin() || !holder) return;
    const { correct, locked } = await checkPin(holder);
    await this.dispatch({ type: "pin_checked", holder, correct, locked }, at);
  }

  /** Open: single keys act at once, no `#`, instead of going to the keypad entry. */
  takesKeys(): boolean {
    return this.state.session !== null && takesKeys(this.state.session);
  }

  /** A key pressed while `takesKeys()`. */
  onKey(key: string, at: number): Promise<void> {
    return this.dispatch({ type: "key", key }, at);
  }

  /** Closes the menu when its time has passed; returns the session it closed. */
  expire(at: number): MenuSession | null {
    const open = this.state.session;
    this.state = menuStep(this.state, { type: "expire" }, at, this.rules).state;
    return open && !this.state.session ? open : null;
  }

  /** Tells the resident that `session` closed by itself. */
  timedOut(session: MenuSession): Promise<void> {
    return this.dispatch({ type: "timed_out", stage: session.stage }, this.ctx.clock.now());
  }

  /** The session waiting for a face to enroll, else null. */
  awaitingFace(): number | null {
    return this.state.session?.stage === "awaiting_face" ? this.state.session.id : null;
  }

  /** Enrolls the face at the camera for `session`, if it still waits for one; a face not clear or not live is asked for again. */
  enrollFace(session: number, face: AnalyzedFace, at: number): Promise<void> {
    return this.dispatch({ type: "face", session, qualityOk: face.quality.ok, liveness: face.liveness }, at, face);
  }

  /** The face path failed while `session` waited for a face: back to the menu, no enrollment now. */
  faceUnavailable(session: number): Promise<void> {
    return this.dispatch({ type: "face_unavailable", session }, this.ctx.clock.now());
  }

  // ---- the shell ---------------------------------------------------------------------

  /** Steps the rules and performs the effects in order; `face` is the face an `enroll` request enrolls. */
  private async dispatch(input: MenuInput, at: number, face?: AnalyzedFace): Promise<void> {
    const step = menuStep(this.state, input, at, this.rules);
    this.state = step.state;
    for (const effect of step.effects) await this.perform(effect, at, face);
  }

  private async perform(effect: MenuEffect, at: number, face: AnalyzedFace | undefined): Promise<void> {
    switch (effect.type) {
      case "show":
      case "record":
      case "warn":
        return performOutput(effect, this.ctx);
      case "show_idle":
        return this.ctx.showIdle();
      case "forget_face":
        this.ctx.forgetFace(effect.personRef);
        return;
      case "retry_prompt":
        return this.ctx.retryPrompt(at);
      case "ask": {
        const request = effect.request;
        let answer: MenuAnswer;
        if (request.ask === "face_usable") {
          const usable = await this.ctx.faceUsableFor(request.personRef, at);
          answer = { to: "face_usable", personRef: request.personRef, usable, cameraReady: this.ctx.cameraReady() };
        } else {
          try {
            answer = await this.askDesk(request, at, face);
          } catch (err) {
            const code = isFacegateError(err) ? err.code : "internal_error";
            answer = { to: "failed", personRef: request.personRef, action: request.action, code };
          }
        }
        return this.dispatch({ type: "answer", session: effect.session, answer }, at, face);
      }
    }
  }

  /** Calls the desk; facts the rules need after the call (is the camera ready now?) are read when it answers. */
  private async askDesk(request: DeskRequest, at: number, face: AnalyzedFace | undefined): Promise<MenuAnswer> {
    const desk = this.ctx.desk!;
    const { personRef } = request;
    switch (request.ask) {
      case "consent_valid": {
        const valid = await desk.hasValidConsent(personRef, this.ctx.gateId, at);
        return { to: "consent_valid", personRef, valid, cameraReady: this.ctx.cameraReady() };
      }
      case "notice":
        return { to: "notice", personRef, then: request.then, notice: await desk.currentNotice() };
      case "give_consent": {
        const consent = await desk.giveConsent(personRef, request.details);
        return { to: "give_consent", personRef, notice: request.notice, consent, cameraReady: this.ctx.cameraReady() };
      }
      case "enroll": {
        let templateId: string;
        try {
          templateId = (await desk.enrollFromEmbedding(personRef, face!.embedding, this.ctx.gateId)).templateId;
        } finally {
          face!.embedding.fill(0);
        }
        return { to: "enroll", personRef, templateId };
      }
      case "withdraw_consent":
        return { to: "withdraw_consent", personRef, receipt: await desk.withdrawConsent(personRef) };
      case "delete_templates":
        return { to: "delete_templates", personRef, receipt: await desk.deleteTemplates(personRef) };
    }
  }
}
