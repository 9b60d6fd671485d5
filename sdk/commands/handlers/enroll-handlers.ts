/**
 * Remote enrollment (L1, L4, L5, L6).
 *
 * `enroll.photo`: the operator sends a face photo sealed to the device's X25519 key
 * (crypto_box_seal). In order:
 *   1. consent valid now at this gate is required before the photo is even opened (L1);
 *   2. the sealed box is opened with the device key (only this device can read it);
 *   3. the face pipeline runs without liveness (the operator vouches for the photo; the
 *      gate still checks liveness at every entry, L5) and without the edge-margin gate
 *      (ID-style photos are tight crops); exactly one usable face is required;
 *   4. its embedding is sealed into the vault (which checks consent again, in its
 *      transaction) and joins the gallery;
 *   5. always, success or not: the photo bytes, the sealed box and every embedding are
 *      zero-filled. The photo is never stored, logged or returned (L4); the result
 *      carries counts only (L6).
 *
 * `enroll.at_gate`: invites the person to enroll at the gate's own camera within a time
 * window (the gate checks liveness as for an entry). Consent is required first (L1).
 *
 * Each is registered only when the device can do it (a pipeline, a gate callback);
 * otherwise the processor answers `command_unsupported`.
 */
import { CommandError } from "../../protocol/command-error.js";
import type { Logger } from "../../log/logger.js";
import { MAX_TEMPLATES_PER_SUBJECT } from "../../vault/template-vault.js";
import { VaultError } from "../../vault/vault-error.js";
import type { CommandResults } from "../../protocol/index.js";
import type { AnalyzedPhotoFace, DeviceHandlerDeps, HandlerRegistry, PhotoAnalyzer } from "./deps.js";
import { requireConsentAtGate } from "./privacy-handlers.js";

/** How long the gate waits for the person when the command names no window. */
export const DEFAULT_AT_GATE_WINDOW_SECONDS = 120;

export type EnrollPhotoResult = CommandResults["enroll.photo"] & { templateCount: number };

export function registerEnrollHandlers(processor: HandlerRegistry, deps: DeviceHandlerDeps, log: Logger): void {
  const { store } = deps;
  const pipeline = deps.pipeline;
  if (pipeline) {
    processor.registerHandler("enroll.photo", {
      handle: async (body, ctx): Promise<EnrollPhotoResult> => {
        const subjectId = body.subjectRef;
        const consent = requireConsentAtGate(deps, subjectId, body.consentId, ctx.now);
        if (store.vault.counts(subjectId).templates >= MAX_TEMPLATES_PER_SUBJECT) {
          throw new VaultError("template_limit", `a subject may hold at most ${MAX_TEMPLATES_PER_SUBJECT} templates; delete the subject's face data first`, { subjectId });
        }
        const sealed = Buffer.from(body.sealedPhoto, "base64");
        let photo: Uint8Array | undefined;
        let faces: readonly AnalyzedPhotoFace[] = [];
        try {
          photo = store.keys.openSealed(sealed);
          const analysis = await analyzePhoto(pipeline, photo);
          faces = analysis.faces;
          const embedding = onlyFace(analysis);
          const enrolled = store.vault.enroll({ subjectId, gateId: deps.gateId, embeddings: [embedding], actor: ctx.keyId });
          const templateCount = store.vault.counts(subjectId).templates;
          log.info("enrolled from a sealed photo", { subjectId, consentId: consent.id, commandId: ctx.commandId, added: enrolled.templateIds.length });
          return { subjectRef: subjectId, enrolled: true, templateCount };
        } finally {
          photo?.fill(0);
          sealed.fill(0);
          for (const f of faces) f.embedding?.fill(0);
        }
      },
    });
  }

  const request = deps.requestAtGateEnrollment;
  if (request) {
    processor.registerHandler("enroll.at_gate", {
      handle: async (body, ctx) => {
        const consent = requireConsentAtGate(deps, body.subjectRef, body.consentId, ctx.now);
        const validForMs = (body.windowSeconds ?? DEFAULT_AT_GATE_WINDOW_SECONDS) * 1000;
        const invitation = await request(body.subjectRef, validForMs);
        // The gate's own answer wins: it is the one that waits.
        const windowEndsAt = invitation ? invitation.invitedUntil : ctx.now + validForMs;
        log.info("at-gate enrollment requested", { subjectId: body.subjectRef, consentId: consent.id, commandId: ctx.commandId, windowEndsAt });
        return { subjectRef: body.subjectRef, windowEndsAt };
      },
    });
  }
}

function analyzePhoto(pipeline: PhotoAnalyzer, photo: Uint8Array): ReturnType<PhotoAnalyzer["analyze"]> {
  return pipeline.analyze(photo, { liveness: false, quality: { edgeMargin: -1 } });
}

/** The embedding of the one usable face; refuses none and several (whose face would it be?). */
function onlyFace(analysis: Awaited<ReturnType<PhotoAnalyzer["analyze"]>>): Float32Array {
  const usable = analysis.faces.filter((f) => f.quality.ok).length;
  if (usable > 1) throw new CommandError("enroll_many_faces", `the photo shows ${usable} usable faces; send a photo of the one person to enroll`);
  const i = analysis.primaryIndex;
  const face = i === null || i === undefined ? undefined : analysis.faces[i];
  if (usable === 0 || !face?.embedding) {
    const seen = analysis.faces.length;
    throw new CommandError("enroll_no_face", seen === 0 ? "no face was found in the photo" : "no face in the photo is large and clear enough to enroll (at least 48 px)");
  }
  return face.embedding;
}
