/**
 * The face path of a gate: camera frames in, face decisions (or an enrollment) out. It
 * runs apart from the card/PIN input queue, one frame at a time (frames arriving while
 * one is analysed are dropped), and can fail (models, camera) without touching card and
 * PIN (L2). The GateController owns it; it reaches the rest of the gate only through
 * FacePathContext.
 *
 * This is the shell: the rules (which frames are looked at, what an outcome does, quiet
 * periods, the pending card) are in face-step.ts; this class does the I/O and performs
 * the effects.
 * - Liveness is checked before any match; below threshold the face never opens the door
 *   and is not even matched (L5). A match still needs a valid consent now (L1).
 * - Every embedding is zero-filled as soon as it has been searched or enrolled; an
 *   unknown face leaves no event, no log line, nothing but a prompt on the display (L4).
 * - Face alone (1:N) decides over several frames (sdk/vision/face-track.ts): the face at
 *   the door is tracked by position, and a decision is made only when `framesRequired`
 *   consecutive frames of one track name the same person; it is then searched again with
 *   the track's fused embedding. The threshold knows the gallery (face-alone-capacity.ts):
 *   derived from the policy's target FPIR and the matcher's template count; a gallery
 *   past the limit raises alarm.face_gallery_over_capacity and faces alone are no longer
 *   identified (card and PIN keep working) until it is back within the limit.
 */
import { isFacegateError } from "../errors.js";
import type { Camera, CameraFrame, FrameInfo } from "../hal/camera.js";
import type { DisplayMessage } from "../hal/display.js";
import type { Logger } from "../log/logger.js";
import type { Decision, FaceEvidence } from "../policy/decision.js";
import type { GatePolicy } from "../policy/gate-policy.js";
import type { CredentialMatch } from "../policy/rights.js";
import { type FaceEffect, type FaceObservation, type FaceState, type FrameRoute, INITIAL_FACE_STATE, faceStep, frameRoute } from "./face-step.js";
import type { GateDecisionRequest } from "./gate-decision.js";
import { endTrack, fusedEmbedding, INITIAL_TRACKER_STATE, trackFrame, type TrackerState } from "../vision/face-track.js";
import { type FaceAloneStatus, faceAloneStatus } from "./face-alone-capacity.js";
import type { GateSettings } from "./gate-settings.js";
import { performOutput } from "./output-effects.js";
import type { AccessDirectory, AnalyzedFace, FaceAnalysis, FaceAnalyzer, FaceMatcher, PrivacyDesk } from "./ports.js";
import type { PrivacyMenu } from "./privacy-menu.js";

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
  /** The policy's decision on face evidence. */
  decide(request: GateDecisionRequest): Decision;
  act(decision: Decision): Promise<void>;
  record(type: string, data: Record<string, unknown>): void;
  /** A display failure never blocks a decision. */
  show(message: DisplayMessage): Promise<void>;
}

/** What a frame is looked at for, as it was when the frame arrived. */
interface FrameJob {
  route: Exclude<FrameRoute, "ignore">;
  at: number;
  policy: GatePolicy;
  /** The menu session waiting for this face. */
  enrolling: number | null;
  pending: AwaitingCard | null;
}

/** Wipes every embedding of an analysis (L4). */
function wipe(analysis: FaceAnalysis | undefined): void {
  if (!analysis) return;
  for (const face of analysis.faces) face.embedding?.fill(0);
}

function evidence(face: AnalyzedFace, matchScore: number | null, consentValid: boolean): FaceEvidence {
  return { liveness: face.liveness, qualityOk: true, matchScore, consentValid };
}

export class FacePath {
  private readonly ctx: FacePathContext;
  private faceTask: Promise<void> | null = null;
  private state: FaceState = INITIAL_FACE_STATE;
  private tracker: TrackerState = INITIAL_TRACKER_STATE;
  private overCapacity = false;

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

  /** The menu asks again for a face to enroll, unless it asked within the quiet period. */
  retryPrompt(at: number): Promise<void> {
    return this.observe({ type: "enroll_retry" }, at);
  }

