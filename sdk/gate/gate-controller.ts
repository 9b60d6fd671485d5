/**
 * The gate orchestrator: hardware in, decisions and events out.
 *
 * - Card and PIN run on their own input queue; the face path runs apart and can fail
 *   (models, camera) without touching them (L2: the non-biometric way always works).
 * - A frame is analysed only when the gate's mode uses face, a swiped card awaits its
 *   face, or the resident is enrolling from the privacy menu (L4: no needless processing).
 * - Liveness is checked before any match; below threshold the face never opens the door
 *   and is not even matched (L5).
 * - Faces are matched only against the gallery of enrolled, consenting people (the
 *   FaceMatcher's obligation) and a match still needs a valid consent now (L1).
 * - Every embedding is zero-filled as soon as it has been searched or enrolled; an
 *   unknown face leaves no event, no log line, nothing but a prompt on the display (L4).
 * - Residents use the privacy menu with card and PIN (L11), see keypad-protocol.ts.
 * - Every decision becomes an event (access.granted / access.denied / alarm.* /
 *   privacy.*) recorded through the EventRecorder.
 *
 * Components follow start()/stop(); the constructor only assigns fields.
 */
import { randomUUID } from "node:crypto";
import { ConfigError, isFacegateError } from "../errors.js";
import type { EventRecorder, FacegateEvent } from "../events/event.js";
import type { CameraFrame, FrameInfo } from "../hal/camera.js";
import type { CardRead } from "../hal/card-reader.js";
import type { DeviceStatus, HardwareDevice, Unsubscribe } from "../hal/device.js";
import type { DisplayMessage } from "../hal/display.js";
import type { DoorChange } from "../hal/door-sensor.js";
import type { GateHardware } from "../hal/gate-hardware.js";
import type { IndicatorSignal } from "../hal/indicator.js";
import type { KeyPress } from "../hal/keypad.js";
import type { Logger } from "../log/logger.js";
import { type Decision, type Evidence, decide } from "../policy/decision.js";
import { type DoorAlarm, type DoorInput, type DoorMonitorState, INITIAL_DOOR_STATE, doorStep } from "../policy/door-alarms.js";
import { type GatePolicy, afterCard, modeAcceptsFaceAlone, modeAcceptsPinAlone, modeUsesFace } from "../policy/gate-policy.js";
import { EMPTY_LOCKOUT, type LockoutState, keypadLockKey, lockoutStatus, personLockKey, pruneLockout, registerPinFailure, registerPinSuccess } from "../policy/pin-lockout.js";
import type { CredentialRecord } from "../policy/rights.js";
import type { Clock } from "../time/clock.js";
import { MENU_OPTIONS, TEXT, decisionMessage, noticeMessage, receiptMessage } from "./display-texts.js";
import { gateEvent } from "./gate-events.js";
import { DEFAULT_GATE_SETTINGS, type GateSettings } from "./gate-settings.js";
import { EMPTY_ENTRY, type KeypadEntry, keypadStep } from "./keypad-protocol.js";
import type { AccessDirectory, AnalyzedFace, CredentialMatch, FaceAnalysis, FaceAnalyzer, FaceMatcher, PrivacyDesk } from "./ports.js";

export interface GateOptions {
  gateId: string;
  hardware: GateHardware;
  access: AccessDirectory;
  /** The face path; omitted: a card/PIN-only gate. */
  face?: { analyzer: FaceAnalyzer; matcher: FaceMatcher };
  /** Notice, consent, enrollment and deletion; omitted: no privacy menu. */
  privacy?: PrivacyDesk;
  clock: Clock;
  recorder: EventRecorder;
  logger: Logger;
  settings?: Partial<GateSettings>;
  newId?: () => string;
}

type MenuStage = "awaiting_card" | "awaiting_pin" | "open" | "confirm_consent" | "awaiting_face";

interface MenuState {
  stage: MenuStage;
  holder: CredentialMatch | null;
  /** Closes when the clock passes this. */
  expiresAt: number;
}

interface PendingCard {
  holder: CredentialMatch;
  expiresAt: number;
}

/** Wipes every embedding of an analysis (L4). */
function wipe(analysis: FaceAnalysis | undefined): void {
  if (!analysis) return;
  for (const face of analysis.faces) face.embedding?.fill(0);
}

