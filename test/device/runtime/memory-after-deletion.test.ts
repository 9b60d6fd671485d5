/**
 * L5, L7 in memory: right after `subject.delete`, the running gate holds nothing of the
 * resident's face data. A gate runs in a process of its own (the real runtime and models
 * on simulated hardware, test/support/memory-gate-child.ts); the test is the property
 * office across a real broker, and reads the gate's memory from outside through
 * /proc/PID/mem, as anyone with a core dump, a swap file or a debugger could.
 *
 * What is searched for, each computed here independently of the gate:
 *  - the sealed template as stored (ciphertext) and the wrapped data key's plaintext, the
 *    32-byte data key itself (unwrapped here with the gate's key file);
 *  - the embedding (the opened template: float32, and as float64 values the way a
 *    JavaScript array would hold them) and its gallery codes;
 *  - the photo as sent, its decoded pixels, and the aligned 112 x 112 face crop (and its
 *    mirror) that the embedding model saw.
 *
 * The gate runs as installed: with glibc's freed-memory wipe (device/runtime/malloc-wipe.ts,
 * set by the systemd unit); libsodium's heap and SQLite's row buffer are wiped by the
 * code itself (sdk/crypto/sodium.ts, sdk/deletion/deletion-service.ts).
 *
 * Controls: before the deletion the scan finds what the gate must hold then (the gallery
 * codes); afterwards the gate is told to keep a copy of each needle group, and the scan
 * finds every group: the method can see each kind of data where it is.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultModelsDir } from "../../../models/manifest.js";
import { verifiedModels } from "../../../models/verify.js";
import { KeyHierarchy } from "../../../sdk/crypto/key-hierarchy.js";
import { FileKeyProvider } from "../../../sdk/crypto/key-provider.js";
import { type Ed25519KeyPair, generateEd25519KeyPair } from "../../../sdk/crypto/keys.js";
import { loadSodium } from "../../../sdk/crypto/sodium.js";
import { COARSE_BYTES, DIMS, FINE_BYTES, encodeTemplate, normalizeInto } from "../../../sdk/matcher/template-codes.js";
import { buildCommand } from "../../../sdk/operator/command-builder.js";
import { OperatorClient } from "../../../sdk/operator/operator-client.js";
import { type CommandBodies, type CommandType, toBase64 } from "../../../sdk/protocol/index.js";
import { ManualClock } from "../../../sdk/time/clock.js";
import { openTemplate } from "../../../sdk/vault/template-codec.js";
import { alignFace, ALIGNED_SIZE } from "../../../sdk/vision/aligner.js";
import { EMBEDDING_CHANNELS, mirrorPlanes } from "../../../sdk/vision/embedder.js";
import { createFacePipeline, decodeImage } from "../../../sdk/vision/index.js";
import { withMallocWipe } from "../../../device/runtime/malloc-wipe.js";
import { startTestBroker, type TestBroker } from "../../support/broker.js";
import { facePath, facesAvailable } from "../../support/faces.js";
import { scanProcessMemory, spreadWindows } from "../../support/process-memory.js";

const TSX = new URL("../../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
const CHILD = new URL("../../support/memory-gate-child.ts", import.meta.url).pathname;
const DAY = 86_400_000;
const PERSON = "p-mem-0101";

let broker: TestBroker;
let child: ChildProcess;
let dataDir: string;
let op: OperatorClient;
let admin: Ed25519KeyPair;
let gate: { site: string; gate: string; prefix: string; noticeHash: string; clock: ManualClock; signing: Uint8Array; box: Uint8Array };
const childErrors: string[] = [];

function request<T>(message: unknown, answer: string, ms = 60_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gate process did not answer ${answer}`)), ms);
    const on = (m: Record<string, unknown>): void => {
      if ("error" in m) childErrors.push(String(m["error"]));
      if (answer in m || "error" in m) {
        clearTimeout(timer);
        child.off("message", on);
        if ("error" in m) reject(new Error(String(m["error"])));
        else resolve(m[answer] as T);
      }
    };
    child.on("message", on);
    child.send(message as object);
  });
}

async function sendOk<T extends CommandType>(type: T, body: CommandBodies[T]): Promise<Record<string, unknown>> {
  const command = await buildCommand({ site: gate.site, gate: gate.gate, type, body, key: admin, sealTo: gate.box, clock: gate.clock });
  const r = await op.send(command, { devicePublicKey: gate.signing, timeoutMs: 30_000 });
  if (r.status !== "ok" || !r.result) throw new Error(`${type} failed: ${r.error?.code}: ${r.error?.message}`);
  return r.result as Record<string, unknown>;
}

/** Float64 bytes of consecutive values, as a JavaScript number array or a Float64Array holds them. */
function float64Windows(v: Float32Array, count: number): Buffer[] {
  const out: Buffer[] = [];
  const step = Math.floor((v.length - 3) / count);
  for (let i = 0; i + 3 <= v.length && out.length < count; i += step) {
    const b = Buffer.alloc(24);
    for (let k = 0; k < 3; k++) b.writeDoubleLE(v[i + k]!, k * 8);
    out.push(b);
  }
  return out;
}

