/**
 * The face path of a gate: camera frames in, face decisions (or an enrollment) out. It
 * runs apart from the card/PIN input queue, one frame at a time (frames arriving while
 * one is analysed are dropped), and can fail (models, camera) without touching card and
 * PIN (L2). The GateController owns it; it reaches the rest of the gate only through
 * FacePathContext.
 *
 * - A frame is analysed only when the gate's mode accepts a face alone, a swiped card
 *   awaits its face, or the privacy menu waits for a face to enroll (L4).
 * - Liveness is checked before any match; below threshold the face never opens the door
 *   and is not even matched (L5). A match still needs a valid consent now (L1).
 * - Every embedding is zero-filled as soon as it has been searched or enrolled; an
 *   unknown face leaves no event, no log line, nothing but a prompt on the display (L4).
 */
import { isFacegateError } from "../errors.js";
import type { Camera, CameraFrame, FrameInfo } from "../hal/camera.js";
import type { DisplayMessage } from "../hal/display.js";
import type { Logger } from "../log/logger.js";
import type { Decision, Evidence } from "../policy/decision.js";
import { type GatePolicy, modeAcceptsFaceAlone } from "../policy/gate-policy.js";
import type { CredentialMatch, CredentialRecord, PersonAccess } from "../policy/rights.js";
import { TEXT } from "./display-texts.js";
import type { GateSettings } from "./gate-settings.js";
import type { AccessDirectory, AnalyzedFace, FaceAnalysis, FaceAnalyzer, FaceMatcher, PrivacyDesk } from "./ports.js";
import type { MenuState, PrivacyMenu } from "./privacy-menu.js";

/** A swiped card waiting for its second factor; the controller keeps it. */
export interface AwaitingCard {
  readonly holder: CredentialMatch;
}

/** What the face path may use of the gate. */
export interface FacePathContext {
  readonly gateId: string;
  /** Omitted: a card/PIN-only gate, frames are ignored. */
  readonly ports: { analyzer: FaceAnalyzer; matcher: FaceMatcher } | undefined;
  readonly camera: Camera | undefined;
  readonly access: Pick<AccessDirectory, "policyFor" | "person">;
  /** Consent checks; omitted: no face is ever accepted. */
  readonly desk: PrivacyDesk | undefined;
  readonly settings: GateSettings;
  readonly log: Logger;
  /** The privacy menu, for the enrollment waiting for a face. */
  readonly enrollment: Pick<PrivacyMenu, "awaitingFace" | "enrollFace" | "faceUnavailable">;
  isRunning(): boolean;
  /** Closes what timed out (the pending card, the menu) before a frame is looked at. */
  expire(at: number): void;
  pendingCard(): AwaitingCard | null;
  /** A face was granted for the pending card: it no longer waits. */
  clearPendingCard(): void;
  /** The policy's decision on face evidence; `faceRef` reports a matched face whose person left the access list. */
  decide(policy: GatePolicy, evidence: Evidence, holder: { person: PersonAccess; credential: CredentialRecord | null } | null, at: number, faceRef?: string): Decision;
  act(decision: Decision): Promise<void>;
  record(type: string, data: Record<string, unknown>): void;
  /** A display failure never blocks a decision. */
  show(message: DisplayMessage): Promise<void>;
}

/** Wipes every embedding of an analysis (L4). */
function wipe(analysis: FaceAnalysis | undefined): void {
  if (!analysis) return;
  for (const face of analysis.faces) face.embedding?.fill(0);
}

export class FacePath {
  private readonly ctx: FacePathContext;
  private faceTask: Promise<void> | null = null;
  private faceDegraded = false;
  /** Face outcomes not to repeat before a time: `grant:<ref>`, `deny:<reason>:<ref>`, `unknown` (and the menu's `enroll_retry`). */
  private readonly faceQuiet = new Map<string, number>();

  constructor(context: FacePathContext) {
    this.ctx = context;
  }

  /** The frame being handled, if any. */
  get task(): Promise<void> | null {
    return this.faceTask;
  }

  /** The face path is wired and the camera connected. */
  cameraReady(): boolean {
    return this.ctx.ports !== undefined && this.ctx.camera?.status === "connected";
  }

  /** The face path can be used for this person now: camera connected and a valid consent. */
  async usableFor(personRef: string, at: number): Promise<boolean> {
    const desk = this.ctx.desk;
    if (!desk || !this.cameraReady()) return false;
    try {
      return await desk.hasValidConsent(personRef, this.ctx.gateId, at);
    } catch {
      return false;
    }
  }

  /** True (and starts a quiet period) when `key` is not in a quiet period. */
  quiet(key: string, at: number): boolean {
    const until = this.faceQuiet.get(key);
    if (until !== undefined && until > at) return false;
    this.faceQuiet.set(key, at + this.ctx.settings.faceRepeatMs);
    return true;
  }

  /** Ends the quiet periods of this person's face outcomes. */
  forget(personRef: string): void {
    for (const key of [...this.faceQuiet.keys()]) if (key.endsWith(`:${personRef}`)) this.faceQuiet.delete(key);
  }

  /** Drops the quiet periods that have ended. */
  prune(at: number): void {
    for (const [key, until] of this.faceQuiet) if (until <= at) this.faceQuiet.delete(key);
  }