export class GateController {
  readonly gateId: string;
  private readonly hw: GateHardware;
  private readonly access: AccessDirectory;
  private readonly face: GateOptions["face"];
  private readonly privacy: PrivacyDesk | undefined;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder;
  private readonly log: Logger;
  private readonly settings: GateSettings;
  private readonly newId: () => string;

  private unsubscribes: Unsubscribe[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private running = false;
  private inputQueue: Promise<void> = Promise.resolve();
  private faceTask: Promise<void> | null = null;
  private entry: KeypadEntry = EMPTY_ENTRY;
  private menu: MenuState | null = null;
  private pending: PendingCard | null = null;
  private lockout: LockoutState = EMPTY_LOCKOUT;
  private door: DoorMonitorState = INITIAL_DOOR_STATE;
  private faceDegraded = false;
  /** Face outcomes not to repeat before a time: `grant:<ref>`, `deny:<reason>:<ref>`, `unknown`. */
  private faceQuiet = new Map<string, number>();
  /** Residents the property office asked to enroll here, until when. */
  private readonly enrollInvitations = new Map<string, number>();

  constructor(options: GateOptions) {
    this.gateId = options.gateId;
    this.hw = options.hardware;
    this.access = options.access;
    this.face = options.face;
    this.privacy = options.privacy;
    this.clock = options.clock;
    this.recorder = options.recorder;
    this.log = options.logger.child("gate");
    this.settings = { ...DEFAULT_GATE_SETTINGS, ...options.settings };
    this.newId = options.newId ?? randomUUID;
  }

  /** Subscribes to the hardware. Refuses to start without a policy for this gate. */
  async start(): Promise<void> {
    if (this.running) return;
    const policy = this.policy();
    this.running = true;
    const hw = this.hw;
    this.unsubscribes.push(
      hw.cardReader.onCard((read) => this.enqueue(() => this.onCard(read))),
      hw.keypad.onKey((press) => this.enqueue(() => this.onKey(press))),
    );
    if (hw.exitButton) this.unsubscribes.push(hw.exitButton.onPress(() => this.enqueue(() => this.onExit())));
    if (hw.doorSensor) {
      const sensor = hw.doorSensor;
      this.door = { ...INITIAL_DOOR_STATE, door: sensor.status === "connected" ? sensor.state : "unknown" };
      this.unsubscribes.push(sensor.onChange((change) => this.enqueue(() => this.onDoor(change))));
    }
    if (hw.camera) this.unsubscribes.push(hw.camera.onFrame((frame, info) => this.onFrame(frame, info)));
    for (const device of [hw.camera, hw.cardReader, hw.keypad, hw.relay, hw.display, hw.doorSensor, hw.exitButton, hw.indicator]) {
      if (device) this.unsubscribes.push(device.onStatus((status) => this.enqueue(() => this.onStatus(device, status))));
    }
    if (this.settings.tickMs > 0) {
      this.timer = setInterval(() => this.enqueue(() => this.tickNow()), this.settings.tickMs);
      this.timer.unref?.();
    }
    this.log.info("gate started", { gate: this.gateId, mode: policy.mode, face: this.face ? "wired" : "absent", privacyMenu: this.privacy ? "wired" : "absent" });
    await this.showIdle();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const u of this.unsubscribes.splice(0)) u();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inputQueue;
    // A hung analyzer must not hang the shutdown: its late result is dropped (running is false).
    if (this.faceTask) await Promise.race([this.faceTask, new Promise<void>((r) => setTimeout(r, 1000).unref?.())]);
    this.menu = null;
    this.pending = null;
    this.entry = EMPTY_ENTRY;
    try {
      await this.hw.relay.lock();
    } catch (err) {
      this.log.warn("relay could not be locked on stop", { error: err });
    }
    this.log.info("gate stopped", { gate: this.gateId });
  }

  /**
   * An operator's request that a resident enroll at this gate (enroll.at_gate). Nothing
   * is enrolled until the resident opens the privacy menu here with card and PIN; then the
   * gate goes straight to the camera step. The invitation lapses after `validForMs`.
   */
  requestEnrollment(personRef: string, validForMs = 24 * 3_600_000): { invitedUntil: number } {
    const invitedUntil = this.clock.now() + validForMs;
    this.enrollInvitations.set(personRef, invitedUntil);
    this.record("privacy.enrollment_requested", { personRef, invitedUntil });
    return { invitedUntil };
  }