function asBytes(v: Float32Array): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

async function gcInGate(): Promise<void> {
  await request({ gc: true }, "gcDone");
}

beforeAll(async () => {
  if (!facesAvailable) return;
  broker = await startTestBroker();
  admin = await generateEd25519KeyPair();
  dataDir = mkdtempSync(join(tmpdir(), "fg-memscan-"));
  const tag = Math.random().toString(16).slice(2, 10);
  const site = `site-${tag}`;
  const prefix = `m${tag}`;
  child = fork(CHILD, [], { env: withMallocWipe(process.env), execArgv: ["--expose-gc", "--import", TSX], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ready = await request<{ gate: string; clock: number; noticeHash: string; signingPublicKey: string; boxPublicKey: string }>(
    { start: { url: broker.url, protocolVersion: broker.protocolVersion, prefix, site, admin: toBase64(admin.publicKey), dataDir } },
    "ready",
    120_000,
  );
  gate = { site, gate: ready.gate, prefix, noticeHash: ready.noticeHash, clock: new ManualClock(ready.clock), signing: Buffer.from(ready.signingPublicKey, "base64"), box: Buffer.from(ready.boxPublicKey, "base64") };
  op = new OperatorClient({ url: broker.url, prefix, protocolVersion: broker.protocolVersion });
  await op.start();
}, 180_000);

afterAll(async () => {
  await op?.stop().catch(() => undefined);
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    child.send({ stop: true });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  await broker?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("the gate's memory after subject.delete (L5, L7)", () => {
  it.skipIf(!facesAvailable)("holds no byte of the template, its data key, the embedding, the face crop or the photo; the scan finds each when it is there", async () => {
    const sodium = await loadSodium();
    const photoFile = facePath("identities", "amy", "amy1.png");
    const photo = readFileSync(photoFile);

    await sendOk("person.upsert", { personRef: PERSON, cards: ["C0FFEE0777"], pin: "482913" });
    const now = gate.clock.now();
    await sendOk("consent.record", {
      subjectRef: PERSON,
      personRef: PERSON,
      noticeHash: gate.noticeHash,
      scope: { purpose: "entry_verification", gates: ["lobby"] },
      method: "written",
      collectedBy: "staff-7",
      givenAt: now,
      expiresAt: now + 90 * DAY,
      evidence: { kind: "paper_form", sha256: "ab".repeat(32), reference: `form-${PERSON}` },
    });
    const sealedPhoto = sodium.crypto_box_seal(photo, gate.box);
    expect(await sendOk("enroll.photo", { subjectRef: PERSON, sealedPhoto: toBase64(sealedPhoto) })).toMatchObject({ enrolled: true });

    // What the gate stored, read here from its database and unwrapped with its key file.
    const db = new Database(join(dataDir, "facegate.db"), { readonly: true, fileMustExist: true });
    const key = db.prepare("SELECT key_version, wrapped_key, nonce FROM subject_keys WHERE subject_id = ?").get(PERSON) as { key_version: number; wrapped_key: Buffer; nonce: Buffer };
    const row = db.prepare("SELECT id, key_version, nonce, ciphertext FROM templates WHERE subject_id = ?").get(PERSON) as { id: string; key_version: number; nonce: Buffer; ciphertext: Buffer };
    db.close();
    const keys = await KeyHierarchy.fromProvider({ provider: new FileKeyProvider({ path: join(dataDir, "keys", "device.key") }), create: false });
    const dataKey = keys.unwrapDataKey({ subjectId: PERSON, keyVersion: key.key_version }, { wrapped: key.wrapped_key, nonce: key.nonce });
    keys.close();
    const template = openTemplate(sodium, dataKey, { subjectId: PERSON, templateId: row.id, keyVersion: row.key_version }, { nonce: row.nonce, ciphertext: row.ciphertext });

    // The gallery codes the gate's index holds for this template.
    const unit = new Float64Array(DIMS);
    normalizeInto(template, unit, "embedding");
    const coarse = new Uint8Array(COARSE_BYTES);
    const fine = new Uint8Array(FINE_BYTES);
    encodeTemplate(unit, coarse, 0, fine, 0);

    // The crop the embedding model saw: the same analysis as the gate's enrollment, here.
    const pipeline = await createFacePipeline({ models: verifiedModels(defaultModelsDir()) });
    const analysis = await pipeline.analyze(photo, { liveness: false, quality: { edgeMargin: -1 } });
    await pipeline.close();
    const face = analysis.faces[analysis.primaryIndex!]!;
    // Same landmarks as at the gate: the embedding computed here is the gate's template.
    let diff = 0;
    for (let i = 0; i < template.length; i++) diff = Math.max(diff, Math.abs(template[i]! - face.embedding![i]!));
    expect(diff).toBeLessThan(1e-5);
    const image = await decodeImage(photo);
    const crop = new Float32Array(3 * ALIGNED_SIZE * ALIGNED_SIZE);
    alignFace(image, face.landmarks!, crop, EMBEDDING_CHANNELS);
    const mirrored = Float32Array.from(crop);
    mirrorPlanes(mirrored, ALIGNED_SIZE);

    const needles: Record<string, Buffer[]> = {
      "template ciphertext": spreadWindows(row.ciphertext, 32, 16),
      "data key": [Buffer.from(dataKey)],
      "embedding (float32)": spreadWindows(asBytes(template), 16, 32),
      "embedding (float64)": float64Windows(template, 16),
      "gallery codes": [...spreadWindows(coarse, 16, 4), ...spreadWindows(fine, 32, 8)],
      "photo (file)": spreadWindows(photo, 32, 32),
      "photo (pixels)": spreadWindows(image.data, 48, 32),
      // Crop values are multiples of 1/128: few distinct bytes per float, so longer windows.
      "face crop": [...spreadWindows(asBytes(crop), 64, 16, 8), ...spreadWindows(asBytes(mirrored), 64, 16, 8)],
    };
    for (const [name, ns] of Object.entries(needles)) expect(ns.length, name).toBeGreaterThan(0);

    // Control 1: enrolled and matchable, the gate holds the gallery codes.
    await gcInGate();
    const before = scanProcessMemory(child.pid!, needles);
    expect(before.hits["gallery codes"]!.length, "the scan finds the codes the gallery holds").toBeGreaterThan(0);

    const deleted = await sendOk("subject.delete", { subjectRef: PERSON, reason: "resident_request", reference: "ticket-0815" });
    expect(deleted["receipt"]).toMatchObject({ subjectRef: PERSON, deleted: { templates: 1, dataKeys: 1 } });

    await gcInGate();
    const after = scanProcessMemory(child.pid!, needles);
    console.info(`memory after subject.delete: ${(after.bytes / 2 ** 20).toFixed(0)} MiB read; before deletion found: ${Object.entries(before.hits).filter(([, h]) => h.length > 0).map(([k]) => k).join(", ") || "nothing"}`);
    expect(after.hits).toEqual(Object.fromEntries(Object.keys(needles).map((k) => [k, []])));

    // Control 2: the gate keeps a copy of each group; the scan finds every one.
    for (const ns of Object.values(needles)) await request({ hold: Buffer.concat(ns).toString("base64") }, "held");
    const control = scanProcessMemory(child.pid!, needles);
    for (const [name, hits] of Object.entries(control.hits)) expect(hits.length, `the scan finds ${name} when it is there`).toBeGreaterThan(0);
    expect(childErrors).toEqual([]);
  }, 240_000);
});