  onFrame(frame: CameraFrame, info: FrameInfo): void {
    const ctx = this.ctx;
    if (!ctx.isRunning() || !ctx.ports || this.faceTask) return; // busy: drop the frame, a newer one comes
    const at = info.at;
    ctx.expire(at);
    const enrolling = ctx.enrollment.awaitingFace();
    const policy = ctx.access.policyFor(ctx.gateId);
    if (!policy) return;
    const pending = policy.mode === "card_then_face" ? ctx.pendingCard() : null;
    if (!enrolling && !pending && !modeAcceptsFaceAlone(policy.mode)) return; // face not used here: not even analysed (L4)
    const task = this.processFrame(frame, at, policy, enrolling, pending)
      .catch((err: unknown) => ctx.log.error("face path failed", { error: isFacegateError(err) ? err.code : "internal_error" }))
      .finally(() => {
        if (this.faceTask === task) this.faceTask = null;
      });
    this.faceTask = task;
  }

  private async processFrame(frame: CameraFrame, at: number, policy: GatePolicy, enrolling: MenuState | null, pending: AwaitingCard | null): Promise<void> {
    const face = this.ctx.ports!;
    let analysis: FaceAnalysis | undefined;
    try {
      try {
        analysis = await face.analyzer.analyze(frame);
      } catch (err) {
        await this.faceFailed(err, enrolling);
        return;
      }
      if (!this.ctx.isRunning()) return;
      if (this.faceDegraded) {
        this.faceDegraded = false;
        this.ctx.record("system.face_available", {});
      }
      const idx = analysis.primaryIndex;
      const primary = idx !== null && idx >= 0 && idx < analysis.faces.length ? analysis.faces[idx]! : null;
      // Faces other than the one at the door are never used.
      for (const f of analysis.faces) if (f !== primary) f.embedding.fill(0);
      if (!primary) return;
      if (enrolling) await this.ctx.enrollment.enrollFace(enrolling, primary, at);
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
      this.ctx.log.warn("face analysis failed; card and PIN keep working", { error: code });
      this.ctx.record("system.face_unavailable", { code });
      await this.ctx.show({ kind: "prompt", text: TEXT.faceUnavailable });
    }
    if (enrolling) await this.ctx.enrollment.faceUnavailable(enrolling);
  }

  private async identifyFace(face: AnalyzedFace, at: number, policy: GatePolicy): Promise<void> {
    const matcher = this.ctx.ports!.matcher;
    const live = face.quality.ok && face.liveness >= this.ctx.settings.thresholds.liveness;
    if (!face.quality.ok) return; // not usable: no outcome at all
    if (!live) {
      face.embedding.fill(0); // never matched (L5)
      await this.faceOutcome(this.ctx.decide(policy, { method: "face", face: { liveness: face.liveness, qualityOk: true, matchScore: null, consentValid: false } }, null, at), at);
      return;
    }
    let best: { personRef: string; score: number } | null = null;
    try {
      const candidates = await matcher.search(face.embedding, 1);
      const top = candidates[0];
      if (top && top.score >= this.ctx.settings.thresholds.match) best = { personRef: top.personRef, score: top.score };
    } finally {
      face.embedding.fill(0); // searched: dropped at once, matched or not (L4)
    }
    if (!best) {
      // Unknown face: no event, no log, nothing kept; only a hint on the display.
      if (this.quiet("unknown", at)) await this.ctx.show({ kind: "prompt", text: TEXT.useCardOrPin });
      return;
    }
    const person = this.ctx.access.person(best.personRef);
    const consentValid = this.ctx.desk ? await this.ctx.desk.hasValidConsent(best.personRef, this.ctx.gateId, at) : false;
    const decision = this.ctx.decide(policy, { method: "face", face: { liveness: face.liveness, qualityOk: true, matchScore: best.score, consentValid } }, person ? { person, credential: null } : null, at, best.personRef);
    await this.faceOutcome(decision, at);
  }

  private async verifyHolderFace(pending: AwaitingCard, face: AnalyzedFace, at: number, policy: GatePolicy): Promise<void> {
    if (!face.quality.ok || this.ctx.pendingCard() !== pending) return;
    const holder = pending.holder;
    const personRef = holder.person.personRef;
    const consentValid = await this.usableFor(personRef, at);
    if (!consentValid) return; // no consent: no match attempted (L1); the holder uses the PIN
    let score: number | null = null;
    if (face.liveness >= this.ctx.settings.thresholds.liveness) {
      try {
        score = await this.ctx.ports!.matcher.verify(personRef, face.embedding);
      } finally {
        face.embedding.fill(0);
      }
    }
    const decision = this.ctx.decide(policy, { method: "card_then_face", card: holder.credential, face: { liveness: face.liveness, qualityOk: true, matchScore: score, consentValid } }, holder, at);
    if (decision.granted) this.ctx.clearPendingCard();
    await this.faceOutcome(decision, at);
  }

  /** Acts on a face decision without repeating the same outcome while the person stands there. */
  private async faceOutcome(decision: Decision, at: number): Promise<void> {
    const key = decision.granted ? `grant:${decision.personRef}` : `deny:${decision.reason}:${decision.personRef ?? ""}`;
    if (!this.quiet(key, at)) return;
    if (decision.granted) this.faceQuiet.set(key, at + Math.max(decision.unlockMs, this.ctx.settings.faceRepeatMs));
    await this.ctx.act(decision);
  }
}
