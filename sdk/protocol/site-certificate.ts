/**
 * Site deletion certificates (L7, L8, L12): the estate office's proof that a subject's face
 * data is gone from EVERY gate of the site. It bundles each expected gate's full signed
 * deletion receipt, names the gate key each receipt must verify against (as pinned by the
 * site at installation), and is signed by the site key. Anyone holding the document and the
 * site public key (given out of band: a court, the resident, an auditor) checks it offline
 * with `facegate site verify-certificate FILE --site-key KEY`.
 *
 * What the site signature covers: `UTF-8(SITE_CERTIFICATE_CONTEXT + canonicalJson(body))`,
 * body being every field but `signature` (receipts included, with their own signatures).
 * The context keeps a site-key signature made for a certificate from being replayed as any
 * other document the site key may sign later.
 *
 * A public document: a change is a new `format`, never an edit.
 */
import { type Static, Type } from "@sinclair/typebox";
import { canonicalJson, utf8 } from "./canonical-json.js";
import { Base64, KeyId, OneOf, OpaqueId, Strict, Timestamp } from "./common-schemas.js";
import { DeletionReceiptSchema } from "./deletion-receipt.js";

export const SITE_CERTIFICATE_FORMAT = "facegate-site-deletion-certificate/1";
export const SITE_CERTIFICATE_CONTEXT = "facegate/site-deletion-certificate/1\n";

/** Why the site deleted someone everywhere (the office's request; each gate's receipt says what it did). */
export const SITE_DELETION_REASONS = ["resident_request", "consent_withdrawn", "court_order", "end_of_tenancy"] as const;
export type SiteDeletionReason = (typeof SITE_DELETION_REASONS)[number];

/** Most gates one certificate covers; an estate has tens, a benchmark a hundred. */
export const MAX_CERTIFICATE_GATES = 1000;

/**
 * How far a gate's clock may lag the office's: a receipt stamped up to this long before the
 * request is still this request's (clocks drift); anything older is a stale receipt from an
 * earlier deletion and proves nothing about this one.
 */
export const RECEIPT_CLOCK_TOLERANCE_MS = 60_000;

const PublicKey = (description: string) => Base64({ max: 32, exact: 32 }, description);

export const CertificateGateSchema = Strict(
  {
    gateId: OpaqueId("The gate's opaque id within the site."),
    keyId: KeyId("keyIdFor(signingPublicKey): the key id the gate's receipt names."),
    signingPublicKey: PublicKey("The gate's Ed25519 signing public key as pinned by the site at installation (base64)."),
  },
  "A gate the deletion had to reach.",
);

export const CertificateReceiptSchema = Strict(
  {
    gateId: OpaqueId("The expected gate this receipt answers for."),
    receipt: DeletionReceiptSchema,
  },
  "One gate's signed deletion receipt, unchanged.",
);

export const SiteDeletionCertificateSchema = Strict(
  {
    format: Type.Literal(SITE_CERTIFICATE_FORMAT),
    certificateId: OpaqueId(),
    siteId: OpaqueId(),
    deletionRequestId: OpaqueId("The site's deletion request this certificate closes."),
    subjectRef: OpaqueId("Opaque subject reference (never a name or biometric data)."),
    reason: OneOf(SITE_DELETION_REASONS),
    requestedAt: Timestamp("When the office recorded the request (site clock)."),
    completedAt: Timestamp("The latest receipt's `at` (gate clocks): when the last gate had deleted."),
    issuedAt: Timestamp("When the site signed this certificate (site clock)."),
    gates: Type.Array(CertificateGateSchema, { minItems: 1, maxItems: MAX_CERTIFICATE_GATES, description: "Every gate of the site the deletion had to reach, by gate id." }),
    receipts: Type.Array(CertificateReceiptSchema, { minItems: 1, maxItems: MAX_CERTIFICATE_GATES, description: "Exactly one receipt per expected gate, in the order of `gates`." }),
    site: Strict({ keyId: KeyId(), publicKey: PublicKey("The site's Ed25519 public key (base64); verifiers compare it with the one they were given.") }),
    signature: Base64({ max: 64, exact: 64 }, "Base64 Ed25519 signature by the site key over certificateSigningBytes(...)."),
  },
  "A site deletion certificate: one subject deleted at every gate of a site, with every gate's receipt (L7).",
);

export type CertificateGate = Static<typeof CertificateGateSchema>;
export type CertificateReceipt = Static<typeof CertificateReceiptSchema>;
export type SiteDeletionCertificate = Static<typeof SiteDeletionCertificateSchema>;
export type SiteDeletionCertificateBody = Omit<SiteDeletionCertificate, "signature">;

/** The exact bytes the site signature covers: the context, then the canonical JSON of every other field. */
export function certificateSigningBytes(certificate: SiteDeletionCertificateBody | SiteDeletionCertificate): Uint8Array {
  const { signature: _signature, ...body } = certificate as SiteDeletionCertificate;
  return utf8(SITE_CERTIFICATE_CONTEXT + canonicalJson(body));
}
