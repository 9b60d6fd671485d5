/**
 * Making and opening sealed template packages (format: sdk/protocol/template-package.ts).
 *
 * `sealTemplatePackage` is what the enrolling gate runs for each receiving gate, with the
 * templates as its vault holds them (L2-normalised float32 x 512): the plaintext is built,
 * sealed to the receiver's X25519 key and wiped; the outer package is signed with the
 * sending gate's device key. `openTemplatePackage` is the receiver's side: signature under
 * the sender's pinned key first (nothing unsigned is opened), then the box with its own
 * key, then the inner binding must equal the outer one. The plaintext bytes are wiped
 * before returning; the caller wipes the returned embeddings (L6).
 *
 * Errors carry codes a site service can act on (SyncError), and never any template byte.
 */
import { type Sodium } from "../crypto/sodium.js";
import { keyIdFor, type Signer, verifyDetached } from "../crypto/keys.js";
import { SyncError } from "./sync-error.js";
import {
  PACKAGE_TEMPLATE_BYTES,
  PACKAGE_TEMPLATE_DIM,
  SIGNING_CONTEXTS,
  TEMPLATE_PACKAGE_FORMAT,
  type FaceModel,
  type TemplatePackage,
  type TemplatePackagePlaintext,
  TemplatePackagePlaintextSchema,
  type UnsignedTemplatePackage,
  canonicalJson,
  fromBase64,
  packageBinding,
  signingBytes,
  toBase64,
} from "../protocol/index.js";
import { compileChecker } from "../schema/schema-check.js";

export interface PackageRecipient {
  gateId: string;
  boxPublicKey: Uint8Array;
}

export interface SealPackageInput {
  sodium: Sodium;
  /** The sending gate's device signer. */
  signer: Signer;
  site: string;
  from: string;
  to: PackageRecipient;
  subjectRef: string;
  consentId: string;
  consentEvidence: string;
  model: FaceModel;
  issuedAt: number;
  packageId: string;
  /** The templates as the vault holds them (Float32Array(512) each); not wiped here. */
  templates: readonly Float32Array[];
}

export function sealTemplatePackage(input: SealPackageInput): TemplatePackage {
  const { sodium } = input;
  if (input.templates.length === 0) throw new SyncError("sync_no_templates", "a package needs at least one template");
  const binding = packageBinding({
    format: TEMPLATE_PACKAGE_FORMAT,
    packageId: input.packageId,
    site: input.site,
    from: input.from,
    to: input.to.gateId,
    subjectRef: input.subjectRef,
    consentId: input.consentId,
    consentEvidence: input.consentEvidence,
    model: input.model,
    issuedAt: input.issuedAt,
  });
  const raw: Uint8Array[] = input.templates.map(encodeTemplate);
  let plain: Uint8Array | undefined;
  try {
    const plaintext: TemplatePackagePlaintext = { ...binding, templates: raw.map((r) => toBase64(r)) };
    plain = new TextEncoder().encode(canonicalJson(plaintext));
    const sealed = sodium.crypto_box_seal(plain, input.to.boxPublicKey);
    const unsigned: UnsignedTemplatePackage = { ...binding, templateCount: raw.length, sealed: toBase64(sealed), deviceKeyId: input.signer.keyId };
    const signature = input.signer.sign(signingBytes(SIGNING_CONTEXTS.templatePackage, unsigned));
    return { ...unsigned, signature: toBase64(signature) };
  } finally {
    // The base64 strings of the plaintext cannot be wiped (JS strings); the bytes can.
    for (const r of raw) sodium.memzero(r);
    if (plain) sodium.memzero(plain);
  }
}

export interface OpenPackageInput {
  sodium: Sodium;
  pkg: TemplatePackage;
  /** The sender's Ed25519 key as the site's gate list pins it. */
  senderSigningKey: Uint8Array;
  /** Opens a sealed box addressed to this gate (KeyHierarchy.openSealed). */
  openSealed(ciphertext: Uint8Array): Uint8Array;
}

const checkPlaintext = compileChecker(TemplatePackagePlaintextSchema, {
  // The message could quote a value of the plaintext: only the path is kept.
  error: (_message, d) => new SyncError("sync_package_corrupt", `the package's sealed part is not a package plaintext (at ${d.path})`),
});

/** Only whether the signature holds (the receiver runs this before any other check that reads the package). */
export function packageSignatureValid(sodium: Sodium, pkg: TemplatePackage, senderSigningKey: Uint8Array): boolean {
  const { signature, ...unsigned } = pkg;
  const sig = fromBase64(signature);
  if (!sig || pkg.deviceKeyId !== keyIdFor(senderSigningKey)) return false;
  return verifyDetached(sodium, sig, signingBytes(SIGNING_CONTEXTS.templatePackage, unsigned), senderSigningKey);
}

/** Verifies and opens a package; returns its templates (the caller wipes them). */
export function openTemplatePackage(input: OpenPackageInput): Float32Array[] {
  const { sodium, pkg } = input;
  if (!packageSignatureValid(sodium, pkg, input.senderSigningKey)) {
    throw new SyncError("sync_bad_signature", `package ${pkg.packageId}: the signature does not verify under gate ${pkg.from}'s pinned key`, { packageId: pkg.packageId, from: pkg.from });
  }
  const sealed = fromBase64(pkg.sealed);
  if (!sealed) throw new SyncError("sync_package_corrupt", `package ${pkg.packageId}: sealed is not base64`);
  let plain: Uint8Array;
  try {
    plain = input.openSealed(sealed);
  } catch {
    throw new SyncError("sync_package_corrupt", `package ${pkg.packageId}: the sealed part cannot be opened with this gate's key`, { packageId: pkg.packageId });
  }
  const raw: Uint8Array[] = [];
  try {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plain));
    } catch {
      throw new SyncError("sync_package_corrupt", `package ${pkg.packageId}: the sealed part is not JSON`);
    }
    const inner = checkPlaintext(parsed, "sealed") as TemplatePackagePlaintext;
    if (canonicalJson(packageBinding(inner)) !== canonicalJson(packageBinding(pkg))) {
      throw new SyncError("sync_package_corrupt", `package ${pkg.packageId}: the sealed binding differs from the signed one`, { packageId: pkg.packageId });
    }
    if (inner.templates.length !== pkg.templateCount) throw new SyncError("sync_package_corrupt", `package ${pkg.packageId}: templateCount differs from the sealed templates`);
    for (const t of inner.templates) {
      const bytes = fromBase64(t);
      if (!bytes || bytes.length !== PACKAGE_TEMPLATE_BYTES) throw new SyncError("sync_package_corrupt", `package ${pkg.packageId}: a template has the wrong size`);
      raw.push(bytes);
    }
    return raw.map(decodeTemplate);
  } finally {
    sodium.memzero(plain);
    for (const r of raw) sodium.memzero(r);
  }
}

function encodeTemplate(t: Float32Array): Uint8Array {
  if (!(t instanceof Float32Array) || t.length !== PACKAGE_TEMPLATE_DIM) throw new SyncError("sync_no_templates", `a template must be a Float32Array of ${PACKAGE_TEMPLATE_DIM} values`);
  const out = new Uint8Array(PACKAGE_TEMPLATE_BYTES);
  const view = new DataView(out.buffer);
  for (let i = 0; i < PACKAGE_TEMPLATE_DIM; i++) view.setFloat32(i * 4, t[i]!, true);
  return out;
}

function decodeTemplate(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(PACKAGE_TEMPLATE_DIM);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < PACKAGE_TEMPLATE_DIM; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
