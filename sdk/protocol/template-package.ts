/**
 * Sealed template packages (issue 14, L5, L6): how a face template made at one gate of a
 * site reaches the other gates of the consent's scope without anyone in between (broker,
 * site service) being able to read it.
 *
 * A package is made by the enrolling gate for ONE receiving gate:
 * - `sealed` is `crypto_box_seal` (X25519, libsodium sealed box) of the canonical JSON of
 *   a `TemplatePackagePlaintext` to the receiving gate's box public key: the templates as
 *   the vault holds them (L2-normalised float32 x 512, little-endian, base64 each) and,
 *   again, every binding field of the outer package;
 * - the outer fields bind it in the clear to: the site, the sending and the receiving gate,
 *   the subject, the consent (the sender's consent id and the consent's evidence reference,
 *   which is the same at every gate: the hash of the one signed form), the face model id
 *   and version, the issuing time and a package id (replays are refused by id);
 * - `signature` is Ed25519 by the sending gate's device key over
 *   `signingBytes(SIGNING_CONTEXTS.templatePackage, package without signature)`, ciphertext
 *   included, so nothing can be moved, re-addressed or changed by one bit.
 *
 * The receiver checks the signature against the key the site's admin-signed gate list
 * (`site.gates`) names for the sender, opens the box, and requires the inner binding to
 * equal the outer one, byte for byte of its canonical JSON.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Base64, KeyId, OpaqueId, Strict, Text, Timestamp } from "./common-schemas.js";

export const TEMPLATE_PACKAGE_FORMAT = "facegate-template-package/1" as const;
/** Values per template and bytes of one encoded template (float32, little-endian). */
export const PACKAGE_TEMPLATE_DIM = 512;
export const PACKAGE_TEMPLATE_BYTES = PACKAGE_TEMPLATE_DIM * 4;
/** As many templates as a vault holds for one subject. */
export const MAX_PACKAGE_TEMPLATES = 10;
/** Bound on `sealed` (decoded): the templates in base64 plus the binding, sealed. */
export const MAX_SEALED_PACKAGE_BYTES = MAX_PACKAGE_TEMPLATES * (Math.ceil(PACKAGE_TEMPLATE_BYTES / 3) * 4 + 8) + 4096;

/** The face model a template was made with: the receiving gate's must be the same. */
export const FaceModelSchema = Strict(
  {
    id: Text(128, "Which embedding model (e.g. the model package and file)."),
    version: Text(64, "Its version (e.g. the package version and the file's hash)."),
  },
  "A template is only comparable with templates of the same model id and version.",
);
export type FaceModel = Static<typeof FaceModelSchema>;

/** Every binding field, in the clear and again inside the sealed part. */
const BindingFields = {
  format: Type.Literal(TEMPLATE_PACKAGE_FORMAT),
  packageId: OpaqueId("Unique per package; a gate installs a package id at most once."),
  site: OpaqueId(),
  from: OpaqueId("The sending (enrolling) gate."),
  to: OpaqueId("The one gate that can open the package."),
  subjectRef: OpaqueId(),
  consentId: OpaqueId("The consent record at the sending gate under which the template was made."),
  consentEvidence: Text(200, "The consent's evidence reference (hash of the signed form), the same at every gate of the scope."),
  model: FaceModelSchema,
  issuedAt: Timestamp(),
};

export const TemplatePackageSchema = Strict(
  {
    ...BindingFields,
    templateCount: Type.Integer({ minimum: 1, maximum: MAX_PACKAGE_TEMPLATES }),
    sealed: Base64({ max: MAX_SEALED_PACKAGE_BYTES, min: 64 }, "crypto_box_seal of the canonical JSON of the plaintext to the receiving gate's X25519 box key."),
    deviceKeyId: KeyId("Fingerprint of the sending gate's device signing key."),
    signature: Type.String({ minLength: 1, maxLength: 100, description: "Ed25519 (base64) over signingBytes(templatePackage, package without signature)." }),
  },
  "A face template sealed by one gate of a site for another (issue 14).",
);
export type TemplatePackage = Static<typeof TemplatePackageSchema>;
export type UnsignedTemplatePackage = Omit<TemplatePackage, "signature">;

export const TemplatePackagePlaintextSchema = Strict({
  ...BindingFields,
  templates: Type.Array(Base64({ max: PACKAGE_TEMPLATE_BYTES, exact: PACKAGE_TEMPLATE_BYTES }), { minItems: 1, maxItems: MAX_PACKAGE_TEMPLATES }),
});
export type TemplatePackagePlaintext = Static<typeof TemplatePackagePlaintextSchema>;

export type TemplatePackageBinding = Pick<TemplatePackage, keyof typeof BindingFields>;

/** The binding fields of a package or of its plaintext, in a fixed shape (for comparing both). */
export function packageBinding(p: TemplatePackageBinding): TemplatePackageBinding {
  return {
    format: p.format,
    packageId: p.packageId,
    site: p.site,
    from: p.from,
    to: p.to,
    subjectRef: p.subjectRef,
    consentId: p.consentId,
    consentEvidence: p.consentEvidence,
    model: { id: p.model.id, version: p.model.version },
    issuedAt: p.issuedAt,
  };
}
