/**
 * enroll.photo with the real face pipeline on ../shared/faces, real sealed boxes and the
 * real vault (L1, L4, L5, L6); enroll.at_gate with a gate callback (L1).
 */
import { readFileSync } from "node:fs";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultModelsDir } from "../../../../models/manifest.js";
import type { PhotoAnalyzer } from "../../../../sdk/commands/handlers/index.js";
import { loadSodium } from "../../../../sdk/crypto/sodium.js";
import { DEFAULT_MATCH_THRESHOLD, type FaceAnalysis, type FacePipeline, cosineSimilarity, createFacePipeline } from "../../../../sdk/vision/index.js";
import { facePath, facesAvailable } from "../../../support/faces.js";
import { RecordingSink } from "../../../support/secure-store-fixture.js";
import { type HandlerHarness, addResident, consentBody, makeHandlerHarness } from "./handler-harness.js";
import { verifiedModels } from "../../../../models/verify.js";

/** The real pipeline, recording what it was given and what it returned (to check the wiping). */
class SpyPipeline implements PhotoAnalyzer {
  readonly inputs: Uint8Array[] = [];
  readonly outputs: FaceAnalysis[] = [];
  constructor(private readonly real: FacePipeline) {}
  async analyze(input: Uint8Array, options: Parameters<PhotoAnalyzer["analyze"]>[1]): Promise<FaceAnalysis> {
    this.inputs.push(input);
    const out = await this.real.analyze(input, options);
    this.outputs.push(out);
    return out;
  }
}

const TIGHT = { quality: { edgeMargin: -1 } } as const;

async function sealFor(h: HandlerHarness, photo: Uint8Array): Promise<string> {
  const sodium = await loadSodium();
  return Buffer.from(sodium.crypto_box_seal(photo, h.store.publicKeys.boxPublicKey)).toString("base64");
}

