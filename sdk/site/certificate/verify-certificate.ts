/**
 * `verifyCertificate(doc, { siteKey })`: the offline check of a site deletion certificate
 * (L7), needing only the document and the site's public key given out of band (never the
 * one inside the document). Every problem is listed with its path:
 *
 * - format: strict UTF-8 JSON, exactly the fields of `facegate-site-deletion-certificate/1`;
 * - site_key: the document's site key is the one given, and its key id is its fingerprint;
 * - signature: the site signature covers the whole content (receipts included);
 * - each gate: its key id is its key's fingerprint; no gate listed twice, no key shared;
 * - each receipt, checked against the gate key INSIDE the certificate (which the site
 *   signature vouches for): exactly one per gate, signed by that gate (not another), from
 *   this site, about this subject, not from before the request;
 * - times: completedAt is the latest receipt, and the certificate was issued after the request.
 */
import { keyIdFor, verifyDetached } from "../../crypto/keys.js";
import { loadSodium } from "../../crypto/sodium.js";
import {
  RECEIPT_CLOCK_TOLERANCE_MS,
  type SiteDeletionCertificate,
  SiteDeletionCertificateSchema,
  certificateSigningBytes,
  fromBase64,
  toBase64,
} from "../../protocol/index.js";
import { compileChecker } from "../../schema/schema-check.js";
import { bundleProblems, isoTime } from "./bundle-checks.js";
import type { CertificateProblem } from "./certificate-problem.js";

export interface VerifyCertificateOptions {
  /** The site's Ed25519 public key, from a trusted source (the office, a court filing). */
  siteKey: Uint8Array;
}

export interface CertificateVerification {
  ok: boolean;
  /** Empty exactly when ok. */
  problems: CertificateProblem[];
  /** The checked certificate, when ok. */
  certificate?: SiteDeletionCertificate;
}

class ShapeFailure extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const checkShape = compileChecker(SiteDeletionCertificateSchema, { error: (message, d) => new ShapeFailure(d.path || "(root)", message) });

/** The first shape problem of a would-be certificate, or undefined when it has exactly the format's fields. */
export function certificateShapeProblem(doc: unknown): CertificateProblem | undefined {
  try {
    checkShape(doc, "");
    return undefined;
  } catch (err) {
    if (!(err instanceof ShapeFailure)) throw err;
    return { code: "format", path: err.path, message: err.message.replace(/^[^:]*: /, "") };
  }
}

/** Checks a certificate file's bytes: strict UTF-8, JSON, then verifyCertificate. */
export async function verifyCertificateBytes(bytes: Uint8Array, options: VerifyCertificateOptions): Promise<CertificateVerification> {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch (err) {
    const what = err instanceof SyntaxError ? "not JSON" : "not UTF-8 text";
    return { ok: false, problems: [{ code: "format", path: "(file)", message: `${what}: not a site deletion certificate` }] };
  }
  return verifyCertificate(doc, options);
}

export async function verifyCertificate(doc: unknown, options: VerifyCertificateOptions): Promise<CertificateVerification> {
  const sodium = await loadSodium();
  const problems: CertificateProblem[] = [];
  const shape = certificateShapeProblem(doc);
  if (shape) {
    problems.push(shape);
    // Still say whether the site signed this content, when that can be asked at all.
    const sig = signatureProblem(sodium, doc, options.siteKey);
    if (sig) problems.push(sig);
    return { ok: false, problems };
  }
  const cert = doc as SiteDeletionCertificate;

  const given = options.siteKey;
  if (cert.site.publicKey !== toBase64(given)) {
    problems.push({ code: "site_key", path: "site.publicKey", message: `the certificate names site key ${cert.site.keyId}, the key given is ${keyIdFor(given)}` });
  } else if (cert.site.keyId !== keyIdFor(given)) {
    problems.push({ code: "site_key", path: "site.keyId", message: `site key id ${cert.site.keyId} is not the fingerprint of the site key (${keyIdFor(given)})` });
  }
  const sig = signatureProblem(sodium, cert, given);
  if (sig) problems.push(sig);

  problems.push(
    ...(await bundleProblems({
      siteId: cert.siteId,
      subjectRef: cert.subjectRef,
      requestedAt: cert.requestedAt,
      gates: cert.gates.map((g) => ({ gateId: g.gateId, keyId: g.keyId, publicKey: fromBase64(g.signingPublicKey) })),
      receipts: cert.receipts,
    })),
  );

  const latest = Math.max(...cert.receipts.map((r) => r.receipt.at));
  if (cert.completedAt !== latest) problems.push({ code: "times", path: "completedAt", message: `completedAt ${isoTime(cert.completedAt)} is not the latest receipt (${isoTime(latest)})` });
  if (cert.issuedAt < cert.requestedAt) problems.push({ code: "times", path: "issuedAt", message: `issued ${isoTime(cert.issuedAt)}, before the request of ${isoTime(cert.requestedAt)}` });
  if (cert.issuedAt < latest - RECEIPT_CLOCK_TOLERANCE_MS) problems.push({ code: "times", path: "issuedAt", message: `issued ${isoTime(cert.issuedAt)}, before the last receipt (${isoTime(latest)})` });

  return problems.length === 0 ? { ok: true, problems, certificate: cert } : { ok: false, problems };
}

/** Whether the site key given signed this content; undefined when it did. */
function signatureProblem(sodium: Awaited<ReturnType<typeof loadSodium>>, doc: unknown, siteKey: Uint8Array): CertificateProblem | undefined {
  const d = doc as { signature?: unknown } | null;
  if (d === null || typeof d !== "object" || Array.isArray(d) || typeof d.signature !== "string") {
    return { code: "signature", path: "signature", message: "no site signature" };
  }
  const signature = fromBase64(d.signature);
  if (!signature) return { code: "signature", path: "signature", message: "the site signature is not base64 of a signature" };
  let bytes: Uint8Array;
  try {
    bytes = certificateSigningBytes(d as SiteDeletionCertificate);
  } catch {
    return { code: "signature", path: "signature", message: "the content cannot be put in canonical form, so no signature can cover it" };
  }
  return verifyDetached(sodium, signature, bytes, siteKey) ? undefined : { code: "signature", path: "signature", message: "the site signature does not match the content and the site key given" };
}