  /** Resolves when every input and frame received so far has been handled. */
  async idle(): Promise<void> {
    for (;;) {
      const queue = this.inputQueue;
      const face = this.faceTask;
      await queue;
      if (face) await face;
      if (queue === this.inputQueue && face === this.faceTask) return;
    }
  }

  /** Housekeeping: timeouts and the door-held alarm. Runs on a timer once started; tests and scenarios may call it after moving the clock. */
  tick(): Promise<void> {
    return this.enqueue(() => this.tickNow());
  }

  // ---- inputs ------------------------------------------------------------------------

  private enqueue(task: () => Promise<void> | void): Promise<void> {
    const next = this.inputQueue.then(task).catch((err: unknown) => {
      this.log.error("gate input handling failed", { error: err });
    });
    this.inputQueue = next;
    return next;
  }

  private policy(): GatePolicy {
    const policy = this.access.policyFor(this.gateId);
    if (!policy) throw new ConfigError(`gates.${this.gateId}: no policy loaded for this gate`, { gateId: this.gateId });
    return policy;
  }

  private async onCard(read: CardRead): Promise<void> {
    const at = this.clock.now();
    this.expire(at);
    const holder = this.access.lookupCard(read.cardNumber);
    const menu = this.menu;
    if (menu && menu.stage === "awaiting_card") {
      if (!holder) {
        this.menu = null;
        this.record("privacy.menu_denied", { reason: "unknown_card" });
        await this.show({ kind: "denied", reason: "unknown_card", text: "Card not recognised." });
        return;
      }
      this.menu = { stage: "awaiting_pin", holder, expiresAt: at + this.settings.menuTimeoutMs };
      await this.show({ kind: "prompt", text: TEXT.enterPin });
      return;
    }
    const policy = this.policy();
    switch (afterCard(policy.mode)) {
      case "decide":
        await this.act(this.decideWith(policy, { method: "card", card: holder?.credential ?? null }, holder, at));
        return;
      case "not_accepted":
        await this.act(this.decideWith(policy, { method: "card", card: holder?.credential ?? null }, holder, at));
        return;
      case "await_pin":
      case "await_face_or_pin": {
        if (!holder) {
          await this.act(this.decideWith(policy, { method: "card", card: null }, null, at, policy.mode === "card_and_pin" ? "card_and_pin" : "card_then_face"));
          return;
        }
        this.pending = { holder, expiresAt: at + policy.secondFactorTimeoutMs };
        this.entry = EMPTY_ENTRY;
        const faceOffered = policy.mode === "card_then_face" && (await this.faceUsableFor(holder.person.personRef, at));
        await this.show({ kind: "prompt", text: faceOffered ? TEXT.faceOrPin : TEXT.enterPin });
        return;
      }
    }
  }

  private async onKey(press: KeyPress): Promise<void> {
    const at = this.clock.now();
    this.expire(at);
    const menu = this.menu;
    if (menu && (menu.stage === "open" || menu.stage === "confirm_consent" || menu.stage === "awaiting_face")) {
      menu.expiresAt = at + this.settings.menuTimeoutMs;
      await this.onMenuKey(menu, press.key, at);
      return;
    }
    const step = keypadStep(this.entry, press.key, at, this.settings.keypadTimeoutMs);
    this.entry = step.entry;
    const action = step.action;
    switch (action.type) {
      case "none":
        return;
      case "overflow":
        await this.show({ kind: "prompt", text: TEXT.tooLong });
        return;
      case "cancel":
        if (this.menu || this.pending) {
          this.menu = null;
          this.pending = null;
          await this.show({ kind: "prompt", text: TEXT.cancelled });
        }
        return;
      case "menu":
        this.pending = null;
        if (!this.privacy) {
          await this.show({ kind: "prompt", text: TEXT.menuUnavailable });
          return;
        }
        this.menu = { stage: "awaiting_card", holder: null, expiresAt: at + this.settings.menuTimeoutMs };
        await this.show({ kind: "prompt", text: TEXT.menuArmed });
        return;
      case "submit":
        await this.onPinEntry(action.code, action.digits, at);
        return;
    }
  }