  /** Ends the quiet periods of this person's face outcomes. */
  forget(personRef: string): void {
    // Forgetting does not depend on the time.
    this.state = faceStep(this.state, { type: "forget", personRef }, 0, this.ctx.settings).state;
  }

  /** Drops the quiet periods that have ended. */
  prune(at: number): void {
    this.state = faceStep(this.state, { type: "prune" }, at, this.ctx.settings).state;
  }

  onFrame(frame: CameraFrame, info: FrameInfo): void {
    const ctx = this.ctx;
    if (!ctx.isRunning() || !ctx.ports || this.faceTask) return; // busy: drop the frame, a newer one comes
    const at = info.at;
    ctx.expire(at);
    const enrolling = ctx.enrollment.awaitingFace();
    const policy = ctx.access.policyFor(ctx.gateId);
    if (!policy) return;
    const pending = ctx.pendingCard();
    const route = frameRoute({ mode: policy.mode, enrolling: enrolling !== null, pendingCard: pending !== null });
    if (route === "ignore") return; // face not used here: not even analysed (L4)
    const task = this.processFrame(frame, { route, at, policy, enrolling, pending: route === "verify_card" ? pending : null })
      .catch((err: unknown) => ctx.log.error("face path failed", { error: isFacegateError(err) ? err.code : "internal_error" }))
      .finally(() => {
        if (this.faceTask === task) this.faceTask = null;
      });
    this.faceTask = task;
  }

  private async processFrame(frame: CameraFrame, job: FrameJob): Promise<void> {
    const face = this.ctx.ports!;
    let analysis: FaceAnalysis | undefined;
    try {
      try {
        analysis = await face.analyzer.analyze(frame);
      } catch (err) {
        const code = isFacegateError(err) ? err.code : "analysis_failed";
        await this.observe({ type: "analysis_failed", code, enrolling: job.enrolling !== null }, job.at, job);
        return;
      }
      if (!this.ctx.isRunning()) return;
      await this.observe({ type: "analysed" }, job.at);
      const idx = analysis.primaryIndex;
      const primary = idx !== null && idx >= 0 && idx < analysis.faces.length ? analysis.faces[idx]! : null;
      // Faces other than the one at the door are never used.
      for (const f of analysis.faces) if (f !== primary) f.embedding.fill(0);
      if (!primary) return;
      if (job.route === "enroll") await this.ctx.enrollment.enrollFace(job.enrolling!, primary, job.at);
      else if (job.route === "verify_card") await this.verifyHolderFace(job.pending!, primary, job);
      else await this.identifyFace(primary, job);
    } finally {
      wipe(analysis);
    }
  }

  /**
   * The face-alone operating point for `policy` at the gallery's size now; null when the
   * matcher does not report its size (the configured threshold is then used as is).
   */
  faceAloneStatus(policy: GatePolicy): FaceAloneStatus | null {
    const templates = this.ctx.ports?.matcher.templates?.();
    if (templates === undefined) return null;
    return faceAloneStatus(policy, templates, this.ctx.settings.thresholds.match);
  }

  /** Ends the face track (its fused embedding is wiped). */
  endTrack(): void {
    this.tracker = endTrack(this.tracker);
  }

  /** The threshold for face alone now, or null when the gallery is past the limit (the alarm is raised once). */
  private identifyThreshold(policy: GatePolicy): number | null {
    const status = this.faceAloneStatus(policy);
    if (!status) return this.ctx.settings.thresholds.match;
    if (status.feasible) {
      if (this.overCapacity) {
        this.overCapacity = false;
        this.ctx.record("system.face_alone_restored", { templates: status.templates, maxTemplates: status.maxTemplates, targetFpir: status.targetFpir });
      }
      return status.threshold;
    }
    if (!this.overCapacity) {
      this.overCapacity = true;
      this.ctx.log.warn("gallery past the face-alone limit: faces alone are not identified; card and PIN keep working", { templates: status.templates, maxTemplates: status.maxTemplates });
      this.ctx.record("alarm.face_gallery_over_capacity", { gateId: this.ctx.gateId, templates: status.templates, maxTemplates: status.maxTemplates, targetFpir: status.targetFpir, saferMode: "card_then_face" });
    }
    return null;
  }

