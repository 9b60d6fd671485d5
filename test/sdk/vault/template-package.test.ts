/**
 * Sealed template packages between two real secure stores (two devices' keys, real
 * libsodium): what the vault exports opens only at its receiver and gives back exactly the
 * vault's template; a package whose signed binding differs from its sealed one (a signing
 * gate pasting one subject's sealed part under another's name) is refused; the export is
 * audited without template bytes; a subject without templates exports nothing.
 */
import { describe, expect, it } from "vitest";
import { loadSodium } from "../../../sdk/crypto/sodium.js";
import { SIGNING_CONTEXTS, type TemplatePackage, signingBytes, toBase64 } from "../../../sdk/protocol/index.js";
import { openTemplatePackage, packageSignatureValid } from "../../../sdk/vault/template-package-seal.js";
import type { PackageOrder } from "../../../sdk/vault/template-vault.js";
import { findIn, templateNeedles } from "../site/sync/sync-support.js";
import { type Fixture, RecordingSink, consentInput, embedding, openFixture } from "../../support/secure-store-fixture.js";

const MODEL = { id: "fr_feature.onnx", version: "1" };

function order(from: Fixture, to: Fixture, packageId: string): PackageOrder {
  return {
    signer: from.store.signer,
    site: "site-1",
    from: "gate-a",
    to: { gateId: "gate-b", boxPublicKey: to.store.publicKeys.boxPublicKey },
    consentId: "consent-1",
    consentEvidence: "sha256:" + "ab".repeat(32),
    model: MODEL,
    issuedAt: from.clock.now(),
    packageId,
  };
}

async function enrolledAtA(): Promise<{ a: Fixture; b: Fixture; c: Fixture; template: Float32Array }> {
  const [a, b, c] = [await openFixture(), await openFixture(), await openFixture()];
  a.store.consents.give(consentInput(a, "s1"));
  a.store.consents.give(consentInput(a, "s2"));
  a.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [embedding(7)] });
  a.store.vault.enroll({ subjectId: "s2", gateId: "gate-a", embeddings: [embedding(8)] });
  const sink = new RecordingSink();
  a.store.vault.loadInto(sink, { decryptIn: "main-thread" });
  const template = [...sink.templates.get("s1")!.values()][0]!;
  return { a, b, c, template };
}

describe("sealed template packages (issue 14)", () => {
  it("opens only at its receiver, giving back exactly the template the sender's vault holds", async () => {
    const { a, b, c, template } = await enrolledAtA();
    const sodium = await loadSodium();
    const [pkg] = a.store.vault.sealForGates("s1", [order(a, b, "p-1")], "op-key");
    expect(pkg).toMatchObject({ format: "facegate-template-package/1", from: "gate-a", to: "gate-b", subjectRef: "s1", templateCount: 1, deviceKeyId: a.store.publicKeys.keyId });
    expect(packageSignatureValid(sodium, pkg!, a.store.publicKeys.signingPublicKey)).toBe(true);
    expect(packageSignatureValid(sodium, pkg!, b.store.publicKeys.signingPublicKey)).toBe(false);
    const opened = openTemplatePackage({ sodium, pkg: pkg!, senderSigningKey: a.store.publicKeys.signingPublicKey, openSealed: (x) => b.store.keys.openSealed(x) });
    expect(opened).toHaveLength(1);
    expect(Array.from(opened[0]!)).toEqual(Array.from(template));
    // The package itself carries none of the template's bytes, raw or base64 (the needles do find them in the template).
    const needles = templateNeedles(template);
    expect(findIn([Buffer.from(JSON.stringify(pkg))], [...needles.raw, ...needles.base64])).toEqual([]);
    expect(findIn([Buffer.from(toBase64(needles.bytes))], needles.base64)).toEqual(needles.base64.map(() => "payload#0"));
    // Another device's key cannot open it.
    expect(() => openTemplatePackage({ sodium, pkg: pkg!, senderSigningKey: a.store.publicKeys.signingPublicKey, openSealed: (x) => c.store.keys.openSealed(x) })).toThrow(
      expect.objectContaining({ code: "sync_package_corrupt" }),
    );
    // Audited at the sender, without a template byte.
    const audit = a.store.audit.entries().filter((e) => e.type === "vault.packaged");
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toEqual({ templates: 1, packages: [{ to: "gate-b", packageId: "p-1" }] });
    for (const x of [a, b, c]) x.store.close();
  });

  it("refuses a signed package whose sealed binding is another's (a sealed part pasted under another subject)", async () => {
    const { a, b } = await enrolledAtA();
    const sodium = await loadSodium();
    const [forS1] = a.store.vault.sealForGates("s1", [order(a, b, "p-2")]);
    const { signature: _sig, ...unsigned } = forS1!;
    const relabelled = { ...unsigned, subjectRef: "s2" };
    const pasted: TemplatePackage = { ...relabelled, signature: toBase64(a.store.signer.sign(signingBytes(SIGNING_CONTEXTS.templatePackage, relabelled))) };
    expect(packageSignatureValid(sodium, pasted, a.store.publicKeys.signingPublicKey)).toBe(true);
    expect(() => openTemplatePackage({ sodium, pkg: pasted, senderSigningKey: a.store.publicKeys.signingPublicKey, openSealed: (x) => b.store.keys.openSealed(x) })).toThrow(
      expect.objectContaining({ code: "sync_package_corrupt", message: expect.stringContaining("sealed binding differs") }),
    );
    a.store.close();
    b.store.close();
  });

  it("exports nothing for a subject without templates", async () => {
    const { a, b } = await enrolledAtA();
    expect(() => a.store.vault.sealForGates("s-none", [order(a, b, "p-3")])).toThrow(expect.objectContaining({ code: "sync_no_templates" }));
    a.store.close();
    b.store.close();
  });
});