describe.skipIf(!facesAvailable)("enroll.photo (real face pipeline, L1 L4 L6)", () => {
  let real: FacePipeline;
  let spy: SpyPipeline;
  let h: HandlerHarness;

  beforeAll(async () => {
    real = await createFacePipeline({ models: verifiedModels(defaultModelsDir() )});
  });
  afterAll(async () => {
    await real?.close();
  });
  beforeEach(async () => {
    spy = new SpyPipeline(real);
    h = await makeHandlerHarness({ pipeline: spy });
    await addResident(h, "amy");
  });
  afterEach(async () => {
    await h.close();
  });

  async function embeddingOf(path: string): Promise<Float32Array> {
    const a = await real.analyze(readFileSync(path), TIGHT);
    return a.faces[a.primaryIndex!]!.embedding!;
  }

  it("enrolls the one face of a sealed photo; the template matches the person and nobody else", async () => {
    await h.send("consent.record", consentBody(h, "amy"));
    const photo = readFileSync(facePath("identities", "amy", "amy1.png"));
    const r = await h.send("enroll.photo", { subjectRef: "amy", sealedPhoto: await sealFor(h, photo) });
    expect(r.status).toBe("ok");
    expect(r.result).toEqual({ subjectRef: "amy", enrolled: true, templateCount: 1 });

    // In the gallery, and sealed in the vault (decrypts on the next start).
    const [template] = [...h.sink.templates.get("amy")!.values()];
    expect(cosineSimilarity(template!, await embeddingOf(facePath("identities", "amy", "amy3.png")))).toBeGreaterThan(DEFAULT_MATCH_THRESHOLD);
    expect(cosineSimilarity(template!, await embeddingOf(facePath("strangers", "neutral.jpg")))).toBeLessThan(DEFAULT_MATCH_THRESHOLD);
    const reloaded = new RecordingSink();
    expect(h.store.vault.loadInto(reloaded)).toMatchObject({ subjects: 1, templates: 1 });
    expect(h.store.audit.entries().find((e) => e.type === "vault.enrolled")).toMatchObject({ actor: h.operator.keyId, subject: "amy" });
  });

  it("wipes the photo and every embedding, and stores no image (L4)", async () => {
    await h.send("consent.record", consentBody(h, "amy"));
    const photo = readFileSync(facePath("identities", "amy", "amy2.png"));
    await h.send("enroll.photo", { subjectRef: "amy", sealedPhoto: await sealFor(h, photo) });
    expect(spy.inputs).toHaveLength(1);
    expect(spy.inputs[0]!.every((b) => b === 0)).toBe(true);
    const faces = spy.outputs[0]!.faces;
    expect(faces.some((f) => f.embedding)).toBe(true);
    for (const f of faces) expect(f.embedding?.every((x) => x === 0) ?? true).toBe(true);
    // No slice of the photo in the database or its WAL.
    h.store.db.pragma("wal_checkpoint(TRUNCATE)");
    const db = readFileSync(h.dbPath);
    const slice = photo.subarray(photo.length >> 1, (photo.length >> 1) + 48);
    expect(db.indexOf(slice)).toBe(-1);
  });

  it("refuses without consent before opening the photo (L1)", async () => {
    const photo = readFileSync(facePath("identities", "amy", "amy1.png"));
    const r = await h.send("enroll.photo", { subjectRef: "amy", sealedPhoto: await sealFor(h, photo) });
    expect(r.error?.code).toBe("consent_missing");
    expect(spy.inputs).toHaveLength(0);
    expect(h.store.vault.counts("amy").templates).toBe(0);
  });

  it("refuses a consent id that does not belong to the subject", async () => {
    await h.send("consent.record", consentBody(h, "amy"));
    const photo = readFileSync(facePath("identities", "amy", "amy1.png"));
    const r = await h.send("enroll.photo", { subjectRef: "amy", consentId: "not-a-consent", sealedPhoto: await sealFor(h, photo) });
    expect(r.error?.code).toBe("not_found");
    expect(spy.inputs).toHaveLength(0);
  });

  it("answers clear codes for no face, several faces, a non-image, a truncated image and a box sealed to another key", async () => {
    await h.send("consent.record", consentBody(h, "amy"));
    const grey = await sharp({ create: { width: 320, height: 240, channels: 3, background: "#808080" } }).png().toBuffer();
    const two = await sharp({ create: { width: 300, height: 150, channels: 3, background: "#808080" } })
      .composite([
        { input: readFileSync(facePath("identities", "amy", "amy1.png")), left: 0, top: 0 },
        { input: readFileSync(facePath("identities", "raj", "raj1.png")), left: 150, top: 0 },
      ])
      .png()
      .toBuffer();
    const garbage = Buffer.from("this is not an image at all, just text pretending to be a photo");
    const png = readFileSync(facePath("identities", "amy", "amy4.png"));
    const truncated = png.subarray(0, png.length >> 1);
    const sodium = await loadSodium();
    const otherKey = sodium.crypto_box_keypair();
    const wrongBox = Buffer.from(sodium.crypto_box_seal(grey, otherKey.publicKey)).toString("base64");

    expect((await h.send("enroll.photo", { subjectRef: "amy", sealedPhoto: await sealFor(h, grey) })).error?.code).toBe("enroll_no_face");
    expect((await h.send("enroll.photo", { subjectRef: "amy", sealedPhoto: await sealFor(h, two) })).error?.code).toBe("enroll_many_faces");
    expect((await h.send("enroll.photo", { subjectRef: "amy", sealedPhoto: await sealFor(h, garbage) })).error?.code).toBe("image_unsupported");
    expect((await h.send("enroll.photo", { subjectRef: "amy", sealedPhoto: await sealFor(h, truncated) })).error?.code).toBe("image_corrupt");
    expect((await h.send("enroll.photo", { subjectRef: "amy", sealedPhoto: wrongBox })).error?.code).toBe("integrity_sealed_box");
    // A 1 x 1,000,000 strip (a few KB, under the pixel limit) is refused before any resampling.
    const strip = await sharp({ create: { width: 1, height: 1_000_000, channels: 3, background: "#000" } }).png({ compressionLevel: 9 }).toBuffer();
    const stripAnswer = await h.send("enroll.photo", { subjectRef: "amy", sealedPhoto: await sealFor(h, strip) });
    expect(stripAnswer.error).toEqual({ code: "image_bad_shape", message: "image of 1x1000000 is more elongated than 4:1" });
    expect(h.store.vault.counts("amy").templates).toBe(0);
    // Whatever failed, what was opened was wiped.
    for (const input of spy.inputs) expect(input.every((b) => b === 0)).toBe(true);
    for (const out of spy.outputs) for (const f of out.faces) expect(f.embedding?.every((x) => x === 0) ?? true).toBe(true);
  });
});

describe("enroll.at_gate (L1)", () => {
  let h: HandlerHarness;
  afterEach(async () => {
    await h.close();
  });

  it("invites the person to enroll at the gate once consent is valid", async () => {
    h = await makeHandlerHarness({ atGate: true });
    await addResident(h, "p-1");
    const refused = await h.send("enroll.at_gate", { subjectRef: "p-1" });
    expect(refused.error?.code).toBe("consent_missing");
    expect(h.invitations).toEqual([]);

    await h.send("consent.record", consentBody(h, "p-1"));
    const r = await h.send("enroll.at_gate", { subjectRef: "p-1", windowSeconds: 300 });
    expect(r.result).toEqual({ subjectRef: "p-1", windowEndsAt: h.clock.now() + 300_000 });
    expect(h.invitations).toEqual([{ personRef: "p-1", validForMs: 300_000 }]);
  });

  it("is command_unsupported on a device without a gate callback, and enroll.photo without a pipeline", async () => {
    h = await makeHandlerHarness();
    await addResident(h, "p-1");
    await h.send("consent.record", consentBody(h, "p-1"));
    expect((await h.send("enroll.at_gate", { subjectRef: "p-1" })).error?.code).toBe("command_unsupported");
    const sealedPhoto = await sealFor(h, new Uint8Array(100).fill(1));
    expect((await h.send("enroll.photo", { subjectRef: "p-1", sealedPhoto })).error?.code).toBe("command_unsupported");
  });
});
