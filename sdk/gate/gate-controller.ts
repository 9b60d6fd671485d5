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
 * a narrow context: card-pin-path.ts (cards and keys to decisions), face-path.ts (frames to
 * face decisions), privacy-menu.ts (L11), pin-checker.ts (PINs and their lockout),
 * door-watch.ts (door alarms) and gate-outputs.ts (events, display, indicator). The rules
 * of the stateful parts are pure steps beside them (keypad-protocol.ts, menu-step.ts,
 * face-step.ts, gate-decision.ts, sdk/policy's decision engine, lockout and door alarms).
 *
 * Time, timers and ids are given (Clock, Timers, newId): nothing here reads a global, so
 * the code runs on any platform and tests move time themselves.
 *
 * Components follow start()/stop(); the constructor only assigns fields.
 */
import { ConfigError, isFacegateError } from "../errors.js";
import type { EventRecorder } from "../events/event.js";
import type { DeviceStatus, HardwareDevice, Unsubscribe } from "../hal/device.js";
import type { DisplayMessage } from "../hal/display.js";
import type { DoorChange } from "../hal/door-sensor.js";
import type { GateHardware } from "../hal/gate-hardware.js";
import type { Logger } from "../log/logger.js";
import type { Decision } from "../policy/decision.js";
import { type GatePolicy, modeAcceptsFaceAlone, modeUsesFace } from "../policy/gate-policy.js";
import type { Clock } from "../time/clock.js";
import { type TimerHandle, type Timers, waitAtMost } from "../time/timers.js";
import { CardPinPath } from "./card-pin-path.js";
import { TEXT, decisionMessage } from "./display-texts.js";
import { DoorWatch } from "./door-watch.js";
import { FacePath } from "./face-path.js";
import { type GateDecisionRequest, decideAtGate } from "./gate-decision.js";
import { GateOutputs } from "./gate-outputs.js";
import type { FaceAloneStatus } from "./face-alone-capacity.js";
import { DEFAULT_GATE_SETTINGS, type GateSettings } from "./gate-settings.js";
import { PinChecker } from "./pin-checker.js";
import type { AccessDirectory, FaceAnalyzer, FaceMatcher, PrivacyDesk } from "./ports.js";
import { PrivacyMenu } from "./privacy-menu.js";
import type { MenuSession } from "./menu-state.js";

export interface GateOptions {
  gateId: string;
  hardware: GateHardware;
  access: AccessDirectory;
  /** The face path; omitted: a card/PIN-only gate. */
  face?: { analyzer: FaceAnalyzer; matcher: FaceMatcher };
  /** Notice, consent, enrollment and deletion; omitted: no privacy menu. */
  privacy?: PrivacyDesk;
  clock: Clock;
  /**
   * The housekeeping tick and the wait for a frame in analysis on stop (STOP_GRACE_MS)
   * run on these: the device passes the process timers, the simulator ManualTimers (which
   * fire only when the simulation moves time).
   */
  timers: Timers;
  recorder: EventRecorder;
  logger: Logger;
  settings?: Partial<GateSettings>;
  /** Ids of the gate's events (the device passes randomUUID). */
  newId: () => string;
}

/** How long stop() waits for a frame being analysed; a hung analyzer must not hang the shutdown. */
export const STOP_GRACE_MS = 1_000;

export class GateController {
  readonly gateId: string;
  private readonly hw: GateHardware;
  private readonly access: AccessDirectory;
  private readonly face: GateOptions["face"];
  private readonly privacy: PrivacyDesk | undefined;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly log: Logger;
  private readonly settings: GateSettings;
  private readonly out: GateOutputs;

  private unsubscribes: Unsubscribe[] = [];
  private tickTimer: TimerHandle | undefined;
  private running = false;
  private inputQueue: Promise<void> = Promise.resolve();
  private readonly cardPin: CardPinPath;
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
    this.timers = options.timers;
    this.log = options.logger.child("gate");
    this.settings = { ...DEFAULT_GATE_SETTINGS, ...options.settings };
    this.out = new GateOutputs({ gateId: this.gateId, hardware: this.hw, clock: this.clock, recorder: options.recorder, log: this.log, newId: options.newId });
    const io = {
      gateId: this.gateId,
      settings: this.settings,
      log: this.log,
      show: (message: DisplayMessage) => this.out.show(message),
      record: (type: string, data: Record<string, unknown>) => this.out.record(type, data),
    };
    const decide = (request: GateDecisionRequest) => this.decideWith(request);
    const act = (decision: Decision) => this.act(decision);
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
      retryPrompt: (at) => this.facePath.retryPrompt(at),
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
      pendingCard: () => this.cardPin.pending,
      clearPendingCard: () => this.cardPin.release(),
      decide,
      act,
    });
    this.cardPin = new CardPinPath({
      access: this.access,
      settings: this.settings,
      menu: this.privacyMenu,
      pins: this.pins,
      policy: () => this.policy(),
      expire: (at) => this.expire(at),
      faceUsableFor: (personRef, at) => this.facePath.usableFor(personRef, at),
      decide,
      act,
      show: io.show,
      record: io.record,
    });
  }

  /** Subscribes to the hardware. Refuses to start without a policy for this gate. */
  async start(): Promise<void> {
    if (this.running) return;
    const policy = this.policy();
    this.running = true;
    const hw = this.hw;
    this.unsubscribes.push(
      hw.cardReader.onCard((read) => this.enqueue(() => this.cardPin.onCard(read, this.clock.now()))),
      hw.keypad.onKey((press) => this.enqueue(() => this.cardPin.onKey(press, this.clock.now()))),
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
    if (this.settings.tickMs > 0) this.scheduleTick();
    this.log.info("gate started", { gate: this.gateId, mode: policy.mode, face: this.face ? "wired" : "absent", privacyMenu: this.privacy ? "wired" : "absent" });
    await this.showIdle();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const u of this.unsubscribes.splice(0)) u();
    if (this.tickTimer !== undefined) this.timers.clearTimer(this.tickTimer);
    this.tickTimer = undefined;
    await this.inputQueue;
    // A hung analyzer must not hang the shutdown: its late result is dropped (running is false).
    const faceTask = this.facePath.task;
    if (faceTask) await waitAtMost(this.timers, faceTask, STOP_GRACE_MS);
    this.privacyMenu.close();
    this.cardPin.reset();
    this.facePath.endTrack(); // the fused embedding of a face still in view is wiped (L4)
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

  /** Housekeeping: timeouts and the door-held alarm. Runs every `tickMs` once started; tests and scenarios may call it after moving the clock. */
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

  /** One timer at a time, set again each time it fires, until the gate stops. */
  private scheduleTick(): void {
    this.tickTimer = this.timers.setTimer(() => {
      if (!this.running) return;
      this.scheduleTick();
      void this.enqueue(() => this.tickNow());
    }, this.settings.tickMs);
  }

  /**
   * For gate.status: the face-alone threshold this gate uses at its gallery's size, the
   * FPIR it expects, the target and the limit (face-alone-capacity.ts). Null when the mode
   * does not accept a face alone, no policy is loaded, or the matcher does not report its size.
   */
  faceAloneStatus(): FaceAloneStatus | null {
    const policy = this.access.policyFor(this.gateId);
    if (!policy || !modeAcceptsFaceAlone(policy.mode)) return null;
    return this.facePath.faceAloneStatus(policy);
  }

  /** The gate's policy: a snapshot the access directory refreshes when the policies change. */
  private policy(): GatePolicy {
    const policy = this.access.policyFor(this.gateId);
    if (!policy) throw new ConfigError(`gates.${this.gateId}: no policy loaded for this gate`, { gateId: this.gateId });
    return policy;
  }

  private async onExit(): Promise<void> {
    const at = this.clock.now();
    await this.act(this.decideWith({ policy: this.policy(), evidence: { method: "exit_button" }, person: null, at }));
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
    const pending = this.cardPin.pending;
    const closedMenu = this.expire(at);
    if (pending && !this.cardPin.pending) await this.cardPin.timedOut(pending);
    if (closedMenu) await this.privacyMenu.timedOut(closedMenu);
  }

  /** Drops a pending card and closes the menu when their time has passed; returns the menu session it closed. */
  private expire(at: number): MenuSession | null {
    this.cardPin.expire(at);
    return this.privacyMenu.expire(at);
  }

  // ---- deciding and acting -------------------------------------------------------------

  /** A decision at this gate, with its thresholds (gate-decision.ts). */
  private decideWith(request: GateDecisionRequest): Decision {
    return decideAtGate(request, this.settings.thresholds);
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
