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
 * The controller owns the parts it hands these jobs to, each reaching the gate only through
 * a narrow context: face-path.ts (frames to face decisions), privacy-menu.ts (L11),
 * pin-checker.ts (PINs and their lockout), door-watch.ts (door alarms) and gate-outputs.ts
 * (events, display, indicator).
 *
 * Components follow start()/stop(); the constructor only assigns fields.
 */
import { randomUUID } from "node:crypto";
import { ConfigError, isFacegateError } from "../errors.js";
import type { EventRecorder } from "../events/event.js";
import type { CardRead } from "../hal/card-reader.js";
import type { DeviceStatus, HardwareDevice, Unsubscribe } from "../hal/device.js";
import type { DisplayMessage } from "../hal/display.js";
import type { DoorChange } from "../hal/door-sensor.js";
import type { GateHardware } from "../hal/gate-hardware.js";
import type { KeyPress } from "../hal/keypad.js";
import type { Logger } from "../log/logger.js";
import { type Decision, type Evidence, decide } from "../policy/decision.js";
import { type GatePolicy, afterCard, modeAcceptsFaceAlone, modeAcceptsPinAlone, modeUsesFace } from "../policy/gate-policy.js";
import type { CredentialMatch, CredentialRecord } from "../policy/rights.js";
import type { Clock } from "../time/clock.js";
import { TEXT, decisionMessage } from "./display-texts.js";
import { DoorWatch } from "./door-watch.js";
import { FacePath } from "./face-path.js";
import { GateOutputs } from "./gate-outputs.js";
import { DEFAULT_GATE_SETTINGS, type GateSettings } from "./gate-settings.js";
import { EMPTY_ENTRY, type KeypadEntry, keypadStep } from "./keypad-protocol.js";
import { PinChecker } from "./pin-checker.js";
import type { AccessDirectory, FaceAnalyzer, FaceMatcher, PrivacyDesk } from "./ports.js";
import { type MenuState, PrivacyMenu } from "./privacy-menu.js";

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

interface PendingCard {
  holder: CredentialMatch;
  expiresAt: number;
}

export class GateController {
  readonly gateId: string;
  private readonly hw: GateHardware;
  private readonly access: AccessDirectory;
  private readonly face: GateOptions["face"];
  private readonly privacy: PrivacyDesk | undefined;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly settings: GateSettings;
  private readonly out: GateOutputs;

  private unsubscribes: Unsubscribe[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private running = false;
  private inputQueue: Promise<void> = Promise.resolve();
  private entry: KeypadEntry = EMPTY_ENTRY;
  private pending: PendingCard | null = null;
  /** The resident's privacy menu (L11). */
  private readonly privacyMenu: PrivacyMenu;
  private readonly facePath: FacePath;
  private readonly pins: PinChecker;
  private readonly doorWatch: DoorWatch;

  constructor(options: GateOptions) {
    this.gateId = options.gateId;
    this.hw = options.hardware;
    this.access = options.access;
    this.face = options.face;
    this.privacy = options.privacy;
    this.clock = options.clock;
    this.log = options.logger.child("gate");
    this.settings = { ...DEFAULT_GATE_SETTINGS, ...options.settings };
    this.out = new GateOutputs({ gateId: this.gateId, hardware: this.hw, clock: this.clock, recorder: options.recorder, log: this.log, newId: options.newId ?? randomUUID });
    const io = {
      gateId: this.gateId,
      settings: this.settings,
      log: this.log,
      show: (message: DisplayMessage) => this.out.show(message),
      record: (type: string, data: Record<string, unknown>) => this.out.record(type, data),
    };
    this.pins = new PinChecker({ gateId: this.gateId, access: this.access, record: io.record });
    this.doorWatch = new DoorWatch({ gateId: this.gateId, sensor: this.hw.doorSensor, log: this.log, heldOpenMs: () => this.policy().doorHeldOpenMs, record: io.record, signal: (kind) => this.out.signal(kind) });
    this.privacyMenu = new PrivacyMenu({
      ...io,
      desk: this.privacy,
      clock: this.clock,
      showIdle: () => this.showIdle(),
      cameraReady: () => this.facePath.cameraReady(),
      faceUsableFor: (personRef, at) => this.facePath.usableFor(personRef, at),
      forgetFace: (personRef) => this.facePath.forget(personRef),
      quiet: (key, at) => this.facePath.quiet(key, at),
    });
    this.facePath = new FacePath({
      ...io,
      ports: this.face,
      camera: this.hw.camera,
      access: this.access,
      desk: this.privacy,
      enrollment: this.privacyMenu,
      isRunning: () => this.running,
      expire: (at) => this.expire(at),
      pendingCard: () => this.pending,
      clearPendingCard: () => {
        this.pending = null;
      },
      decide: (policy, evidence, holder, at, faceRef) => this.decideWith(policy, evidence, holder, at, undefined, false, faceRef),
      act: (decision) => this.act(decision),
    });
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
      this.doorWatch.reset();
      this.unsubscribes.push(hw.doorSensor.onChange((change) => this.enqueue(() => this.onDoor(change))));
    }
    if (hw.camera) this.unsubscribes.push(hw.camera.onFrame((frame, info) => this.facePath.onFrame(frame, info)));
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
    const faceTask = this.facePath.task;
    if (faceTask) await Promise.race([faceTask, new Promise<void>((r) => setTimeout(r, 1000).unref?.())]);
    this.privacyMenu.close();
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
    return this.privacyMenu.invite(personRef, validForMs);
  }