  private async identifyFace(face: AnalyzedFace, job: FrameJob): Promise<void> {
    const { at, policy } = job;
    if (!face.quality.ok) return; // not usable: no outcome at all
    if (!(face.liveness >= this.ctx.settings.thresholds.liveness)) {
      face.embedding.fill(0); // never matched (L5)
      this.endTrack();
      await this.observeDecision({ policy, evidence: { method: "face", face: evidence(face, null, false) }, person: null, at }, job, false);
      return;
    }
    const threshold = this.identifyThreshold(policy);
    if (threshold === null) {
      face.embedding.fill(0); // over capacity: not searched at all
      this.endTrack();
      return;
    }
    const matcher = this.ctx.ports!.matcher;
    let framePerson: string | null = null;
    let step: ReturnType<typeof trackFrame>;
    try {
      const top = (await matcher.search(face.embedding, 1))[0];
      if (top && top.score >= threshold) framePerson = top.personRef;
      step = trackFrame(this.tracker, { box: face.box, at, personRef: framePerson, embedding: face.embedding }, this.ctx.settings.track);
      this.tracker = step.state;
    } finally {
      face.embedding.fill(0); // searched and added to the track: dropped at once, matched or not (L4)
    }
    if (framePerson === null) {
      await this.observe({ type: "unknown_face" }, at);
      return;
    }
    if (!step.agreed) return; // the next frames of this track must agree first
    let best: { personRef: string; score: number } | null = null;
    const fused = fusedEmbedding(step.track);
    try {
      const top = (await matcher.search(fused, 1))[0];
      if (top && top.personRef === framePerson && top.score >= threshold) best = { personRef: top.personRef, score: top.score };
    } finally {
      fused.fill(0);
    }
    if (!best) {
      await this.observe({ type: "unknown_face" }, at);
      return;
    }
    const person = this.ctx.access.person(best.personRef);
    const consentValid = this.ctx.desk ? await this.ctx.desk.hasValidConsent(best.personRef, this.ctx.gateId, at) : false;
    await this.observeDecision({ policy, evidence: { method: "face", face: evidence(face, best.score, consentValid) }, person, at, faceRef: best.personRef }, job, false);
  }

  private async verifyHolderFace(pending: AwaitingCard, face: AnalyzedFace, job: FrameJob): Promise<void> {
    const { at, policy } = job;
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
    const request: GateDecisionRequest = { policy, evidence: { method: "card_then_face", card: holder.credential, face: evidence(face, score, consentValid) }, person: holder.person, at };
    await this.observeDecision(request, job, true);
  }

  private observeDecision(request: GateDecisionRequest, job: FrameJob, forPendingCard: boolean): Promise<void> {
    return this.observe({ type: "decided", decision: this.ctx.decide(request), forPendingCard }, job.at, job);
  }

  /** Steps the rules and performs the effects in order. */
  private async observe(observation: FaceObservation, at: number, job?: FrameJob): Promise<void> {
    const step = faceStep(this.state, observation, at, this.ctx.settings);
    this.state = step.state;
    for (const effect of step.effects) await this.perform(effect, job);
  }

  private async perform(effect: FaceEffect, job: FrameJob | undefined): Promise<void> {
    switch (effect.type) {
      case "act":
        return this.ctx.act(effect.decision);
      case "show":
      case "record":
      case "warn":
        return performOutput(effect, this.ctx);
      case "release_pending_card":
        this.ctx.clearPendingCard();
        return;
      case "end_enrollment":
        if (job && job.enrolling !== null) await this.ctx.enrollment.faceUnavailable(job.enrolling);
        return;
    }
  }
}
