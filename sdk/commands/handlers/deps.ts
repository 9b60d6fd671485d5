/**
 * What the device's command handlers need, as narrow ports: the secure store (consent,
 * vault, deletion, audit, device keys), the access store (people, credentials, gate
 * policies), and optionally the face pipeline and the gate's at-gate enrollment.
 *
 * Conventions shared by every handler (see index.ts for the list of commands):
 * - A person reference and a vault subject id are the same opaque string on this device
 *   (as in device/runtime/privacy-desk.ts), so ending a person's access finds their face
 *   data, and the gate enrolls at the gate under the same id (L7).
 * - The operator key that signed (`ctx.keyId`) is the actor of every domain audit entry
 *   the handlers cause (L12).
 * - Results and audit details never carry a card number, a PIN, a template or an image
 *   (L4, L6); the processor's result guard checks results again.
 */
import type { AccessStore } from "../../access/access-store.js";
import { FaceOnlyError } from "../../errors.js";
import { CommandError } from "../../protocol/command-error.js";
import type { Logger } from "../../log/logger.js";
import type { SecureStore } from "../../privacy/secure-store.js";
import type { FaceModel, NoticeFields } from "../../protocol/index.js";
import type { CommandProcessor } from "../processor.js";

/** The parts of sdk/access's AccessStore the handlers use (people, credentials, policies). */
export type AccessAdmin = Pick<
  AccessStore,
  "putPerson" | "person" | "credentialsOf" | "lookupCard" | "lookupPinCode" | "verifyPin" | "revokeCredential" | "removePerson" | "loadPolicies" | "policies"
>;

/** One face as the handlers need it from sdk/vision's FaceAnalysis. */
export interface AnalyzedPhotoFace {
  quality: { ok: boolean };
  /** Biometric: wiped (fill(0)) by the handler as soon as it is enrolled or refused. */
  embedding?: Float32Array;
}

/** sdk/vision's FacePipeline satisfies this (`createFacePipeline(...)`). */
export interface PhotoAnalyzer {
  analyze(
    input: Uint8Array,
    options: { liveness?: boolean; quality?: { edgeMargin?: number; minFaceSize?: number } },
  ): Promise<{ faces: readonly AnalyzedPhotoFace[]; primaryIndex: number | null | undefined }>;
}

/**
 * `enroll.at_gate`: invites the person (= vault subject; consent valid at this gate was
 * checked, L1) to enroll at the gate's camera within `validForMs`. The gate answers when
 * the invitation lapses (GateController.requestEnrollment fits).
 */
export type RequestAtGateEnrollment = (personRef: string, validForMs: number) => AtGateInvitation | void | Promise<AtGateInvitation | void>;

export interface AtGateInvitation {
  /** Device time after which the gate no longer waits for the person. */
  invitedUntil: number;
}

export interface DeviceHandlerDeps {
  store: SecureStore;
  access: AccessAdmin;
  /** Without it, `enroll.photo` is not registered (the processor answers command_unsupported). */
  pipeline?: PhotoAnalyzer;
  gateId: string;
  siteId: string;
  /** Hands a newly published notice to the DeviceLink, which keeps it retained (L3). */
  publishNotice?: (notice: NoticeFields) => void | Promise<void>;
  /** Without it, `enroll.at_gate` is not registered (command_unsupported). */
  requestAtGateEnrollment?: RequestAtGateEnrollment;
  /**
   * The face model this gate's templates are made with (issue 14): packages are bound to
   * it and a package of another model is refused. Without it (or without `newId`),
   * `template.export` and `template.install` are not registered (command_unsupported).
   */
  faceModel?: FaceModel;
  /** A fresh opaque id (package ids). */
  newId?: () => string;
  logger: Logger;
}

/** The processor, as far as registration goes. */
export type HandlerRegistry = Pick<CommandProcessor, "registerHandler">;

/** Error code of every refusal that would make face someone's only way in (L2). */
export const FACE_ONLY_CODE = "access_face_only" as const;

/**
 * Runs `fn`; a FaceOnlyError (an L2 refusal by sdk/access or sdk/policy) comes back as
 * `access_face_only` (one stable code for operators), its message unchanged.
 */
export async function refuseFaceOnly<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asFaceOnly(err);
  }
}

export function asFaceOnly(err: unknown): unknown {
  if (err instanceof FaceOnlyError) return new CommandError(FACE_ONLY_CODE, err.message, { ...err.details });
  return err;
}

/** Whether the subject holds anything the deletion path must end: face data or an open consent. */
export function holdsPrivacyData(store: SecureStore, subjectId: string): boolean {
  const counts = store.vault.counts(subjectId);
  return counts.templates > 0 || counts.dataKey || counts.quarantined || store.consents.list(subjectId).some((c) => c.endedAt === undefined);
}
