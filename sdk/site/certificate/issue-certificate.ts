/**
 * `issueCertificate`: the site's deletion certificate for one deletion request, once every
 * expected gate has answered (L7). It refuses, with a CertificateError naming the problem
 * and where, rather than certify something a verifier would reject: a gate without a
 * receipt, a receipt that does not verify against ITS gate's pinned key, a receipt signed
 * by another gate (a gate answering for another gate), from another site, about another
 * subject, or from before the request; a gate listed twice or two gates sharing a key.
 *
 * The gate keys come from the site's pinned registry (passed in), never from the receipts.
 * Time and ids are ports (clock, newId); the site key is a Signer, so the secret key stays
 * wherever the service keeps it.
 */
import { ED25519_PUBLIC_KEY_BYTES, type Signer, keyIdFor } from "../../crypto/keys.js";
import {
  type CertificateGate,
  type CertificateReceipt,
  type DeletionReceipt,
  MAX_CERTIFICATE_GATES,
  OPAQUE_ID,
  SITE_CERTIFICATE_FORMAT,
  SITE_DELETION_REASONS,
  type SiteDeletionCertificate,
  type SiteDeletionCertificateBody,
  type SiteDeletionReason,
  certificateSigningBytes,
  fromBase64,
  toBase64,
} from "../../protocol/index.js";
import type { Clock } from "../../time/clock.js";
import { bundleProblems } from "./bundle-checks.js";
import { CertificateError } from "./certificate-problem.js";
import { certificateShapeProblem } from "./verify-certificate.js";

/** The deletion request being closed, as the site recorded it. */
export interface CertificateRequest {
  requestId: string;
  siteId: string;
  subjectRef: string;
  reason: SiteDeletionReason;
  /** Site clock, ms. */
  requestedAt: number;
}

/** A gate the deletion had to reach, with its signing key as pinned at installation (bytes or base64). */
export interface PinnedGate {
  gateId: string;
  signingPublicKey: Uint8Array | string;
}

export interface IssueCertificateOptions {
  request: CertificateRequest;
  /** Every gate of the site the request went to. */
  gates: readonly PinnedGate[];
  /** The signed receipts collected, each with the gate it came from. */
  receipts: ReadonlyArray<{ gateId: string; receipt: unknown }>;
  siteKey: Signer;
  clock: Clock;
  /** The certificate id; must be an opaque id (a UUID is). */
  newId: () => string;
}

export async function issueCertificate(options: IssueCertificateOptions): Promise<SiteDeletionCertificate> {
  const { request, siteKey, clock } = options;
  checkRequest(request, options.gates.length);
  const gates = options.gates.map((g) => {
    const publicKey = typeof g.signingPublicKey === "string" ? fromBase64(g.signingPublicKey) : g.signingPublicKey;
    return { gateId: g.gateId, publicKey: publicKey?.length === ED25519_PUBLIC_KEY_BYTES ? publicKey : undefined };
  });
  const bundleGates = gates.map((g) => ({ ...g, keyId: g.publicKey ? keyIdFor(g.publicKey) : "" }));
  const problems = await bundleProblems({ siteId: request.siteId, subjectRef: request.subjectRef, requestedAt: request.requestedAt, gates: bundleGates, receipts: options.receipts });
  if (problems.length > 0) {
    const first = problems[0]!;
    throw CertificateError.of(first, { problems: problems.length, requestId: request.requestId });
  }

  // Gate order, so that two certificates of the same facts read the same.
  const ordered = [...bundleGates].sort((a, b) => (a.gateId < b.gateId ? -1 : a.gateId > b.gateId ? 1 : 0));
  const byGate = new Map(options.receipts.map((r) => [r.gateId, r.receipt as DeletionReceipt]));
  const certGates: CertificateGate[] = ordered.map((g) => ({ gateId: g.gateId, keyId: g.keyId, signingPublicKey: toBase64(g.publicKey!) }));
  const certReceipts: CertificateReceipt[] = ordered.map((g) => ({ gateId: g.gateId, receipt: structuredClone(byGate.get(g.gateId)!) }));
  const completedAt = Math.max(...certReceipts.map((r) => r.receipt.at));
  const issuedAt = clock.now();
  if (issuedAt < request.requestedAt) {
    throw new CertificateError("certificate_times", `issuedAt: the site clock (${issuedAt}) is before the request (${request.requestedAt})`, { path: "issuedAt", requestId: request.requestId });
  }
  const certificateId = options.newId();
  if (!OPAQUE_ID.test(certificateId)) throw new CertificateError("certificate_request", "certificateId: newId() must give an opaque id ([A-Za-z0-9_-]{1,64})", { path: "certificateId" });

  const body: SiteDeletionCertificateBody = {
    format: SITE_CERTIFICATE_FORMAT,
    certificateId,
    siteId: request.siteId,
    deletionRequestId: request.requestId,
    subjectRef: request.subjectRef,
    reason: request.reason,
    requestedAt: request.requestedAt,
    completedAt,
    issuedAt,
    gates: certGates,
    receipts: certReceipts,
    site: { keyId: siteKey.keyId, publicKey: toBase64(siteKey.publicKey) },
  };
  const certificate: SiteDeletionCertificate = { ...body, signature: toBase64(siteKey.sign(certificateSigningBytes(body))) };
  // What is signed must be what verifiers accept (a receipt time out of range, an odd key id).
  const shape = certificateShapeProblem(certificate);
  if (shape) throw CertificateError.of(shape, { requestId: request.requestId });
  return certificate;
}

function checkRequest(request: CertificateRequest, gateCount: number): void {
  const fail = (path: string, problem: string): never => {
    throw new CertificateError("certificate_request", `request.${path}: ${problem}`, { path: `request.${path}` });
  };
  for (const field of ["requestId", "siteId", "subjectRef"] as const) {
    if (typeof request[field] !== "string" || !OPAQUE_ID.test(request[field])) fail(field, "must be an opaque id ([A-Za-z0-9_-]{1,64})");
  }
  if (!(SITE_DELETION_REASONS as readonly string[]).includes(request.reason)) fail("reason", `must be one of ${SITE_DELETION_REASONS.join(", ")}`);
  if (!Number.isSafeInteger(request.requestedAt)) fail("requestedAt", "must be milliseconds since the epoch");
  if (gateCount === 0) throw new CertificateError("certificate_request", "gates: a site deletion reaches at least one gate", { path: "gates" });
  if (gateCount > MAX_CERTIFICATE_GATES) throw new CertificateError("certificate_request", `gates: at most ${MAX_CERTIFICATE_GATES} gates per certificate`, { path: "gates" });
}