  private async onPinEntry(code: string | null, pin: string, at: number): Promise<void> {
    const policy = this.policy();
    const menu = this.menu;
    if (menu && menu.stage === "awaiting_pin" && menu.holder) {
      const holder = menu.holder;
      const result = await this.checkHolderPin(holder, pin, at, policy);
      const refused = result.locked ? "pin_locked_out" : !result.correct ? "wrong_pin" : holder.credential.revoked ? "credential_revoked" : null;
      if (refused) {
        this.menu = null;
        this.record("privacy.menu_denied", { personRef: holder.person.personRef, reason: refused });
        await this.show(decisionMessage({ granted: false, reason: refused, method: "card_and_pin", personRef: holder.person.personRef, unlockMs: 0 }));
        return;
      }
      // The menu needs a live card and its holder's correct PIN. Rights to this gate are not
      // required: a resident may always act on their own face data (L11).
      this.menu = { stage: "open", holder, expiresAt: at + this.settings.menuTimeoutMs };
      this.record("privacy.menu_opened", { personRef: holder.person.personRef });
      const invitedUntil = this.enrollInvitations.get(holder.person.personRef);
      if (invitedUntil !== undefined && invitedUntil >= at && (await this.faceUsableFor(holder.person.personRef, at))) {
        // The property office asked this resident to enroll (enroll.at_gate): go straight to
        // the camera. The resident authenticated with card and PIN, so the face enrolled is
        // the one of the person standing here, under their own valid consent (L1).
        this.enrollInvitations.delete(holder.person.personRef);
        await this.startEnrollment(this.menu, at);
        return;
      }
      await this.show({ kind: "menu", title: TEXT.menuTitle, options: MENU_OPTIONS });
      return;
    }
    if (this.pending) {
      const holder = this.pending.holder;
      this.pending = null;
      const result = await this.checkHolderPin(holder, pin, at, policy);
      await this.act(this.decideWith(policy, { method: "card_and_pin", card: holder.credential, pin: result.pin, pinCorrect: result.correct }, holder, at, undefined, result.locked));
      return;
    }
    if (code === null) {
      await this.show({ kind: "prompt", text: modeAcceptsPinAlone(policy.mode) ? TEXT.enterCodeAndPin : TEXT.swipeFirst });
      return;
    }
    const match = this.access.lookupPinCode(code);
    const keys = match ? [keypadLockKey(this.gateId), personLockKey(match.person.personRef)] : [keypadLockKey(this.gateId)];
    const status = lockoutStatus(this.lockout, keys, at);
    let correct = false;
    if (!status.locked && modeAcceptsPinAlone(policy.mode)) {
      correct = match ? await this.access.verifyPin(match.credential.id, pin) : false;
      this.countPin(keys, correct, match?.person.personRef ?? null, at, policy);
    }
    await this.act(this.decideWith(policy, { method: "pin", pin: match?.credential ?? null, pinCorrect: correct }, match, at, undefined, status.locked));
  }

  /** Verifies a PIN for a known card holder against their PIN credentials, honouring and updating the lockout. */
  private async checkHolderPin(holder: CredentialMatch, pin: string, at: number, policy: GatePolicy): Promise<{ pin: CredentialRecord | null; correct: boolean; locked: boolean }> {
    const keys = [keypadLockKey(this.gateId), personLockKey(holder.person.personRef)];
    if (lockoutStatus(this.lockout, keys, at).locked) return { pin: null, correct: false, locked: true };
    const pins = this.access.pinCredentialsOf(holder.person.personRef).filter((c) => !c.revoked);
    let found: CredentialRecord | null = null;
    for (const cred of pins) {
      if (await this.access.verifyPin(cred.id, pin)) {
        found = cred;
        break;
      }
    }
    this.countPin(keys, found !== null, holder.person.personRef, at, policy);
    return { pin: found ?? pins[0] ?? null, correct: found !== null, locked: false };
  }

  private countPin(keys: string[], correct: boolean, personRef: string | null, at: number, policy: GatePolicy): void {
    if (correct) {
      if (personRef) this.lockout = registerPinSuccess(this.lockout, personLockKey(personRef));
      return;
    }
    const result = registerPinFailure(this.lockout, keys, at, policy.lockout);
    this.lockout = result.state;
    for (const key of result.newlyLocked) {
      const scope = key.startsWith("keypad:") ? "keypad" : "person";
      this.record("alarm.pin_lockout", { scope, ...(scope === "person" ? { personRef } : {}), until: at + policy.lockout.lockoutMs });
    }
  }

  private async onExit(): Promise<void> {
    const at = this.clock.now();
    await this.act(this.decideWith(this.policy(), { method: "exit_button" }, null, at));
  }

  private async onDoor(change: DoorChange): Promise<void> {
    this.door = this.stepDoor({ type: change.state === "open" ? "opened" : "closed", at: change.at });
  }