  /** Resolves when every input and frame received so far has been handled. */
  async idle(): Promise<void> {
    for (;;) {
      const queue = this.inputQueue;
      const face = this.facePath.task;
      await queue;
      if (face) await face;
      if (queue === this.inputQueue && face === this.facePath.task) return;
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
    if (this.privacyMenu.awaitingCard()) {
      await this.privacyMenu.onCard(holder, at);
      return;
    }
    const policy = this.policy();
    switch (afterCard(policy.mode)) {
      case "decide":
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
        const faceOffered = policy.mode === "card_then_face" && (await this.facePath.usableFor(holder.person.personRef, at));
        await this.out.show({ kind: "prompt", text: faceOffered ? TEXT.faceOrPin : TEXT.enterPin });
        return;
      }
    }
  }

  private async onKey(press: KeyPress): Promise<void> {
    const at = this.clock.now();
    this.expire(at);
    if (this.privacyMenu.takesKeys()) {
      await this.privacyMenu.onKey(press.key, at);
      return;
    }
    const step = keypadStep(this.entry, press.key, at, this.settings.keypadTimeoutMs);
    this.entry = step.entry;
    const action = step.action;
    switch (action.type) {
      case "none":
        return;
      case "overflow":
        await this.out.show({ kind: "prompt", text: TEXT.tooLong });
        return;
      case "cancel":
        if (this.privacyMenu.active || this.pending) {
          this.privacyMenu.close();
          this.pending = null;
          await this.out.show({ kind: "prompt", text: TEXT.cancelled });
        }
        return;
      case "menu":
        this.pending = null;
        await this.privacyMenu.arm(at);
        return;
      case "submit":
        await this.onPinEntry(action.code, action.digits, at);
        return;
    }
  }

  private async onPinEntry(code: string | null, pin: string, at: number): Promise<void> {
    const policy = this.policy();
    if (this.privacyMenu.awaitingPin()) {
      await this.privacyMenu.onPin((holder) => this.pins.checkHolderPin(holder, pin, at, policy), at);
      return;
    }
    if (this.pending) {
      const holder = this.pending.holder;
      this.pending = null;
      const result = await this.pins.checkHolderPin(holder, pin, at, policy);
      await this.act(this.decideWith(policy, { method: "card_and_pin", card: holder.credential, pin: result.pin, pinCorrect: result.correct }, holder, at, undefined, result.locked));
      return;
    }
    if (code === null) {
      await this.out.show({ kind: "prompt", text: modeAcceptsPinAlone(policy.mode) ? TEXT.enterCodeAndPin : TEXT.swipeFirst });
      return;
    }
    const match = this.access.lookupPinCode(code);
    const result = await this.pins.checkPinAlone(match, pin, at, policy);
    await this.act(this.decideWith(policy, { method: "pin", pin: match?.credential ?? null, pinCorrect: result.correct }, match, at, undefined, result.locked));
  }

  private async onExit(): Promise<void> {
    const at = this.clock.now();
    await this.act(this.decideWith(this.policy(), { method: "exit_button" }, null, at));
  }

  private async onDoor(change: DoorChange): Promise<void> {
    this.doorWatch.step({ type: change.state === "open" ? "opened" : "closed", at: change.at });
  }

  private async onStatus(device: HardwareDevice, status: DeviceStatus): Promise<void> {
    this.log.warn(`${device.kind} ${status}`, { device: device.id });
    this.out.record("system.hardware_status", { device: device.id, kind: device.kind, status });
    if (device.kind === "door_sensor") this.doorWatch.onSensorStatus(status);
    if (device.kind === "camera" && status === "disconnected" && modeUsesFace(this.policy().mode)) await this.out.show({ kind: "prompt", text: TEXT.faceUnavailable });
  }

  private async tickNow(): Promise<void> {
    const at = this.clock.now();
    await this.expireAndReport(at);
    this.doorWatch.step({ type: "tick", at });
    this.pins.prune(at, this.policy());
    this.facePath.prune(at);
  }

  /** Closes what timed out; reports a card left waiting for its second factor. */
  private async expireAndReport(at: number): Promise<void> {
    const pending = this.pending;
    const closedMenu = this.expire(at);
    if (pending && !this.pending) {
      const policy = this.policy();
      this.out.record("access.denied", { method: policy.mode === "card_then_face" ? "card_then_face" : "card_and_pin", reason: "second_factor_timeout", personRef: pending.holder.person.personRef });
      await this.out.show({ kind: "denied", reason: "second_factor_timeout", text: "Timed out." });
    }
    if (closedMenu) await this.privacyMenu.timedOut(closedMenu);
  }

  /** Drops a pending card and closes the menu when their time has passed; returns the menu it closed. */
  private expire(at: number): MenuState | null {
    if (this.pending && at >= this.pending.expiresAt) this.pending = null;
    return this.privacyMenu.expire(at);
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
        this.doorWatch.step({ type: "unlocked", at: this.clock.now(), durationMs: decision.unlockMs });
      } catch (err) {
        this.out.record("alarm.relay_failed", { code: isFacegateError(err) ? err.code : "relay_error" });
        this.log.error("relay failed to unlock", { error: err });
      }
    }
    this.out.record(decision.granted ? "access.granted" : "access.denied", data);
    // Who went through which door is the event above, never a log line: logs are no
    // movement record (SPEC section 6). The log says only what the door did, at debug level.
    this.log.debug(decision.granted ? "door unlocked" : "door kept locked", { method: decision.method, reason: decision.reason });
    if (decision.method !== "exit_button") {
      await this.out.show(decisionMessage(decision));
      await this.out.signal(decision.granted ? "granted" : "denied");
    }
  }

  private idleMessage(): DisplayMessage {
    const policy = this.access.policyFor(this.gateId);
    return { kind: "idle", text: policy && modeAcceptsFaceAlone(policy.mode) && this.face ? TEXT.idle : TEXT.idleNoFace };
  }

  private showIdle(): Promise<void> {
    return this.out.show(this.idleMessage());
  }
}