  private async onStatus(device: HardwareDevice, status: DeviceStatus): Promise<void> {
    this.log.warn(`${device.kind} ${status}`, { device: device.id });
    this.record("system.hardware_status", { device: device.id, kind: device.kind, status });
    if (device.kind === "door_sensor") this.door = { ...this.door, door: status === "connected" ? (this.hw.doorSensor?.state ?? "unknown") : "unknown", openedAt: null };
    if (device.kind === "camera" && status === "disconnected" && modeUsesFace(this.policy().mode)) await this.show({ kind: "prompt", text: TEXT.faceUnavailable });
  }

  private async tickNow(): Promise<void> {
    const at = this.clock.now();
    await this.expireAndReport(at);
    this.door = this.stepDoor({ type: "tick", at });
    this.lockout = pruneLockout(this.lockout, at, this.policy().lockout);
    for (const [key, until] of this.faceQuiet) if (until <= at) this.faceQuiet.delete(key);
  }

  /** Closes what timed out; reports a card left waiting for its second factor. */
  private async expireAndReport(at: number): Promise<void> {
    const pending = this.pending;
    const menu = this.menu;
    this.expire(at);
    if (pending && !this.pending) {
      const policy = this.policy();
      this.record("access.denied", { method: policy.mode === "card_then_face" ? "card_then_face" : "card_and_pin", reason: "second_factor_timeout", personRef: pending.holder.person.personRef });
      await this.show({ kind: "denied", reason: "second_factor_timeout", text: "Timed out." });
    }
    if (menu && !this.menu) await this.show(menu.stage === "awaiting_face" ? { kind: "prompt", text: TEXT.enrollTimeout } : this.idleMessage());
  }

  private expire(at: number): void {
    if (this.pending && at >= this.pending.expiresAt) this.pending = null;
    if (this.menu && at >= this.menu.expiresAt) this.menu = null;
  }

  private stepDoor(input: DoorInput): DoorMonitorState {
    if (!this.hw.doorSensor || this.hw.doorSensor.status !== "connected") return this.door;
    const { state, alarms } = doorStep(this.door, input, { heldOpenMs: this.policy().doorHeldOpenMs });
    for (const alarm of alarms) this.reportAlarm(alarm);
    return state;
  }

  private reportAlarm(alarm: DoorAlarm): void {
    const data: Record<string, unknown> = alarm.type === "door_held_open" ? { openForMs: alarm.openForMs } : alarm.type === "door_alarm_cleared" ? { cleared: alarm.cleared } : {};
    this.record(`alarm.${alarm.type}`, data);
    this.log.warn(`door alarm: ${alarm.type}`, { gate: this.gateId });
    void this.signal(alarm.type === "door_alarm_cleared" ? "idle" : "alarm");
  }

  // ---- the privacy menu (L11) ------------------------------------------------------------

  private async onMenuKey(menu: MenuState, key: string, at: number): Promise<void> {
    const desk = this.privacy;
    const holder = menu.holder;
    if (!desk || !holder) return;
    const personRef = holder.person.personRef;
    if (menu.stage === "confirm_consent") {
      if (key === "*") {
        menu.stage = "open";
        await this.show({ kind: "menu", title: TEXT.menuTitle, options: MENU_OPTIONS });
      } else if (key === "#") {
        await this.privacyAction(personRef, "give_consent", async () => {
          const notice = await desk.currentNotice();
          const consent = await desk.giveConsent(personRef, {
            noticeVersion: notice.version,
            noticeHash: notice.hash,
            method: "electronic",
            collectedBy: `gate:${this.gateId}`,
            gateId: this.gateId,
            at,
          });
          // The consent itself is reported by the privacy desk's store (privacy.consent_given);
          // this says it was given here, at the keypad, under which notice.
          this.record("privacy.menu_action", { personRef, action: "consent_given", consentId: consent.consentId, noticeVersion: notice.version, noticeHash: notice.hash, expiresAt: consent.expiresAt });
          await this.startEnrollment(menu, at);
        });
      }
      return;
    }
    if (menu.stage === "awaiting_face") {
      if (key === "*" || key === "0") {
        menu.stage = "open";
        await this.show({ kind: "menu", title: TEXT.menuTitle, options: MENU_OPTIONS });
      }
      return;
    }
    switch (key) {
      case "1":
        await this.privacyAction(personRef, "show_notice", async () => {
          const notice = await desk.currentNotice();
          this.record("privacy.notice_shown", { personRef, noticeVersion: notice.version, noticeHash: notice.hash });
          await this.show(noticeMessage(notice));
        });
        return;
      case "2":
        await this.privacyAction(personRef, "give_consent", async () => {
          if (await desk.hasValidConsent(personRef, this.gateId, at)) {
            await this.startEnrollment(menu, at);
            return;
          }
          const notice = await desk.currentNotice();
          this.record("privacy.notice_shown", { personRef, noticeVersion: notice.version, noticeHash: notice.hash });
          await this.show(noticeMessage(notice));
          menu.stage = "confirm_consent";
          await this.show({ kind: "prompt", text: TEXT.confirmConsent });
        });
        return;
      case "3":
        await this.privacyAction(personRef, "withdraw_consent", async () => {
          const receipt = await desk.withdrawConsent(personRef);
          this.forgetFace(personRef);
          this.record("privacy.menu_action", { personRef, action: "consent_withdrawn", receiptId: receipt.receiptId, templatesDeleted: receipt.templatesDeleted });
          await this.show(receiptMessage(receipt));
        });
        return;
      case "4":
        await this.privacyAction(personRef, "delete_templates", async () => {
          const receipt = await desk.deleteTemplates(personRef);
          this.forgetFace(personRef);
          this.record("privacy.menu_action", { personRef, action: "templates_deleted", receiptId: receipt.receiptId, templatesDeleted: receipt.templatesDeleted });
          await this.show(receiptMessage(receipt));
        });
        return;
      case "0":
        this.menu = null;
        await this.showIdle();
        return;
      default:
        return;
    }
  }

  private async startEnrollment(menu: MenuState, at: number): Promise<void> {
    const camera = this.hw.camera;
    if (!this.face || !camera || camera.status !== "connected") {
      menu.stage = "open";
      this.record("privacy.enrollment_failed", { personRef: menu.holder?.person.personRef ?? null, reason: "camera_unavailable" });
      await this.show({ kind: "prompt", text: TEXT.cameraUnavailable });
      return;
    }
    menu.stage = "awaiting_face";
    menu.expiresAt = at + this.settings.enrollTimeoutMs;
    await this.show({ kind: "prompt", text: TEXT.lookAtCamera });
  }

  private async privacyAction(personRef: string, action: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      const code = isFacegateError(err) ? err.code : "internal_error";
      this.log.warn("privacy action failed", { action, personRef, error: code });
      this.record("privacy.action_failed", { personRef, action, code });
      if (this.menu) this.menu.stage = "open";
      await this.show({ kind: "prompt", text: `That did not work (${code}). Your card and PIN keep working.` });
    }
  }

  private forgetFace(personRef: string): void {
    for (const key of [...this.faceQuiet.keys()]) if (key.endsWith(`:${personRef}`)) this.faceQuiet.delete(key);
  }

  // ---- the face path -----------------------------------------------------------------

  private onFrame(frame: CameraFrame, info: FrameInfo): void {
    if (!this.running || !this.face || this.faceTask) return; // busy: drop the frame, a newer one comes
    const at = info.at;
    this.expire(at);
    const enrolling = this.menu?.stage === "awaiting_face" ? this.menu : null;
    const policy = this.access.policyFor(this.gateId);
    if (!policy) return;
    const pending = policy.mode === "card_then_face" ? this.pending : null;
    if (!enrolling && !pending && !modeAcceptsFaceAlone(policy.mode)) return; // face not used here: not even analysed (L4)
    const task = this.processFrame(frame, at, policy, enrolling, pending)
      .catch((err: unknown) => this.log.error("face path failed", { error: isFacegateError(err) ? err.code : "internal_error" }))
      .finally(() => {
        if (this.faceTask === task) this.faceTask = null;
      });
    this.faceTask = task;
  }

  private async processFrame(frame: CameraFrame, at: number, policy: GatePolicy, enrolling: MenuState | null, pending: PendingCard | null): Promise<void> {
    const face = this.face!;
    let analysis: FaceAnalysis | undefined;
    try {
      try {
        analysis = await face.analyzer.analyze(frame);
      } catch (err) {
        await this.faceFailed(err, enrolling);
        return;
      }
      if (!this.running) return;
      if (this.faceDegraded) {
        this.faceDegraded = false;
        this.record("system.face_available", {});
      }
      const idx = analysis.primaryIndex;
      const primary = idx !== null && idx >= 0 && idx < analysis.faces.length ? analysis.faces[idx]! : null;
      // Faces other than the one at the door are never used.
      for (const f of analysis.faces) if (f !== primary) f.embedding.fill(0);
      if (!primary) return;
      if (enrolling) await this.enrollFace(enrolling, primary, at);
      else if (pending) await this.verifyHolderFace(pending, primary, at, policy);
      else await this.identifyFace(primary, at, policy);
    } finally {
      wipe(analysis);
    }
  }

  private async faceFailed(err: unknown, enrolling: MenuState | null): Promise<void> {
    const code = isFacegateError(err) ? err.code : "analysis_failed";
    if (!this.faceDegraded) {
      this.faceDegraded = true;
      this.log.warn("face analysis failed; card and PIN keep working", { error: code });
      this.record("system.face_unavailable", { code });
      await this.show({ kind: "prompt", text: TEXT.faceUnavailable });
    }
    if (enrolling && this.menu === enrolling) {
      enrolling.stage = "open";
      this.record("privacy.enrollment_failed", { personRef: enrolling.holder?.person.personRef ?? null, reason: "face_unavailable" });
      await this.show({ kind: "prompt", text: TEXT.cameraUnavailable });
    }
  }

  private async identifyFace(face: AnalyzedFace, at: number, policy: GatePolicy): Promise<void> {
    const matcher = this.face!.matcher;
    const live = face.quality.ok && face.liveness >= this.settings.thresholds.liveness;
    if (!face.quality.ok) return; // not usable: no outcome at all
    if (!live) {
      face.embedding.fill(0); // never matched (L5)
      await this.faceOutcome(this.decideWith(policy, { method: "face", face: { liveness: face.liveness, qualityOk: true, matchScore: null, consentValid: false } }, null, at), at);
      return;
    }
    let best: { personRef: string; score: number } | null = null;
    try {
      const candidates = await matcher.search(face.embedding, 1);
      const top = candidates[0];
      if (top && top.score >= this.settings.thresholds.match) best = { personRef: top.personRef, score: top.score };
    } finally {
      face.embedding.fill(0); // searched: dropped at once, matched or not (L4)
    }
    if (!best) {
      // Unknown face: no event, no log, nothing kept; only a hint on the display.
      if (this.quiet("unknown", at)) await this.show({ kind: "prompt", text: TEXT.useCardOrPin });
      return;
    }
    const person = this.access.person(best.personRef);
    const consentValid = this.privacy ? await this.privacy.hasValidConsent(best.personRef, this.gateId, at) : false;
    const decision = this.decideWith(policy, { method: "face", face: { liveness: face.liveness, qualityOk: true, matchScore: best.score, consentValid } }, person ? { person, credential: null } : null, at, undefined, false, best.personRef);
    await this.faceOutcome(decision, at);
  }

  private async verifyHolderFace(pending: PendingCard, face: AnalyzedFace, at: number, policy: GatePolicy): Promise<void> {
    if (!face.quality.ok || this.pending !== pending) return;
    const holder = pending.holder;
    const personRef = holder.person.personRef;
    const consentValid = await this.faceUsableFor(personRef, at);
    if (!consentValid) return; // no consent: no match attempted (L1); the holder uses the PIN
    let score: number | null = null;
    if (face.liveness >= this.settings.thresholds.liveness) {
      try {
        score = await this.face!.matcher.verify(personRef, face.embedding);
      } finally {
        face.embedding.fill(0);
      }
    }
    const decision = this.decideWith(policy, { method: "card_then_face", card: holder.credential, face: { liveness: face.liveness, qualityOk: true, matchScore: score, consentValid } }, holder, at);
    if (decision.granted) this.pending = null;
    await this.faceOutcome(decision, at);
  }

  private async enrollFace(menu: MenuState, face: AnalyzedFace, at: number): Promise<void> {
    const holder = menu.holder;
    if (!holder || !this.privacy || this.menu !== menu) return;
    if (!face.quality.ok || face.liveness < this.settings.thresholds.liveness) {
      if (this.quiet("enroll_retry", at)) await this.show({ kind: "prompt", text: TEXT.enrollRetry });
      return;
    }
    const personRef = holder.person.personRef;
    menu.stage = "open";
    await this.privacyAction(personRef, "enroll", async () => {
      let templateId: string;
      try {
        templateId = (await this.privacy!.enrollFromEmbedding(personRef, face.embedding, this.gateId)).templateId;
      } finally {
        face.embedding.fill(0);
      }
      this.record("privacy.face_enrolled", { personRef, templateId });
      await this.show({ kind: "prompt", text: TEXT.enrolled });
    });
  }

  private async faceUsableFor(personRef: string, at: number): Promise<boolean> {
    if (!this.face || !this.privacy || !this.hw.camera || this.hw.camera.status !== "connected") return false;
    try {
      return await this.privacy.hasValidConsent(personRef, this.gateId, at);
    } catch {
      return false;
    }
  }

  /** Acts on a face decision without repeating the same outcome while the person stands there. */
  private async faceOutcome(decision: Decision, at: number): Promise<void> {
    const key = decision.granted ? `grant:${decision.personRef}` : `deny:${decision.reason}:${decision.personRef ?? ""}`;
    if (!this.quiet(key, at)) return;
    if (decision.granted) this.faceQuiet.set(key, at + Math.max(decision.unlockMs, this.settings.faceRepeatMs));
    await this.act(decision);
  }

  /** True (and starts a quiet period) when `key` is not in a quiet period. */
  private quiet(key: string, at: number): boolean {
    const until = this.faceQuiet.get(key);
    if (until !== undefined && until > at) return false;
    this.faceQuiet.set(key, at + this.settings.faceRepeatMs);
    return true;
  }

  // ---- deciding and acting -------------------------------------------------------------

  private decideWith(
    policy: GatePolicy,
    evidence: Evidence,
    holder: { person: CredentialMatch["person"]; credential: CredentialRecord | null } | null,
    at: number,
    methodOverride?: Decision["method"],
    locked = false,
    faceRef?: string,
  ): Decision {
    const decision = decide({
      at,
      policy,
      evidence: methodOverride === undefined ? evidence : { ...evidence, method: methodOverride } as Evidence,
      person: holder?.person ?? null,
      lockout: { locked, until: null },
      thresholds: this.settings.thresholds,
    });
    // A face matched to someone no longer in the access list is still reported by reference.
    return faceRef && decision.personRef === null ? { ...decision, personRef: faceRef } : decision;
  }

  private async act(decision: Decision): Promise<void> {
    const data: Record<string, unknown> = { method: decision.method, reason: decision.reason };
    if (decision.personRef) data["personRef"] = decision.personRef;
    if (decision.granted) {
      try {
        await this.hw.relay.unlock(decision.unlockMs);
        this.door = this.stepDoor({ type: "unlocked", at: this.clock.now(), durationMs: decision.unlockMs });
      } catch (err) {
        this.record("alarm.relay_failed", { code: isFacegateError(err) ? err.code : "relay_error" });
        this.log.error("relay failed to unlock", { error: err });
      }
    }
    this.record(decision.granted ? "access.granted" : "access.denied", data);
    this.log.info(decision.granted ? "access granted" : "access denied", data);
    if (decision.method !== "exit_button") {
      await this.show(decisionMessage(decision));
      await this.signal(decision.granted ? "granted" : "denied");
    }
  }

  private record(type: string, data: Record<string, unknown>): void {
    const event: FacegateEvent = gateEvent(this.newId(), type, this.clock.now(), this.gateId, data);
    try {
      this.recorder.record(event);
    } catch (err) {
      this.log.error("event could not be recorded", { type, error: err });
    }
  }

  private idleMessage(): DisplayMessage {
    const policy = this.access.policyFor(this.gateId);
    return { kind: "idle", text: policy && modeAcceptsFaceAlone(policy.mode) && this.face ? TEXT.idle : TEXT.idleNoFace };
  }

  private showIdle(): Promise<void> {
    return this.show(this.idleMessage());
  }

  /** A display failure never blocks a decision. */
  private async show(message: DisplayMessage): Promise<void> {
    try {
      await this.hw.display.show(message);
    } catch (err) {
      this.log.warn("display unavailable", { error: isFacegateError(err) ? err.code : "display_error" });
    }
  }

  private async signal(kind: IndicatorSignal): Promise<void> {
    if (!this.hw.indicator) return;
    try {
      await this.hw.indicator.signal(kind);
    } catch {
      // Optional part: its status events already report the problem.
    }
  }
}

export function createGate(options: GateOptions): GateController {
  return new GateController(options);
}
